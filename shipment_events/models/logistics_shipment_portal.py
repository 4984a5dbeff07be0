from odoo import models


class LogisticsShipment(models.Model):
    """The customer's portal page of a shipment (``/my/shipments/<id>``, with an access token)."""

    _name = "logistics.shipment"
    _inherit = ["logistics.shipment", "portal.mixin"]

    def _compute_access_url(self):
        super()._compute_access_url()
        for shipment in self:
            shipment.access_url = f"/my/shipments/{shipment.id}"

    def _get_report_base_filename(self):
        self.ensure_one()
        return f"Shipment {self.name}"

    def _portal_customer(self):
        """The commercial partner whose portal users see this shipment (its customer's, or its order's)."""
        self.ensure_one()
        return (self.partner_id or self.sale_id.partner_id).commercial_partner_id

    def _portal_visible_to(self, partner):
        """True when the portal user of ``partner`` owns this shipment (same commercial partner)."""
        self.ensure_one()
        customer = self._portal_customer()
        return bool(customer) and partner.commercial_partner_id == customer

    def _portal_pod_available(self):
        self.ensure_one()
        return self.status == "delivered" and bool(self.pod_attachment_id)
