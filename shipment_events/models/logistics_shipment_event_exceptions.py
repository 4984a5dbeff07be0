"""Exceptions of milestones (an activity opened for each, closed by a later progress event)
and the customer notifications a milestone triggers."""

from markupsafe import Markup

from odoo import fields, models

from odoo.addons.logistics_connector.services.status import SHIPMENT_STATUSES

from ..services import events as event_lib
from .logistics_shipment_event import EXCEPTION_TYPES

# Canonical status -> the notification it may trigger (see res.company shipment_notify_*).
NOTIFICATION_KEYS = {
    "picked_up": "shipped",
    "in_transit": "shipped",
    "out_for_delivery": "out_for_delivery",
    "delayed": "delayed",
    "delivered": "delivered",
}


class LogisticsShipmentEvent(models.Model):
    # One class per concern of logistics.shipment.event, each in its own file (see
    # logistics_shipment_event.py).
    _inherit = "logistics.shipment.event"  # pylint: disable=consider-merging-classes-inherited

    def _sync_exceptions(self, shipments):
        """Open an activity for each new exception; close open ones a later progress event resolves."""
        exceptions = self.filtered("is_exception").sorted("event_time")
        progress = self.filtered(lambda e: e.status in event_lib.PROGRESS_STATUSES and not e.is_exception)
        open_events = self.sudo().search(
            [("shipment_id", "in", shipments.ids), ("exception_state", "=", "open"), ("id", "not in", self.ids)]
        )
        latest_progress = {}
        for event in progress:
            shipment_id = event.shipment_id.id
            if shipment_id not in latest_progress or event.event_time > latest_progress[shipment_id].event_time:
                latest_progress[shipment_id] = event
        # Exceptions older than the shipment's latest progress event are resolved already.
        if exceptions:
            known_progress = dict(
                self.sudo()._read_group(
                    [
                        ("shipment_id", "in", exceptions.shipment_id.ids),
                        ("status", "in", event_lib.PROGRESS_STATUSES),
                        ("is_exception", "=", False),
                    ],
                    ["shipment_id"],
                    ["event_time:max"],
                )
            )
            for event in exceptions:
                later = known_progress.get(event.shipment_id)
                if later and later > event.event_time:
                    event.exception_state = "resolved"
                else:
                    event.exception_state = "open"
                    event.activity_id = event._open_exception_activity()
            open_events |= exceptions.filtered(lambda e: e.exception_state == "open")
        for event in open_events:
            resolver = latest_progress.get(event.shipment_id.id)
            if resolver and resolver.event_time > event.event_time:
                event._resolve_exception(resolver)

    def _exception_responsible(self):
        self.ensure_one()
        shipment = self.shipment_id
        user = (
            shipment.sale_id.user_id
            or self.backend_id.event_responsible_user_id
            or shipment.company_id.shipment_exception_user_id
            or shipment.create_uid
        )
        if not user or user.share or not user.active:
            user = self.env.ref("base.user_admin", raise_if_not_found=False) or self.env.user
        return user

    def _exception_summary(self):
        labels = dict(EXCEPTION_TYPES)
        kind = labels.get(self.exception_type) or dict(SHIPMENT_STATUSES).get(self.status)
        return self.env._("%(kind)s: %(shipment)s", kind=kind, shipment=self.shipment_id.name)

    def _open_exception_activity(self):
        self.ensure_one()
        reason = " - ".join(p for p in (self.reason_code, self.reason) if p) or self.env._("no reason given")
        note = self.env._(
            "%(summary)s at %(time)s UTC (%(where)s). Reason: %(reason)s",
            summary=self._exception_summary(),
            time=fields.Datetime.to_string(self.event_time),
            where=self.location or self.env._("location unknown"),
            reason=reason,
        )
        return self.shipment_id.sudo().activity_schedule(
            "shipment_events.mail_activity_type_shipment_exception",
            summary=self._exception_summary(),
            # The carrier's words are text, never markup (nor links): escaped, not merely sanitised.
            note=Markup("<p>%s</p>") % note,
            user_id=self._exception_responsible().id,
        )

    def _resolve_exception(self, resolver):
        self.ensure_one()
        self.write({"exception_state": "resolved", "resolved_by_id": resolver.id})
        activity = self.activity_id.sudo()
        if activity.exists() and activity.active:
            activity.action_feedback(
                feedback=self.env._(
                    "Resolved by the %(status)s event of %(time)s UTC.",
                    status=dict(SHIPMENT_STATUSES).get(resolver.status),
                    time=fields.Datetime.to_string(resolver.event_time),
                )
            )

    def _send_notifications(self):
        """Mail the customer on the company's configured statuses, at most once per status and shipment."""
        candidates = {}
        for event in self.filtered(lambda e: e.state == "applied"):
            key = NOTIFICATION_KEYS.get(event.status)
            shipment = event.shipment_id
            if not key or not shipment.company_id._shipment_notifies(key):
                continue
            if shipment.status != event.status:
                # Only the shipment's current status is announced (a batch may hold several steps).
                continue
            candidates.setdefault((shipment.id, key), event)
        if not candidates:
            return
        self.env["logistics.shipment.notification"]._send(candidates)
