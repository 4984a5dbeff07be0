"""The floor of any durable webhook intake in Odoo, measured by figure 1 of ``make bench``.

``POST /logistics/bench/journal-floor`` does only what no intake can skip: read the body,
write one journal row (one INSERT, the journal's own table and indexes, a fresh key) and
commit it before answering 202. No user, no backend lookup, no signature, no parsing, no
trigger. Its rate against ``/web/health`` in the same server is the highest ratio a
single-event webhook that journals before it answers can reach on the machine.

Benchmark databases only: it writes without authentication.
"""

import hashlib
import uuid

from odoo import http
from odoo.http import request
from odoo.tools import SQL


class JournalFloor(http.Controller):
    @http.route(
        "/logistics/bench/journal-floor",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,
    )
    def journal_floor(self, **_kwargs):
        body = request.httprequest.get_data()
        request.env.cr.execute(
            SQL(
                """
                INSERT INTO logistics_message (backend_id, company_id, direction, message_type, idempotency_key,
                                               content_type, payload, payload_size, content_hash, state, priority,
                                               attempts, replay_count, source, create_uid, create_date, write_uid,
                                               write_date)
                SELECT id, company_id, 'inbound', 'shipment_event', %s, 'application/json', %s, %s, %s, 'done', 10,
                       0, 0, 'benchmark floor', %s, now() AT TIME ZONE 'UTC', %s, now() AT TIME ZONE 'UTC'
                  FROM logistics_backend
                 WHERE id = (SELECT min(id) FROM logistics_backend)
                RETURNING id
                """,
                f"floor:{uuid.uuid4().hex}",
                body.decode("utf-8", "replace"),
                len(body),
                hashlib.sha256(body).hexdigest(),
                request.env.uid or 1,
                request.env.uid or 1,
            )
        )
        return request.make_json_response({"message_ids": [request.env.cr.fetchone()[0]]}, status=202)
