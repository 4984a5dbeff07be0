"""Browser tours of the auditor and the approver: an X12 210 file imported with the wizard,
audited against the contract, the expected amounts proposed; another person approves them,
the bill is posted and its *Freight Audit* tab shows the saving.

The contract is freight_audit's test contract, built with its factories
(``freight_audit/tests/factories.py``): 1.20/kg from 250 kg, fuel 10 % of the base freight in
the first half of 2026. The shipment weighs 412.5 kg: 495.00 of freight and 49.50 of fuel are
expected. The carrier bills 560.00 and 56.00 (616.00) in the X12 210 file the auditor uploads
(``AUDIT_210``, the same text as the tour's; built by freight_audit's ``x12_invoice``).

Segregation of duties, in the UI: the auditor is an approver too, but he proposed the
amounts (he edited the case), so his own approval is refused; the approver, who edited
nothing, approves. Accounting sees the saving (616.00 - 544.50 = 71.50) on the bill.
"""

import datetime

from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.freight_audit.tests import factories
from odoo.addons.freight_audit.tests.common import FreightAuditCommon
from odoo.addons.logistics_connector.tests.factories import make_backend

SHIP_DAY = datetime.datetime(2026, 1, 15, 8, 0)
LINES = [("SHP-AUD-1", "400", 560.00), ("SHP-AUD-1", "FUE", 56.00)]


@tagged("post_install", "-at_install")
class TestAuditTour(HttpCase):
    def setUp(self):
        super().setUp()
        env = self.env
        self.company = company = env.company
        company.logistics_environment = "production"
        france = env.ref("base.fr")
        factories.place_company_in_lyon(company, france)
        factories.set_freight_policy(company)
        self.carrier = env["res.partner"].create({"name": "Audit Road Freight", "is_company": True})
        customer = factories.make_customer(env, "Audit Tour Customer", france)
        self.edi = make_backend(env, "Audit carrier EDI", "tour-audit-edi", "carrier")
        freight = factories.make_expense_account(env, company, "Tour audit freight", "619200")
        fuel = factories.make_expense_account(env, company, "Tour audit fuel", "619300")
        base_type = factories.make_charge_type(
            env, "Tour audit freight", "TAFRT", "base", factories.make_cost_product(env, "Tour audit freight"), freight
        )
        fuel_type = factories.make_charge_type(
            env, "Tour audit fuel", "TAFUE", "fuel", factories.make_cost_product(env, "Tour audit fuel"), fuel
        )
        factories.map_carrier(env, self.edi, "FFRT", self.carrier)
        factories.map_charge_codes(env, self.edi, {"400": base_type, "FUE": fuel_type})
        schedule = factories.make_fuel_schedule(env, self.carrier, "Audit tour fuel 2026")
        factories.make_rate_card(
            env, self.carrier, "Audit tour road 2026", france, company.currency_id, fuel_schedule=schedule
        )
        vals = factories.shipment_vals("SHP-AUD-1", 412.5, self.carrier, company, customer, SHIP_DAY)
        # Status and proof of delivery are set by the shipment's transitions only: test data in sudo.
        self.shipment = env["logistics.shipment"].sudo().create(vals)
        self.auditor = new_test_user(
            env, login="tour_auditor", name="Tour Auditor", groups="freight_audit.group_freight_approver"
        )
        self.approver = new_test_user(
            env,
            login="tour_approver2",
            name="Tour Approver Two",
            groups="freight_audit.group_freight_approver,account.group_account_invoice",
        )

    def test_import_audit_propose_then_approve_and_bill(self):
        currency = self.company.currency_id.name
        self.assertEqual(currency, "USD", "the tour's X12 file bills in USD, the company's currency")
        Invoice = self.env["freight.invoice"]
        self.assertFalse(Invoice.search([("name", "=", "AUD-210-1")]))

        # The auditor: the file through the wizard, the audit, the case, the proposal; his own
        # approval is refused.
        self.start_tour("/odoo", "logistics_audit_tour", login="tour_auditor")

        self.env.invalidate_all()
        invoice = Invoice.search([("name", "=", "AUD-210-1")])
        self.assertEqual(len(invoice), 1)
        message = self.env["logistics.message"].search(
            [("message_type", "=", "x12_210"), ("backend_id", "=", self.edi.id)]
        )
        self.assertRecordValues(message, [{"state": "done", "create_uid": self.auditor.id}])
        self.assertEqual(
            message._get_payload_bytes(), FreightAuditCommon.x12_invoice("AUD-210-1", LINES, "USD", control=21)
        )
        self.assertRecordValues(
            invoice,
            [
                {
                    "state": "exception",
                    "carrier_partner_id": self.carrier.id,
                    "amount_total": 616.0,
                    "amount_expected": 544.5,
                }
            ],
        )
        self.assertEqual(invoice.line_ids.shipment_id, self.shipment)
        case = invoice.case_ids
        self.assertRecordValues(
            case,
            [
                {
                    "state": "in_review",
                    "user_id": self.auditor.id,
                    "amount_billed": 616.0,
                    "amount_expected": 544.5,
                    "amount_proposed": 544.5,
                    "amount_approved": 0.0,
                    "approved_by_id": False,
                }
            ],
        )
        self.assertIn(self.auditor, case.edited_by_ids)
        self.assertFalse(invoice.vendor_bill_id)

        # The approver approves the proposal; the bill is posted; its tab shows the saving.
        self.start_tour("/odoo", "logistics_approval_tour", login="tour_approver2")

        self.env.invalidate_all()
        self.assertRecordValues(
            case,
            [
                {
                    "state": "approved",
                    "approval_type": "partial",
                    "amount_approved": 544.5,
                    "approved_by_id": self.approver.id,
                }
            ],
        )
        self.assertNotIn(self.approver, case.edited_by_ids)
        self.assertEqual(invoice.state, "billed")
        bill = invoice.vendor_bill_id
        self.assertRecordValues(
            bill,
            [
                {
                    "move_type": "in_invoice",
                    "state": "posted",
                    "partner_id": self.carrier.id,
                    "amount_total": 544.5,
                    "ref": "AUD-210-1",
                    "freight_amount_billed": 616.0,
                    "freight_amount_approved": 544.5,
                    "freight_amount_saved": 71.5,
                    "freight_approved_by_id": self.approver.id,
                }
            ],
        )
