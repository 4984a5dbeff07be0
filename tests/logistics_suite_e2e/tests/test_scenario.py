"""The whole suite, end to end, against real Odoo, PostgreSQL and HTTP.

A sale order and a purchase order; their transport orders go to a TMS (a loopback HTTP
server) and come back booked; the carrier posts milestones to our webhook over real HTTP
(canonical JSON and X12 214; some out of order, one duplicate, one exception), with a proof
of delivery; before the carrier bills, the freight is accrued; the carrier then bills by
X12 210 (inside the contract, with a rebillable detention) and through the FAP API (one line
over tolerance: an audit case, approved by an approver); vendor bills, the landed cost and
the accrual reversals are posted; the sale order becomes ready and the customer invoice is
created by the scheduled job. Every amount and state is checked.

Figures of the contract (freight_audit/tests/common.py): per kg, 1.20/kg from 250 kg,
1.50/kg below, minimum 150.00; fuel 10 % in January 2026; detention authorised up to 100.00
and rebillable.
"""

import base64
import datetime
import hashlib
import hmac
import json
import time

from odoo import Command
from odoo.tests import HttpCase, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.freight_audit.tests.common import FreightAuditCommon
from odoo.addons.logistics_connector.tests.loopback import TmsServer
from odoo.addons.shipment_events.tests.common import SHIPMENT_EVENT_SETTINGS

WEBHOOK_SECRET = "whsec-e2e-0123456789abcdef"


def x12_214(pro, statuses, control):
    """One X12 214 status message: ``statuses`` are (AT7 code, CCYYMMDD, HHMM, city)."""
    isa = "ISA*00*{:<10}*00*{:<10}*02*{:<15}*ZZ*{:<15}*260116*1600*U*00401*{:09d}*0*P*>~".format(
        "", "", "FFRTEDI", "OURCOMPANY", control
    )
    body = [f"B10*{pro}*{pro}*FFRT"]
    for index, (code, day, clock, city) in enumerate(statuses, start=1):
        body += [f"LX*{index}", f"AT7*{code}*NS***{day}*{clock}*UT", f"MS1*{city}**FR"]
    segments = [isa, f"GS*QM*FFRTEDI*OURCOMPANY*20260116*1600*{control}*X*004010~", "ST*214*0001~"]
    segments += [segment + "~" for segment in body]
    segments += [f"SE*{len(body) + 2}*0001~", f"GE*1*{control}~", f"IEA*1*{control:09d}~"]
    return "\n".join(segments).encode()


