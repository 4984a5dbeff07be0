"""Company consistency of a batch of carrier invoices and charges (``logistics.company.check.mixin``):
checked per company and field, refused exactly where Odoo's record-by-record check refuses, with
Odoo's message."""

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import FreightAuditCommon


@tagged("post_install", "-at_install")
class TestCompanyCheck(FreightAuditCommon, AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_freight()
        cls.other_company = cls.env["res.company"].create({"name": "Other Freight Company"})
        cls.other_charge = (
            cls.env["freight.charge.type"]
            .sudo()
            .create(
                {
                    "name": "Other base freight",
                    "code": "OBASE",
                    "kind": "base",
                    "product_id": cls.product_freight.id,
                    "company_id": cls.other_company.id,
                }
            )
        )
        cls.other_carrier = cls.env["res.partner"].create({"name": "Other Carrier", "company_id": cls.other_company.id})

    def vals(self, number, charge_types, carrier=None):
        return {
            "name": number,
            "carrier_partner_id": (carrier or self.carrier_partner).id,
            "company_id": self.company.id,
            "amount_total": 10.0 * len(charge_types),
            "line_ids": [
                Command.create(
                    {
                        "shipment_reference": self.shipment.name,
                        "shipment_id": self.shipment.id,
                        "charge_code": charge_type.code,
                        "charge_type_id": charge_type.id,
                        "amount": 10.0,
                    }
                )
                for charge_type in charge_types
            ],
        }

    def test_batch_of_one_company(self):
        Invoice = self.env["freight.invoice"].sudo()
        invoices = Invoice.create([self.vals(f"CC-{i}", [self.ct_base, self.ct_fuel]) for i in range(3)])
        self.assertEqual(len(invoices.line_ids), 6)
        self.assertEqual(invoices.line_ids.company_id, self.company)

    def test_charge_of_another_company_refused_in_a_batch(self):
        Invoice = self.env["freight.invoice"].sudo()
        vals_list = [
            self.vals("CC-10", [self.ct_base, self.ct_fuel]),
            self.vals("CC-11", [self.ct_base, self.other_charge]),
        ]
        with self.assertRaisesRegex(UserError, "Incompatible companies") as caught:
            Invoice.create(vals_list)
        self.assertIn("charge_type_id", str(caught.exception))
        self.assertIn("Other base freight", str(caught.exception))
        # Written afterwards, on several charges at once: refused too.
        invoices = Invoice.create([self.vals(f"CC-2{i}", [self.ct_base]) for i in range(2)])
        with self.assertRaisesRegex(UserError, "Incompatible companies"):
            invoices.line_ids.write({"charge_type_id": self.other_charge.id})

    def test_carrier_of_another_company_refused_in_a_batch(self):
        Invoice = self.env["freight.invoice"].sudo()
        vals_list = [self.vals("CC-30", [self.ct_base]), self.vals("CC-31", [self.ct_base], carrier=self.other_carrier)]
        with self.assertRaisesRegex(UserError, "Incompatible companies") as caught:
            Invoice.create(vals_list)
        self.assertIn("carrier_partner_id", str(caught.exception))
