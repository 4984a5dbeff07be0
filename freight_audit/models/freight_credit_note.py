"""Credits owed by a carrier on a billed freight invoice, each posted once as a vendor credit note.

Three origins (see ``readme/USAGE.md``, "Credit notes"):

* ``dispute``: a dispute settled in our favour after the case was approved (the carrier's answer,
  ``freight_audit_case_credit.py``);
* ``memo``: a carrier credit memo (a negative invoice, or one the parser flags as a credit or a
  correction), against the original invoice number it references;
* ``revision``: a FAP revision of a billed invoice that lowers its amounts
  (``freight_invoice_credit.py``).

Once, whatever the order of arrival: each credit has an origin key unique per company (the
dispute, the memo's number, the FAP invoice's revision), and its credit note is linked by the
guarded ``account.move.freight_credit_id``, unique among live moves. A credit whose bill is not
posted yet (or whose original invoice has not arrived) waits, ``pending``, and is posted when
the bill is (``account.move._post``). The credit note is reconciled with the bill's payable line.
"""

import logging

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, float_is_zero

from .freight_audit_case import GROUP_MANAGER, check_freight_group

ORIGINS = [("dispute", "Dispute settled"), ("memo", "Carrier credit memo"), ("revision", "FAP revision (lower)")]
_logger = logging.getLogger(__name__)
STATES = [("pending", "Waiting for the Bill"), ("credited", "Credit Note Posted")]


