from odoo import fields, models

GROUP_AUDITOR = "freight_audit.group_freight_auditor"


class ResPartner(models.Model):
    """A carrier's scorecard on its partner form (Freight Audit groups only): the rows of
    ``freight.carrier.scorecard`` of the companies the user works in."""

    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    freight_scorecard_ids = fields.One2many(
        "freight.carrier.scorecard", "carrier_partner_id", string="Carrier Scorecard", groups=GROUP_AUDITOR
    )
    freight_on_time_pct = fields.Float(
        compute="_compute_freight_scorecard", string="On-Time Delivery %", digits=(16, 1), groups=GROUP_AUDITOR
    )
    freight_has_scorecard = fields.Boolean(compute="_compute_freight_scorecard", groups=GROUP_AUDITOR)

    def _compute_freight_scorecard(self):
        rows = self.env["freight.carrier.scorecard"].search(
            [("carrier_partner_id", "in", self.ids), ("company_id", "in", self.env.companies.ids)]
        )
        for partner in self:
            mine = rows.filtered(lambda row, partner=partner: row.carrier_partner_id == partner)
            base = sum(mine.mapped("on_time_base_count"))
            partner.freight_has_scorecard = bool(mine)
            partner.freight_on_time_pct = round(100.0 * sum(mine.mapped("on_time_count")) / base, 1) if base else 0.0

    def action_view_freight_scorecard(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("freight_audit.freight_carrier_scorecard_action")
        action["domain"] = [("carrier_partner_id", "=", self.id)]
        action["context"] = {}
        return action
