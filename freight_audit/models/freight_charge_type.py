from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..services import rating

SPLIT_METHODS = [
    ("equal", "Equal"),
    ("by_quantity", "By Quantity"),
    ("by_current_cost_price", "By Current Cost"),
    ("by_weight", "By Weight"),
    ("by_volume", "By Volume"),
]


class FreightChargeType(models.Model):
    """What a carrier charge is: base freight, fuel, an accessorial or tax, and where it posts."""

    _name = "freight.charge.type"
    _description = "Freight Charge Type"
    _order = "sequence, code"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="Internal code; carrier charge codes are mapped to it through the backends' code mappings, so "
        "that the same charge billed through two channels is recognised as one.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, index=True)
    kind = fields.Selection(
        [("base", "Base freight"), ("fuel", "Fuel surcharge"), ("accessorial", "Accessorial"), ("tax", "Tax")],
        required=True,
        default="accessorial",
    )
    authorisation = fields.Selection(
        [
            ("pre_authorised", "Pre-authorised"),
            ("up_to_amount", "Authorised up to an amount"),
            ("needs_approval", "Needs approval"),
        ],
        required=True,
        default="pre_authorised",
        help="Accessorials only: pre-authorised charges are paid as billed, capped ones up to the amount, "
        "the others always go to an audit case.",
    )
    authorised_amount = fields.Float(
        digits="Account",
        help="Cap per invoice line, in the company's currency; the audit converts it to the invoice's currency "
        "at the invoice date with Odoo's rates.",
    )
    is_rebillable = fields.Boolean(
        string="Rebillable to Customer", help="Approved charges of this type are added to the customer's sale order."
    )
    product_id = fields.Many2one(
        "product.product",
        string="Product",
        required=True,
        domain=[("type", "=", "service")],
        check_company=True,
        help="Product of the vendor bill lines (and of the landed cost lines).",
    )
    account_id = fields.Many2one(
        "account.account",
        string="Expense Account",
        help="Account of the vendor bill lines; the product's expense account when empty.",
    )
    rebill_product_id = fields.Many2one(
        "product.product",
        string="Rebilling Product",
        domain=[("sale_ok", "=", True)],
        check_company=True,
        help="Product of the sale order lines of rebilled charges; the charge type's product when empty.",
    )
    tax_ids = fields.Many2many(
        "account.tax",
        "freight_charge_type_tax_rel",
        "charge_type_id",
        "tax_id",
        string="Purchase Taxes",
        domain=[("type_tax_use", "=", "purchase")],
        check_company=True,
        help="Purchase taxes of the vendor bill lines of this charge (the product's vendor taxes by default), "
        "mapped by the carrier's fiscal position. On a Tax charge type: the tax that the carrier's tax lines "
        "bill; it is added to the other charges of the invoice, and the carrier's tax lines become that tax "
        "on the bill, never an expense.",
    )
    is_landed_cost = fields.Boolean(
        string="Landed Cost on Receipts", default=True, help="On inbound shipments, capitalise into the stock value."
    )
    split_method = fields.Selection(SPLIT_METHODS, string="Split Method", default="by_weight", required=True)
    mapping_ids = fields.One2many("logistics.code.mapping", "charge_type_id", string="Carrier Codes")

    _sql_constraints = [
        (
            "code_company_uniq",
            "unique NULLS NOT DISTINCT (code, company_id)",
            "The charge type code must be unique per company.",
        ),
    ]

    @api.constrains("authorisation", "authorised_amount", "kind")
    def _check_authorisation(self):
        for charge_type in self:
            if charge_type.authorisation == "up_to_amount" and charge_type.authorised_amount <= 0:
                raise ValidationError(_("Charge type %s: give the authorised amount.", charge_type.code))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("code"):
                vals["code"] = vals["code"].strip().upper()
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("code"):
            vals["code"] = vals["code"].strip().upper()
        return super().write(vals)

    @api.onchange("product_id")
    def _onchange_product_id_taxes(self):
        """The default taxes: the product's vendor taxes of the charge type's company."""
        if self.product_id:
            company = self.company_id or self.env.company
            self.tax_ids = self.product_id.supplier_taxes_id._filter_taxes_by_company(company)

    def _purchase_taxes(self, fiscal_position):
        """The taxes of the bill lines of this charge, mapped by ``fiscal_position`` (the carrier's)."""
        self.ensure_one()
        return fiscal_position.map_tax(self.tax_ids) if fiscal_position else self.tax_ids

    def _to_charge_rule(self, convert=None):
        """The audit engine's :class:`~..services.rating.ChargeRule` of this charge type.

        ``convert``: amount in the company's currency -> amount in the invoice's currency (the
        authorised amount is converted with it)."""
        self.ensure_one()
        cap = None
        if self.authorisation == "up_to_amount":
            cap = convert(self.authorised_amount) if convert else self.authorised_amount
        return rating.ChargeRule(
            charge_code=self.code,
            kind=self.kind,
            authorisation=self.authorisation,
            authorised_amount=rating.to_decimal(cap) if cap is not None else None,
            rebillable=self.is_rebillable,
            charge_type=self.code,
            name=self.name,
        )

    def _expense_account(self):
        self.ensure_one()
        if self.account_id:
            return self.account_id
        accounts = self.product_id.product_tmpl_id.with_company(self.env.company).get_product_accounts()
        return accounts["expense"]
