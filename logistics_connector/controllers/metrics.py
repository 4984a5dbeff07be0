"""``GET /logistics/metrics`` (Prometheus text format) and ``GET /logistics/health`` (JSON).

The metrics are a company's: the caller sends ``Authorization: Bearer <token>``, the token
set on that company (``res.company.logistics_metrics_token``, system administrators only),
compared in constant time; without it or with a wrong one the answer is 401. The figures are
SQL aggregates over the journal of the company's backends (a handful of queries whatever the
size of the journal's history), rendered by ``services/metrics.py``.

``/logistics/health`` is for load balancers, which often cannot send a header: without a
valid token it answers ``{"status": "ok"}`` (the server and its database answer) and nothing
else; with the token, the same figures as the metrics, summed per backend.
"""

import hmac
import logging

from odoo import fields, http
from odoo.http import request
from odoo.tools import SQL

from ..services import metrics

_logger = logging.getLogger(__name__)

PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _token_company():
    """The company whose metrics token the request carries, or None."""
    header = request.httprequest.headers.get("Authorization") or ""
    scheme, _sep, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    companies_sudo = request.env["res.company"].sudo().search([("logistics_metrics_token", "!=", False)])
    found = None
    for company_sudo in companies_sudo:
        # Every company is compared (no early exit), each in constant time.
        if hmac.compare_digest(company_sudo.logistics_metrics_token.encode(), token.encode()):
            found = company_sudo
    return found


def _figures(company_sudo):
    """The journal's figures of the company's backends, as plain dicts and lists."""
    env = request.env(su=True)
    backends = env["logistics.backend"].with_context(active_test=False).search([("company_id", "=", company_sudo.id)])
    codes = {backend.id: backend.code for backend in backends}
    ids = list(codes)
    cr = env.cr
    now = fields.Datetime.now()
    waiting = [
        (codes[backend_id], lane, count, (now - oldest).total_seconds())
        for (backend_id, lane), (count, oldest) in env["logistics.backend"]._journal_waiting_by_lane(ids).items()
    ]
    cr.execute(
        SQL(
            "SELECT backend_id, state, count(*) FROM logistics_message WHERE backend_id = ANY(%s) GROUP BY 1, 2",
            ids,
        )
    )
    states = [(codes[backend_id], state, count) for backend_id, state, count in cr.fetchall()]
    buckets = SQL(", ").join(
        SQL("count(*) FILTER (WHERE processing_time_ms <= %s)", int(bound * 1000)) for bound in metrics.BUCKETS
    )
    cr.execute(
        SQL(
            "SELECT backend_id, count(*), coalesce(sum(processing_time_ms), 0), %s FROM logistics_message"
            " WHERE backend_id = ANY(%s) AND processing_time_ms IS NOT NULL GROUP BY 1",
            buckets,
            ids,
        )
    )
    timings = [(codes[row[0]], row[1], row[2] / 1000.0, list(row[3:])) for row in cr.fetchall()]
    return {"backends": codes, "waiting": waiting, "states": states, "timings": timings}


def render_metrics(figures):
    out = metrics.Exposition()
    for code in sorted(figures["backends"].values()):
        out.add("logistics_backend_info", "gauge", "One sample per backend of the company.", 1, backend=code)
    for code, lane, count, _age in figures["waiting"]:
        out.add(
            "logistics_queue_depth",
            "gauge",
            "Messages waiting (received, queued or retrying), per backend and lane.",
            count,
            backend=code,
            lane=lane,
        )
    for code, lane, _count, age in figures["waiting"]:
        out.add(
            "logistics_queue_oldest_age_seconds",
            "gauge",
            "Age of the oldest waiting message, per backend and lane.",
            round(age, 3),
            backend=code,
            lane=lane,
        )
    for code, state, count in figures["states"]:
        out.add(
            "logistics_messages",
            "gauge",
            "Messages in the journal, per backend and state.",
            count,
            backend=code,
            state=state,
        )
    dead = {code: 0 for code in figures["backends"].values()}
    for code, state, count in figures["states"]:
        if state == "dead":
            dead[code] = count
    for code, count in sorted(dead.items()):
        out.add(
            "logistics_dead_letters", "gauge", "Dead messages (replay or fix them), per backend.", count, backend=code
        )
    for code, count, total, counts in figures["timings"]:
        out.histogram(
            "logistics_processing_seconds",
            "Processing time of the journal's messages, per backend.",
            {"backend": code},
            counts,
            total,
            count,
        )
    for (endpoint, status), count in sorted(metrics.webhook_answers().items()):
        out.add(
            "logistics_webhook_responses_total",
            "counter",
            "Webhook answers by HTTP status, counted by all the processes of this server since it started.",
            count,
            endpoint=endpoint,
            status=str(status),
        )
    return out.render()


def health_answer(figures):
    per_backend = {}
    for code in figures["backends"].values():
        per_backend[code] = {"queue_depth": 0, "oldest_age_seconds": 0, "dead_letters": 0}
    for code, _lane, count, age in figures["waiting"]:
        entry = per_backend[code]
        entry["queue_depth"] += count
        entry["oldest_age_seconds"] = max(entry["oldest_age_seconds"], round(age))
    for code, state, count in figures["states"]:
        if state == "dead":
            per_backend[code]["dead_letters"] = count
    return {
        "status": "ok",
        "queue_depth": sum(entry["queue_depth"] for entry in per_backend.values()),
        "oldest_age_seconds": max((entry["oldest_age_seconds"] for entry in per_backend.values()), default=0),
        "dead_letters": sum(entry["dead_letters"] for entry in per_backend.values()),
        "backends": per_backend,
    }


class LogisticsMetricsController(http.Controller):
    @http.route("/logistics/metrics", type="http", auth="none", methods=["GET"], csrf=False, save_session=False)
    def logistics_metrics(self, **_kwargs):
        company_sudo = _token_company()
        if not company_sudo:
            return request.make_json_response(
                {"error": "a valid bearer token is required"},
                status=401,
                headers=[("WWW-Authenticate", 'Bearer realm="logistics"')],
            )
        body = render_metrics(_figures(company_sudo))
        return request.make_response(body, headers=[("Content-Type", PROMETHEUS_CONTENT_TYPE)])

    @http.route("/logistics/health", type="http", auth="none", methods=["GET"], csrf=False, save_session=False)
    def logistics_health(self, **_kwargs):
        company_sudo = _token_company()
        if not company_sudo:
            return request.make_json_response({"status": "ok"})
        return request.make_json_response(health_answer(_figures(company_sudo)))
