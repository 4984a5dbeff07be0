from odoo import fields, models

from ..services.tolerance import Tolerance


class FreightTolerance(models.Model):
    """Audit tolerances of one carrier in one company (the company's defaults apply otherwise)."""

    _name = "freight.tolerance"
    _description = "Freight Audit Tolerance"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    carrier_partner_id = fields.Many2one("res.partner", string="Carrier", required=True, index=True, check_company=True)
    mode = fields.Selection(
        [("either", "Absolute or percentage (the larger)"), ("both", "Absolute and percentage (the smaller)")],
        default="either",
        required=True,
    )
    line_abs = fields.Float(string="Line Tolerance (amount)", digits="Account")
    line_percent = fields.Float(string="Line Tolerance (%)")
    total_abs = fields.Float(string="Invoice Tolerance (amount)", digits="Account")
    total_percent = fields.Float(string="Invoice Tolerance (%)")
    weight_percent = fields.Float(string="Billed Weight Tolerance (%)")

    _sql_constraints = [
        ("carrier_uniq", "unique(company_id, carrier_partner_id)", "This carrier already has tolerances here."),
    ]

    def _tolerances(self):
        """(line tolerance, invoice tolerance, weight percent) of this record."""
        self.ensure_one()
        return (
            Tolerance(self.line_abs, self.line_percent, self.mode),
            Tolerance(self.total_abs, self.total_percent, self.mode),
            self.weight_percent,
        )
