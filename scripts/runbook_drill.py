#!/usr/bin/env python3
"""Follow the procedures of docs/runbook.md against a running server with the demo data.

Drives a server started with ``SERVE_DB=<db> HTTP_PORT=<port> scripts/serve.sh`` through what
its users and senders use: signed webhooks (HTTP), the buttons and scheduled actions (the same
methods, over JSON-RPC as ``admin``), ``GET /logistics/metrics``. It prints what it observes,
the answers and the states, which the runbook records. Each procedure is one sub-command:

    .venv/bin/python scripts/runbook_drill.py --port 8104 --db lfs_runbook_demo partner-down
    ... flood | secret | mapping | backup-window | resync | period-end | metrics | all

``partner-down`` and ``resync`` play the partners with small HTTP servers on the demo backends'
own addresses (the TMS on 127.0.0.1:8765, the FAP on 127.0.0.1:8767), started and stopped by
this script: nothing listens there when the partner is "down". Only for demo databases: it
changes records (a metrics token, a secret rotation, a mapping...).
"""

import argparse
import datetime as dt
import hashlib
import hmac
import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import requests

TIMEOUT = 60
METRICS_TOKEN = "runbook-drill-metrics-token"
CARRIER = "rrft"  # the demo carrier backend (canonical JSON webhooks)
TMS = "acme-tms"  # the demo TMS backend (REST, http://127.0.0.1:8765/api/v1)
FAP = "freightpay"  # the demo FAP backend (REST, http://127.0.0.1:8767/fap/v2)


def say(*parts):
    print(*parts, flush=True)


class Odoo:
    """JSON-RPC as a user (``/jsonrpc``, ``execute_kw``): what the web client's buttons call."""

    def __init__(self, url, db, login="admin", password="admin"):
        self.url, self.db, self.password = url, db, password
        self.uid = self._call("common", "login", db, login, password)
        if not self.uid:
            raise SystemExit(f"cannot log in to {db} as {login}")

    def _call(self, service, method, *args):
        payload = {"jsonrpc": "2.0", "method": "call", "params": {"service": service, "method": method, "args": args}}
        answer = requests.post(f"{self.url}/jsonrpc", json=payload, timeout=TIMEOUT).json()
        if answer.get("error"):
            data = answer["error"].get("data") or {}
            raise RuntimeError(data.get("message") or answer["error"].get("message"))
        return answer.get("result")

    def __call__(self, model, method, *args, **kwargs):
        return self._call("object", "execute_kw", self.db, self.uid, self.password, model, method, list(args), kwargs)

    def ref(self, xmlid):
        module, name = xmlid.split(".")
        rows = self("ir.model.data", "search_read", [("module", "=", module), ("name", "=", name)], ["res_id"])
        return rows[0]["res_id"]

    def backend(self, code):
        rows = self(
            "logistics.backend",
            "search_read",
            [("code", "=", code)],
            ["id", "name", "max_attempts", "retry_base_delay"],
            context={"active_test": False},
        )
        return rows[0]

    def run_cron(self, xmlid):
        """Settings > Technical > Scheduled Actions > the action > Run Manually."""
        self("ir.cron", "method_direct_trigger", [self.ref(xmlid)])

    def messages(self, domain, fields=("id", "state", "attempts", "next_attempt_at", "last_error")):
        return self("logistics.message", "search_read", domain, list(fields), order="id")


def sign(secret, body, timestamp=None):
    timestamp = str(int(timestamp or time.time()))
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-Logistics-Timestamp": timestamp,
        "X-Logistics-Signature": f"v1={digest}",
    }


def post_event(url, code, secret, event, signed=True):
    body = json.dumps(event).encode()
    headers = sign(secret, body) if signed else {"Content-Type": "application/json"}
    response = requests.post(f"{url}/logistics/webhook/{code}", data=body, headers=headers, timeout=TIMEOUT)
    try:
        answer = response.json()
    except ValueError:
        answer = response.text[:200]
    return response.status_code, answer


def event(tracking_ref, status_code, **extra):
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    return {
        "event_id": f"drill-{uuid.uuid4().hex[:12]}",
        "tracking_ref": tracking_ref,
        "status_code": status_code,
        "event_time": now,
        "location": {"city": "Sacramento", "state": "CA", "country": "US"},
        **extra,
    }


