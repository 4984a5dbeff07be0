from odoo import fields, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    freight_invoice_line_id = fields.Many2one(
        "freight.invoice.line",
        string="Rebilled Carrier Charge",
        copy=False,
        readonly=True,
        index="btree_not_null",
        check_company=True,
    )

    _sql_constraints = [
        (
            "freight_invoice_line_uniq",
            "unique(freight_invoice_line_id)",
            "A carrier charge is rebilled to the customer once.",
        ),
    ]
