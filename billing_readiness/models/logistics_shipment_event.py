from odoo import api, models


class LogisticsShipmentEvent(models.Model):
    _inherit = "logistics.shipment.event"

    @api.model_create_multi
    def create(self, vals_list):
        events = super().create(vals_list)
        exceptions = events.filtered("exception_state")
        if exceptions:
            self.env["billing.readiness.dirty"]._mark_orders(exceptions.shipment_id.sale_id.ids)
        return events

    def write(self, vals):
        result = super().write(vals)
        if "exception_state" in vals or "shipment_id" in vals:
            self.env["billing.readiness.dirty"]._mark_orders(self.shipment_id.sale_id.ids)
        return result
