import base64

from odoo import fields, models
from odoo.exceptions import AccessError

GROUP_LOGISTICS_USER = "logistics_connector.group_logistics_user"


class ShipmentEventUpload(models.TransientModel):
    """Upload an X12 214 interchange, an EDIFACT IFTSTA interchange or a canonical JSON events
    file: journaled as the webhook does."""

    _name = "shipment.event.upload"
    _description = "Upload Shipment Events File"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    backend_id = fields.Many2one(
        "logistics.backend",
        required=True,
        check_company=True,
        domain=[("active", "=", True)],
    )
    file = fields.Binary(required=True, attachment=False)
    filename = fields.Char()
    file_format = fields.Selection(
        [("auto", "Detect"), ("json", "Canonical JSON"), ("x12", "X12 214"), ("edifact", "EDIFACT IFTSTA")],
        default="auto",
        required=True,
    )
    process_now = fields.Boolean(help="Process the events now instead of through the journal's queue.")
    result = fields.Text(readonly=True)

    def _detect_format(self, raw):
        if self.file_format != "auto":
            return self.file_format
        head = raw.removeprefix(b"\xef\xbb\xbf").lstrip()[:3]
        if head[:1] in (b"{", b"["):
            return "json"
        if head == b"ISA":
            return "x12"
        if head in (b"UNA", b"UNB"):
            return "edifact"
        name = (self.filename or "").lower()
        return "json" if name.endswith(".json") else "x12"

    def _check_may_upload(self):
        """A Logistics User may upload milestones for a backend of their own companies: the
        backend must be readable by the user (its company rule), whatever the wizard says."""
        if self.env.su:
            return
        if not self.env.user.has_group(GROUP_LOGISTICS_USER):
            raise AccessError(
                self.env._(
                    "Only the group '%s' may upload shipment milestones.",
                    self.env.ref(GROUP_LOGISTICS_USER).sudo().full_name,
                )
            )
        self.backend_id.check_access("read")
        if self.backend_id.company_id not in self.env.companies:
            raise AccessError(self.env._("You cannot upload milestones for a backend of another company."))

    def _upload(self):
        """Journal the file as the webhook does; returns the intake's result
        (:class:`~odoo.addons.logistics_connector.services.intake.IntakeResult`).

        Journaled as the user (the journal checks again that they may read the backend and
        journal milestones); processing (``process_now``) then runs in superuser mode."""
        self.ensure_one()
        self._check_may_upload()
        raw = base64.b64decode(self.file or b"")
        source = f"file {self.filename or 'upload'}"
        Message = self.env["logistics.message"]
        file_format = self._detect_format(raw)
        if file_format == "json":
            result = Message._webhook_receive_json(self.backend_id, raw, source)
        elif file_format == "edifact":
            result = Message._webhook_receive_edifact(self.backend_id, raw, source)
        else:
            result = Message._webhook_receive_x12(self.backend_id, raw, source)
        if self.process_now and result.message_ids and not result.is_refused:
            Message._webhook_process_sync(result.answer())
        return result

    def action_upload(self):
        self.ensure_one()
        result = self._upload()
        if result.is_refused:
            text = self.env._("The file was refused: %s (kept in the journal as failed).", result.error)
            kind = "danger"
        elif result.status == "duplicate":
            text = self.env._("This file was received before; nothing new.")
            kind = "warning"
        else:
            text = self.env._("%s message(s) journaled.", len(result.message_ids))
            kind = "success"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Upload events file"),
                "message": text,
                "type": kind,
                "sticky": kind == "danger",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
