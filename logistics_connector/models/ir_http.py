"""The webhooks' answer when the request fails where their intake cannot answer it.

A serialization failure (or a lock, or a deadlock) that outlived Odoo's own retries, and a
database that is unreachable, leave the request through Odoo's dispatcher, which would answer
500. For a webhook of the suite (its intake, ``controllers/webhook_intake.py``, marks the
request with ``WEBHOOK_MARK``), a retry can
fix both: the answer is the intake's 503 "please retry later" instead.
"""

import psycopg2

from odoo import models
from odoo.http import request

from ..services.intake import RETRY_LATER, WEBHOOK_MARK


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _handle_error(cls, exception):
        if (
            request
            and request.httprequest.environ.get(WEBHOOK_MARK)
            and isinstance(exception, psycopg2.OperationalError | psycopg2.InterfaceError)
        ):
            return request.make_json_response({"error": RETRY_LATER}, status=503, headers=[("Retry-After", "5")])
        return super()._handle_error(exception)
