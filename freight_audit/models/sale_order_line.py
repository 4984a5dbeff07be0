from odoo import fields, models


class SaleOrderLine(models.Model):
    _name = "sale.order.line"
    _inherit = ["sale.order.line", "logistics.guarded.mixin"]
    # Set by freight rebilling only: a line linked by hand to a carrier charge would stand in
    # for its rebilling (a charge is rebilled once).
    _guarded_fields = {"freight_invoice_line_id": None}

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
