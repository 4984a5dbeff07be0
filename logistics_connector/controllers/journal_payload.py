"""Download of a journal message's payload, for Logistics Managers.

Payload files are stored as attachments only system administrators open directly (they carry
addresses, amounts and signers of any message type): the payload is served here after the
same checks as ``logistics.message.action_download_payload``, without opening attachments.
"""

from odoo import http
from odoo.http import content_disposition, request


class JournalPayloadController(http.Controller):
    @http.route("/logistics/journal/<int:message_id>/payload", type="http", auth="user", methods=["GET"])
    def journal_payload(self, message_id, **_kwargs):
        message = request.env["logistics.message"].browse(message_id).exists()
        if not message:
            raise request.not_found()
        message._check_payload_access()  # AccessError: Odoo answers 403
        raw = message._get_payload_bytes()
        return request.make_response(
            raw,
            headers=[
                ("Content-Type", "application/octet-stream"),
                ("Content-Length", str(len(raw))),
                ("Content-Disposition", content_disposition(message._payload_filename())),
                ("X-Content-Type-Options", "nosniff"),
            ],
        )
