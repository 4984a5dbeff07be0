"""Transport orders and bookings of logistics.shipment: the orders, changes and cancellations
queued in the journal (the outbox) and sent to the TMS by the journal's handlers, and the
bookings the TMS answers (in the order's answer, a later message, or the booking poll)."""

import hashlib
import json
import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..services import privacy
from ..services.dates import parse_datetime
from ..services.exceptions import PermanentError
from ..services.intake import JournalItem
from ..services.status import SHIPMENT_STATUSES, TERMINAL_STATUSES

_logger = logging.getLogger(__name__)


class LogisticsShipment(models.Model):
    # One class per concern of logistics.shipment (see logistics_shipment.py): transport
    # orders and bookings here.
    _inherit = "logistics.shipment"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # Transport orders (the outbox is the journal)
    # ------------------------------------------------------------------
    def _transport_order_payload(self):
        """The canonical JSON transport order sent to a TMS."""
        self.ensure_one()

        def address(partner):
            return {
                "name": partner.name or "",
                "street": partner.street or "",
                "zip": partner.zip or "",
                "city": partner.city or "",
                "state": partner.state_id.code or "",
                "country": partner.country_id.code or "",
            }

        return {
            "reference": self.name,
            "revision": self.transport_order_revision,
            "direction": self.direction,
            "carrier": self.carrier_id.name or "",
            "service_level": self.service_level or "",
            "origin": address(self.origin_partner_id),
            "destination": address(self.destination_partner_id),
            "planned_pickup": fields.Datetime.to_string(self.planned_pickup) if self.planned_pickup else None,
            "planned_delivery": fields.Datetime.to_string(self.planned_delivery) if self.planned_delivery else None,
            "weight_kg": self.weight,
            "volume_m3": self.volume,
            "packages": self.package_count,
            "pallets": self.pallet_count,
            "order_reference": self.sale_id.name or self.purchase_id.name or "",
            "lines": [
                {
                    "product": move.product_id.default_code or move.product_id.name,
                    "description": move.product_id.display_name,
                    "quantity": move.product_uom_qty,
                    "uom": move.product_uom.name,
                }
                for move in self.picking_ids.move_ids
            ],
        }

    def _check_backend_traffic(self, backend):
        if not backend:
            raise UserError(_("Shipment %s has no TMS backend.", self.name))
        if not backend._is_allowed_for_company_traffic(self.company_id):
            raise UserError(
                _(
                    "Backend %(backend)s is a %(env)s backend; company %(company)s works in %(company_env)s: "
                    "it gets no traffic from this company.",
                    backend=backend.name,
                    env=backend.environment,
                    company=self.company_id.name,
                    company_env=self.company_id.logistics_environment,
                )
            )

    def _queue_outbound(self, message_type, payload, key_suffix):
        """Put one outbound message per shipment in the journal (the outbox)."""
        items = []
        for shipment, body in zip(self, payload, strict=True):
            backend = shipment.backend_id
            shipment._check_backend_traffic(backend)
            items.append(
                JournalItem(
                    body,
                    key=f"{message_type}:{shipment.company_id.id}:{shipment.name}:{key_suffix(shipment, body)}",
                    sequence_key=f"shipment:{shipment.id}",
                    shipment_ids=(shipment.id,),
                    backend_id=backend.id,
                )
            )
        messages, _duplicates = self.env["logistics.message"]._journal_outbound(
            None, message_type, items, content_type="application/json"
        )
        return messages

    def _queue_transport_order(self):
        shipments = self.filtered(lambda s: s.tms_state in ("none", "error") and s.status != "cancelled")
        if not shipments:
            return self.env["logistics.message"]
        for shipment in shipments:
            shipment.transport_order_revision += 1
        messages = shipments._queue_outbound(
            "transport_order",
            [s._transport_order_payload() for s in shipments],
            lambda shipment, body: shipment.transport_order_revision,
        )
        shipments.write({"tms_state": "queued"})
        shipments.filtered(lambda s: s.status == "draft").write({"status": "tendered"})
        return messages

    def action_send_transport_order(self):
        self._check_transition_access()
        messages = self.sudo()._queue_transport_order()
        if not messages:
            raise UserError(_("Nothing to send: the transport order is already queued or sent."))
        return True

    def action_send_update(self):
        """Send the shipment's current data as a change of its transport order."""
        self._check_transition_access()
        shipments = self.sudo().filtered(lambda s: s.tms_state in ("queued", "sent", "booked"))
        if not shipments:
            raise UserError(_("Only shipments already sent to the TMS can send a change."))
        payloads = [s._transport_order_payload() for s in shipments]
        # The key is the content: sending the same change twice sends it once.
        shipments._queue_outbound(
            "transport_update",
            payloads,
            lambda shipment, body: hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16],
        )
        return True

    def action_cancel(self):
        """Cancel in Odoo, and at the TMS when it knows the shipment."""
        self._check_transition_access()
        return self.sudo()._cancel()

    def _cancel(self):
        for shipment in self:
            if shipment.status in TERMINAL_STATUSES:
                raise UserError(
                    _(
                        "Shipment %(shipment)s is already %(status)s.",
                        shipment=shipment.name,
                        status=dict(SHIPMENT_STATUSES)[shipment.status],
                    )
                )
        at_tms = self.filtered(lambda s: s.tms_state in ("queued", "sent", "booked"))
        if at_tms:
            at_tms._queue_outbound(
                "transport_cancel",
                [{"reference": s.name, "reason": "cancelled in Odoo"} for s in at_tms],
                lambda shipment, body: "cancel",
            )
            at_tms.write({"tms_state": "cancel_queued"})
        self._set_status("cancelled")
        return True

    def action_reset_to_draft(self):
        self._check_transition_access()
        self.sudo().filtered(lambda s: s.status == "tendered" and s.tms_state in ("none", "error"))._set_status("draft")
        return True

    # Handlers called by the journal (see logistics.message._get_handlers) ----------
    @api.model
    def _handle_transport_order_message(self, message):
        shipment = message.shipment_ids[:1]
        if not shipment:
            raise PermanentError(_("The transport order message is linked to no shipment."))
        message.backend_id._check_environment(message.company_id)
        client = message.backend_id._get_client()
        answer = client.send_transport_order(message._get_payload_json(), idempotency_key=message.idempotency_key)
        message.sudo().write({"http_status": answer.get("_status") or 200, "response_payload": json.dumps(answer)})
        shipment.tms_state = "sent"
        if answer.get("booking_id"):
            shipment._apply_booking(message.backend_id, answer, message)
        message._link(shipment)

    @api.model
    def _handle_transport_update_message(self, message):
        shipment = message.shipment_ids[:1]
        message.backend_id._check_environment(message.company_id)
        booking_id = shipment._get_external_ref(message.backend_id, "booking")
        client = message.backend_id._get_client()
        answer = client.update_transport_order(
            booking_id or shipment.name, message._get_payload_json(), idempotency_key=message.idempotency_key
        )
        message.sudo().write({"http_status": answer.get("_status") or 200, "response_payload": json.dumps(answer)})
        if answer.get("booking_id"):
            shipment._apply_booking(message.backend_id, answer, message)
        message._link(shipment)

    @api.model
    def _handle_transport_cancel_message(self, message):
        shipment = message.shipment_ids[:1]
        message.backend_id._check_environment(message.company_id)
        booking_id = shipment._get_external_ref(message.backend_id, "booking")
        client = message.backend_id._get_client()
        answer = client.cancel_transport_order(
            booking_id or shipment.name, message._get_payload_json(), idempotency_key=message.idempotency_key
        )
        message.sudo().write({"http_status": answer.get("_status") or 200, "response_payload": json.dumps(answer)})
        shipment.tms_state = "cancelled"
        message._link(shipment)

    @api.model
    def _handle_booking_confirmation_message(self, message):
        """A booking confirmation received later (webhook or polling)."""
        data = message._get_payload_json()
        backend = message.backend_id
        backend._check_environment(message.company_id)
        shipment = message.shipment_ids[:1]
        if not shipment:
            shipment = self._find_by_references(
                backend,
                [{"external_id": data.get("booking_id"), "name": data.get("reference")}],
            )[0]
        if not shipment:
            raise PermanentError(
                _(
                    "No shipment matches booking %(booking)s / reference %(ref)s.",
                    booking=data.get("booking_id"),
                    ref=data.get("reference"),
                )
            )
        shipment._apply_booking(backend, data, message)
        message._link(shipment)

    def _apply_booking(self, backend, data, message=None):
        """Apply a TMS booking: ids, carrier (through the mapping), tracking, planned dates."""
        self.ensure_one()
        vals = {"tms_state": "booked" if self.tms_state != "cancelled" else "cancelled"}
        scac = data.get("carrier_scac") or data.get("carrier")
        if scac:
            mapping = backend._map_code("carrier", scac)
            if mapping.carrier_id:
                vals["carrier_id"] = mapping.carrier_id.id
            if mapping.carrier_partner_id:
                vals["carrier_partner_id"] = mapping.carrier_partner_id.id
        if data.get("service_level"):
            vals["service_level"] = backend._map_code("service_level", data["service_level"]).service_level
        if data.get("tracking_reference"):
            vals["tracking_ref"] = data["tracking_reference"]
        for key in ("planned_pickup", "planned_delivery"):
            if data.get(key):
                vals[key] = parse_datetime(data[key])
        self.write(vals)
        if data.get("booking_id"):
            self._set_external_ref(backend, str(data["booking_id"]), "booking")
        if self.status in ("draft", "tendered"):
            self._apply_event_status("booked", fields.Datetime.now())
        if self.tracking_ref:
            self.picking_ids.filtered(lambda p: not p.carrier_tracking_ref).write(
                {"carrier_tracking_ref": self.tracking_ref}
            )

    @api.model
    def _cron_poll_bookings(self):
        """Ask the TMS for bookings of shipments sent without a synchronous confirmation."""
        waiting = self.search([("tms_state", "=", "sent"), ("backend_id", "!=", False)], limit=200)
        items = []
        for backend, shipments in waiting.grouped("backend_id").items():
            client = backend._get_client()
            for shipment in shipments:
                try:
                    answer = client.get_booking(shipment.name)
                except Exception as error:
                    _logger.info("Booking poll of %s failed: %s", shipment.name, privacy.safe_error_text(error))
                    continue
                if answer.get("booking_id"):
                    items.append(
                        JournalItem(
                            answer,
                            key=f"booking:{answer['booking_id']}:{answer.get('revision', '')}",
                            shipment_ids=(shipment.id,),
                            backend_id=backend.id,
                        )
                    )
        if items:
            self.env["logistics.message"]._journal_inbound(None, "booking_confirmation", items, source="poll")
        return len(items)
