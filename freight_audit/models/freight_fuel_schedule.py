from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..services import rating


class FreightFuelSchedule(models.Model):
    """Fuel surcharge percentages by validity period, or by bands of a published fuel index."""

    _name = "freight.fuel.schedule"
    _description = "Fuel Surcharge Schedule"
    _inherit = ["mail.thread"]
    _order = "name"
    _check_company_auto = True

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    carrier_partner_id = fields.Many2one(
        "res.partner", string="Carrier", help="Empty: any carrier.", check_company=True
    )
    applies_to = fields.Selection(
        [("base", "Base freight"), ("base_and_accessorials", "Base freight and accessorials")],
        required=True,
        default="base",
    )
    line_ids = fields.One2many(
        "freight.fuel.schedule.line",
        "schedule_id",
        string="Periods / Bands",
        domain=[("kind", "in", ("period", "band"))],
    )
    index_value_ids = fields.One2many(
        "freight.fuel.schedule.line",
        "schedule_id",
        string="Published Index Values",
        domain=[("kind", "=", "index")],
    )

    @api.constrains("line_ids", "applies_to")
    def _check_schedule(self):
        for schedule in self:
            try:
                schedule._to_fuel_schedule()
            except rating.ContractError as error:
                raise ValidationError(str(error)) from error

    def _to_fuel_schedule(self):
        self.ensure_one()
        lines = self.line_ids
        return rating.FuelSchedule(
            id=self.id,
            carrier=self.carrier_partner_id._freight_carrier_key() if self.carrier_partner_id else None,
            periods=tuple(
                (line.date_from or None, line.date_to or None, line.percent)
                for line in lines.filtered(lambda line: line.kind == "period")
            ),
            index_bands=tuple(
                (line.index_min, line.index_max or None, line.percent)
                for line in lines.filtered(lambda line: line.kind == "band")
            ),
            applies_to=self.applies_to,
            name=self.name,
        )
