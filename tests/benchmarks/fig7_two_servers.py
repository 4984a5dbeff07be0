#!/usr/bin/env python3
"""Figure 7: two Odoo servers on one database: webhooks sent to both, both running the journal's
cron; no event lost or processed twice, then the same with one server killed (``kill -9`` of its
process group) and restarted in the middle of the run.

The servers: two ``odoo-bin`` (``--workers=2 --max-cron-threads=1``: two HTTP workers and one
cron worker each) on 127.0.0.1, one PostgreSQL database. The senders: 8 threads, each with its
share of distinct signed canonical events, sending one at a time to the two servers in turn (as
a proxy in front of them would); a failed request (connection refused or reset, timeout, 5xx)
is sent again, signed anew, to the other server, until it is acknowledged (202, or 200 when the
first attempt had been journaled and only its answer was lost). Every 4xx is a failure.

The check, in the database, once the journal's crons have nothing left: every acknowledged
event is journaled once and done, and has exactly one timeline row (``logistics.shipment.event``)
made from its message: 0 lost, 0 processed twice; and no ERROR line in the servers' logs.
Throughput: the events / the time from the first send to the last event processed (intake and
processing together), and the intake alone.

Also a command for ``make test`` (scripts/run_tests.py runs it on the test database after
Odoo's tests, small): ``python fig7_two_servers.py --db <database> --events 300``; it prints
``two servers: PASS ...`` or ``two servers: FAIL ...`` and exits 0 or 1.
"""

import argparse
import contextlib
import http.client
import json
import os
import re
import secrets
import sys
import threading
import time
from datetime import datetime, timedelta

from benchlib import Figure, OdooInProcess, OdooServer, log, out
from senders import dumps, signed_headers

TARGET_LOST = 0
SENDERS = 8
EVENTS = 3_000
QUICK_EVENTS = 1_000
START = datetime(2026, 8, 3, 4, 0)


def make_events(prefix, count, tracking_refs, start=START):
    """Distinct events spread over the shipments; the events of one shipment are minutes apart
    (a timeline row's identity holds its time to the minute), and each run has its own ``start``."""
    events = []
    for number in range(count):
        when = start + timedelta(minutes=number)
        events.append(
            {
                "event_id": f"{prefix}-{number}",
                "tracking_ref": tracking_refs[number % len(tracking_refs)],
                "status": "in_transit",
                "event_time": when.strftime("%Y-%m-%dT%H:%M:%S") + "+00:00",
                "location": {"city": "Lyon", "country": "FR"},
            }
        )
    return events


class Senders:
    """``SENDERS`` threads sending ``events`` to the servers in turn, with retries."""

    def __init__(self, servers, path, secret, events, deadline, timeout=15.0):
        self.servers = servers
        self.path = path
        self.secret = secret
        self.events = events
        self.deadline = deadline
        self.timeout = timeout
        self.lock = threading.Lock()
        self.acknowledged = {}  # event id -> status of the answer that acknowledged it
        self.rejected = {}  # event id -> (status, body): 4xx, never retried
        self.unacknowledged = []  # given up at the deadline
        self.retries = 0
        self.sent = 0  # events acknowledged so far (progress, for the kill)

    def run(self):
        threads = [
            threading.Thread(target=self._sender, args=(number,), name=f"sender-{number}", daemon=True)
            for number in range(SENDERS)
        ]
        for thread in threads:
            thread.start()
        return threads

    def _sender(self, number):
        connections = {}
        turn = number
        for event in self.events[number::SENDERS]:
            body = dumps(event)
            while True:
                server = self.servers[turn % len(self.servers)]
                turn += 1
                try:
                    status, answer = self._post(connections, server, body)
                except (OSError, http.client.HTTPException):
                    connection = connections.pop(server.port, None)
                    if connection:
                        connection.close()
                    status, answer = None, ""
                if status in (200, 202):
                    with self.lock:
                        self.acknowledged[event["event_id"]] = status
                        self.sent += 1
                    break
                if status is not None and 400 <= status < 500:
                    with self.lock:
                        self.rejected[event["event_id"]] = (status, answer[:200])
                    break
                with self.lock:
                    self.retries += 1
                if time.monotonic() > self.deadline:
                    with self.lock:
                        self.unacknowledged.append(event["event_id"])
                    break
                time.sleep(0.05)
        for connection in connections.values():
            connection.close()

    def _post(self, connections, server, body):
        connection = connections.get(server.port)
        if connection is None:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=self.timeout)
            connections[server.port] = connection
        # Signed anew for every attempt, as a sender does.
        connection.request("POST", self.path, body=body.encode(), headers=signed_headers(self.secret, body))
        response = connection.getresponse()
        answer = response.read().decode("utf-8", "replace")
        if response.getheader("Connection", "").lower() == "close":
            connections.pop(server.port).close()
        return response.status, answer


