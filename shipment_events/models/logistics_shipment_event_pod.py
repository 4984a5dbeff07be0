"""Proofs of delivery of milestones: their documents stored as attachments (owned by the
journal message, then the event, then the shipment) and the shipment's POD fields."""

import logging

from odoo import api, models

_logger = logging.getLogger(__name__)


class LogisticsShipmentEvent(models.Model):
    # One class per concern of logistics.shipment.event, each in its own file (see
    # logistics_shipment_event.py).
    _inherit = "logistics.shipment.event"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _create_pod_attachments(self, backend, items):
        """POD documents of the events as attachments (one create for all); aligned with
        ``items``, a list of ``(journal message, normalised event)``.

        Each document belongs to the journal message it came in (and to the backend's
        company) until its event exists: :meth:`_attach_pod_documents` only ever moves an
        attachment that one of the event's own records holds."""
        Attachment = self.env["ir.attachment"].sudo()
        todo = [
            (index, message, norm["pod"])
            for index, (message, norm) in enumerate(items)
            if (norm.get("pod") or {}).get("document")
        ]
        result = [Attachment] * len(items)
        if not todo:
            return result
        attachments = Attachment.create(
            [
                {
                    "name": pod.get("filename") or "proof-of-delivery",
                    "raw": pod["document"],
                    "mimetype": pod.get("mimetype") or False,
                    "res_model": "logistics.message" if message else self._name,
                    "res_id": message.id if message else False,
                    "company_id": backend.company_id.id,
                }
                for _index, message, pod in todo
            ]
        )
        for (index, _message, _pod), attachment in zip(todo, attachments, strict=True):
            result[index] = attachment
        return result

    def _own_pod_attachments(self):
        """``{event: attachment}`` for the events whose POD attachment is one processing made
        for them: held by the event itself, by its journal message or already by its
        shipment. Any other attachment is never moved nor put on a shipment, whoever runs
        this (superuser included): designating an attachment cannot take it from its record."""
        attachments = self.pod_attachment_id.sudo()
        if not attachments:
            return {}
        attachments.fetch(["res_model", "res_id"])  # one query for the whole recordset
        result = {}
        for event in self:
            attachment = event.pod_attachment_id.sudo()
            if not attachment:
                continue
            owners = {(self._name, event.id)}
            if event.message_id:
                owners.add(("logistics.message", event.message_id.id))
            if event.shipment_id:
                owners.add(("logistics.shipment", event.shipment_id.id))
            if (attachment.res_model, attachment.res_id) in owners:
                result[event] = attachment
            else:
                _logger.warning(
                    "Milestone %s: POD attachment %s belongs to %s,%s, not to the milestone; left alone",
                    event.id,
                    attachment.id,
                    attachment.res_model,
                    attachment.res_id,
                )
        return result

    def _attach_pod_documents(self):
        """POD attachments belong to the shipment once known, to the event before (only
        the attachments processing created for the event, see _own_pod_attachments)."""
        for event, attachment in self._own_pod_attachments().items():
            res_model, res_id = (
                ("logistics.shipment", event.shipment_id.id) if event.shipment_id else (self._name, event.id)
            )
            if (attachment.res_model, attachment.res_id) != (res_model, res_id):
                attachment.write({"res_model": res_model, "res_id": res_id})

    def _apply_pod(self):
        """Proof of delivery fields of the shipment, from the newest POD event.

        No chatter tracking message per POD (a mail message each: a quarter of the
        processing time of a stream of events): the POD event in the timeline, with its
        source message, is the record of who signed and when."""
        own_documents = self._own_pod_attachments()
        for shipment_rec, events in self.grouped("shipment_id").items():
            shipment = shipment_rec.sudo().with_context(tracking_disable=True)
            vals = {}
            current_time = shipment.pod_time
            for event in events.sorted(lambda e: (e.pod_time or e.event_time, e.id)):
                pod_time = event.pod_time or event.event_time
                if current_time and pod_time < current_time:
                    continue
                current_time = pod_time
                if event.pod_signer:
                    vals["pod_signer"] = event.pod_signer
                vals["pod_time"] = pod_time
                if event in own_documents:
                    vals["pod_attachment_id"] = own_documents[event].id
            if vals:
                shipment.write(vals)
        with_doc = self.filtered(lambda event: event in own_documents)
        if with_doc:
            with_doc._attach_pod_documents()
