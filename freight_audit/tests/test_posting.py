"""Posting: vendor bill, accrual and reversal, landed costs, customer rebilling, payment status."""

import datetime

import psycopg2

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import FreightAuditCommon


@tagged("post_install", "-at_install")
class TestPosting(FreightAuditCommon, AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_freight()
        cls.accrual_journal = cls.company_data["default_journal_misc"]
        cls.setup_accruals(cls.accrual_journal)
        plan = cls.env["account.analytic.plan"].create({"name": "Customers"})
        cls.analytic = cls.env["account.analytic.account"].create({"name": "Customer One", "plan_id": plan.id})

    def import_fap(self, number, lines, **kw):
        kw.setdefault("currency", self.currency.name)
        self.journal(self.fap_backend, "freight_invoice_json", self.fap_invoice(number, lines, **kw), key=number)
        return self.invoices_named(number)

    def make_sale_order(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.product_rebill.id,
                            "product_uom_qty": 1,
                            "price_unit": 1000.0,
                            "analytic_distribution": {str(self.analytic.id): 100},
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        return order

    def test_vendor_bill_amounts_accounts_analytic(self):
        order = self.make_sale_order()
        self.shipment.sale_id = order
        # 495.00 base + 49.50 fuel + 75.00 liftgate + 80.00 detention (<= 100.00) = 699.50, all inside.
        invoice = self.import_fap(
            "INV-P1",
            [("SHP-A", "400", 495.00), ("SHP-A", "FSC", 49.50), ("SHP-A", "LFT", 75.00), ("SHP-A", "DET", 80.00)],
        )
        bill = invoice.vendor_bill_id
        self.assertEqual(invoice.state, "billed")
        self.assertRecordValues(
            bill,
            [
                {
                    "move_type": "in_invoice",
                    "state": "posted",
                    "partner_id": self.carrier_partner.id,
                    "ref": "INV-P1",
                    "freight_invoice_id": invoice.id,
                    "amount_total": 699.50,
                    "invoice_date": datetime.date(2026, 1, 20),
                }
            ],
        )
        lines = bill.invoice_line_ids.sorted("balance")
        # One line per charge type: fuel 49.50, accessorials 75.00 (liftgate) and 80.00 (detention), base 495.00.
        self.assertRecordValues(
            lines,
            [
                {"account_id": self.account_fuel.id, "balance": 49.50, "product_id": self.product_fuel.id},
                {
                    "account_id": self.account_accessorial.id,
                    "balance": 75.00,
                    "product_id": self.product_accessorial.id,
                },
                {
                    "account_id": self.account_accessorial.id,
                    "balance": 80.00,
                    "product_id": self.product_accessorial.id,
                },
                {"account_id": self.account_freight.id, "balance": 495.00, "product_id": self.product_freight.id},
            ],
        )
        for line in lines:
            self.assertEqual(line.analytic_distribution, {str(self.analytic.id): 100.0})
        self.assertFalse(lines.tax_ids)
        payable = bill.line_ids.filtered(lambda line: line.account_type == "liability_payable")
        self.assertEqual(payable.balance, -699.50)

    def test_second_bill_refused_by_database_and_code(self):
        invoice = self.import_fap("INV-P2", [("SHP-A", "400", 495.00)])
        bill = invoice.vendor_bill_id
        self.assertTrue(bill)
        vals = invoice._prepare_vendor_bill(invoice.line_ids)
        with mute_logger("odoo.sql_db"), self.assertRaises(Exception) as caught:
            with self.env.cr.savepoint():
                # As posting creates bills (superuser: users cannot link a bill to a carrier invoice).
                self.env["account.move"].sudo().create(vals)
        self.assertIsInstance(caught.exception, ValidationError | psycopg2.IntegrityError)
        # The partial unique index holds even without the ORM check.
        other = self.init_invoice("in_invoice", amounts=[10.0])
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.IntegrityError), self.env.cr.savepoint():
            self.env.cr.execute("UPDATE account_move SET freight_invoice_id = %s WHERE id = %s", (invoice.id, other.id))
        self.assertEqual(invoice.sudo()._create_vendor_bill(), bill)
        self.assertEqual(self.env["account.move"].search_count([("freight_invoice_id", "=", invoice.id)]), 1)

    def test_accrual_posted_once_and_reversed_once(self):
        # No invoice yet for SHP-A (delivered): accrue 495.00 base + 49.50 fuel = 544.50.
        accruals = self.env["freight.accrual"]._accrue(datetime.date(2026, 1, 31), datetime.date(2026, 1, 20))
        self.assertEqual(len(accruals), 1)
        self.assertRecordValues(accruals, [{"shipment_id": self.shipment.id, "amount": 544.50, "state": "posted"}])
        move = accruals.move_id
        self.assertEqual(move.state, "posted")
        self.assertRecordValues(
            move.line_ids.sorted("balance"),
            [
                {"account_id": self.accrued_liabilities.id, "balance": -544.50},
                {"account_id": self.accrual_expense.id, "balance": 544.50},
            ],
        )
        self.assertIn("rate card FFRT road 2026 v1", accruals.explanation)
        # The daily job runs again: nothing new.
        self.assertFalse(self.env["freight.accrual"]._accrue(datetime.date(2026, 1, 31), datetime.date(2026, 1, 21)))
        # The bill posts: the accrual is reversed, once.
        invoice = self.import_fap("INV-P3", [("SHP-A", "400", 495.00), ("SHP-A", "FSC", 49.50)])
        self.assertEqual(invoice.vendor_bill_id.state, "posted")
        self.assertEqual(accruals.state, "reversed")
        reversal = accruals.reversal_move_id
        self.assertEqual(reversal.reversed_entry_id, move)
        self.assertEqual(reversal.state, "posted")
        self.assertEqual(
            sum(reversal.line_ids.filtered(lambda line: line.account_id == self.accrual_expense).mapped("balance")),
            -544.50,
        )
        # Posting the bill again (reset and post) and replaying never reverse a second time.
        invoice.vendor_bill_id.button_draft()
        invoice.vendor_bill_id.action_post()
        self.env["freight.accrual"]._reverse_for_shipments(self.shipment, "again")
        self.assertEqual(self.env["account.move"].search_count([("reversed_entry_id", "=", move.id)]), 1)
        # Billed: no accrual any more at the period end.
        self.assertFalse(self.env["freight.accrual"]._cron_period_end(datetime.date(2026, 2, 28)))

    def test_period_end_reaccrues_open_freight(self):
        january = self.env["freight.accrual"]._accrue(datetime.date(2026, 1, 31), datetime.date(2026, 1, 31))
        february = self.env["freight.accrual"]._cron_period_end(datetime.date(2026, 2, 28))
        self.assertEqual(january.state, "reversed")
        self.assertEqual(january.reversal_move_id.date, datetime.date(2026, 2, 1))
        self.assertRecordValues(
            february, [{"period_date": datetime.date(2026, 2, 28), "amount": 544.50, "state": "posted"}]
        )
        self.assertEqual(february.move_id.date, datetime.date(2026, 2, 28))
        # Run twice: still one accrual per period.
        self.assertFalse(self.env["freight.accrual"]._cron_period_end(datetime.date(2026, 2, 28)))
        self.assertEqual(self.env["freight.accrual"].search_count([("shipment_id", "=", self.shipment.id)]), 2)

    def test_rebilling_added_once(self):
        order = self.make_sale_order()
        self.shipment.sale_id = order
        invoice = self.import_fap("INV-P4", [("SHP-A", "400", 495.00), ("SHP-A", "DET", 80.00)])
        rebilled = order.order_line.filtered("freight_invoice_line_id")
        self.assertEqual(len(rebilled), 1)
        self.assertRecordValues(
            rebilled, [{"product_id": self.product_rebill.id, "price_unit": 80.00, "product_uom_qty": 1}]
        )
        detention = invoice.line_ids.filtered(lambda line: line.charge_type_id == self.ct_detention)
        self.assertEqual(detention.rebill_sale_line_id, rebilled)
        invoice._add_rebilling_lines()
        self.env["freight.invoice"]._cron_post_approved()
        self.assertEqual(len(order.order_line.filtered("freight_invoice_line_id")), 1)
        pending = self.env["freight.invoice.line"]._freight_rebilled_pending(order)
        self.assertEqual(pending, rebilled)

    def test_landed_cost_split_by_weight(self):
        category = self.env["product.category"].create(
            {"name": "FIFO real time", "property_cost_method": "fifo", "property_valuation": "real_time"}
        )
        # 10 x 2 kg = 20 kg and 20 x 3 kg = 60 kg: 80 kg; 200.00 freight -> 50.00 and 150.00.
        p1, p2 = self.env["product.product"].create(
            [
                {"name": "Widget", "is_storable": True, "categ_id": category.id, "weight": 2.0, "standard_price": 10.0},
                {"name": "Gadget", "is_storable": True, "categ_id": category.id, "weight": 3.0, "standard_price": 5.0},
            ]
        )
        warehouse = self.env["stock.warehouse"].search([("company_id", "=", self.company.id)], limit=1)
        receipt = self.env["stock.picking"].create(
            {
                "picking_type_id": warehouse.in_type_id.id,
                "partner_id": self.partner_a.id,
                "location_id": self.env.ref("stock.stock_location_suppliers").id,
                "location_dest_id": warehouse.lot_stock_id.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": product.name,
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "product_uom": product.uom_id.id,
                            "price_unit": product.standard_price,
                            "location_id": self.env.ref("stock.stock_location_suppliers").id,
                            "location_dest_id": warehouse.lot_stock_id.id,
                        }
                    )
                    for product, qty in ((p1, 10), (p2, 20))
                ],
            }
        )
        receipt.action_confirm()
        for move in receipt.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        receipt.button_validate()
        self.assertEqual(receipt.state, "done")
        inbound = self.make_shipment("SHP-IN", weight=80, direction="inbound")
        receipt.logistics_shipment_id = inbound
        # 80 kg x 1.50 = 120.00 < minimum 150.00 -> 150.00 base; 200.00 billed: a case, approved in full.
        invoice = self.import_fap("INV-P5", [("SHP-IN", "400", 200.00)])
        self.assertEqual(invoice.state, "exception")
        invoice.case_ids.action_approve_full()
        self.assertEqual(invoice.vendor_bill_id.state, "posted")
        cost = invoice.landed_cost_ids
        self.assertEqual(len(cost), 1)
        self.assertEqual(cost.state, "done")
        self.assertEqual(cost.vendor_bill_id, invoice.vendor_bill_id)
        self.assertEqual(cost.cost_lines.split_method, "by_weight")
        by_product = {line.product_id: line.additional_landed_cost for line in cost.valuation_adjustment_lines}
        self.assertEqual(by_product, {p1: 50.00, p2: 150.00})
        # Again: no second landed cost.
        invoice._create_landed_costs()
        self.assertEqual(len(invoice.landed_cost_ids), 1)

    def test_payment_status_pulled(self):
        invoice = self.import_fap("INV-P6", [("SHP-A", "400", 495.00)])
        self.assertEqual(invoice.fap_payment_state, "none")
        self.assertEqual(self.fap_backend._cron_fap_payment_status(), 0, "the FAP says 'open': nothing")
        self.fap.set_payment("F-INV-P6", "scheduled", date="2026-02-10")
        self.fap_backend._cron_fap_payment_status()
        self.env["logistics.message"]._process_queue()
        self.assertEqual(invoice.vendor_bill_id.freight_payment_state, "scheduled")
        self.fap.set_payment("F-INV-P6", "paid", date="2026-02-10", reference="PAY-9")
        self.fap_backend._cron_fap_payment_status()
        self.fap_backend._cron_fap_payment_status()  # same status again: one journal message
        self.env["logistics.message"]._process_queue()
        self.assertRecordValues(
            invoice,
            [
                {
                    "fap_payment_state": "paid",
                    "fap_payment_reference": "PAY-9",
                    "fap_payment_date": datetime.date(2026, 2, 10),
                }
            ],
        )
        self.assertEqual(invoice.vendor_bill_id.freight_payment_reference, "PAY-9")
        self.assertEqual(
            self.env["logistics.message"].search_count(
                [("message_type", "=", "fap_payment_status"), ("state", "=", "done")]
            ),
            2,
        )
