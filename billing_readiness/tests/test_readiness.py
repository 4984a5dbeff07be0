"""Every rule and hold reason appearing and clearing as events, PODs and audit decisions arrive."""

import datetime

from odoo import Command
from odoo.tests import TransactionCase, tagged

from .common import DELIVERY, BillingReadinessCommon


@tagged("post_install", "-at_install")
class TestReadinessRules(BillingReadinessCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_billing()

    def test_not_applicable(self):
        draft, _shipments = self.make_order(confirm=False)
        bare = self.env["sale.order"].create(
            {"partner_id": self.customer.id, "order_line": [Command.create({"product_id": self.product.id})]}
        )
        bare.action_confirm()
        self.evaluate()
        self.assertEqual(draft.billing_readiness_state, "not_applicable")
        self.assertEqual(bare.billing_readiness_state, "not_applicable")
        draft.action_confirm()
        self.evaluate()
        self.assertEqual(draft.billing_readiness_state, "waiting")
        draft._action_cancel()
        self.evaluate()
        self.assertEqual(draft.billing_readiness_state, "not_applicable")
        self.assertFalse(draft.billing_hold_reason_ids)

    def test_not_delivered_then_delivered_through_events(self):
        order, shipment = self.make_order(status="booked")
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "waiting")
        self.assertEqual(self.reasons(order), ["not_delivered"])
        self.assertEqual(self.reason_names(order), [f"Shipment {shipment.name} not delivered yet"])
        self.receive_event(shipment, "in_transit", DELIVERY - datetime.timedelta(hours=5))
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "waiting")
        # Delivered with its proof of delivery (signer and time): ready.
        self.receive_event(
            shipment,
            "delivered",
            DELIVERY,
            pod={"signer": "M. Martin", "time": DELIVERY.strftime("%Y-%m-%dT%H:%M:%S") + "+00:00"},
        )
        self.assertEqual(shipment.status, "delivered")
        self.assertTrue(shipment.pod_complete)
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "ready")
        self.assertFalse(order.billing_hold_reason_ids)
        self.assertEqual(order.billing_delivery_time, DELIVERY)
        self.assertTrue(order.billing_ready_time)

    def test_pod_missing_until_pod_event(self):
        order, shipment = self.make_order()
        self.receive_event(shipment, "delivered", DELIVERY)
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "on_hold")
        self.assertEqual(self.reason_names(order), [f"POD missing for shipment {shipment.name}"])
        self.assertTrue(order.billing_pod_missing)
        reason = order.billing_hold_reason_ids
        self.assertRecordValues(reason, [{"code": "pod_missing", "kind": "hold", "shipment_id": shipment.id}])
        self.receive_event(
            shipment,
            "delivered",
            DELIVERY + datetime.timedelta(hours=1),
            pod={"signer": "M. Martin", "time": "2026-03-02T11:00:00+00:00"},
        )
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "ready")
        self.assertFalse(order.billing_pod_missing)
        self.assertFalse(order.billing_hold_reason_ids)
        self.assertFalse(reason.order_ids, "the reason record is kept, no longer linked")

    def test_pod_not_required_by_customer_rule(self):
        self.env["billing.readiness.rule"].create(
            {"company_id": self.company.id, "partner_id": self.customer2.id, "require_pod": False}
        )
        order, shipment = self.make_order(partner=self.customer2)
        other, other_shipment = self.make_order()
        self.deliver(shipment | other_shipment, pod=False)
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "ready")
        self.assertTrue(order.billing_pod_missing, "the fact is still counted in the figures")
        self.assertEqual(other.billing_readiness_state, "on_hold")

    def test_open_exception_holds_until_resolved(self):
        order, shipment = self.make_order()
        self.deliver(shipment)
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "ready")
        # A damage reported at delivery: an open exception.
        self.receive_event(
            shipment,
            "delivered",
            DELIVERY + datetime.timedelta(minutes=5),
            exception={"type": "damaged", "description": "crushed"},
        )
        self.assertTrue(shipment.has_open_exception)
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "on_hold")
        self.assertEqual(self.reason_names(order), [f"Open delivery exception on shipment {shipment.name}"])
        self.assertFalse(order.billing_ready_time, "no longer ready")
        shipment._get_open_exceptions().write({"exception_state": "resolved"})
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "ready")

    def test_delay_exception_in_transit_then_delivered(self):
        order, shipment = self.make_order(status="in_transit")
        self.receive_event(shipment, "delayed", DELIVERY - datetime.timedelta(hours=3), reason_code="WEATHER")
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "on_hold")
        self.assertEqual(self.reasons(order), ["exception_open", "not_delivered"])
        self.receive_event(
            shipment,
            "delivered",
            DELIVERY,
            pod={"signer": "M. Martin", "time": "2026-03-02T10:00:00+00:00"},
        )
        self.assertFalse(shipment.has_open_exception, "the delivery resolved the delay")
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "ready")

    def test_exception_rule_off(self):
        self.rule.require_no_exception = False
        order, shipment = self.make_order()
        self.deliver(shipment)
        self.receive_event(
            shipment, "delivered", DELIVERY + datetime.timedelta(minutes=5), exception={"type": "damaged"}
        )
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "ready")

    def test_audit_case_on_rebillable_charge_until_approved(self):
        order, shipment = self.make_order()
        self.deliver(shipment)
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "ready")
        # Detention of 150.00 exceeds the authorised 100.00: an audit case.
        invoice = self.carrier_invoice("INV-BR1", [(shipment.name, "400", 495.00), (shipment.name, "DET", 150.00)])
        self.assertEqual(invoice.state, "exception")
        case = invoice.case_ids
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "on_hold")
        self.assertEqual(self.reason_names(order), [f"Audit case {case.name} open"])
        self.assertEqual(order.billing_hold_reason_ids.case_id, case)
        self.assertEqual(self.env["freight.invoice"]._freight_open_cases_for_sale_orders(order), case)
        case.action_start_review()
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "on_hold", "a case in review is still open")
        case.action_approve_full()
        self.assertEqual(case.state, "approved")
        rebilled = order.order_line.filtered("freight_invoice_line_id")
        self.assertEqual(rebilled.price_unit, 150.00)
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "ready")
        self.assertFalse(order.billing_hold_reason_ids)

    def test_rejected_case_releases(self):
        order, shipment = self.make_order()
        self.deliver(shipment)
        invoice = self.carrier_invoice("INV-BR2", [(shipment.name, "400", 495.00), (shipment.name, "DET", 150.00)])
        self.evaluate()
        self.assertEqual(self.reasons(order), ["audit_case_open"])
        invoice.case_ids.action_reject()
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "ready")
        self.assertFalse(order.order_line.filtered("freight_invoice_line_id"))

    def test_unconfirmed_rebillable_charge_waits_for_audit(self):
        order, shipment = self.make_order()
        self.deliver(shipment)
        # A carrier invoice entered by hand, not audited yet: its detention is not confirmed.
        invoice = self.env["freight.invoice"].create(
            {
                "name": "MAN-1",
                "carrier_partner_id": self.carrier_partner.id,
                "invoice_date": "2026-03-03",
                "amount_total": 575.0,
                "line_ids": [
                    Command.create(
                        {
                            "shipment_reference": shipment.name,
                            "shipment_id": shipment.id,
                            "charge_code": "400",
                            "charge_type_id": self.ct_base.id,
                            "amount": 495.0,
                        }
                    ),
                    Command.create(
                        {
                            "shipment_reference": shipment.name,
                            "shipment_id": shipment.id,
                            "charge_code": "DET",
                            "charge_type_id": self.ct_detention.id,
                            "amount": 80.0,
                        }
                    ),
                ],
            }
        )
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "waiting")
        self.assertEqual(
            self.reason_names(order), [f"Rebillable charges of shipment {shipment.name} not confirmed yet"]
        )
        invoice.action_audit()
        self.assertIn(invoice.state, ("approved", "billed"))
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "ready")
        self.assertEqual(order.order_line.filtered("freight_invoice_line_id").price_unit, 80.0)

    def test_charges_rule_off(self):
        self.rule.require_charges_reconciled = False
        order, shipment = self.make_order()
        self.deliver(shipment)
        self.carrier_invoice("INV-BR3", [(shipment.name, "400", 495.00), (shipment.name, "DET", 150.00)])
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "ready")

    def test_all_shipments_delivered_or_partial(self):
        self.env["billing.readiness.rule"].create(
            {"company_id": self.company.id, "partner_id": self.customer2.id, "delivery_policy": "partial"}
        )
        order_all, shipments_all = self.make_order(shipments=2)
        order_partial, shipments_partial = self.make_order(partner=self.customer2, shipments=2)
        self.deliver(shipments_all[0] | shipments_partial[0])
        self.evaluate()
        self.assertEqual(order_all.billing_readiness_state, "waiting")
        self.assertEqual(self.reason_names(order_all), [f"Shipment {shipments_all[1].name} not delivered yet"])
        self.assertEqual(order_partial.billing_readiness_state, "ready")
        self.deliver(shipments_all[1], when=DELIVERY + datetime.timedelta(hours=2))
        self.evaluate()
        self.assertEqual(order_all.billing_readiness_state, "ready")
        self.assertEqual(order_all.billing_delivery_time, DELIVERY + datetime.timedelta(hours=2))

    def test_waiting_period_after_delivery(self):
        self.rule.wait_hours = 24
        order, shipment = self.make_order()
        self.deliver(shipment)
        self.env.flush_all()
        states = order._billing_recompute_readiness(now=DELIVERY + datetime.timedelta(hours=2))
        self.assertEqual(states[order.id], "waiting")
        self.assertEqual(self.reason_names(order), [f"Waiting period after delivery of {order.name}"])
        self.assertEqual(order.billing_wait_until, DELIVERY + datetime.timedelta(hours=24))
        sweep = self.env.ref("billing_readiness.ir_cron_billing_sweep")
        trigger = self.env["ir.cron.trigger"].search([("cron_id", "=", sweep.id)], order="id desc", limit=1)
        self.assertEqual(trigger.call_at, DELIVERY + datetime.timedelta(hours=24), "the sweep wakes up then")
        states = order._billing_recompute_readiness(now=DELIVERY + datetime.timedelta(hours=25))
        self.assertEqual(states[order.id], "ready")
        self.assertFalse(order.billing_wait_until)

    def test_cancelled_shipment_is_not_billing_relevant(self):
        order, shipments = self.make_order(shipments=2)
        self.deliver(shipments[0])
        shipments[1].write({"status": "cancelled"})
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "ready")

    def test_rule_change_queues_orders(self):
        order, shipment = self.make_order()
        self.deliver(shipment, pod=False)
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "on_hold")
        self.rule.require_pod = False
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "ready")

    def test_full_sweep_picks_up_missed_facts(self):
        order, shipment = self.make_order()
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "waiting")
        # Written behind the ORM's back: no hook saw it, the sweep does.
        self.env.cr.execute(
            "UPDATE logistics_shipment SET status = 'delivered', actual_delivery = %s, pod_signer = 'X',"
            " pod_time = %s, pod_complete = TRUE WHERE id = %s",
            (DELIVERY, DELIVERY, shipment.id),
        )
        self.env.invalidate_all()
        self.env.cr.flush()  # the marks pending in this transaction are queued now
        self.env["billing.readiness.dirty"].search([]).unlink()
        self.env["sale.order"]._cron_billing_sweep(batch_size=50)
        self.assertEqual(order.billing_readiness_state, "ready")
