"""The vendor bill of a carrier invoice: may it be billed, the bill prepared, created once and
posted, what its posting sets off (accruals reversed, landed costs), and the FAP's report of its
payment.

Bills are created in superuser mode only, after the caller's checks (``action_create_bill``: a
Freight Approver of the company; the audit and the audit cases: their own checks), and only for
an invoice that passes ``_billing_problem``: approved, on a recorded approval of its approved
amount, not a duplicate, not from a test backend.
"""

import itertools
import logging

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, float_compare, float_is_zero

from odoo.addons.logistics_connector.services.exceptions import PermanentError

from .freight_audit_case import GROUP_APPROVER, check_freight_group

_logger = logging.getLogger(__name__)


class BillTotalError(UserError):
    """The bill's total is not the approved amount: a finding (``BILL_TOTAL_MISMATCH``), no bill."""

    def __init__(self, invoice, bill_total, bill_tax):
        self.invoice = invoice
        self.bill_total = bill_total
        currency = invoice.currency_id
        super().__init__(
            invoice.env._(
                "The vendor bill of carrier invoice %(invoice)s would total %(bill)s (of which tax %(tax)s, "
                "computed by Odoo), not the approved %(approved)s: check the taxes of the charge types and "
                "the tax billed by the carrier.",
                invoice=invoice.display_name,
                bill=currency.format(bill_total),
                tax=currency.format(bill_tax),
                approved=currency.format(invoice.amount_approved),
            )
        )

    def record_finding(self):
        """The finding of this difference on the invoice (outside the rolled-back savepoint)."""
        invoice = self.invoice
        invoice.env["freight.audit.finding"].sudo().create(
            {
                "invoice_id": invoice.id,
                "code": "BILL_TOTAL_MISMATCH",
                "severity": "error",
                "message": self.args[0],
                "source": "posting",
                "expected_amount": invoice.amount_approved,
                "billed_amount": self.bill_total,
            }
        )