def check(odoo, prefix, acknowledged, wait_seconds):
    """Wait until the journal has nothing of this run left to process; then count, per
    acknowledged event, its messages, their states and its timeline rows."""
    deadline = time.monotonic() + wait_seconds
    while True:
        with odoo.env() as env:
            env.cr.execute(
                "SELECT count(*) FROM logistics_message WHERE idempotency_key LIKE %s"
                " AND state IN ('received', 'queued', 'processing', 'failed')",
                (f"event:{prefix}-%",),
            )
            pending = env.cr.fetchone()[0]
        if not pending or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    processed_at = time.monotonic()
    with odoo.env() as env:
        env.cr.execute(
            """
            SELECT m.idempotency_key, count(DISTINCT m.id), min(m.state), max(m.state), count(e.id)
              FROM logistics_message m
              LEFT JOIN logistics_shipment_event e ON e.message_id = m.id
             WHERE m.message_type = 'shipment_event' AND m.idempotency_key LIKE %s
             GROUP BY m.idempotency_key
            """,
            (f"event:{prefix}-%",),
        )
        rows = {key[len("event:") :]: rest for key, *rest in env.cr.fetchall()}
        env.cr.execute(
            "SELECT event_ref, count(*) FROM logistics_shipment_event WHERE event_ref LIKE %s GROUP BY event_ref",
            (f"{prefix}-%",),
        )
        timeline = dict(env.cr.fetchall())
    lost = [event_id for event_id in acknowledged if event_id not in rows]
    not_done = [event_id for event_id, (_n, low, high, _t) in rows.items() if (low, high) != ("done", "done")]
    twice = [
        event_id
        for event_id, (messages, _low, _high, rows_of_message) in rows.items()
        if messages != 1 or rows_of_message > 1 or timeline.get(event_id, 0) > 1
    ]
    no_timeline = [event_id for event_id in acknowledged if event_id in rows and timeline.get(event_id, 0) == 0]
    return {
        "acknowledged": len(acknowledged),
        "journaled": len(rows),
        "lost": len(lost),
        "not done": len(not_done),
        "processed twice": len(twice),
        "without timeline row": len(no_timeline),
        "pending at the end": pending,
        "processed_at": processed_at,
        "examples": (lost + not_done + twice + no_timeline)[:5],
    }


def one_run(odoo, servers, secret, path, prefix, events, kill_after=None, wait_seconds=300):
    """Send ``events`` to ``servers``; ``kill_after``: kill -9 the second server once that many
    events are acknowledged, restart it 2 s later. Returns the numbers of the run."""
    started = time.monotonic()
    senders = Senders(servers, path, secret, events, deadline=started + wait_seconds)
    threads = senders.run()
    killed = restarted = None
    if kill_after is not None:
        while senders.sent < kill_after and any(thread.is_alive() for thread in threads):
            time.sleep(0.05)
        servers[1].kill()
        killed = time.monotonic() - started
        log(f"figure 7: server 2 killed (kill -9) after {senders.sent} events acknowledged")
        time.sleep(2)
        servers[1].start()
        restarted = time.monotonic() - started
        log(f"figure 7: server 2 answering again {restarted - killed:.1f} s after the kill")
    for thread in threads:
        thread.join()
    intake_seconds = time.monotonic() - started
    result = check(odoo, prefix, senders.acknowledged, wait_seconds)
    total_seconds = result.pop("processed_at") - started
    result.update(
        {
            "events": len(events),
            "rejected": len(senders.rejected),
            "unacknowledged": len(senders.unacknowledged),
            "retries": senders.retries,
            "answered 200 (duplicate)": sum(1 for status in senders.acknowledged.values() if status == 200),
            "intake events/s": round(len(senders.acknowledged) / intake_seconds, 1),
            "end-to-end events/s": round(len(senders.acknowledged) / total_seconds, 1),
            "seconds": round(total_seconds, 1),
        }
    )
    if killed is not None:
        result["killed at s"] = round(killed, 1)
        result["restarted at s"] = round(restarted, 1)
    if senders.rejected:
        result["examples"] += [f"{key}: {value}" for key, value in list(senders.rejected.items())[:3]]
    return result


def failures(result):
    keys = ("lost", "not done", "processed twice", "without timeline row", "rejected", "unacknowledged")
    keys += ("error lines in the servers' logs",)
    return [f"{result[key]} {key}" for key in keys if result.get(key)]


