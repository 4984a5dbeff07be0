from odoo import fields, models


class LogisticsBackend(models.Model):
    _inherit = "logistics.backend"

    event_responsible_user_id = fields.Many2one(
        "res.users",
        string="Exceptions Responsible",
        domain=[("share", "=", False)],
        check_company=True,
        help="Gets the activities of shipment exceptions reported by this backend when the shipment has "
        "no salesperson.",
    )
    event_count = fields.Integer(compute="_compute_event_count", string="Milestones")

    def _compute_event_count(self):
        data = dict(
            self.env["logistics.shipment.event"]._read_group(
                [("backend_id", "in", self.ids)], ["backend_id"], ["__count"]
            )
        )
        for backend in self:
            backend.event_count = data.get(backend, 0)

    def _applies_events_to_shipments(self):
        """Milestones of this backend move shipments only when the backend is of its
        company's logistics environment: a test backend never moves a production shipment
        (its events are kept, parsed and mapped, as milestones of no shipment)."""
        self.ensure_one()
        return self.environment == (self.company_id.logistics_environment or "production")

    def _webhook_url(self):
        self.ensure_one()
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        return f"{base}/logistics/webhook/{self.code}"

    def action_open_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("shipment_events.logistics_shipment_event_action")
        action["domain"] = [("backend_id", "=", self.id)]
        return action
