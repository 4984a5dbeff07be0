"""*Forget this contact* (``logistics_connector/models/res_partner_privacy.py``) for milestones:
the POD signers and POD documents (signature images, scans) of the partner's shipments, and of
any milestone signed under the partner's name, are erased: the signer becomes ``[forgotten]``
and each document's content a short text saying it was erased. That a POD was received, and
when, stays (the shipment's POD stays complete: billing readiness does not change)."""

from odoo import _, fields, models

FORGOTTEN = "[forgotten]"


class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    def _logistics_forget_personal_data(self):
        counts = super()._logistics_forget_personal_data()
        Event = self.env["logistics.shipment.event"].sudo()
        shipments = self._logistics_forget_shipments()
        companies = self._logistics_forget_companies()
        domain = [("company_id", "in", companies), "|", ("pod_signer", "!=", False), ("pod_attachment_id", "!=", False)]
        events = Event.search([*domain, ("shipment_id", "in", shipments.ids)]) if shipments else Event
        if self.name:
            events |= Event.search([("company_id", "in", companies), ("pod_signer", "=ilike", self.name.strip())])
        shipments |= events.shipment_id
        shipments = shipments.filtered(lambda shipment: shipment.pod_signer or shipment.pod_attachment_id)
        documents = (events.pod_attachment_id | shipments.pod_attachment_id).sudo()
        if documents:
            stamp = fields.Datetime.now()
            documents.write(
                {
                    "name": "proof-of-delivery-erased.txt",
                    "raw": f"Proof of delivery erased on {stamp} (Forget this contact).".encode(),
                    "mimetype": "text/plain",
                }
            )
        signed_events = events.filtered("pod_signer")
        if signed_events:
            signed_events.write({"pod_signer": FORGOTTEN})
        signed_shipments = shipments.filtered("pod_signer")
        if signed_shipments:
            signed_shipments.with_context(tracking_disable=True).write({"pod_signer": FORGOTTEN})
        counts[_("Milestones with a POD erased")] = len(events)
        counts[_("Shipments with a POD erased")] = len(shipments)
        counts[_("POD documents erased")] = len(documents)
        return counts