def two_server_runs(odoo, db, secret, path, prefix, events_count, tracking_refs):
    """Both runs (steady, then with a kill) on two servers started here and stopped at the end."""
    servers = [OdooServer(db, workers=2, cron_threads=1, name=f"fig7-{number}") for number in (1, 2)]
    try:
        for server in servers:
            server.start()
        steady = one_run(
            odoo, servers, secret, path, f"{prefix}s", make_events(f"{prefix}s", events_count, tracking_refs)
        )
        log(f"figure 7 steady: {steady}")
        with_kill = one_run(
            odoo,
            servers,
            secret,
            path,
            f"{prefix}k",
            make_events(f"{prefix}k", events_count, tracking_refs, start=START + timedelta(days=60)),
            kill_after=events_count // 3,
        )
        log(f"figure 7 with a kill: {with_kill}")
    finally:
        for server in servers:
            server.stop()
    errors = []
    for server in servers:
        with open(server.log_path, encoding="utf-8", errors="replace") as server_log:
            errors += [line.strip() for line in server_log if re.search(r"\d+ (ERROR|CRITICAL) ", line)]
    with_kill["error lines in the servers' logs"] = len(errors)
    with_kill["examples"] += errors[:3]
    return steady, with_kill


def run(ctx):
    from fixtures import tracking_ref
    from senders import WEBHOOK_PATH

    count = int(os.environ.get("BENCH_TWO_SERVER_EVENTS") or (QUICK_EVENTS if ctx.settings.quick else EVENTS))
    figure = Figure("7", f"two servers, {count} events sent to both, then one killed", unit=" lost or twice")
    figure.target, figure.higher_is_better = TARGET_LOST, False
    with ctx.odoo.env() as env:
        # What the figures before left in the queue is not part of this figure.
        env.cr.execute("UPDATE logistics_message SET state = 'done' WHERE state IN ('received', 'queued', 'failed')")
    refs = [tracking_ref(index) for index in range(len(ctx.data["event_shipment_ids"]))]
    steady, with_kill = two_server_runs(ctx.odoo, ctx.db, ctx.data["secret"], WEBHOOK_PATH, "f7", count, refs)
    bad = sum(run[key] for run in (steady, with_kill) for key in ("lost", "processed twice"))
    figure.value = bad
    figure.numbers = {
        "end-to-end events/s": steady["end-to-end events/s"],
        "intake events/s": steady["intake events/s"],
        "with a kill: end-to-end events/s": with_kill["end-to-end events/s"],
        "with a kill: retries": with_kill["retries"],
        "with a kill: answered 200": with_kill["answered 200 (duplicate)"],
    }
    figure.details = {"steady": steady, "with a kill": with_kill}
    figure.note = (
        f"2 x odoo-bin --workers=2 --max-cron-threads=1, {SENDERS} senders retrying on the other server; "
        f"steady {steady['acknowledged']} acknowledged, {steady['lost']} lost, {steady['processed twice']} twice; "
        f"killed at {with_kill.get('killed at s')} s, {with_kill['acknowledged']} acknowledged, "
        f"{with_kill['lost']} lost, {with_kill['processed twice']} twice"
    )
    problems = failures(steady) + [f"with a kill: {text}" for text in failures(with_kill)]
    if problems:
        figure.error = "; ".join(problems) + f" (e.g. {(steady['examples'] + with_kill['examples'])[:3]})"
    return figure


def setup_small(odoo):
    """For the command: a webhook backend with a known secret and 50 shipments to send events for."""
    secret = secrets.token_urlsafe(32)
    code = f"twoservers{secrets.token_hex(3)}"
    refs = [f"TWO-SRV-{code}-{index:03d}" for index in range(50)]
    with odoo.env() as env:
        env["logistics.backend"].create(
            {
                "name": "Two-server check",
                "code": code,
                "kind": "carrier",
                "environment": "production",
                "auth_type": "none",
                "webhook_secret": secret,
                "auto_send_transport_orders": False,
            }
        )
        partner = env["res.partner"].create({"name": "Two-server check customer"})
        env["logistics.shipment"].create(
            [{"name": ref, "tracking_ref": ref, "partner_id": partner.id, "status": "booked"} for ref in refs]
        )
    return secret, f"/logistics/webhook/{code}", refs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a database with the suite installed (e.g. make test's)")
    parser.add_argument("--events", type=int, default=300)
    args = parser.parse_args(argv)
    started = time.monotonic()
    odoo = OdooInProcess(args.db)
    try:
        secret, path, refs = setup_small(odoo)
        steady, with_kill = two_server_runs(odoo, args.db, secret, path, "two", args.events, refs)
    finally:
        with contextlib.suppress(Exception):
            odoo.close()
    problems = failures(steady) + [f"with a kill: {text}" for text in failures(with_kill)]
    summary = {
        "steady": {key: value for key, value in steady.items() if key != "examples"},
        "with a kill": {key: value for key, value in with_kill.items() if key != "examples"},
        "seconds": round(time.monotonic() - started, 1),
    }
    verdict = "FAIL " + "; ".join(problems) if problems else "PASS"
    out(f"two servers: {verdict} {json.dumps(summary)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
