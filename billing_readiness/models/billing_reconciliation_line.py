from odoo import api, fields, models

SECTIONS = [
    ("customer", "Delivered vs invoiced to customers"),
    ("carrier", "Carrier invoices"),
    ("accrual", "Freight accruals"),
    ("tms", "TMS"),
    ("fap", "FAP"),
    ("fap_payment", "Payments through the FAP"),
]
LINE_TYPES = [("summary", "Figure"), ("difference", "Difference"), ("error", "Backend error")]
DIFFERENCE_KINDS = [
    ("missing_in_odoo", "Unknown in Odoo"),
    ("missing_in_backend", "Not reported by the backend"),
    ("status_differs", "Status differs"),
    ("amount_differs", "Amount differs"),
    ("payment_differs", "Payment differs"),
]


class BillingReconciliationLine(models.Model):
    """One figure or one difference of a reconciliation, with the records behind it."""

    _name = "billing.reconciliation.line"
    _description = "Billing Reconciliation Line"
    _order = "run_id desc, sequence, id"
    _check_company_auto = True

    run_id = fields.Many2one("billing.reconciliation.run", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="run_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(
        "res.currency",
        string="Currency",
        help="The currency of the line's amounts (empty: the line counts records). Amounts of two currencies "
        "are never added: each currency has its own lines.",
    )
    date_from = fields.Date(related="run_id.date_from")
    date_to = fields.Date(related="run_id.date_to")
    sequence = fields.Integer()
    section = fields.Selection(SECTIONS, required=True, index=True)
    line_type = fields.Selection(LINE_TYPES, required=True, default="summary", index=True)
    difference_kind = fields.Selection(DIFFERENCE_KINDS)
    name = fields.Char(string="Description", required=True)
    reference = fields.Char()
    record_count = fields.Integer(string="Count")
    odoo_value = fields.Float(string="Odoo", digits="Account")
    backend_value = fields.Float(
        string="Other Side", digits="Account", help="The backend's figure, or the total compared with."
    )
    has_comparison = fields.Boolean(help="The line compares Odoo with another figure.")
    difference = fields.Float(compute="_compute_difference", store=True, digits="Account")
    odoo_status = fields.Char(string="Odoo Status")
    backend_status = fields.Char(string="Backend Status")
    note = fields.Char()
    backend_id = fields.Many2one("logistics.backend", string="Backend", check_company=True)
    shipment_ids = fields.Many2many("logistics.shipment", string="Shipments", check_company=True)
    sale_order_ids = fields.Many2many("sale.order", string="Sale Orders", check_company=True)
    freight_invoice_ids = fields.Many2many("freight.invoice", string="Carrier Invoices", check_company=True)
    move_ids = fields.Many2many("account.move", string="Journal Entries", check_company=True)
    accrual_ids = fields.Many2many("freight.accrual", string="Accruals", check_company=True)
    case_ids = fields.Many2many("freight.audit.case", string="Audit Cases", check_company=True)
    records = fields.Char(compute="_compute_records", string="Records")

    @api.depends("odoo_value", "backend_value", "has_comparison")
    def _compute_difference(self):
        for line in self:
            line.difference = line.odoo_value - line.backend_value if line.has_comparison else 0.0

    @api.depends("shipment_ids", "sale_order_ids", "freight_invoice_ids", "move_ids", "accrual_ids", "case_ids")
    def _compute_records(self):
        for line in self:
            names = (
                line.sale_order_ids.mapped("name")
                + line.shipment_ids.mapped("name")
                + line.freight_invoice_ids.mapped("display_name")
                + line.case_ids.mapped("name")
                + line.move_ids.mapped("display_name")
            )
            if line.accrual_ids and not line.shipment_ids:
                names += line.accrual_ids.shipment_id.mapped("name")
            shown = names[:20]
            line.records = ", ".join(shown) + (" …" if len(names) > len(shown) else "")

    def action_open_records(self):
        self.ensure_one()
        for field_name in (
            "sale_order_ids",
            "freight_invoice_ids",
            "shipment_ids",
            "move_ids",
            "case_ids",
            "accrual_ids",
        ):
            records = self[field_name]
            if records:
                return {
                    "type": "ir.actions.act_window",
                    "name": self.name,
                    "res_model": records._name,
                    "view_mode": "list,form",
                    "domain": [("id", "in", records.ids)],
                }
        return False
