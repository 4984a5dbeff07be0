from odoo import api, models


class LogisticsShipmentRef(models.Model):
    _inherit = "logistics.shipment.ref"

    @api.model_create_multi
    def create(self, vals_list):
        refs = super().create(vals_list)
        self.env["logistics.shipment.event"]._match_unmatched(refs.shipment_id)
        return refs

    def write(self, vals):
        result = super().write(vals)
        if "external_id" in vals or "shipment_id" in vals:
            self.env["logistics.shipment.event"]._match_unmatched(self.shipment_id)
        return result
