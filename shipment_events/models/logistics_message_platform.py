"""Webhook bodies of carrier platforms (EasyPost, Shippo, ShipEngine, AfterShip, Sendcloud):
their intake (``_webhook_receive_platform``, called by ``controllers/webhook.py`` for a
backend with a platform profile) and their handler.

A body is journaled whole first (message type ``platform_event``), keyed by the platform's
event or tracker id, status and time (``formats/platforms/<platform>.read``): a resent body
is a duplicate (200), a malformed one is kept as failed (400). Processing parses it again
into canonical events, which go the way of every milestone (``logistics.shipment.event._ingest``:
status mappings, Needs Mapping for an unknown code, identities that skip the tracking
details received before, matching by tracking number); the platform's estimated delivery
date becomes the shipment's planned delivery.
"""

from odoo import api, fields, models

from odoo.addons.logistics_connector.services.exceptions import ParseError
from odoo.addons.logistics_connector.services.intake import JournalItem

from ..formats import platforms
from ..services import events as event_lib

MESSAGE_TYPE = "platform_event"


class LogisticsMessage(models.Model):
    _inherit = "logistics.message"  # pylint: disable=consider-merging-classes-inherited

    message_type = fields.Selection(
        selection_add=[(MESSAGE_TYPE, "Carrier platform webhook")],
        ondelete={MESSAGE_TYPE: "cascade"},
    )

    @api.model
    def _message_type_groups(self):
        groups = super()._message_type_groups()
        groups[MESSAGE_TYPE] = "shipment_events.group_milestone_intake"
        return groups

    @api.model
    def _get_handlers(self):
        handlers = super()._get_handlers()
        handlers[MESSAGE_TYPE] = ("logistics.message", "_handle_platform_event_messages", True)
        return handlers

    @api.model
    def _install_platform_status_mappings(self):
        """Create the platforms' default status mappings (no backend) that do not exist yet
        (``data/logistics_code_mapping_data.xml``; an existing one, maybe changed, is kept)."""
        Mapping = self.env["logistics.code.mapping"].sudo().with_context(active_test=False)
        defaults = platforms.default_status_mappings()
        existing = set(
            Mapping.search(
                [
                    ("backend_id", "=", False),
                    ("mapping_type", "=", "status"),
                    ("external_code", "in", [code for code, _status, _text in defaults]),
                ]
            ).mapped("external_code")
        )
        Mapping.create(
            [
                {"mapping_type": "status", "external_code": code, "status": status, "description": text}
                for code, status, text in defaults
                if code not in existing
            ]
        )
        return True

    # ------------------------------------------------------------------
    # Intake
    # ------------------------------------------------------------------
    @api.model
    def _webhook_receive_platform(self, backend, body, source, platform=None):
        """Journal a platform's webhook body for ``backend`` (its ``platform``, given by the
        webhook from its cached intake settings, else read from the backend); returns an
        :class:`~odoo.addons.logistics_connector.services.intake.IntakeResult`."""
        module = platforms.get(platform or backend._webhook_platform())
        try:
            key, events = module.read(body)
            for index, event in enumerate(events):
                event_lib.validate_event(event, f"events[{index}]")
        except ParseError as error:
            return self._intake_refused(backend, MESSAGE_TYPE, body, "application/json", source, error)
        journaled = self._journal_inbound(
            backend, MESSAGE_TYPE, [JournalItem(body, key=key)], content_type="application/json", source=source
        )
        return self._intake_result(*journaled)

    # ------------------------------------------------------------------
    # Processing
    # ------------------------------------------------------------------
    @api.model
    def _handle_platform_event_messages(self, messages):
        """Batch handler: the canonical events of each platform body become milestones."""
        Event = self.env["logistics.shipment.event"]
        for backend, backend_messages in messages.grouped("backend_id").items():
            module = platforms.get(backend._webhook_platform())
            items, estimated = [], {}
            for message in backend_messages:
                for event in module.parse(message._get_payload_bytes()):
                    event_lib.validate_event(event)
                    items.append((message, event_lib.normalize_event(event)))
                    if event.get("estimated_delivery") and event.get("tracking_ref"):
                        estimated[event["tracking_ref"]] = event["estimated_delivery"]
            Event._ingest(backend, items)
            if estimated and backend._applies_events_to_shipments():
                self._apply_estimated_delivery(backend, estimated)

    @api.model
    def _apply_estimated_delivery(self, backend, estimated):
        """The platform's estimated delivery date of each tracking number -> the planned
        delivery of its shipment (a date that cannot be read is ignored)."""
        refs = list(estimated)
        shipments = self.env["logistics.shipment"]._find_by_references(backend, [{"tracking_ref": r} for r in refs])
        for ref, shipment in zip(refs, shipments, strict=True):
            if not shipment:
                continue
            try:
                planned = event_lib.parse_datetime(estimated[ref], "estimated_delivery")[0]
            except ParseError:
                continue
            if shipment.planned_delivery != planned:
                shipment.sudo().planned_delivery = planned

    @api.model
    def _handle_shipment_event_batch(self, message):
        """A platform body kept after an unexpected error at intake is journaled as a batch
        (the intake does not know the backend's platform then): handled as the platform's."""
        if message.backend_id._webhook_platform():
            return self._handle_platform_event_messages(message)
        return super()._handle_shipment_event_batch(message)
