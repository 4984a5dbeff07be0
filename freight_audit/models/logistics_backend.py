import logging

from odoo import _, fields, models
from odoo.exceptions import UserError

from odoo.addons.logistics_connector.services import privacy
from odoo.addons.logistics_connector.services.exceptions import LogisticsError
from odoo.addons.logistics_connector.services.intake import JournalItem

from ..services.fap_api import FapApi
from .freight_audit_case import GROUP_AUDITOR, check_freight_group

_logger = logging.getLogger(__name__)


class LogisticsBackend(models.Model):
    _inherit = "logistics.backend"

    fap_invoice_cursor = fields.Char(
        string="FAP Invoice Cursor", copy=False, help="Where the next invoice poll starts (given by the FAP)."
    )
    fap_funding_cursor = fields.Char(
        string="FAP Funding Cursor", copy=False, help="Where the next funding request poll starts (given by the FAP)."
    )
    fap_last_poll = fields.Datetime(string="Last FAP Poll", copy=False, readonly=True)
    fap_last_poll_error = fields.Text(string="Last FAP Poll Error", copy=False, readonly=True)

    def _freight_fap_api(self):
        """The FAP API of this backend, on the connector's REST client (timeouts, retries, auth)."""
        self.ensure_one()
        return FapApi(self._get_client())

    def _freight_fap_backends(self):
        return self.search([("kind", "=", "fap"), ("active", "=", True)])

    # ------------------------------------------------------------------
    # Scheduled pulls: every answer goes to the journal first
    # ------------------------------------------------------------------
    def _cron_fap_pull_invoices(self):
        """Pull new invoices of every FAP backend; each invoice is one journal message."""
        backends = self if self else self._freight_fap_backends()
        total = 0
        for backend in backends:
            try:
                invoices, cursor = backend._freight_fap_api().list_invoices(since=backend.fap_invoice_cursor)
            except LogisticsError as error:
                backend.write({"fap_last_poll": fields.Datetime.now(), "fap_last_poll_error": str(error)})
                _logger.info("FAP invoice poll of %s failed: %s", backend.code, privacy.safe_error_text(error))
                continue
            invoices = [invoice for invoice in invoices if isinstance(invoice, dict)]
            if invoices:
                self.env["freight.invoice"]._receive_fap_invoices(backend, invoices, "poll")
            vals = {"fap_last_poll": fields.Datetime.now(), "fap_last_poll_error": False}
            if cursor:
                vals["fap_invoice_cursor"] = cursor
            backend.write(vals)
            total += len(invoices)
        return total

    def _cron_fap_payment_status(self):
        """Ask the FAP about the payment of billed invoices not paid yet."""
        backends = self if self else self._freight_fap_backends()
        invoices = self.env["freight.invoice"].search(
            [
                ("backend_id", "in", backends.ids),
                ("external_id", "!=", False),
                "|",
                ("vendor_bill_id", "!=", False),
                ("revision_ids.vendor_bill_id", "!=", False),  # a later version billed (freight_invoice_credit.py)
                ("fap_payment_state", "!=", "paid"),
            ],
            limit=500,
        )
        items = []
        for backend, group in invoices.grouped("backend_id").items():
            api = backend._freight_fap_api()
            for invoice in group:
                try:
                    answer = api.get_payment(invoice.external_id)
                except LogisticsError as error:
                    _logger.info(
                        "FAP payment poll of %s failed: %s", invoice.external_id, privacy.safe_error_text(error)
                    )
                    continue
                status = str(answer.get("status") or "").lower()
                if status not in ("scheduled", "paid"):
                    continue
                answer.setdefault("invoice_id", invoice.external_id)
                items.append(
                    JournalItem(
                        answer,
                        key=f"fap_payment:{invoice.external_id}:{status}:{answer.get('date') or ''}",
                        backend_id=backend.id,
                    )
                )
        if items:
            self.env["logistics.message"]._journal_inbound(
                None, "fap_payment_status", items, content_type="application/json", source="poll"
            )
        return len(items)

    def _cron_fap_dispute_answers(self):
        """Ask the FAP for the carriers' answers to open disputes."""
        backends = self if self else self._freight_fap_backends()
        cases = self.env["freight.audit.case"].search(
            [
                "|",
                ("state", "=", "disputed"),
                "&",
                ("state", "=", "approved"),
                ("carrier_answer", "=", False),
                ("dispute_reference", "!=", False),
                ("invoice_id.backend_id", "in", backends.ids),
            ],
            limit=500,
        )
        items = []
        for backend, group in cases.grouped(lambda c: c.invoice_id.backend_id).items():
            api = backend._freight_fap_api()
            for case in group:
                try:
                    answer = api.get_dispute(case.dispute_reference)
                except LogisticsError as error:
                    _logger.info(
                        "FAP dispute poll of %s failed: %s", case.dispute_reference, privacy.safe_error_text(error)
                    )
                    continue
                if not answer.get("answer"):
                    continue
                key = f"fap_dispute_answer:{case.dispute_reference}:{answer.get('answered_at') or ''}"
                items.append(JournalItem(answer, key=key, backend_id=backend.id))
        if items:
            self.env["logistics.message"]._journal_inbound(
                None, "fap_dispute_answer", items, content_type="application/json", source="poll"
            )
        return len(items)

    def _cron_fap_funding(self):
        """Pull the FAP's funding requests (companies paying their carriers through the FAP);
        each request is one journal message (``freight.fap.funding``)."""
        backends = self if self else self._freight_fap_backends()
        total = 0
        for backend in backends.filtered(lambda b: b.company_id.freight_payment_mode == "fap"):
            try:
                funding, cursor = backend._freight_fap_api().list_funding_requests(since=backend.fap_funding_cursor)
            except LogisticsError as error:
                _logger.info("FAP funding poll of %s failed: %s", backend.code, privacy.safe_error_text(error))
                continue
            funding = [request for request in funding if isinstance(request, dict) and request.get("id")]
            if funding:
                self.env["freight.fap.funding"]._receive_fap_funding(backend, funding, "poll")
            if cursor:
                backend.fap_funding_cursor = cursor
            total += len(funding)
        return total

    def action_fap_pull_invoices(self):
        """Pull new invoices of these FAP backends now: Freight Auditors, on backends of their
        companies; the poll then runs as the scheduled one does (it journals, as superuser)."""
        check_freight_group(self.env, GROUP_AUDITOR)
        if not self or any(backend.kind != "fap" for backend in self):
            raise UserError(_("Choose the Freight Audit & Payment backends to pull invoices from."))
        self.check_access("read")
        count = self.sudo()._cron_fap_pull_invoices()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": _("%s invoice(s) received into the journal.", count), "type": "info"},
        }
