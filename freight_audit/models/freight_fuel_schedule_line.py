from odoo import fields, models


class FreightFuelScheduleLine(models.Model):
    """A fuel period (dates -> percent), an index band (index range -> percent) or a published index value."""

    _name = "freight.fuel.schedule.line"
    _description = "Fuel Schedule Line"
    _order = "schedule_id, kind, date_from, index_min"

    schedule_id = fields.Many2one("freight.fuel.schedule", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="schedule_id.company_id", store=True, index=True)
    kind = fields.Selection(
        [("period", "Period"), ("band", "Index band"), ("index", "Published index value")],
        required=True,
        default="period",
    )
    date_from = fields.Date(help="Period start; for a published index value, its publication date.")
    date_to = fields.Date()
    index_min = fields.Float(digits=(16, 4), help="Band: index ≥ this value ...")
    index_max = fields.Float(digits=(16, 4), help="... and < this value (0: no upper bound).")
    index_value = fields.Float(digits=(16, 4), help="Published index value (kind 'published index value').")
    percent = fields.Float(string="Surcharge (%)", digits=(16, 4))
