from odoo import _, api, fields, models
from odoo.exceptions import UserError


class ResCompany(models.Model):
    _inherit = "res.company"

    # Audit rules
    freight_require_delivered = fields.Boolean(
        string="Pay Delivered Shipments Only",
        default=True,
        help="A carrier invoice line of a shipment that is not delivered yet goes to an audit case.",
    )
    freight_require_pod = fields.Boolean(
        string="Require Proof of Delivery",
        help="A shipment without a complete proof of delivery goes to an audit case.",
    )
    freight_weight_tolerance_percent = fields.Float(
        string="Billed Weight Tolerance (%)",
        default=0.0,
        help="Billed weight may exceed the shipment's actual weight by this percentage.",
    )
    # Default tolerances (a carrier may have its own, see Freight Tolerances)
    freight_tolerance_mode = fields.Selection(
        [("either", "Absolute or percentage (the larger)"), ("both", "Absolute and percentage (the smaller)")],
        default="either",
        required=True,
    )
    freight_line_tolerance_abs = fields.Monetary(string="Line Tolerance (amount)", currency_field="currency_id")
    freight_line_tolerance_percent = fields.Float(string="Line Tolerance (%)")
    freight_total_tolerance_abs = fields.Monetary(string="Invoice Tolerance (amount)", currency_field="currency_id")
    freight_total_tolerance_percent = fields.Float(string="Invoice Tolerance (%)")
    # Approval
    freight_approval_threshold = fields.Monetary(
        string="Manager Approval Above",
        currency_field="currency_id",
        help="Audit cases approving more than this amount (company currency) need a Freight Manager. "
        "0 means no threshold.",
    )
    # Posting
    freight_auto_post_bill = fields.Boolean(
        string="Post Vendor Bills Automatically", default=True, help="Approved carrier invoices become posted bills."
    )
    freight_purchase_journal_id = fields.Many2one(
        "account.journal",
        string="Freight Bills Journal",
        domain="[('type', '=', 'purchase'), ('company_id', '=', id)]",
        help="Leave empty to use the company's first purchase journal.",
    )
    freight_accrual_enabled = fields.Boolean(string="Accrue Delivered Freight")
    freight_accrual_journal_id = fields.Many2one(
        "account.journal",
        string="Freight Accrual Journal",
        domain="[('type', '=', 'general'), ('company_id', '=', id)]",
    )
    freight_accrual_expense_account_id = fields.Many2one(
        "account.account", string="Accrued Freight Expense Account", domain="[('company_ids', 'in', id)]"
    )
    freight_accrued_liability_account_id = fields.Many2one(
        "account.account", string="Accrued Freight Liabilities Account", domain="[('company_ids', 'in', id)]"
    )
    # Payment of carriers (freight_invoice_payment.py, freight_fap_funding.py)
    freight_payment_mode = fields.Selection(
        [("direct", "Directly"), ("fap", "Through the FAP")],
        string="Carriers Are Paid",
        default="direct",
        required=True,
        help="Through the FAP: the FAP pays the carriers' bills (a payment in the FAP clearing journal "
        "settles each bill it reports paid) and asks us for the funds (one vendor bill to the FAP).",
    )
    freight_fap_partner_id = fields.Many2one(
        "res.partner", string="FAP (vendor)", help="The partner of the FAP's funding requests."
    )
    freight_fap_journal_id = fields.Many2one(
        "account.journal",
        string="FAP Clearing Journal",
        domain="[('type', '=', 'bank'), ('company_id', '=', id)]",
        help="A bank journal whose account clears the FAP's payments against its funding requests. "
        "Created on the first FAP payment when empty.",
    )

    def _freight_fap_clearing_journal(self):
        """The FAP clearing journal: a bank journal whose default account (and outbound payment
        account) is the clearing account; created on demand (superuser: the payment methods)."""
        self.ensure_one()
        if self.freight_fap_journal_id:
            return self.freight_fap_journal_id
        if not self.env.su:
            raise UserError(_("Company %s has no FAP clearing journal.", self.name))
        account = (
            self.env["account.account"]
            .with_company(self)
            .create(
                {
                    "name": _("FAP Clearing"),
                    "code": self._freight_free_account_code("FAPCLR"),
                    "account_type": "asset_cash",
                    "company_ids": [fields.Command.set(self.ids)],
                }
            )
        )
        journal = (
            self.env["account.journal"]
            .with_company(self)
            .create(
                {
                    "name": _("FAP Clearing"),
                    "code": "FAPC",
                    "type": "bank",
                    "company_id": self.id,
                    "default_account_id": account.id,
                    "currency_id": False,
                }
            )
        )
        journal.outbound_payment_method_line_ids.write({"payment_account_id": account.id})
        journal.inbound_payment_method_line_ids.write({"payment_account_id": account.id})
        self.freight_fap_journal_id = journal
        return journal

    def _freight_free_account_code(self, prefix):
        Account = self.env["account.account"].with_company(self)
        code, number = prefix, 1
        while Account.search_count([("code", "=", code), ("company_ids", "in", self.ids)], limit=1):
            number += 1
            code = f"{prefix}{number}"
        return code

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        self._freight_invoice_webhook_user_companies(companies)
        return companies

    @api.model
    def _freight_invoice_webhook_user_companies(self, companies=None):
        """The invoice webhook's technical user belongs to ``companies`` (default: every company):
        it journals for the backends of all companies, and the journal checks that it can read
        the backend it journals for (each request is authenticated by that backend's secret)."""
        user = self.env.ref("freight_audit.user_invoice_webhook", raise_if_not_found=False)
        if not user:
            return
        companies = companies if companies is not None else self.sudo().search([])
        user.sudo().write({"company_ids": [fields.Command.link(company.id) for company in companies]})
