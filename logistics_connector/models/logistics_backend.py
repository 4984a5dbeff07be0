from odoo import fields, models


class LogisticsBackend(models.Model):
    _name = "logistics.backend"
    _description = "Logistics Backend"
    _inherit = ["mail.thread"]
    _order = "sequence, name"

    name = fields.Char(required=True, tracking=True)
    code = fields.Char(required=True, help="Short technical code, used in webhook URLs.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    kind = fields.Selection(
        [("tms", "TMS"), ("fap", "Freight Audit & Payment"), ("carrier", "Carrier / Visibility Platform")],
        required=True,
        default="tms",
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)

    _sql_constraints = [
        ("code_company_uniq", "unique(code, company_id)", "The backend code must be unique per company."),
    ]
