"""The plain-Python rule 'delivery orders done in Odoo' (no database)."""

from odoo.tests import BaseCase, tagged

from ..services import readiness
from ..services.readiness import Rule, ShipmentFact
from .test_services import T0, delivered, order


@tagged("post_install", "-at_install")
class TestDeliveryDoneRule(BaseCase):
    def test_delivered_by_carrier_not_validated_holds(self):
        verdict = readiness.evaluate(order(delivered(1, delivery_open=True)), Rule(), T0)
        self.assertEqual(verdict.state, "on_hold")
        self.assertEqual([r.key for r in verdict.reasons], ["delivery_not_validated:s1"])
        self.assertEqual(
            verdict.reasons[0].label, "Shipment SH1: carrier reports delivered; delivery order not validated in Odoo"
        )
        self.assertEqual(verdict.reasons[0].kind, "hold")
        # Validated in Odoo: ready.
        self.assertEqual(readiness.evaluate(order(delivered(1, delivery_open=False)), Rule(), T0).state, "ready")
        # The rule off: the carrier's word is enough.
        off = Rule(require_delivery_done=False)
        self.assertEqual(readiness.evaluate(order(delivered(1, delivery_open=True)), off, T0).state, "ready")

    def test_not_delivered_is_waiting_for_the_carrier(self):
        """An open delivery order of a shipment still on its way is the normal case: no hold."""
        moving = ShipmentFact(2, "SH2", "in_transit", delivery_open=True)
        verdict = readiness.evaluate(order(moving), Rule(), T0)
        self.assertEqual((verdict.state, [r.code for r in verdict.reasons]), ("waiting", ["not_delivered"]))

    def test_partial_policy_only_the_shipments_invoiced_next(self):
        rule = Rule(delivery_policy="partial")
        billed = delivered(1, delivery_open=True, billed=True)  # invoiced before: not looked at again
        fresh = delivered(2, delivery_open=False)
        self.assertEqual(readiness.evaluate(order(billed, fresh), rule, T0).state, "ready")
        fresh_open = delivered(2, delivery_open=True)
        verdict = readiness.evaluate(order(billed, fresh_open), rule, T0)
        self.assertEqual([r.key for r in verdict.reasons], ["delivery_not_validated:s2"])

    def test_release_waives_it_until_a_new_fact(self):
        facts = order(delivered(1, delivery_open=True))
        verdict = readiness.evaluate(facts, Rule(), T0, waived_keys=frozenset({"delivery_not_validated:s1"}))
        self.assertEqual(verdict.state, "ready")
