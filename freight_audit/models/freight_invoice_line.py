from odoo import _, api, fields, models
from odoo.exceptions import UserError

LINE_STATES = [
    ("new", "Not audited"),
    ("approved", "Approved"),
    ("exception", "Exception"),
    ("rejected", "Rejected"),
]
REVIEW_FIELDS = {"proposed_amount", "review_note"}


class FreightInvoiceLine(models.Model):
    """One charge billed by the carrier, with what the contract expected and why."""

    _name = "freight.invoice.line"
    _description = "Carrier Invoice Charge"
    _order = "invoice_id, sequence, id"

    invoice_id = fields.Many2one("freight.invoice", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="invoice_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="invoice_id.currency_id", store=True)
    carrier_partner_id = fields.Many2one(related="invoice_id.carrier_partner_id", store=True, string="Carrier")
    sequence = fields.Integer(default=10)
    shipment_reference = fields.Char(required=True, help="The shipment reference as billed.", index=True)
    shipment_id = fields.Many2one("logistics.shipment", index=True, ondelete="restrict")
    sale_id = fields.Many2one(related="shipment_id.sale_id", string="Sale Order")
    charge_code = fields.Char(required=True, help="The carrier's charge code as billed.")
    charge_type_id = fields.Many2one("freight.charge.type", required=True, ondelete="restrict", index=True)
    charge_kind = fields.Selection(related="charge_type_id.kind")
    is_rebillable = fields.Boolean(related="charge_type_id.is_rebillable")
    description = fields.Char()
    quantity = fields.Float(default=1.0)
    billed_weight = fields.Float(string="Billed Weight (kg)")
    amount = fields.Monetary(string="Billed", required=True)
    expected_amount = fields.Monetary(string="Expected", readonly=True, copy=False)
    is_rated = fields.Boolean(readonly=True, copy=False, help="An expected amount could be computed.")
    variance = fields.Monetary(readonly=True, copy=False)
    explanation = fields.Text(readonly=True, copy=False, help="How the expected amount was computed.")
    audit_source = fields.Char(
        string="Rule / Contract",
        readonly=True,
        copy=False,
        help="The rule or contract version that gave the expected amount.",
    )
    rate_card_id = fields.Many2one("freight.rate.card", readonly=True, copy=False, ondelete="set null")
    rate_card_version = fields.Integer(readonly=True, copy=False)
    fuel_percent = fields.Float(readonly=True, copy=False, digits=(16, 4))
    finding_codes = fields.Char(readonly=True, copy=False)
    finding_ids = fields.One2many("freight.audit.finding", "line_id", string="Findings")
    state = fields.Selection(LINE_STATES, default="new", required=True, copy=False, index=True)
    case_id = fields.Many2one("freight.audit.case", string="Audit Case", copy=False, index="btree_not_null")
    proposed_amount = fields.Monetary(
        copy=False, help="What the auditor proposes to pay (a partial approval pays this amount)."
    )
    review_note = fields.Char(copy=False)
    approved_amount = fields.Monetary(readonly=True, copy=False)
    rebill_sale_line_id = fields.Many2one("sale.order.line", string="Rebilled On", readonly=True, copy=False)

    def _audit_vals(self, result):
        """Field values from the engine's LineResult."""
        expected = float(result.expected) if result.expected is not None else 0.0
        vals = {
            "expected_amount": expected,
            "is_rated": result.expected is not None,
            "variance": float(result.variance) if result.variance is not None else self.amount - expected,
            "explanation": result.explanation,
            "audit_source": result.source or False,
            "rate_card_id": result.rate_card_id or False,
            "rate_card_version": result.rate_card_version or 0,
            "fuel_percent": float(result.fuel_percent) if result.fuel_percent is not None else 0.0,
            "finding_codes": ", ".join(result.codes) or False,
        }
        if self.state in ("new", "exception") and not self.proposed_amount:
            vals["proposed_amount"] = expected
        return vals

    def _approve_billed(self):
        """Approve the billed amounts (inside tolerance, or a full approval)."""
        for line in self:
            line.approved_amount = line.amount

    def write(self, vals):
        if REVIEW_FIELDS & set(vals):
            locked = self.filtered(lambda line: line.case_id.state in ("approved", "rejected", "closed"))
            if locked:
                raise UserError(_("The audit case of these charges is decided; they cannot be changed."))
        result = super().write(vals)
        if REVIEW_FIELDS & set(vals):
            self.case_id._mark_edited()
        return result

    @api.model
    def _freight_rebilled_pending(self, orders):
        """Rebilled freight lines of ``orders`` not invoiced to the customer yet (sale.order.line)."""
        return (
            self.env["sale.order.line"]
            .sudo()
            .search(
                [
                    ("order_id", "in", orders.ids),
                    ("freight_invoice_line_id", "!=", False),
                    ("invoice_status", "=", "to invoice"),
                ]
            )
        )
