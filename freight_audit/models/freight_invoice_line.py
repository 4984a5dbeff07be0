from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

LINE_STATES = [
    ("new", "Not audited"),
    ("approved", "Approved"),
    ("exception", "Exception"),
    ("rejected", "Rejected"),
]
REVIEW_FIELDS = {"proposed_amount", "review_note"}
# What the carrier billed: users change it on an invoice not audited yet (draft) only.
DOCUMENT_FIELDS = frozenset(
    {
        "invoice_id",
        "sequence",
        "shipment_reference",
        "shipment_id",
        "charge_code",
        "charge_type_id",
        "description",
        "quantity",
        "billed_weight",
        "amount",
    }
)
# Lines of a billed invoice never change these again, not even in superuser mode.
BILLED_FROZEN = DOCUMENT_FIELDS | {
    "approved_amount",
    "proposed_amount",
    "expected_amount",
    "variance",
    "state",
    "case_id",
}


def write_grouped(writes):
    """Write ``[(record, vals)]``: one ``write()`` per currency and distinct values (the charges
    of a batch's invoices often audit and approve alike), not one per record. Records of one
    model with a ``currency_id``."""
    groups = defaultdict(list)
    for record, vals in writes:
        groups[(record.currency_id.id, tuple(sorted(vals.items())))].append(record.id)
    for (_currency_id, items), ids in groups.items():
        writes[0][0].browse(ids).write(dict(items))


class FreightInvoiceLine(models.Model):
    """One charge billed by the carrier, with what the contract expected and why."""

    _name = "freight.invoice.line"
    _description = "Carrier Invoice Charge"
    _inherit = ["logistics.guarded.mixin", "logistics.company.check.mixin"]
    _order = "invoice_id, sequence, id"
    _check_company_auto = True
    # Audit results, decisions and the case a line is reviewed in: the audit's and the cases'
    # methods only (a user cannot move lines between cases).
    _guarded_fields = dict.fromkeys(
        (
            "state",
            "approved_amount",
            "expected_amount",
            "is_rated",
            "variance",
            "explanation",
            "audit_source",
            "rate_card_id",
            "rate_card_version",
            "fuel_percent",
            "finding_codes",
            "case_id",
            "rebill_sale_line_id",
        )
    )

    invoice_id = fields.Many2one("freight.invoice", required=True, ondelete="cascade", index=True, check_company=True)
    company_id = fields.Many2one(related="invoice_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="invoice_id.currency_id", store=True)
    carrier_partner_id = fields.Many2one(related="invoice_id.carrier_partner_id", store=True, string="Carrier")
    sequence = fields.Integer(default=10)
    shipment_reference = fields.Char(required=True, help="The shipment reference as billed.", index=True)
    shipment_id = fields.Many2one("logistics.shipment", index=True, ondelete="restrict", check_company=True)
    sale_id = fields.Many2one(related="shipment_id.sale_id", string="Sale Order")
    charge_code = fields.Char(required=True, help="The carrier's charge code as billed.")
    charge_type_id = fields.Many2one(
        "freight.charge.type", required=True, ondelete="restrict", index=True, check_company=True
    )
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
    rate_card_id = fields.Many2one(
        "freight.rate.card", readonly=True, copy=False, ondelete="set null", check_company=True
    )
    rate_card_version = fields.Integer(readonly=True, copy=False)
    fuel_percent = fields.Float(readonly=True, copy=False, digits=(16, 4))
    finding_codes = fields.Char(readonly=True, copy=False)
    finding_ids = fields.One2many("freight.audit.finding", "line_id", string="Findings")
    state = fields.Selection(LINE_STATES, default="new", required=True, copy=False, index=True)
    case_id = fields.Many2one(
        "freight.audit.case", string="Audit Case", copy=False, index="btree_not_null", check_company=True
    )
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

    @api.constrains("proposed_amount")
    def _check_proposed_amount(self):
        for line in self:
            if line.proposed_amount < 0:
                raise ValidationError(_("A proposed amount is never negative (charge %s).", line.charge_code))

    def _approve_billed(self):
        """Approve these charges at their billed amounts (state approved, approved amount the
        amount billed): the audit's method, superuser only. One write per currency and amount
        (a batch's charges repeat amounts), not one per charge."""
        if not self.env.su:
            raise AccessError(_("Charges are approved by the audit and the audit cases only."))
        write_grouped([(line, {"state": "approved", "approved_amount": line.amount}) for line in self])

    def _check_invoice_states(self, invoices, names):
        """Billed invoices: their charges never change. Users change charges of a draft invoice only."""
        billed = invoices.filtered(lambda invoice: invoice.state == "billed")
        if billed and BILLED_FROZEN & names:
            raise UserError(
                _("Carrier invoice %s is billed: its charges and amounts never change again.", billed[0].display_name)
            )
        if not self.env.su and DOCUMENT_FIELDS & names:
            audited = invoices.filtered(lambda invoice: invoice.state != "draft")
            if audited:
                raise UserError(
                    _(
                        "Carrier invoice %s is audited: what the carrier billed is not changed any more.",
                        audited[0].display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        invoice_ids = {vals.get("invoice_id") for vals in vals_list} - {False, None}
        self._check_invoice_states(self.env["freight.invoice"].browse(invoice_ids), set(BILLED_FROZEN))
        return super().create(vals_list)

    def write(self, vals):
        names = set(vals)
        if names & BILLED_FROZEN:
            invoices = self.invoice_id
            if "invoice_id" in vals:
                invoices |= invoices.browse(vals["invoice_id"])
            self._check_invoice_states(invoices, names)
        if REVIEW_FIELDS & names:
            locked = self.filtered(lambda line: line.case_id.state in ("approved", "rejected", "closed"))
            if locked:
                raise UserError(_("The audit case of these charges is decided; they cannot be changed."))
        result = super().write(vals)
        if REVIEW_FIELDS & names:
            self.case_id._mark_edited()
        return result

    def unlink(self):
        self._check_invoice_states(self.invoice_id, set(BILLED_FROZEN))
        return super().unlink()

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
