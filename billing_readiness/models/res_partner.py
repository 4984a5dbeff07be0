from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    billing_rule_ids = fields.One2many(
        "billing.readiness.rule",
        "partner_id",
        string="Billing Readiness Rules",
        groups="logistics_connector.group_logistics_user",
    )
