from odoo import api, fields, models


class LogisticsMessageLink(models.Model):
    """A record that a journal message created or changed (for traceability)."""

    _name = "logistics.message.link"
    _description = "Integration Message Link"
    _order = "id"

    message_id = fields.Many2one("logistics.message", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="message_id.company_id", store=True, index=True)
    res_model = fields.Char(required=True, index=True)
    res_id = fields.Many2oneReference(model_field="res_model", required=True, index=True)
    role = fields.Selection([("created", "Created"), ("updated", "Updated")], default="updated", required=True)
    record_ref = fields.Reference(selection="_selection_record_ref", compute="_compute_record_ref")
    display = fields.Char(compute="_compute_record_ref")

    @api.model
    def _selection_record_ref(self):
        return [(model.model, model.name) for model in self.env["ir.model"].sudo().search([])]

    @api.depends("res_model", "res_id")
    def _compute_record_ref(self):
        for link in self:
            record = self.env[link.res_model].browse(link.res_id).exists() if link.res_model in self.env else None
            link.record_ref = f"{link.res_model},{link.res_id}" if record else False
            link.display = record.display_name if record else f"{link.res_model},{link.res_id} (deleted)"