class FreightInvoice(models.Model):
    # One class per concern of freight.invoice, each in its own file (see freight_invoice.py):
    # not merged with the base class on purpose.
    _inherit = "freight.invoice"  # pylint: disable=consider-merging-classes-inherited

    def _billing_problem(self):
        """Why this invoice may not be billed (a message), or False: it must be approved, with a
        recorded approval of exactly its approved amount, not a duplicate, not from a test backend."""
        self.ensure_one()
        if self.state != "approved":
            return _("Carrier invoice %s is not approved: no bill.", self.display_name)
        if self.is_duplicate:
            return _("Carrier invoice %s is a duplicate: it is never billed.", self.display_name)
        if self.is_from_test_backend:
            return _(
                "Carrier invoice %(invoice)s was received from the test backend %(backend)s: it is audited, "
                "never billed into the books.",
                invoice=self.display_name,
                backend=self.backend_id.sudo().display_name,
            )
        approval = self.approval_id.sudo()
        if (
            not approval
            or approval.invoice_id != self
            or float_compare(approval.amount, self.amount_approved, precision_rounding=self.currency_id.rounding)
        ):
            return _(
                "Carrier invoice %s has no recorded approval of its approved amount: approve it through "
                "the audit or its audit cases.",
                self.display_name,
            )
        return False

    def _try_post_vendor_bills(self, noted_by_import=False):
        """Create and post the bills of these invoices: all in one go (one create, one post), or,
        when that fails, one by one so that each problem is recorded on its own invoice."""
        if len(self) > 1:
            try:
                with self.env.cr.savepoint():
                    self._create_vendor_bills(post=True, noted_by_import=noted_by_import)
            except Exception as error:
                _logger.info("Posting %s carrier invoices together failed (%s); one by one", len(self), error)
            else:
                self.filtered("posting_error").posting_error = False
                return True
        # every one is tried
        results = [invoice._try_post_vendor_bill(noted_by_import=noted_by_import) for invoice in self]
        return all(results)

    def _try_post_vendor_bill(self, noted_by_import=False):
        """Post the bill in a savepoint: a configuration problem is recorded, not raised into an import."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                self._create_vendor_bill(post=True, noted_by_import=noted_by_import)
        except (UserError, ValidationError, PermanentError, psycopg2.IntegrityError) as error:
            if isinstance(error, BillTotalError):
                error.record_finding()
            self.posting_error = str(error)
            self.message_post(body=_("The vendor bill could not be created: %s", error))
            return False
        if self.posting_error:
            self.posting_error = False
        return True

    @api.model
    def _cron_post_approved(self):
        """Bill approved invoices whose automatic posting failed before (configuration fixed since):
        only those with a recorded approval of their approved amount, never on ``state`` alone."""
        invoices = self.sudo().search(
            [
                ("state", "=", "approved"),
                ("approval_id", "!=", False),
                ("vendor_bill_id", "=", False),
                ("is_duplicate", "=", False),
                ("is_from_test_backend", "=", False),
            ]
        )
        invoices = invoices.filtered(lambda i: i.company_id.freight_auto_post_bill and not i._billing_problem())
        invoices._add_rebilling_lines()
        invoices._try_post_vendor_bills()
        return len(invoices)

    def action_create_bill(self):
        """Create (and post, when the company posts automatically) the bills of approved invoices:
        Freight Approvers of the invoices' company, on a recorded approval only."""
        check_freight_group(self.env, GROUP_APPROVER)
        self.check_access("write")
        for invoice in self:
            if not invoice.vendor_bill_id and (problem := invoice._billing_problem()):
                raise UserError(problem)
        invoices = self.sudo()
        for invoice in invoices:
            invoice._create_vendor_bill(post=invoice.company_id.freight_auto_post_bill)
        return self.vendor_bill_id._get_records_action() if len(self) == 1 else True

    def _lock_for_posting(self):
        """Row lock: two workers (cron, button, replay) posting the same invoice are serialised."""
        self.env.cr.execute(SQL("SELECT id FROM freight_invoice WHERE id IN %s FOR UPDATE", tuple(self.ids)))
        self.invalidate_recordset(["vendor_bill_id", "state"])

    def _create_vendor_bill(self, post=True, noted_by_import=False):
        """The one vendor bill of this carrier invoice (created once, whatever the path)."""
        self.ensure_one()
        return self._create_vendor_bills(post=post, noted_by_import=noted_by_import)

    def _create_vendor_bills(self, post=True, noted_by_import=False):
        """The one vendor bill of each of these carrier invoices (created once, whatever the path):
        the missing ones created in one call per company and posted together.

        Superuser only (the posting methods check the caller first); every invoice without a bill
        must pass ``_billing_problem``: approved, on a recorded approval, not from a test backend.

        Each new bill is noted in its invoice's chatter, and the invoice's state tracked; not during
        an import (``noted_by_import``, an argument: no RPC caller can set it), whose note on each
        invoice names the bill (``_log_import_summary``)."""
        if not self.env.su:
            raise AccessError(_("Vendor bills of carrier invoices are created by their posting methods only."))
        summary = noted_by_import
        if summary:
            self._track_discard()
        self._lock_for_posting()
        Move = self.env["account.move"].sudo()
        existing = {
            move.freight_invoice_id.id: move
            for move in Move.search([("freight_invoice_id", "in", self.ids), ("state", "!=", "cancel")])
        }
        bills = Move
        todo = []
        positions = self._freight_fiscal_positions()
        journals = {}
        for invoice in self:
            bill = invoice.vendor_bill_id or existing.get(invoice.id)
            if bill:
                if not invoice.vendor_bill_id:
                    invoice.vendor_bill_id = bill
                bills |= bill
                continue
            problem = invoice._billing_problem()
            if problem:
                raise UserError(problem)
            lines = invoice.line_ids.filtered(lambda line: not float_is_zero(line.approved_amount, precision_digits=6))
            if not lines:
                raise UserError(_("Nothing was approved on carrier invoice %s.", invoice.display_name))
            todo.append((invoice, invoice._prepare_vendor_bill(lines, positions, journals)))
        created = Move
        for company, items in itertools.groupby(
            sorted(todo, key=lambda item: item[0].company_id.id), key=lambda item: item[0].company_id
        ):
            group = list(items)
            # No "bill created" note nor creator subscription on machine-made bills: the bill
            # points to its carrier invoice, whose chatter says who created it and why.
            moves = (
                Move.with_company(company)
                .with_context(mail_create_nolog=True, mail_create_nosubscribe=True)
                .create([vals for _invoice, vals in group])
                .with_env(Move.env)
            )
            for (invoice, _vals), move in zip(group, moves, strict=True):
                invoice.vendor_bill_id = move
            self.browse([invoice.id for invoice, _vals in group]).write({"state": "billed"})
            created |= moves
        if created and not summary:
            self.browse([move.freight_invoice_id.id for move in created])._message_log_batch(
                {
                    move.freight_invoice_id.id: self.env._("Vendor bill %s created.", move._get_html_link())
                    for move in created
                }
            )
        if created:
            self.browse([move.freight_invoice_id.id for move in created])._check_bill_totals()
            if post:
                created.action_post()
        return bills | created

    def _prepare_vendor_bill(self, lines, positions=None, journals=None):
        """One line per charge type and analytic origin; amounts and accounts from the charge types,
        taxes from the charge types and the taxes billed, mapped by the carrier's fiscal position
        (``freight_invoice_taxes.py``). The carrier's tax lines become the bill's tax, not lines.
        ``positions``: the fiscal positions of a batch (``_freight_fiscal_positions``);
        ``journals``: the purchase journals of a batch by company, filled as they are looked up."""
        self.ensure_one()
        positions = positions if positions is not None else self._freight_fiscal_positions()
        fiscal_position = self._freight_fiscal_position(positions)
        distributions = lines.shipment_id._freight_analytic_distribution()
        groups = self._bill_groups(lines, "approved_amount", distributions)
        taxes = self._bill_taxes(fiscal_position)
        journals = journals if journals is not None else {}
        company = self.company_id
        if company.id not in journals:
            journals[company.id] = company.freight_purchase_journal_id or self.env["account.journal"].search(
                [("type", "=", "purchase"), ("company_id", "=", company.id)], limit=1
            )
        journal = journals[company.id]
        if not journal:
            raise UserError(_("Company %s has no purchase journal for freight bills.", self.company_id.name))
        invoice_lines = []
        for (charge_type, distribution), amount in groups.items():
            invoice_lines.append(
                fields.Command.create(
                    {
                        "product_id": charge_type.product_id.id,
                        "name": f"{charge_type.name} ({self.name})",
                        "account_id": charge_type.with_company(self.company_id)._expense_account().id,
                        "quantity": 1.0,
                        "price_unit": amount,
                        "tax_ids": [fields.Command.set(taxes.get(charge_type, self.env["account.tax"]).ids)],
                        "analytic_distribution": dict(distribution) or False,
                    }
                )
            )
        return {
            "move_type": "in_invoice",
            "partner_id": self.carrier_partner_id.id,
            "company_id": self.company_id.id,
            "journal_id": journal.id,
            "currency_id": self.currency_id.id,
            "fiscal_position_id": fiscal_position.id,
            "invoice_date": self.invoice_date or fields.Date.context_today(self),
            "invoice_date_due": self.due_date or False,
            "ref": self.name,
            "freight_invoice_id": self.id,
            "invoice_line_ids": invoice_lines,
        }

    def _check_bill_totals(self):
        """Each bill's total (the charges and Odoo's tax) is the approved amount (the approved
        charges and the approved tax billed by the carrier), to the cent; else BillTotalError."""
        for invoice in self:
            bill = invoice.vendor_bill_id
            rounding = invoice.currency_id.rounding
            if float_compare(bill.amount_total, invoice.amount_approved, precision_rounding=rounding):
                raise BillTotalError(invoice, bill.amount_total, bill.amount_tax)

    def _on_bill_posted(self):
        """The bill is posted: reverse the accruals, capitalise inbound freight (each once)."""
        shipments = self.line_ids.shipment_id
        self.env["freight.accrual"]._reverse_for_shipments(shipments, reason=_("bill posted"))
        for invoice in self:
            invoice._create_landed_costs()

    # ------------------------------------------------------------------
    # FAP: payment status
    # ------------------------------------------------------------------
    def _apply_payment_status(self, data):
        """``{"status": "scheduled"|"paid", "date": ..., "reference": ...}`` from the FAP."""
        self.ensure_one()
        status = str(data.get("status") or "").lower()
        if status not in ("scheduled", "paid"):
            raise PermanentError(_("Unknown payment status %r.", status))
        vals = {"fap_payment_state": status, "fap_payment_reference": data.get("reference") or False}
        if data.get("date"):
            vals["fap_payment_date"] = fields.Date.to_date(str(data["date"])[:10])
        if self.fap_payment_state == "paid" and status == "scheduled":
            return False  # a late 'scheduled' never undoes 'paid'
        self.sudo().write(vals)
        return True