def scrape(url):
    response = requests.get(
        f"{url}/logistics/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=TIMEOUT
    )
    response.raise_for_status()
    return [line for line in response.text.splitlines() if line and not line.startswith("#")]


def metric_lines(url, *needles):
    return [line for line in scrape(url) if all(needle in line for needle in needles)]


def wait_for(check, seconds=90, step=2.0):
    """Poll ``check`` until it returns something true (the server's cron does the work)."""
    deadline = time.time() + seconds
    while True:
        result = check()
        if result or time.time() > deadline:
            return result
        time.sleep(step)


# ----------------------------------------------------------------------
# Partners played by the drill (on the demo backends' own addresses)
# ----------------------------------------------------------------------
class Partner:
    """A TMS (``/api/v1``) or FAP (``/fap/v2``) answering what the suite asks of it."""

    def __init__(self, port, prefix):
        self.port, self.prefix = port, prefix
        self.requests = []
        self.bookings = 0
        self.shipments = []  # reconciliation: [{"reference", "status", "date"}]
        self.invoices = []  # reconciliation and pull: [{... "date"}]
        partner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                return

            def _send(self, status, data):
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                partner.requests.append(("GET", self.path))
                parts = urlsplit(self.path)
                path = parts.path.removeprefix(partner.prefix)
                query = {key: values[0] for key, values in parse_qs(parts.query).items()}
                if path == "/ping":
                    return self._send(200, {"status": "ok"})
                if path in ("/reconciliation/shipments", "/reconciliation/invoices"):
                    key = path.rsplit("/", 1)[1]
                    items = partner.shipments if key == "shipments" else partner.invoices
                    low, high = query.get("from", ""), query.get("to", "~")
                    page = [
                        {k: v for k, v in item.items() if k != "date"}
                        for item in items
                        if low <= item.get("date", low) <= high
                    ]
                    return self._send(200, {key: page, "cursor": None})
                if path == "/invoices":
                    return self._send(200, {"invoices": [], "cursor": query.get("since")})
                return self._send(404, {"error": "not found"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                partner.requests.append(("POST", self.path))
                path = urlsplit(self.path).path.removeprefix(partner.prefix)
                if path == "/oauth/token":  # OAuth2 client credentials (the FAP backend)
                    return self._send(
                        200, {"access_token": uuid.uuid4().hex, "token_type": "Bearer", "expires_in": 3600}
                    )
                payload = json.loads(raw or b"{}")
                if path == "/transport-orders":
                    partner.bookings += 1
                    number = partner.bookings
                    return self._send(
                        201,
                        {
                            "booking_id": f"DRILL-BK-{number:04d}",
                            "reference": payload.get("reference"),
                            "revision": payload.get("revision"),
                            "status": "booked",
                            "tracking_reference": f"DRILL-TRK-{number:04d}",
                        },
                    )
                return self._send(404, {"error": "not found"})

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


# ----------------------------------------------------------------------
# The procedures
# ----------------------------------------------------------------------
def setup(odoo):
    company = odoo("res.users", "read", [odoo.uid], ["company_id"])[0]["company_id"][0]
    odoo("res.company", "write", [company], {"logistics_metrics_token": METRICS_TOKEN})
    return company


def carrier_secret(odoo):
    rows = odoo(
        "logistics.backend",
        "search_read",
        [("code", "=", CARRIER)],
        ["webhook_secret"],
        context={"active_test": False},
    )
    return rows[0]["webhook_secret"]


def partner_down(odoo, url):
    say("## A partner is down (the TMS)")
    tms = odoo.backend(TMS)
    say(f"backend {TMS}: max_attempts={tms['max_attempts']} retry_base_delay={tms['retry_base_delay']} s")
    shipments = odoo(
        "logistics.shipment",
        "search_read",
        [
            ("backend_id", "=", tms["id"]),
            ("tms_state", "in", ("none", "error")),
            ("status", "in", ("draft", "tendered")),
        ],
        ["id", "name", "status", "tms_state"],
        limit=1,
    )
    if not shipments:
        # Operations > Shipments > New: a shipment of the TMS backend to send.
        partner = odoo("res.partner", "search", [("customer_rank", ">", 0)], limit=1) or odoo(
            "res.partner", "search", [], limit=1
        )
        new_id = odoo(
            "logistics.shipment",
            "create",
            {"backend_id": tms["id"], "partner_id": partner[0], "destination_partner_id": partner[0], "weight": 80.0},
        )
        shipments = odoo("logistics.shipment", "read", [new_id], ["id", "name", "status", "tms_state"])
    shipment = shipments[0]
    say(f"Send to TMS: {shipment['name']} ({shipment['status']}, TMS state {shipment['tms_state']})")
    odoo("logistics.shipment", "action_send_transport_order", [shipment["id"]])
    domain = [
        ("backend_id", "=", tms["id"]),
        ("message_type", "=", "transport_order"),
        ("shipment_ids", "in", [shipment["id"]]),
    ]
    message = odoo.messages(domain)[-1]
    say(f"journal: message {message['id']} {message['state']}")
    failed = wait_for(lambda: [m for m in odoo.messages([("id", "=", message["id"])]) if m["state"] == "failed"], 120)
    if not failed:
        say("(the cron did not pick it up within 120 s; Process Now)")
        odoo("logistics.message", "action_process_now", [message["id"]])
        failed = odoo.messages([("id", "=", message["id"])])
    say(f"after the cron: {failed[0]}")
    say("Process Now on it:", odoo("logistics.message", "action_process_now", [message["id"]]))
    say("(the drill shortens the backoff to see the dead letter: Max Attempts 2, First Retry Delay 5 s)")
    odoo("logistics.backend", "write", [tms["id"]], {"max_attempts": 2, "retry_base_delay": 5})
    odoo("logistics.backend", "write", [tms["id"]], {"alert_user_id": odoo.uid})
    dead = wait_for(lambda: [m for m in odoo.messages([("id", "=", message["id"])]) if m["state"] == "dead"], 180)
    say(f"after the retry (the cron, woken at next_attempt_at): {dead}")
    odoo(
        "logistics.backend",
        "write",
        [tms["id"]],
        {"max_attempts": tms["max_attempts"], "retry_base_delay": tms["retry_base_delay"]},
    )
    row = odoo.messages([("id", "=", message["id"])])[0]
    say(f"now: {row}")
    say("metrics: " + "; ".join(metric_lines(url, f'backend="{TMS}"', "dead_letters")))
    odoo.run_cron("logistics_connector.ir_cron_check_alerts")
    alert = odoo(
        "logistics.backend", "read", [tms["id"]], ["has_alert", "alert_since", "alert_message", "activity_ids"]
    )[0]
    say(f"alerts cron: {alert}")
    activities = odoo("mail.activity", "search_read", [("id", "in", alert["activity_ids"])], ["summary", "user_id"])
    mails = odoo(
        "mail.mail", "search_read", [("model", "=", "logistics.backend"), ("res_id", "=", tms["id"])], ["subject"]
    )
    say(f"activity: {activities}; e-mail: {mails[-1:]}")
    say("the TMS is up again (a server on 127.0.0.1:8765); Replay the dead message")
    with Partner(8765, "/api/v1") as partner:
        if row["state"] in ("failed", "dead", "needs_mapping"):
            odoo("logistics.message", "action_replay", [message["id"]])
        done = wait_for(lambda: [m for m in odoo.messages([("id", "=", message["id"])]) if m["state"] == "done"], 120)
        if not done:
            say("(not processed by the cron within 120 s; Process Now)")
            odoo("logistics.message", "action_process_now", [message["id"]])
        say(
            "after the replay:",
            odoo.messages([("id", "=", message["id"])], ("id", "state", "attempts", "replay_count"))[0],
        )
        say(f"the TMS received: {partner.requests}")
    shipment = odoo("logistics.shipment", "read", [shipment["id"]], ["name", "status", "tms_state", "tracking_ref"])[0]
    say(f"shipment: {shipment}")
    odoo.run_cron("logistics_connector.ir_cron_check_alerts")
    alert = odoo("logistics.backend", "read", [tms["id"]], ["has_alert", "alert_message"])[0]
    say(f"alerts cron again: {alert}")


def flood(odoo, url):
    say("## A flood of malformed payloads (carrier backend rrft)")
    secret = carrier_secret(odoo)
    backend = odoo.backend(CARRIER)
    before = {line.split(" ")[0]: line.split(" ")[1] for line in metric_lines(url, "webhook_responses_total")}
    answers = {}
    for index in range(20):
        bad = {
            "event_id": f"drill-bad-{uuid.uuid4().hex[:8]}-{index}",
            "tracking_ref": "RRFT-7700104",
        }  # no status, no time
        status, answer = post_event(url, CARRIER, secret, bad)
        answers.setdefault(status, answer)
    for _index in range(10):
        status, answer = post_event(url, CARRIER, secret, event("RRFT-7700104", "IT"), signed=False)
        answers.setdefault(status, answer)
    say(f"answers (one of each): {answers}")
    since = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    groups = odoo(
        "logistics.message",
        "read_group",
        [("create_date", ">=", since), ("state", "in", ("failed", "dead", "needs_mapping"))],
        ["backend_id"],
        ["backend_id", "state"],
        lazy=False,
    )
    say(
        "Dead Letters & Problems, last hour, by backend and state: "
        + "; ".join(f"{g['backend_id'][1]} {g['state']}: {g['__count']}" for g in groups)
    )
    failed = odoo.messages([("backend_id", "=", backend["id"]), ("state", "=", "failed"), ("create_date", ">=", since)])
    say(f"one of them: {failed[-1] if failed else None}")
    after = metric_lines(url, "webhook_responses_total")
    say(f"metrics before: {before}")
    say("metrics after: " + "; ".join(after))
    say("stop it: archive the backend (form > gear > Archive)")
    odoo("logistics.backend", "action_archive", [backend["id"]])
    status, answer = post_event(url, CARRIER, secret, event("RRFT-7700104", "IT"))
    say(f"a correctly signed event to the archived backend: {status} {answer}")
    odoo("logistics.backend", "action_unarchive", [backend["id"]])
    status, answer = post_event(url, CARRIER, secret, event("RRFT-7700104", "IT"))
    say(f"after Unarchive: {status} {answer}")
    if failed:
        odoo("logistics.message", "action_replay", [m["id"] for m in failed])
        replayed = wait_for(
            lambda: [
                m
                for m in odoo.messages([("id", "in", [m["id"] for m in failed])])
                if m["state"] not in ("queued", "received", "processing")
            ],
            120,
        )
        states = {}
        for row in odoo.messages([("id", "in", [m["id"] for m in failed])]):
            states[row["state"]] = states.get(row["state"], 0) + 1
        say(f"Replay of the {len(failed)} malformed messages (not fixed): {states}; e.g. {replayed[:1]}")


def secret(odoo, url):
    say("## A webhook secret leaked (carrier backend rrft)")
    backend = odoo.backend(CARRIER)
    old = carrier_secret(odoo)
    odoo("logistics.backend", "action_rotate_webhook_secret", [backend["id"]])
    row = odoo(
        "logistics.backend",
        "read",
        [backend["id"]],
        ["webhook_secret", "webhook_secret_previous_until", "webhook_rotation_hours"],
    )[0]
    new = row["webhook_secret"]
    say(
        f"Rotate Webhook Secret: new secret of {len(new)} characters, previous valid until",
        row["webhook_secret_previous_until"],
        f"(rotation window {row['webhook_rotation_hours']} h)",
    )
    say(f"old secret: {post_event(url, CARRIER, old, event('RRFT-7700104', 'IT'))}")
    say(f"new secret: {post_event(url, CARRIER, new, event('RRFT-7700104', 'IT'))}")
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    odoo("logistics.backend", "write", [backend["id"]], {"webhook_secret_previous_until": now})
    say(f"Previous Secret Valid Until set to now ({now}) ...")
    say(f"old secret: {post_event(url, CARRIER, old, event('RRFT-7700104', 'IT'))}")
    say(f"new secret: {post_event(url, CARRIER, new, event('RRFT-7700104', 'IT'))}")
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S")
    try:
        odoo("logistics.backend", "write", [backend["id"]], {"webhook_secret_previous_until": later})
        say("extending the window: accepted (unexpected)")
    except RuntimeError as error:
        say(f"extending the window again: refused: {error}")
    chatter = odoo(
        "mail.message",
        "search_read",
        [("model", "=", "logistics.backend"), ("res_id", "=", backend["id"])],
        ["body"],
        limit=1,
        order="id desc",
    )
    say(f"backend chatter: {chatter[0]['body'] if chatter else None}")


def mapping(odoo, url):
    say("## A mapping missing after go-live (carrier backend rrft)")
    backend = odoo.backend(CARRIER)
    code = f"Z{uuid.uuid4().hex[:4].upper()}"
    status, answer = post_event(url, CARRIER, carrier_secret(odoo), event("RRFT-7700104", code))
    say(f"an event with the unknown status code {code}: {status} {answer}")
    ids = answer.get("message_ids") or answer.get("ids") or []
    domain = [("id", "in", ids)] if ids else [("backend_id", "=", backend["id"]), ("missing_mapping_code", "=", code)]
    fields = ("id", "state", "missing_mapping_type", "missing_mapping_code", "last_error")
    parked = wait_for(lambda: [m for m in odoo.messages(domain, fields) if m["state"] == "needs_mapping"], 120)
    say(f"after the cron: {parked}")
    odoo(
        "logistics.code.mapping",
        "create",
        {"backend_id": backend["id"], "mapping_type": "status", "external_code": code, "status": "in_transit"},
    )
    say(f"mapping saved: {code} -> in_transit (Configuration > Code Mappings > New)")
    done = wait_for(lambda: [m for m in odoo.messages(domain, fields) if m["state"] == "done"], 120)
    say(f"after saving the mapping: {done or odoo.messages(domain, fields)}")


def backup_window(odoo, url):
    """After the backup: an event the restored database will not have."""
    say("## Events received after the backup")
    secret_now = carrier_secret(odoo)
    evt = event("RRFT-7700104", "IT", event_id="drill-after-backup-1")
    say(f"posted after the backup: {post_event(url, CARRIER, secret_now, evt)}")
    with open("/tmp/runbook_drill_after_backup.json", "w", encoding="utf-8") as handle:
        json.dump(evt, handle)


def resync(odoo, url):
    say("## Re-sync after a restore")
    secret_now = carrier_secret(odoo)
    try:
        with open("/tmp/runbook_drill_after_backup.json", encoding="utf-8") as handle:
            evt = json.load(handle)
    except OSError:
        evt = event("RRFT-7700104", "IT", event_id="drill-after-backup-1")
    found = odoo.messages([("idempotency_key", "ilike", evt["event_id"])], ("id", "state", "idempotency_key"))
    say(f"the event posted after the backup, in the restored database: {found or 'absent'}")
    say(f"the sender resends it: {post_event(url, CARRIER, secret_now, evt)}")
    demo = {
        "event_id": "rrft-evt-10301",
        "tracking_ref": "RRFT-7700103",
        "status_code": "PU",
        "event_time": "2026-01-01T00:00:00+00:00",
    }
    say(
        "the sender resends an event from before the backup too (same event id):",
        post_event(url, CARRIER, secret_now, demo),
    )
    company = odoo("res.users", "read", [odoo.uid], ["company_id"])[0]["company_id"][0]
    today = dt.date.today()
    shipments = odoo(
        "logistics.shipment",
        "search_read",
        [("backend_id.code", "=", TMS)],
        ["name", "status"],
        limit=3,
    )
    with Partner(8765, "/api/v1") as tms, Partner(8767, "/fap/v2") as fap:
        # The TMS reports one shipment delivered that Odoo does not know as delivered, and one
        # that Odoo does not have at all (received after the backup).
        tms.shipments = [
            {"reference": s["name"], "status": "delivered", "date": today.isoformat()} for s in shipments[:1]
        ]
        tms.shipments.append({"reference": "SHP-AFTER-BACKUP", "status": "delivered", "date": today.isoformat()})
        fap.invoices = [
            {
                "id": "F-AFTER-BACKUP",
                "invoice_number": "INV-AFTER-BACKUP",
                "carrier_scac": "RRFT",
                "status": "approved",
                "amount": "250.00",
                "currency": "USD",
                "date": today.isoformat(),
            }
        ]
        wizard = odoo(
            "billing.reconciliation.wizard",
            "create",
            {
                "kind": "custom",
                "date_from": (today - dt.timedelta(days=7)).isoformat(),
                "date_to": today.isoformat(),
                "company_id": company,
            },
        )
        action = odoo("billing.reconciliation.wizard", "action_run", [wizard])
        run_id = action.get("res_id")
        say(
            f"Run Reconciliation (custom, last 7 days): run {run_id}; the TMS and the FAP were asked:",
            tms.requests + fap.requests,
        )
        lines = odoo(
            "billing.reconciliation.line",
            "search_read",
            [("run_id", "=", run_id)],
            ["section", "line_type", "difference_kind", "name"],
        )
        for line in lines:
            if line["line_type"] != "summary":
                say(f"  {line['section']} / {line['line_type']} / {line['difference_kind']}: {line['name']}")
        say(f"  ({len(lines)} lines in all)")
        fap_backend = odoo.backend(FAP)
        cursor = odoo("logistics.backend", "read", [fap_backend["id"]], ["fap_invoice_cursor"])[0]["fap_invoice_cursor"]
        odoo("logistics.backend", "action_fap_pull_invoices", [fap_backend["id"]])
        say(f"Pull Invoices on the FAP backend (cursor {cursor!r}): the FAP was asked {fap.requests[-1]}")


def period_end(odoo, url):
    say("## Period end")
    before = odoo("freight.accrual", "read_group", [], ["amount:sum"], ["state"], lazy=False)
    say("accruals before: " + "; ".join(f"{g['state']}: {g['__count']} ({g['amount']})" for g in before))
    odoo.run_cron("freight_audit.ir_cron_freight_period_end")
    after = odoo("freight.accrual", "read_group", [], ["amount:sum"], ["state"], lazy=False)
    say(
        "accruals after the period-end job: "
        + "; ".join(f"{g['state']}: {g['__count']} ({g['amount']})" for g in after)
    )
    runs_before = odoo("billing.reconciliation.run", "search_count", [])
    with Partner(8765, "/api/v1"), Partner(8767, "/fap/v2"):
        odoo.run_cron("billing_readiness.ir_cron_billing_reconciliation_period_end")
    runs = odoo(
        "billing.reconciliation.run",
        "search_read",
        [],
        ["name", "kind", "date_from", "date_to"],
        order="id desc",
        limit=odoo("billing.reconciliation.run", "search_count", []) - runs_before,
    )
    say(f"period-end reconciliation runs: {runs}")
    for run in runs:
        lines = odoo(
            "billing.reconciliation.line", "search_read", [("run_id", "=", run["id"])], ["section", "line_type", "name"]
        )
        for line in lines:
            if line["line_type"] != "summary":
                say(f"  {line['section']} / {line['line_type']}: {line['name']}")
        say(f"  ({len(lines)} lines)")


def metrics(odoo, url):
    say("## Webhook answers in /logistics/metrics")
    for line in metric_lines(url, "webhook_responses_total"):
        say(line)


PROCEDURES = {
    "partner-down": partner_down,
    "flood": flood,
    "secret": secret,
    "mapping": mapping,
    "backup-window": backup_window,
    "resync": resync,
    "period-end": period_end,
    "metrics": metrics,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8069)
    parser.add_argument("--db", required=True)
    parser.add_argument("procedure", choices=[*PROCEDURES, "all"])
    args = parser.parse_args()
    url = f"http://{args.host}:{args.port}"
    odoo = Odoo(url, args.db)
    setup(odoo)
    names = (
        ["partner-down", "flood", "secret", "mapping", "period-end", "metrics"]
        if args.procedure == "all"
        else [args.procedure]
    )
    for name in names:
        PROCEDURES[name](odoo, url)
        say()
    return 0


if __name__ == "__main__":
    sys.exit(main())
