import base64
import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.logistics_connector.services import jsonsafe

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

    @api.model
    def _fap_json_body(self, raw):
        """A file holding a list of FAP invoices is read as ``{"invoices": [...]}``, the
        body the intake takes (anything else is given as it is, to be checked there)."""
        if raw.lstrip()[:1] != b"[":
            return raw
        try:
            invoices = jsonsafe.loads_strict(raw)
        except jsonsafe.PayloadError:
            return raw
        return json.dumps({"invoices": invoices}).encode()

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
        source = f"file {self.filename or ''}".strip()
        Invoice = self.env["freight.invoice"]
        # The intake of each format journals it (with the same keys as the other channels: the
        # same file, or the same FAP invoice, received twice is one message).
        if file_format == "x12_210":
            result = Invoice._receive_x12_210(self.backend_id, raw, source)
        elif file_format == "csv":
            result = Invoice._receive_invoice_csv(self.backend_id, raw, source)
        else:
            raw = self._fap_json_body(raw)
            result = Invoice._receive_fap_json(self.backend_id, raw, source)
        Message = self.env["logistics.message"]
        new = Message.browse(result.message_ids) if result.status in ("accepted", "partial") else Message
        if new and self.process_now:
            # The caller may import this backend's invoices (checked above and by the journal);
            # processing runs as the journal's cron runs it.
            new.sudo().action_process_now()
        action = {
            "type": "ir.actions.act_window",
            "res_model": "logistics.message",
            "target": "current",
        }
        if len(result.message_ids) == 1:
            return dict(action, res_id=result.message_ids[0], view_mode="form")
        return dict(action, domain=[("id", "in", list(result.message_ids))], view_mode="list,form")
