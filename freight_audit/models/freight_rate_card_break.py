from odoo import fields, models


class FreightRateCardBreak(models.Model):
    """A weight break: from ``min_kg`` on, every kg costs ``rate``."""

    _name = "freight.rate.card.break"
    _description = "Rate Card Weight Break"
    _order = "card_id, min_kg"

    card_id = fields.Many2one("freight.rate.card", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="card_id.company_id", store=True, index=True)
    min_kg = fields.Float(string="From (kg)", required=True)
    rate = fields.Float(string="Rate per kg", digits=(16, 4), required=True)

    _sql_constraints = [("min_uniq", "unique(card_id, min_kg)", "Two weight breaks start at the same weight.")]
