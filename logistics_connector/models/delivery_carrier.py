from odoo import fields, models

from ..services import tracking


class DeliveryCarrier(models.Model):
    _inherit = "delivery.carrier"

    logistics_tracking_url = fields.Char(
        string="Tracking URL Template",
        help="The carrier's public tracking page, with {tracking} where the tracking reference goes, "
        "e.g. https://www.ups.com/track?tracknum={tracking}. Empty: the suite's default for a known "
        "carrier (by its SCAC in the carrier code mappings, or its name), else Odoo's Tracking Link.",
    )
    logistics_tracking_url_default = fields.Char(
        string="Default Tracking URL", compute="_compute_logistics_tracking_url_default"
    )

    def _compute_logistics_tracking_url_default(self):
        for carrier in self:
            carrier.logistics_tracking_url_default = carrier._logistics_tracking_template()

    def _logistics_scacs(self):
        """The SCACs the carrier code mappings give this carrier (any backend)."""
        mappings = (
            self.env["logistics.code.mapping"]
            .sudo()
            .search([("mapping_type", "=", "carrier"), ("carrier_id", "in", self.ids)])
        )
        return mappings.mapped("external_code")

    def _logistics_tracking_template(self, partner=None):
        """The URL template for this carrier (or, without one, for the carrier ``partner``)."""
        if self:
            self.ensure_one()
            if self.logistics_tracking_url:
                return self.logistics_tracking_url
        names = [name for name in (self.name if self else None, partner.name if partner else None) if name]
        template = tracking.default_template(scacs=self._logistics_scacs() if self else (), names=names)
        if template:
            return template
        if self and self.tracking_url and "<shipmenttrackingnumber>" in self.tracking_url:
            return self.tracking_url
        return False

    def _logistics_tracking_link(self, tracking_ref, partner=None):
        return tracking.tracking_url(self._logistics_tracking_template(partner=partner), tracking_ref) or False
