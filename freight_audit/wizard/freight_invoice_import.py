import base64
import hashlib

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.freight_audit_case import GROUP_AUDITOR, check_freight_group


class FreightInvoiceImport(models.TransientModel):
    """Upload an X12 210, a CSV or a FAP JSON file: it goes to the journal first, like every channel."""

    _name = "freight.invoice.import"
    _description = "Import Carrier Invoices"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    backend_id = fields.Many2one(
        "logistics.backend",
        string="Backend",
        required=True,
        check_company=True,
        domain="[('company_id', '=', company_id)]",
        help="The carrier, TMS or FAP the file comes from (a backend of your company).",
    )
    file = fields.Binary(required=True, attachment=False)
    filename = fields.Char()
    file_format = fields.Selection(
        [("auto", "Detect"), ("x12_210", "X12 210"), ("csv", "CSV"), ("json", "FAP JSON")],
        required=True,
        default="auto",
    )
    process_now = fields.Boolean(default=True)

    @api.model
    def _detect(self, raw, filename):
        head = raw.lstrip()[:3]
        if head == b"ISA":
            return "x12_210"
        if head[:1] in (b"{", b"["):
            return "json"
        if (filename or "").lower().endswith((".csv", ".txt")) or b"," in raw[:200] or b";" in raw[:200]:
            return "csv"
        raise UserError(_("The file format could not be recognised; choose it."))

    def action_import(self):
        """Journal the file for its backend: Freight Auditors, on a backend of their own companies
        (the journal checks both again before it writes, as superuser, with the backend's company)."""
        self.ensure_one()
        check_freight_group(self.env, GROUP_AUDITOR)
        self.backend_id.check_access("read")
        if self.backend_id.company_id not in self.env.companies:
            raise UserError(_("Backend %s belongs to a company you are not working in.", self.backend_id.display_name))
        raw = base64.b64decode(self.file or b"")
        if not raw:
            raise UserError(_("The file is empty."))
        file_format = self.file_format if self.file_format != "auto" else self._detect(raw, self.filename)
        message_type = {"x12_210": "x12_210", "csv": "freight_invoice_csv", "json": "freight_invoice_json"}[file_format]
        content_type = {"x12_210": "application/edi-x12", "csv": "text/csv", "json": "application/json"}[file_format]
        Message = self.env["logistics.message"]
        messages, duplicates = Message._journal_many(
            [
                {
                    "backend_id": self.backend_id.id,
                    "direction": "inbound",
                    "message_type": message_type,
                    "payload": raw,
                    "content_type": content_type,
                    # The same file uploaded twice is one message.
                    "idempotency_key": f"upload:{message_type}:{hashlib.sha256(raw).hexdigest()}",
                    "source": f"file {self.filename or ''}".strip(),
                }
            ]
        )
        message = messages[:1] or duplicates[0]
        if messages and self.process_now:
            # The caller may import this backend's invoices (checked above and by the journal);
            # processing runs as the journal's cron runs it.
            messages.sudo().action_process_now()
        return {
            "type": "ir.actions.act_window",
            "res_model": "logistics.message",
            "res_id": message.id,
            "view_mode": "form",
            "target": "current",
        }