class FreightCreditNote(models.Model):
    _name = "freight.credit.note"
    _description = "Freight Credit from a Carrier"
    _inherit = ["mail.thread", "logistics.guarded.mixin"]
    _order = "id desc"
    _check_company_auto = True
    # Written by the credit intake and posting only.
    _guarded_fields = dict.fromkeys(
        (
            "origin",
            "origin_key",
            "invoice_id",
            "case_id",
            "message_id",
            "carrier_partner_id",
            "company_id",
            "currency_id",
            "reference",
            "original_reference",
            "shipment_references",
            "amount",
            "credit_date",
            "allocation",
            "state",
            "move_id",
        )
    )

    name = fields.Char(compute="_compute_name", store=True)
    origin = fields.Selection(ORIGINS, required=True, readonly=True)
    origin_key = fields.Char(required=True, readonly=True, index=True, copy=False)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    carrier_partner_id = fields.Many2one("res.partner", string="Carrier", required=True, readonly=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    invoice_id = fields.Many2one(
        "freight.invoice", string="Carrier Invoice", readonly=True, index=True, check_company=True, ondelete="restrict"
    )
    case_id = fields.Many2one("freight.audit.case", string="Audit Case", readonly=True, check_company=True)
    # Indexed: the journal's retention purge sets it to NULL (one lookup per deleted message).
    message_id = fields.Many2one(
        "logistics.message", string="Journal Message", readonly=True, check_company=True, index="btree_not_null"
    )
    reference = fields.Char(readonly=True, help="The credit memo's number, the FAP revision, or the dispute id.")
    original_reference = fields.Char(
        string="Original Invoice Number", readonly=True, help="The invoice a credit memo refers to."
    )
    shipment_references = fields.Char(
        readonly=True,
        help="The shipments a credit memo credits: it credits their latest bill when it names no invoice.",
    )
    amount = fields.Monetary(readonly=True, help="The credit, tax excluded, in the invoice's currency.")
    credit_date = fields.Date(
        string="Date", readonly=True, help="The credit memo's date; else the day the credit was received."
    )
    allocation = fields.Json(readonly=True, help="[[charge type id, amount], ...]: the credit note's lines.")
    state = fields.Selection(STATES, default="pending", required=True, readonly=True, index=True, tracking=True)
    move_id = fields.Many2one("account.move", string="Credit Note", readonly=True, copy=False, check_company=True)
    move_state = fields.Selection(related="move_id.state", string="Credit Note Status")

    _sql_constraints = [
        ("origin_key_uniq", "unique(company_id, origin_key)", "This credit is recorded already."),
    ]

    @api.depends("origin", "reference", "invoice_id.name", "original_reference")
    def _compute_name(self):
        labels = dict(ORIGINS)
        for credit in self:
            credit.name = f"{labels.get(credit.origin, '')} {credit.reference or ''} / " + (
                credit.invoice_id.name or credit.original_reference or "?"
            )

    # ------------------------------------------------------------------
    # Recording (superuser: called by the journal handlers after their checks)
    # ------------------------------------------------------------------
    @api.model
    def _record(self, vals):
        """The credit of ``vals`` (its ``origin_key``), created once; posted now when its bill is.
        Returns (credit, created)."""
        if not self.env.su:
            raise AccessError(_("Freight credits are recorded by the journal's handlers only."))
        # Two workers recording the same credit wait for each other; the unique constraint backs it.
        self.env.cr.execute(SQL("SELECT pg_advisory_xact_lock(hashtext(%s))", f"freight_credit:{vals['origin_key']}"))
        existing = self.search(
            [("company_id", "=", vals["company_id"]), ("origin_key", "=", vals["origin_key"])], limit=1
        )
        if existing:
            return existing, False
        credit = self.create(vals)
        credit._try_post()
        return credit, True

    def _bill(self):
        self.ensure_one()
        return self.invoice_id.vendor_bill_id.sudo()

    def _try_post(self):
        """Post the credit notes whose bill is posted; the others keep waiting."""
        for credit in self.filtered(lambda c: c.state == "pending" and not c.move_id):
            if not credit.invoice_id:
                credit._match_original()
            bill = credit.invoice_id and credit._bill()
            if not bill or bill.state != "posted":
                continue
            try:
                with self.env.cr.savepoint():
                    credit._post_credit_note()
            except (UserError, ValidationError) as error:
                # Kept waiting: a Freight Manager posts it once the configuration is fixed.
                _logger.info("Freight credit %s could not be posted: %s", credit.id, error)
                credit.message_post(body=_("The credit note could not be posted: %s", error))
        return True

    def _match_original(self):
        """A memo that arrived before its invoice: the live invoice of its number, when there;
        a memo that names no invoice: the latest billed invoice of the carrier for its shipments."""
        self.ensure_one()
        Invoice = self.env["freight.invoice"]
        base = [
            ("company_id", "=", self.company_id.id),
            ("carrier_partner_id", "=", self.carrier_partner_id.id),
            ("is_duplicate", "=", False),
            ("state", "!=", "cancel"),
        ]
        invoice = Invoice.browse()
        if self.original_reference:
            invoice = Invoice.search([*base, ("name", "=ilike", self.original_reference.strip())], limit=1)
        elif self.shipment_references:
            refs = self.shipment_references.split(",")
            invoice = Invoice.search(
                [
                    *base,
                    ("state", "=", "billed"),
                    "|",
                    ("line_ids.shipment_reference", "in", refs),
                    ("line_ids.shipment_id.name", "in", refs),
                ],
                order="id desc",
                limit=1,
            )
        if invoice:
            self.invoice_id = invoice

    @api.model
    def _post_pending_for(self, invoices):
        """The bills of ``invoices`` are posted: their waiting credits (and memos waiting for
        their numbers) are posted now."""
        if not invoices:
            return
        # Two queries whatever the number of bills (a poll posts hundreds together).
        pending = self.search([("state", "=", "pending"), ("invoice_id", "in", invoices.ids)])
        unmatched = self.search(
            [
                ("state", "=", "pending"),
                ("invoice_id", "=", False),
                ("company_id", "in", invoices.company_id.ids),
                ("carrier_partner_id", "in", invoices.carrier_partner_id.ids),
            ]
        )
        if unmatched:
            names = {(inv.company_id.id, inv.carrier_partner_id.id, inv.name.strip().upper()) for inv in invoices}
            carriers = {(inv.company_id.id, inv.carrier_partner_id.id) for inv in invoices}
            pending |= unmatched.filtered(
                lambda c: (c.company_id.id, c.carrier_partner_id.id, c.original_reference.strip().upper()) in names
                if c.original_reference
                else (c.company_id.id, c.carrier_partner_id.id) in carriers
            )
        pending._try_post()

    def _post_credit_note(self):
        """The in_refund of this credit, created and posted once, reconciled with the bill."""
        self.ensure_one()
        self.env.cr.execute(SQL("SELECT id FROM freight_credit_note WHERE id = %s FOR UPDATE", self.id))
        self.invalidate_recordset(["move_id", "state"])
        if self.move_id:
            return self.move_id
        invoice, bill = self.invoice_id, self._bill()
        vals = self._prepare_credit_note(invoice, bill)
        if not vals["invoice_line_ids"]:
            raise UserError(_("Credit %s has nothing to credit.", self.name))
        move = (
            self.env["account.move"]
            .sudo()
            .with_company(self.company_id)
            .with_context(mail_create_nolog=True, mail_create_nosubscribe=True)
            .create(vals)
        )
        self.write({"move_id": move.id, "state": "credited"})
        move.action_post()
        self._reconcile_with_bill(move, bill)
        message = _("Credit note %(move)s posted (%(origin)s): %(amount)s.")
        args = {"move": move._get_html_link(), "origin": self.name, "amount": move.amount_total}
        invoice.message_post(body=message % args)
        if self.case_id:
            self.case_id.message_post(body=message % args)
        return move

    def _prepare_credit_note(self, invoice, bill):
        ChargeType = self.env["freight.charge.type"].sudo()
        lines = []
        for charge_type_id, amount in self.allocation or []:
            if float_is_zero(amount, precision_rounding=self.currency_id.rounding):
                continue
            charge_type = ChargeType.browse(charge_type_id).with_company(self.company_id)
            if charge_type.kind == "tax":
                continue  # the tax is credited with the charges it was computed on
            account = charge_type._expense_account()
            lines.append(
                fields.Command.create(
                    {
                        "product_id": charge_type.product_id.id,
                        "name": f"{charge_type.name} ({self.name})",
                        "account_id": account.id,
                        "quantity": 1.0,
                        "price_unit": self.currency_id.round(amount),
                        "tax_ids": [fields.Command.set(self._bill_taxes_of(bill, charge_type, account).ids)],
                    }
                )
            )
        return {
            "move_type": "in_refund",
            "partner_id": invoice.carrier_partner_id.id,
            "company_id": self.company_id.id,
            "journal_id": bill.journal_id.id,
            "currency_id": invoice.currency_id.id,
            # The credit's own date (never the bill's: its period may be closed by now).
            "invoice_date": self.credit_date or fields.Date.context_today(self),
            "ref": self.name,
            "reversed_entry_id": bill.id,
            "fiscal_position_id": bill.fiscal_position_id.id,
            "freight_credit_id": self.id,
            "invoice_line_ids": lines,
        }

    @api.model
    def _bill_taxes_of(self, bill, charge_type, account):
        """The taxes the bill charged on this charge type (its lines of the same product and
        account): the credit takes its share of them back; else the charge type's own."""
        lines = bill.invoice_line_ids.filtered(
            lambda line: line.product_id == charge_type.product_id and line.account_id == account
        )
        if lines:
            return lines[0].tax_ids
        return charge_type._purchase_taxes(bill.fiscal_position_id)

    @api.model
    def _reconcile_with_bill(self, move, bill):
        """The credit note's payable line against the bill's, while the bill is open (a bill paid
        already leaves the credit open: the carrier owes it)."""
        lines = (move.line_ids | bill.line_ids).filtered(
            lambda line: line.account_id.account_type == "liability_payable" and not line.reconciled
        )
        if bill.line_ids.filtered(lambda line: line in lines) and move.line_ids.filtered(lambda line: line in lines):
            lines.reconcile()

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_post(self):
        """Post waiting credits whose bill is posted now (Freight Managers of the company)."""
        check_freight_group(self.env, GROUP_MANAGER)
        self.check_access("write")
        self.sudo()._try_post()
        return True

    def action_view_move(self):
        self.ensure_one()
        return self.move_id._get_records_action()
