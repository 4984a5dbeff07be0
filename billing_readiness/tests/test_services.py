"""The plain-Python readiness rules and reconciliation comparisons (no database)."""

import datetime

from odoo.tests import BaseCase, tagged

from ..services import readiness
from ..services.readiness import ChargeFact, OrderFacts, Rule, ShipmentFact
from ..services.reconciliation import compare_invoices, compare_shipments

T0 = datetime.datetime(2026, 3, 2, 10, 0)


def order(*shipments, charges=(), invoice_status="to invoice", **kw):
    return OrderFacts(1, "S00001", True, invoice_status, list(shipments), list(charges), **kw)


def delivered(sid=1, pod=True, **kw):
    return ShipmentFact(sid, f"SH{sid}", "delivered", delivered_at=T0, pod_complete=pod, **kw)


@tagged("post_install", "-at_install")
class TestReadinessEngine(BaseCase):
    def test_states(self):
        rule = Rule()
        self.assertEqual(readiness.evaluate(order(), rule, T0).state, "not_applicable")
        self.assertEqual(readiness.evaluate(order(delivered()), rule, T0).state, "ready")
        verdict = readiness.evaluate(order(delivered(pod=False)), rule, T0)
        self.assertEqual((verdict.state, [r.key for r in verdict.reasons]), ("on_hold", ["pod_missing:s1"]))
        self.assertEqual(verdict.reasons[0].label, "POD missing for shipment SH1")
        self.assertEqual(readiness.evaluate(order(delivered(), invoice_status="invoiced"), rule, T0).state, "invoiced")
        nothing = readiness.evaluate(order(delivered(), invoice_status="no"), rule, T0)
        self.assertEqual((nothing.state, nothing.reasons[0].code), ("waiting", "nothing_to_invoice"))

    def test_hold_beats_wait_and_waivers(self):
        facts = order(delivered(1, pod=False), ShipmentFact(2, "SH2", "in_transit", open_exception=True))
        verdict = readiness.evaluate(facts, Rule(), T0)
        self.assertEqual(verdict.state, "on_hold")
        self.assertEqual(
            sorted(r.key for r in verdict.reasons), ["exception_open:s2", "not_delivered:s2", "pod_missing:s1"]
        )
        waived = readiness.evaluate(facts, Rule(), T0, frozenset({"exception_open:s2", "pod_missing:s1"}))
        self.assertEqual(waived.state, "waiting")
        manual = readiness.evaluate(order(delivered(), manual_hold=True), Rule(), T0, frozenset({"manual:o1"}))
        self.assertEqual(manual.state, "on_hold", "a manual hold is never waived")

    def test_partial_policy(self):
        rule = Rule(delivery_policy="partial")
        pending = ShipmentFact(2, "SH2", "in_transit", open_exception=True)
        self.assertEqual(readiness.evaluate(order(delivered(), pending), rule, T0).state, "ready")
        billed = readiness.evaluate(order(delivered(billed=True), pending), rule, T0)
        self.assertEqual([r.code for r in billed.reasons], ["not_delivered"])
        self.assertEqual(billed.state, "waiting")

    def test_charges(self):
        case = ChargeFact(1, 1, "SH1", "exception", case_id=7, case_name="FAC/7", case_state="in_review")
        new = ChargeFact(2, 1, "SH1", "new")
        approved_not_on_order = ChargeFact(3, 1, "SH1", "approved", approved_amount=80.0)
        rebilled = ChargeFact(4, 1, "SH1", "approved", approved_amount=80.0, rebilled=True)
        verdict = readiness.evaluate(order(delivered(), charges=[case, new]), Rule(), T0)
        self.assertEqual([r.key for r in verdict.reasons], ["audit_case_open:c7", "charge_unconfirmed:s1"])
        self.assertEqual(verdict.reasons[0].label, "Audit case FAC/7 open")
        self.assertEqual(
            readiness.evaluate(order(delivered(), charges=[approved_not_on_order]), Rule(), T0).state, "waiting"
        )
        self.assertEqual(readiness.evaluate(order(delivered(), charges=[rebilled]), Rule(), T0).state, "ready")
        off = Rule(require_charges_reconciled=False)
        self.assertEqual(readiness.evaluate(order(delivered(), charges=[case, new]), off, T0).state, "ready")

    def test_waiting_period(self):
        rule = Rule(wait_hours=12)
        early = readiness.evaluate(order(delivered()), rule, T0 + datetime.timedelta(hours=11))
        self.assertEqual((early.state, early.wait_until), ("waiting", T0 + datetime.timedelta(hours=12)))
        self.assertEqual(readiness.evaluate(order(delivered()), rule, T0 + datetime.timedelta(hours=12)).state, "ready")


@tagged("post_install", "-at_install")
class TestReconciliationCompare(BaseCase):
    def test_shipments(self):
        odoo = {"S1": (1, "delivered", ["BK-1"]), "S2": (2, "delivered", []), "S3": (3, "in_transit", [])}
        remote = [
            {"shipment_id": "BK-1", "status": "delivered"},
            {"reference": "S3", "status": "delivered"},
            {"reference": "X9", "status": "delivered"},
        ]
        diffs = compare_shipments(odoo, remote, {"S1", "S2"})
        self.assertEqual(
            [(d.kind, d.reference, d.odoo_id) for d in diffs],
            [("status_differs", "S3", 3), ("missing_in_odoo", "X9", None), ("missing_in_backend", "S2", 2)],
        )

    def test_invoices(self):
        odoo = {
            "F-1": {"id": 1, "number": "INV-1", "state": "billed", "amount": 100.0, "paid": False},
            "INV-2": {"id": 2, "number": "INV-2", "state": "exception", "amount": 50.0, "paid": False},
            "F-3": {"id": 3, "number": "INV-3", "state": "approved", "amount": 10.0, "paid": False},
        }
        remote = [
            {
                "id": "F-1",
                "invoice_number": "INV-1",
                "status": "approved",
                "amount": "100.00",
                "payment_status": "paid",
            },
            {"id": "F-2", "invoice_number": "inv-2", "status": "rejected", "amount": "50.001"},
            {"id": "F-8", "invoice_number": "INV-8", "status": "approved", "amount": "8"},
        ]
        diffs = compare_invoices(odoo, remote)
        self.assertEqual(
            [(d.kind, d.reference) for d in diffs],
            [
                ("payment_differs", "INV-1"),
                ("status_differs", "INV-2"),
                ("missing_in_odoo", "INV-8"),
                ("missing_in_backend", "INV-3"),
            ],
        )