@tagged("post_install", "-at_install")
class TestEndToEnd(FreightAuditCommon, AccountTestInvoicingCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_freight()  # carrier, FAP and EDI backends, charge types, the 2026 contract
        env = cls.env
        company = cls.company
        cls.tms = cls.start_server(TmsServer(api_key=("X-API-Key", "tms-key"), booking_extra={"carrier_scac": "FFRT"}))
        cls.tms_backend = cls.make_backend(
            "E2E TMS",
            "e2e-tms",
            "tms",
            base_url=cls.tms.url,
            auth_type="api_key",
            api_key="tms-key",
            http_max_retries=0,
            timeout_read=5,
            auto_send_transport_orders=True,
        )
        cls.carrier, cls.carrier_product = cls.make_delivery_carrier("Road freight (e2e)")
        cls.map_carrier("FFRT", cls.tms_backend)
        # The carrier's milestone feed: its own backend, signed webhooks, processed by the queue.
        cls.edi_backend.write({"webhook_secret": WEBHOOK_SECRET, "process_sync": False})
        company.write({**SHIPMENT_EVENT_SETTINGS, "logistics_auto_transport_order": True, "freight_require_pod": True})
        # Accruals.
        cls.setup_accruals(cls.company_data["default_journal_misc"])
        # Goods: a product sold (12.5 kg) and two products bought (FIFO, real-time valuation).
        category = env["product.category"].create(
            {"name": "E2E FIFO", "property_cost_method": "fifo", "property_valuation": "real_time"}
        )
        cls.pallet = env["product.product"].create(
            {
                "name": "Pallet of widgets",
                "is_storable": True,
                "weight": 12.5,
                "list_price": 20.0,
                "standard_price": 8.0,
                "invoice_policy": "delivery",
                "taxes_id": [Command.clear()],
                "categ_id": category.id,
            }
        )
        cls.widget, cls.gadget = env["product.product"].create(
            [
                {"name": "Widget", "is_storable": True, "weight": 2.0, "standard_price": 10.0, "categ_id": category.id},
                {"name": "Gadget", "is_storable": True, "weight": 3.0, "standard_price": 5.0, "categ_id": category.id},
            ]
        )
        cls.product_rebill.taxes_id = [Command.clear()]
        cls.vendor = env["res.partner"].create(
            {"name": "Widget Factory", "country_id": cls.france.id, "zip": "69007", "city": "Lyon"}
        )
        cls.warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
        env["stock.quant"]._update_available_quantity(cls.pallet, cls.warehouse.lot_stock_id, 100)
        # Billing readiness: POD, everything delivered, rebillable charges reconciled, no open
        # exception, no waiting period; invoices per order, posted by the scheduled job.
        env.user.groups_id |= env.ref("billing_readiness.group_billing_manager")
        Rule = env["billing.readiness.rule"]
        rule_vals = {
            "require_pod": True,
            "delivery_policy": "all",
            "require_charges_reconciled": True,
            "require_no_exception": True,
            "wait_hours": 0,
            "invoice_grouping": "order",
            "auto_invoice": True,
            "auto_post": True,
        }
        rule = Rule.search([("company_id", "=", company.id), ("partner_id", "=", False)], limit=1)
        if rule:
            rule.write(rule_vals)
        else:
            Rule.create(dict(rule_vals, company_id=company.id))
        cls.approver = cls.make_user(
            "e2e_approver",
            "base.group_user,freight_audit.group_freight_approver,logistics_connector.group_logistics_user",
            company,
        )

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def post_webhook(self, body, content_type="application/json"):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        timestamp = str(int(time.time()))
        signature = hmac.new(WEBHOOK_SECRET.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()
        return self.url_open(
            f"/logistics/webhook/{self.edi_backend.code}",
            data=raw,
            headers={
                "Content-Type": content_type,
                "X-Logistics-Timestamp": timestamp,
                "X-Logistics-Signature": f"v1={signature}",
            },
        )

    def readiness(self, order):
        """Sweep like the scheduled job, then (state, hold reason codes) of ``order``."""
        self.env["sale.order"]._cron_billing_sweep()
        order.invalidate_recordset()
        return order.billing_readiness_state, set(order.billing_hold_reason_ids.mapped("code"))

    def process_queue(self):
        count = self.env["logistics.message"]._process_queue()
        problems = self.env["logistics.message"].search(
            [("state", "not in", ("done", "duplicate")), ("direction", "=", "inbound")]
        )
        self.assertFalse(problems, [(m.message_type, m.state, m.last_error, m.missing_mapping_code) for m in problems])
        return count

    @staticmethod
    def event(event_id, ref, status, when, **extra):
        return dict({"event_id": event_id, "tracking_ref": ref, "status": status, "event_time": when}, **extra)

    def validate(self, picking):
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")

    # ------------------------------------------------------------------
    def test_order_to_cash_and_procure_to_pay(self):  # noqa: PLR0915 - one end-to-end story, step by step
        env = self.env
        Message = env["logistics.message"]

        # 1. Orders. The sale's delivery and the purchase's receipt become shipments with
        #    transport orders in the journal (the outbox).
        sale = env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "carrier_id": self.carrier.id,
                "order_line": [Command.create({"product_id": self.pallet.id, "product_uom_qty": 33})],
            }
        )
        sale.action_confirm()
        outbound = sale.logistics_shipment_ids
        self.assertEqual(len(outbound), 1)
        self.assertRecordValues(outbound, [{"status": "tendered", "tms_state": "queued", "weight": 412.5}])
        purchase = env["purchase.order"].create(
            {
                "partner_id": self.vendor.id,
                "order_line": [
                    Command.create({"product_id": self.widget.id, "product_qty": 10, "price_unit": 10.0}),
                    Command.create({"product_id": self.gadget.id, "product_qty": 20, "price_unit": 5.0}),
                ],
            }
        )
        purchase.button_confirm()
        receipt = purchase.picking_ids
        receipt.carrier_id = self.carrier
        inbound = purchase.logistics_shipment_ids
        self.assertRecordValues(inbound, [{"direction": "inbound", "weight": 80.0, "tms_state": "queued"}])
        self.assertEqual(self.tms.creations, 0, "nothing is sent inside the business transaction")

        # 2. The queue sends both transport orders; the TMS books them synchronously.
        self.assertEqual(self.process_queue(), 2)
        self.assertEqual(self.tms.creations, 2)
        self.assertRecordValues(
            outbound + inbound,
            [
                {"status": "booked", "tms_state": "booked", "carrier_partner_id": self.carrier_partner.id},
                {"status": "booked", "tms_state": "booked", "carrier_partner_id": self.carrier_partner.id},
            ],
        )
        out_ref, in_ref = outbound.tracking_ref, inbound.tracking_ref
        self.assertTrue(out_ref and in_ref and out_ref != in_ref)
        self.assertEqual(sale.picking_ids.carrier_tracking_ref, out_ref)

        # 3. Milestones over real HTTP. A JSON batch: picked up, in transit.
        answer = self.post_webhook(
            {
                "events": [
                    self.event("E-1", out_ref, "picked_up", "2026-01-15T08:00:00Z"),
                    self.event("E-2", out_ref, "in_transit", "2026-01-15T14:00:00Z"),
                    self.event("E-10", in_ref, "picked_up", "2026-01-14T09:00:00Z"),
                ]
            }
        )
        self.assertEqual(answer.status_code, 202, answer.text)
        self.assertEqual(len(answer.json()["message_ids"]), 3, "one journal message per event")
        # The same event again: a duplicate, stored once.
        again = self.post_webhook(self.event("E-1", out_ref, "picked_up", "2026-01-15T08:00:00Z"))
        self.assertEqual(again.status_code, 200, again.text)
        self.assertEqual(again.json()["status"], "duplicate")
        # An exception: delayed by weather.
        delayed = self.post_webhook(
            self.event(
                "E-3",
                out_ref,
                "delayed",
                "2026-01-16T06:00:00Z",
                exception={"type": "delayed", "description": "Snow on the A6"},
            )
        )
        self.assertEqual(delayed.status_code, 202, delayed.text)
        self.process_queue()
        self.assertEqual(outbound.status, "delayed")
        self.assertTrue(outbound.has_open_exception)
        self.assertEqual(inbound.status, "picked_up")
        self.assertEqual(self.readiness(sale), ("on_hold", {"exception_open", "not_delivered"}))
        # The carrier's EDI: delivered (D1) arrives BEFORE out for delivery (X1, older): out of order.
        edi = self.post_webhook(x12_214(out_ref, [("D1", "20260116", "1530", "Paris")], 11), "application/edi-x12")
        self.assertEqual(edi.status_code, 202, edi.text)
        late = self.post_webhook(self.event("E-5", out_ref, "out_for_delivery", "2026-01-16T09:00:00Z"))
        self.assertEqual(late.status_code, 202, late.text)
        # Proof of delivery, and the receipt's delivery.
        pods = self.post_webhook(
            {
                "events": [
                    self.event(
                        "E-6",
                        out_ref,
                        "delivered",
                        "2026-01-16T15:35:00Z",
                        pod={"signer": "M. Martin", "time": "2026-01-16T15:35:00Z"},
                    ),
                    self.event(
                        "E-11",
                        in_ref,
                        "delivered",
                        "2026-01-15T11:00:00Z",
                        pod={"signer": "Dock 3", "time": "2026-01-15T11:00:00Z"},
                    ),
                ]
            }
        )
        self.assertEqual(pods.status_code, 202, pods.text)
        self.process_queue()
        self.assertEqual(Message.search_count([("backend_id", "=", self.edi_backend.id), ("state", "=", "failed")]), 0)
        self.assertRecordValues(
            outbound,
            [
                {
                    "status": "delivered",
                    "actual_pickup": datetime.datetime(2026, 1, 15, 8, 0),
                    "actual_delivery": datetime.datetime(2026, 1, 16, 15, 30),
                    "pod_signer": "M. Martin",
                    "pod_complete": True,
                    "has_open_exception": False,
                }
            ],
        )
        timeline = outbound.event_ids.sorted(lambda e: (e.event_time, e.id))
        self.assertEqual(
            timeline.mapped("status"),
            ["picked_up", "in_transit", "delayed", "out_for_delivery", "delivered", "delivered"],
            "one event per milestone: the duplicate was not stored twice",
        )
        self.assertEqual(inbound.status, "delivered")
        self.assertTrue(inbound.pod_complete)
        # Delivered with its POD, but the delivery is not validated in Odoo yet: Odoo's own delivery
        # counts, the order is held (and the delivery order's responsible has an activity).
        self.assertEqual(self.readiness(sale), ("on_hold", {"delivery_not_validated"}))
        self.assertEqual(len(sale.picking_ids.activity_ids), 1)
        # The goods: the delivery leaves, the receipt arrives.
        self.validate(sale.picking_ids)
        self.validate(receipt)

        # 4. Month end before the carrier bills: the freight is accrued at the contract rates.
        accruals = env["freight.accrual"]._accrue(datetime.date(2026, 1, 31), datetime.date(2026, 1, 20))
        by_shipment = {accrual.shipment_id: accrual for accrual in accruals}
        # Outbound 412.5 kg x 1.20 = 495.00 + fuel 10 % 49.50; inbound 80 kg: minimum 150.00 + 15.00.
        self.assertEqual(by_shipment[outbound].amount, 544.50)
        self.assertEqual(by_shipment[inbound].amount, 165.00)
        self.assertEqual(set(accruals.mapped("state")), {"posted"})

        # 5. The carrier bills the outbound shipment by X12 210: inside the contract, with 80.00
        #    detention (authorised up to 100.00, rebillable to the customer).
        x12 = self.x12_invoice(
            "FF-210-1", [(out_ref, "400", 495.00), (out_ref, "FUE", 49.50), (out_ref, "DET", 80.00)], self.currency.name
        )
        wizard = env["freight.invoice.import"].create(
            {"backend_id": self.edi_backend.id, "file": base64.b64encode(x12), "filename": "ff-210-1.edi"}
        )
        wizard.action_import()
        edi_invoice = self.invoices_named("FF-210-1")
        self.assertRecordValues(
            edi_invoice,
            [{"source": "x12_210", "amount_total": 624.50, "amount_expected": 624.50, "state": "billed"}],
        )
        self.assertFalse(edi_invoice.case_ids)
        self.assertEqual(edi_invoice.vendor_bill_id.state, "posted")
        self.assertEqual(edi_invoice.vendor_bill_id.amount_total, 624.50)
        self.assertEqual(edi_invoice.vendor_bill_id.partner_id, self.carrier_partner)
        self.assertEqual(by_shipment[outbound].state, "reversed")
        rebilled = sale.order_line.filtered("freight_invoice_line_id")
        self.assertRecordValues(rebilled, [{"product_id": self.product_rebill.id, "price_unit": 80.00}])

        # 6. The inbound shipment through the FAP API: base 200.00 where the contract says 150.00.
        self.fap.add_invoice(
            self.fap_invoice("FF-API-7", [(in_ref, "400", 200.00), (in_ref, "FSC", 15.00)], currency=self.currency.name)
        )
        self.assertEqual(self.fap_backend._cron_fap_pull_invoices(), 1)
        self.process_queue()
        api_invoice = self.invoices_named("FF-API-7")
        self.assertRecordValues(api_invoice, [{"source": "fap_api", "amount_total": 215.00, "state": "exception"}])
        case = api_invoice.case_ids
        self.assertEqual(len(case), 1)
        self.assertEqual(case.state, "open")
        over = api_invoice.line_ids.filtered(lambda line: line.charge_type_id == self.ct_base)
        self.assertEqual((over.expected_amount, over.variance), (150.00, 50.00))
        self.assertFalse(api_invoice.vendor_bill_id, "nothing is posted while the case is open")
        self.assertEqual(by_shipment[inbound].state, "posted")
        # The approver (not the importer) approves the charges as billed.
        case.with_user(self.approver).action_approve_full()
        self.assertEqual(case.state, "approved")
        self.assertEqual(api_invoice.state, "billed")
        bill = api_invoice.vendor_bill_id
        self.assertRecordValues(
            bill, [{"state": "posted", "amount_total": 215.00, "partner_id": self.carrier_partner.id}]
        )
        self.assertEqual(by_shipment[inbound].state, "reversed")
        reversal = by_shipment[inbound].reversal_move_id
        self.assertEqual(reversal.state, "posted")
        self.assertEqual(reversal.amount_total, 165.00)
        # The landed cost: 215.00 on the receipt, by weight (20 kg of widgets, 60 kg of gadgets).
        cost = api_invoice.landed_cost_ids
        self.assertRecordValues(cost, [{"state": "done", "vendor_bill_id": bill.id}])
        self.assertEqual(sum(cost.cost_lines.mapped("price_unit")), 215.00)
        split = {}
        for line in cost.valuation_adjustment_lines:  # one line per cost line and product
            split[line.product_id] = split.get(line.product_id, 0.0) + line.additional_landed_cost
        self.assertEqual(split, {self.widget: 53.75, self.gadget: 161.25})
        # Every posting traces back to the journal message that caused it.
        self.assertEqual(api_invoice.message_id.state, "done")
        self.assertEqual(edi_invoice.message_id.message_type, "x12_210")
        self.assertEqual(bill.freight_invoice_id, api_invoice)

        # 7. Nothing was posted twice.
        self.assertEqual(
            env["account.move"].search_count([("freight_invoice_id", "in", (edi_invoice | api_invoice).ids)]), 2
        )
        self.assertEqual(self.tms.creations, 2)

        self._check_billing(sale, outbound, rebilled)

    def _check_billing(self, sale, outbound, rebilled):
        """Readiness reached and the customer invoice created by the scheduled job."""
        self.assertEqual(self.readiness(sale), ("ready", set()))
        self.assertFalse(sale.invoice_ids, "ready is not invoiced: the scheduled job invoices")
        self.env["sale.order"]._cron_billing_invoice()
        invoice = sale.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(sale.billing_readiness_state, "invoiced")
        # 33 pallets x 20.00 = 660.00, and the rebilled detention 80.00: 740.00, no tax.
        self.assertRecordValues(
            invoice,
            [
                {
                    "state": "posted",
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "amount_untaxed": 740.00,
                    "amount_total": 740.00,
                }
            ],
        )
        self.assertIn(rebilled, invoice.invoice_line_ids.sale_line_ids)
        self.assertTrue(sale.billing_ready_time and sale.billing_invoiced_time)
        self.assertEqual(sale.billing_delivery_time, outbound.actual_delivery)
        # The job runs again: nothing is invoiced twice.
        self.env["sale.order"]._cron_billing_invoice()
        self.assertEqual(len(sale.invoice_ids), 1)
