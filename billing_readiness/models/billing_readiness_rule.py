from odoo import api, fields, models

from ..services import readiness

DELIVERY_POLICIES = [
    ("all", "All shipments delivered"),
    ("partial", "Delivered quantities (partial invoicing)"),
]
INVOICE_GROUPINGS = [("order", "One invoice per order"), ("customer", "One invoice per customer")]


class BillingReadinessRule(models.Model):
    """When a sale order may be invoiced: the company's rule, or a customer's own rule."""

    _name = "billing.readiness.rule"
    _description = "Billing Readiness Rule"
    _order = "company_id, partner_id nulls first, id"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        index=True,
        check_company=True,
        domain="[('parent_id', '=', False)]",
        help="Empty: the company's rule. A customer's rule replaces the company's rule for its orders "
        "(and those of its contacts).",
    )
    require_pod = fields.Boolean(string="Require Complete POD", default=True)
    require_delivery_done = fields.Boolean(
        string="Require Delivery Orders Done in Odoo",
        default=True,
        help="A shipment the carrier reports delivered holds the order while one of its delivery orders "
        "(outgoing transfers) is not validated in Odoo: the goods still count as on hand.",
    )
    delivery_policy = fields.Selection(DELIVERY_POLICIES, required=True, default="all")
    require_charges_reconciled = fields.Boolean(
        string="Require Rebillable Charges Reconciled",
        default=True,
        help="No open audit case on rebillable charges, and every rebillable charge (detention, "
        "accessorials) confirmed and on the order.",
    )
    require_no_exception = fields.Boolean(string="Require No Open Delivery Exception", default=True)
    wait_hours = fields.Float(
        string="Waiting Period (hours)", help="Hours to wait after delivery, e.g. for late accessorial charges."
    )
    invoice_grouping = fields.Selection(INVOICE_GROUPINGS, required=True, default="order")
    auto_invoice = fields.Boolean(
        string="Invoice Automatically", default=True, help="The scheduled invoicing invoices ready orders."
    )
    auto_post = fields.Boolean(string="Post Invoices", help="Post the invoices the scheduled invoicing creates.")

    _sql_constraints = [
        (
            "company_partner_uniq",
            "unique NULLS NOT DISTINCT (company_id, partner_id)",
            "One rule per company and customer (and one company rule).",
        ),
    ]

    @api.depends("company_id.name", "partner_id.name")
    def _compute_name(self):
        for rule in self:
            rule.name = (
                self.env._("%(customer)s (%(company)s)", customer=rule.partner_id.name, company=rule.company_id.name)
                if rule.partner_id
                else self.env._("%(company)s: company rule", company=rule.company_id.name)
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._normalise_partner(vals_list)
        rules = super().create(vals_list)
        rules._mark_orders_dirty()
        return rules

    def write(self, vals):
        self._normalise_partner([vals])
        self._mark_orders_dirty()
        result = super().write(vals)
        self._mark_orders_dirty()
        return result

    def unlink(self):
        self._mark_orders_dirty()
        return super().unlink()

    def _normalise_partner(self, vals_list):
        for vals in vals_list:
            if vals.get("partner_id"):
                vals["partner_id"] = self.env["res.partner"].browse(vals["partner_id"]).commercial_partner_id.id

    def _mark_orders_dirty(self):
        """A rule changed: its orders are evaluated again (in one statement per company)."""
        for rule in self:
            self.env["billing.readiness.dirty"]._mark_open_orders(rule.company_id.id, rule.partner_id.id or None)

    def _to_rule(self):
        self.ensure_one()
        return readiness.Rule(
            require_pod=self.require_pod,
            require_delivery_done=self.require_delivery_done,
            delivery_policy=self.delivery_policy,
            require_charges_reconciled=self.require_charges_reconciled,
            require_no_exception=self.require_no_exception,
            wait_hours=self.wait_hours or 0.0,
            invoice_grouping=self.invoice_grouping,
            auto_invoice=self.auto_invoice,
            auto_post=self.auto_post,
        )

    @api.model
    def _rule_resolver(self, company_ids):
        """A function ``(company_id, commercial_partner_id) -> readiness.Rule`` (one query)."""
        rules = self.sudo().search([("company_id", "in", list(company_ids))])
        by_key = {(rule.company_id.id, rule.partner_id.id or None): rule._to_rule() for rule in rules}

        def resolve(company_id, partner_id):
            return by_key.get((company_id, partner_id)) or by_key.get((company_id, None)) or readiness.DEFAULT_RULE

        return resolve

    @api.model
    def _company_rule(self, company):
        """The company's rule record (created with the defaults when missing)."""
        rule = self.sudo().search([("company_id", "=", company.id), ("partner_id", "=", False)], limit=1)
        return rule or self.sudo().create({"company_id": company.id})
