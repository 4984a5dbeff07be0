"""Shared setup of the billing readiness tests: freight_audit's carrier and contract, a carrier
event backend, a customer, products, and helpers to build confirmed orders with shipments.

:class:`BillingReadinessCommon` builds on both mixins of the addons billing depends on:
shipment_events' (company settings, carrier backends, receiving events) and freight_audit's
(the contract, carrier invoices), both on logistics_connector's.

Times are naive UTC. ``DELIVERY`` is the delivery time the worked examples start from.
"""

import datetime

from odoo import Command

from odoo.addons.freight_audit.tests.common import FreightAuditCommon
from odoo.addons.shipment_events.tests.common import ShipmentEventsCommon

DELIVERY = datetime.datetime(2026, 3, 2, 10, 0)


class BillingReadinessCommon(ShipmentEventsCommon, FreightAuditCommon):
    @classmethod
    def setup_billing(cls):
        cls.setup_freight()
        env = cls.env
        cls.env.user.groups_id |= env.ref("billing_readiness.group_billing_manager") | env.ref(
            "account.group_account_manager"
        )
        cls.set_shipment_event_settings()
        cls.rule = env["billing.readiness.rule"]._company_rule(cls.company)
        cls.rule.write(
            {
                "require_pod": True,
                "delivery_policy": "all",
                "require_charges_reconciled": True,
                "require_no_exception": True,
                "wait_hours": 0.0,
                "invoice_grouping": "order",
                "auto_invoice": True,
                "auto_post": False,
            }
        )
        cls.carrier_backend = cls.make_carrier_backend(
            "Billing Carrier Platform", "billcarrier", "whsec-billing-0123456789", auto_send_transport_orders=False
        )
        cls.product = env["product.product"].create(
            {"name": "Pallet of widgets", "type": "consu", "invoice_policy": "order", "list_price": 1000.0}
        )
        cls.customer2 = env["res.partner"].create({"name": "Customer Two", "country_id": cls.france.id})
        # The journal of customer invoices must exist in the test company.
        cls.sale_journal = env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", cls.company.id)], limit=1
        )
        cls._counter = 0

    # ------------------------------------------------------------------
    @classmethod
    def make_order(cls, partner=None, shipments=1, status="in_transit", price=1000.0, qty=1.0, confirm=True):
        """A confirmed order with ``shipments`` outbound shipments in ``status``."""
        env = cls.env
        order = env["sale.order"].create(
            {
                "partner_id": (partner or cls.customer).id,
                "order_line": [
                    Command.create({"product_id": cls.product.id, "product_uom_qty": qty, "price_unit": price})
                ],
            }
        )
        if confirm:
            order.action_confirm()
        # Set up in superuser mode: status is a guarded field (its transitions own it).
        records = env["logistics.shipment"].sudo()
        for _index in range(shipments):
            cls._counter += 1
            ref = f"BR-{cls._counter:04d}"
            records |= records.create(
                {
                    "name": ref,
                    "tracking_ref": f"TRK-{ref}",
                    "sale_id": order.id,
                    "partner_id": order.partner_id.id,
                    "carrier_partner_id": cls.carrier_partner.id,
                    "origin_partner_id": cls.company.partner_id.id,
                    "destination_partner_id": order.partner_id.id,
                    "weight": 412.5,
                    "actual_pickup": DELIVERY - datetime.timedelta(days=1),
                    "status": status,
                }
            )
        return order, records.with_env(env)

    @staticmethod
    def deliver(shipments, when=DELIVERY, pod=True):
        """Delivered (with a POD): set up in superuser mode, status and POD fields are guarded."""
        vals = {"status": "delivered", "actual_delivery": when, "status_event_time": when}
        if pod:
            vals.update(pod_signer="J. Doe", pod_time=when)
        shipments.sudo().write(vals)

    def evaluate(self):
        """Evaluate the queued orders as the triggered cron does."""
        return self.env["sale.order"]._billing_process_dirty()

    def reasons(self, order):
        return sorted(order.billing_hold_reason_ids.mapped("code"))

    def reason_names(self, order):
        return sorted(order.billing_hold_reason_ids.mapped("display_name"))

    # Carrier events through the webhook journal ------------------------
    def receive_event(self, shipment, status, when, **extra):
        event = {
            "tracking_ref": shipment.tracking_ref,
            "status": status,
            "event_time": when.strftime("%Y-%m-%dT%H:%M:%S") + "+00:00",
            "location": {"city": "Paris", "country": "FR"},
        }
        event.update(extra)
        self.receive(event, backend=self.carrier_backend)
        self.process()

    # Carrier invoices --------------------------------------------------
    def carrier_invoice(self, number, lines):
        """Import a carrier invoice through the FAP journal; ``lines``: (shipment ref, code, amount)."""
        self.journal(
            self.fap_backend,
            "freight_invoice_json",
            self.fap_invoice(number, lines, currency=self.currency.name),
            key=f"inv-{number}",
        )
        return self.invoices_named(number)
