"""Landed costs whatever the order of arrival: the carrier bill posted before or after the receipt
of its inbound shipment is validated; one landed cost per bill and shipment, posted in accounting."""

from odoo import Command
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import FreightAuditCommon


@tagged("post_install", "-at_install")
class TestLandedCostLate(FreightAuditCommon, AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_freight()
        category = cls.env["product.category"].create(
            {"name": "FIFO real time", "property_cost_method": "fifo", "property_valuation": "real_time"}
        )
        # 10 x 2 kg = 20 kg and 20 x 3 kg = 60 kg: 80 kg; 200.00 freight -> 50.00 and 150.00.
        cls.widget, cls.gadget = cls.env["product.product"].create(
            [
                {"name": "Widget", "is_storable": True, "categ_id": category.id, "weight": 2.0, "standard_price": 10.0},
                {"name": "Gadget", "is_storable": True, "categ_id": category.id, "weight": 3.0, "standard_price": 5.0},
            ]
        )
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)

    def make_receipt(self, shipment):
        """A confirmed receipt of 10 widgets and 20 gadgets on ``shipment`` (not validated)."""
        suppliers = self.env.ref("stock.stock_location_suppliers")
        receipt = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.in_type_id.id,
                "partner_id": self.partner_a.id,
                "location_id": suppliers.id,
                "location_dest_id": self.warehouse.lot_stock_id.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": product.name,
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "product_uom": product.uom_id.id,
                            "price_unit": product.standard_price,
                            "location_id": suppliers.id,
                            "location_dest_id": self.warehouse.lot_stock_id.id,
                        }
                    )
                    for product, qty in ((self.widget, 10), (self.gadget, 20))
                ],
            }
        )
        receipt.action_confirm()
        receipt.logistics_shipment_id = shipment
        return receipt

    @staticmethod
    def validate(receipt):
        for move in receipt.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        receipt.button_validate()

    def post_bill(self, number, reference):
        # 80 kg x 1.50 = 120.00 < minimum 150.00 -> 150.00 base; 200.00 billed: a case, approved in full.
        self.journal(
            self.fap_backend,
            "freight_invoice_json",
            self.fap_invoice(number, [(reference, "400", 200.00)], currency=self.currency.name),
            key=number,
        )
        invoice = self.invoices_named(number)
        self.assertEqual(invoice.state, "exception")
        invoice.case_ids.action_approve_full()
        self.assertEqual(invoice.vendor_bill_id.state, "posted")
        return invoice

    def assert_landed_cost(self, invoice, receipt):
        cost = invoice.landed_cost_ids
        self.assertEqual(len(cost), 1)
        self.assertEqual(cost.state, "done")
        self.assertEqual(cost.picking_ids, receipt)
        self.assertEqual(cost.vendor_bill_id, invoice.vendor_bill_id)
        currency = self.company.currency_id
        by_product = {line.product_id: line.additional_landed_cost for line in cost.valuation_adjustment_lines}
        self.assertEqual(set(by_product), {self.widget, self.gadget})
        self.assertTrue(currency.is_zero(by_product[self.widget] - 50.00))
        self.assertTrue(currency.is_zero(by_product[self.gadget] - 150.00))
        # Posted in accounting: 200.00 capitalised on the stock valuation account.
        move = cost.account_move_id
        self.assertEqual(move.state, "posted")
        self.assertTrue(currency.is_zero(move.amount_total - 200.00))
        valuation = self.widget.categ_id.property_stock_valuation_account_id
        debit = sum(move.line_ids.filtered(lambda line: line.account_id == valuation).mapped("debit"))
        self.assertTrue(currency.is_zero(debit - 200.00))
        # Stock values: 10 x 10.00 + 50.00 and 20 x 5.00 + 150.00.
        self.assertTrue(currency.is_zero(self.widget.value_svl - 150.00))
        self.assertTrue(currency.is_zero(self.gadget.value_svl - 250.00))
        return cost

    def test_bill_posted_before_receipt(self):
        shipment = self.make_shipment("SHP-LATE", weight=80, direction="inbound")
        receipt = self.make_receipt(shipment)
        invoice = self.post_bill("INV-LATE-1", "SHP-LATE")
        # The receipt is not done: no landed cost yet, and the chatter says when it comes.
        self.assertFalse(invoice.landed_cost_ids)
        self.assertTrue(invoice.message_ids.filtered(lambda m: "when the receipt is validated" in (m.body or "")))
        self.validate(receipt)
        self.assertEqual(receipt.state, "done")
        invoice.invalidate_recordset()
        cost = self.assert_landed_cost(invoice, receipt)
        # Once: again by either path, nothing more.
        receipt._freight_create_late_landed_costs()
        invoice._create_landed_costs()
        invoice.invalidate_recordset()
        self.assertEqual(invoice.landed_cost_ids, cost)
        self.assertEqual(self.env["stock.landed.cost"].search_count([("freight_shipment_id", "=", shipment.id)]), 1)

    def test_receipt_done_before_bill(self):
        shipment = self.make_shipment("SHP-EARLY", weight=80, direction="inbound")
        receipt = self.make_receipt(shipment)
        self.validate(receipt)
        self.assertEqual(receipt.state, "done")
        self.assertFalse(self.env["stock.landed.cost"].search([("freight_shipment_id", "=", shipment.id)]))
        invoice = self.post_bill("INV-EARLY-1", "SHP-EARLY")
        cost = self.assert_landed_cost(invoice, receipt)
        receipt._freight_create_late_landed_costs()
        invoice.invalidate_recordset()
        self.assertEqual(invoice.landed_cost_ids, cost)

    def test_receipt_without_posted_bill(self):
        """A receipt validated while its carrier invoice is not billed yet creates nothing."""
        shipment = self.make_shipment("SHP-OPEN", weight=80, direction="inbound")
        receipt = self.make_receipt(shipment)
        self.journal(
            self.fap_backend,
            "freight_invoice_json",
            self.fap_invoice("INV-OPEN-1", [("SHP-OPEN", "400", 200.00)], currency=self.currency.name),
            key="INV-OPEN-1",
        )
        invoice = self.invoices_named("INV-OPEN-1")
        self.assertEqual(invoice.state, "exception")
        self.assertFalse(invoice.vendor_bill_id)
        self.validate(receipt)
        self.assertFalse(self.env["stock.landed.cost"].search([("freight_shipment_id", "=", shipment.id)]))
        # Approved later: the bill is posted and the landed cost created then.
        invoice.case_ids.action_approve_full()
        self.assert_landed_cost(invoice, receipt)
