import base64
import hashlib

from odoo import _, api, fields, models
from odoo.exceptions import UserError


class FreightInvoiceImport(models.TransientModel):
    """Upload an X12 210, a CSV or a FAP JSON file: it goes to the journal first, like every channel."""

    _name = "freight.invoice.import"
    _description = "Import Carrier Invoices"

    backend_id = fields.Many2one(
        "logistics.backend", string="Backend", required=True, help="The carrier, TMS or FAP the file comes from."
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
        self.ensure_one()
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
            messages.action_process_now()
        return {
            "type": "ir.actions.act_window",
            "res_model": "logistics.message",
            "res_id": message.id,
            "view_mode": "form",
            "target": "current",
        }
