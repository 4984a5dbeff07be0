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
    authorised_amount = fields.Float(digits="Account", help="Cap per invoice line, in the invoice currency.")
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

    def _to_charge_rule(self):
        """The audit engine's :class:`~..services.rating.ChargeRule` of this charge type."""
        self.ensure_one()
        return rating.ChargeRule(
            charge_code=self.code,
            kind=self.kind,
            authorisation=self.authorisation,
            authorised_amount=rating.to_decimal(self.authorised_amount)
            if self.authorisation == "up_to_amount"
            else None,
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
