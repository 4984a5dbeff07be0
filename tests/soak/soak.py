"""`make soak`: mixed traffic against a multi-worker Odoo with its crons running, then checks.

SOAK_SECONDS (default 600) of traffic from SOAK_SENDERS (default 6) threads to 127.0.0.1 only,
against ``odoo-bin --workers=2 --max-cron-threads=1`` on a throw-away database (the benchmark's
fixtures, ``tests/benchmarks/fixtures.py``): canonical events, batches, X12 214, carrier
invoices (FAP JSON and X12 210), duplicates (acknowledged bodies sent again) and bad inputs
(the poison bodies of ``logistics_connector/services/jsonsafe.py``, a bad signature, a broken
X12 envelope). A sender retries a 503 or a lost connection with the same body, as a partner does.

After the traffic, the crons are given a bounded time to drain the journal, then:

- every acknowledged event (202 or 200) is journaled exactly once and processed exactly once
  (journal rows and shipment events counted against what the senders recorded), every
  acknowledged invoice imported once with at most one vendor bill;
- every bad input was refused (400/401) and each refused body is kept as failed;
- no worker's resident memory (``/proc/<pid>/status``, sampled after the warm-up and at the
  end) grew by more than 20 %;
- the server log has no ERROR or CRITICAL line (the deliberate bad inputs log none: they are
  refused with a 400, logged at WARNING at most).

Prints a summary (and a JSON line) and exits 1 on any failure. SOAK_TEMPLATE_DB (developers)
copies an installed suite instead of installing it; KEEP_DB=1 keeps the database.
"""

import collections
import contextlib
import hashlib
import hmac
import itertools
import json
import os
import random
import re
import sys
import threading
import time
from datetime import datetime, timedelta

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "benchmarks"))

import benchlib  # noqa: E402
import fixtures  # noqa: E402
import requests  # noqa: E402
import senders  # noqa: E402
from benchlib import log  # noqa: E402

SECONDS = int(os.environ.get("SOAK_SECONDS") or 600)
SENDERS = int(os.environ.get("SOAK_SENDERS") or 6)
INVOICES = int(os.environ.get("SOAK_INVOICES") or 4000)  # shipments to invoice, one invoice each
DRAIN_SECONDS = int(os.environ.get("SOAK_DRAIN_SECONDS") or 600)
MEMORY_GROWTH = 0.20
TIMEOUT = 60  # seconds, per request
RETRIES = 5  # a 503 or a lost connection: the same body again, as a partner retries
FREIGHT_PATH = f"/logistics/freight/{fixtures.FAP_CODE}/invoices"
BASE_TIME = datetime(2026, 5, 4, 6, 0)
BASE_214 = BASE_TIME + timedelta(days=200)  # after every canonical event's time (< 81 days)
# What each sender does, by weight.
MIX = [
    ("event", 40),
    ("batch", 8),
    ("x12_214", 10),
    ("invoice_json", 10),
    ("invoice_x12", 5),
    ("duplicate", 12),
    ("bad", 15),
]
# The deliberate bad inputs: (name, path kind, content type, body maker, expected status, answer fragment).
POISONS = [
    ("deep", "json", lambda event: b"[" * 5000 + b"]" * 5000, 400, "nested deeper than 64 levels"),
    ("nan", "json", lambda event: event[:-1] + b',"weight":NaN}', 400, "NaN is not a JSON number"),
    ("infinity", "json", lambda event: event[:-1] + b',"weight":-Infinity}', 400, "Infinity is not a JSON number"),
    ("huge_int", "json", lambda event: event[:-1] + b',"weight":' + b"9" * 100_000 + b"}", 400, "digits is too large"),
    ("huge_float", "json", lambda event: event[:-1] + b',"weight":1e400}', 400, "too large for a float"),
    ("utf8", "json", lambda event: event[:-1] + b',"reason":"caf\xe9"}', 400, "not valid UTF-8"),
    ("dup_keys", "json", lambda event: b'{"ref":"A","ref":"B",' + event[1:], 400, "appears twice"),
    ("not_json", "json", lambda event: event[:-3], 400, "not valid JSON"),
    ("bad_x12", "x12", lambda event: b"ISA*00*broken~" + b"~" * 2000, 400, "malformed X12"),
]


# ----------------------------------------------------------------------
# Bodies
# ----------------------------------------------------------------------
def canonical_event(event_id, number):
    """A canonical event at BASE_TIME + ``number`` seconds, for shipment ``number`` % 1,000."""
    return {
        "event_id": event_id,
        "tracking_ref": fixtures.tracking_ref(number % fixtures.EVENT_SHIPMENTS),
        "status": "in_transit",
        "event_time": (BASE_TIME + timedelta(seconds=number)).strftime("%Y-%m-%dT%H:%M:%S") + "+00:00",
        "location": {"city": senders.CITIES[number % len(senders.CITIES)], "country": "FR"},
    }


def x12_214(control, number):
    """One 214 interchange, one status (X6: en route) for one of the benchmark's shipments."""
    when = BASE_214 + timedelta(minutes=number // 100)
    isa = "ISA*00*{:<10}*00*{:<10}*02*{:<15}*ZZ*{:<15}*{}*{}*U*00401*{:09d}*0*P*>~".format(
        "", "", "SOAKCARR", "OURCOMPANY", when.strftime("%y%m%d"), when.strftime("%H%M"), control
    )
    ref = fixtures.tracking_ref(number % fixtures.EVENT_SHIPMENTS)
    body = [f"B10*{ref}*SOAK-{control}*BNCH", "LX*1", f"AT7*X6*NS***{when:%Y%m%d}*{when:%H%M}*UT", "MS1*Dijon**FR"]
    segments = [isa, f"GS*QM*SOAKCARR*OURCOMPANY*{when:%Y%m%d}*{when:%H%M}*{control}*X*004010~", "ST*214*0001~"]
    segments += [segment + "~" for segment in body]
    segments += [f"SE*{len(body) + 2}*0001~", f"GE*1*{control}~", f"IEA*1*{control:09d}~"]
    return "\n".join(segments).encode()


def invoice_lines(index):
    """(charge code, amount) of invoice ``index``, as the contract rates them (approved)."""
    return fixtures.invoice_amounts(index)


def fap_invoice(index, shipment, currency):
    lines = invoice_lines(index)
    return {
        "id": f"soak-inv-{index}",
        "revision": 1,
        "carrier_scac": "BNCH",
        "invoice_number": f"SOAK-INV-{index}",
        "invoice_date": "2026-01-20",
        "due_date": "2026-02-19",
        "currency": currency,
        "total": f"{sum(amount for _code, amount in lines):.2f}",
        "lines": [
            {"shipment_reference": shipment, "charge_code": code, "amount": f"{amount:.2f}"} for code, amount in lines
        ],
    }


def x12_210(index, shipment, currency):
    """An X12 210 of one invoice (amounts N2, in cents)."""
    lines = invoice_lines(index)
    total = sum(amount for _code, amount in lines)
    control = 500_000_000 + index
    number = f"SOAK-210-{index}"
    isa = (
        "ISA*00*          *00*          *ZZ*BNCHEDI        *ZZ*SHIPPER01      *260120*1100*U*00401*"
        f"{control:09d}*0*P*>~"
    )
    segments = [f"B3**{number}*{shipment}*PP**20260120*{round(total * 100)}**20260116**BNCH", f"C3*{currency}"]
    for position, (code, amount) in enumerate(lines, start=1):
        segments += [f"LX*{position}", f"N9*BM*{shipment}", f"L1*{position}***{round(amount * 100)}****{code}"]
    segments.append(f"L3*****{round(total * 100)}")
    body = "".join(f"{segment}~" for segment in ["ST*210*0001", *segments, f"SE*{len(segments) + 2}*0001"])
    text = isa + f"GS*IM*BNCHGS*SHIPPERGS*20260120*1100*{control}*X*004010~" + body
    return (text + f"GE*1*{control}~IEA*1*{control:09d}~").encode(), number


def signed(secret, body, content_type="application/json"):
    """The suite's signature headers over the raw bytes (``senders.sign`` takes text; a poison
    body need not be UTF-8)."""
    timestamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {"Content-Type": content_type, "X-Logistics-Timestamp": timestamp, "X-Logistics-Signature": f"v1={digest}"}


# ----------------------------------------------------------------------
# Senders
# ----------------------------------------------------------------------
class Ledger:
    """What the senders sent and what was acknowledged (thread-safe)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.acked_events = set()  # canonical event ids answered 202/200
        self.acked_214 = set()  # X12 control numbers
        self.acked_invoices = set()  # FAP invoice numbers
        self.acked_210 = set()  # X12 210 invoice numbers
        self.sent_events = set()
        self.refused = collections.Counter()  # poison name -> refused as expected
        self.unexpected = []  # (what, status, text)
        self.statuses = collections.Counter()  # (kind, status)
        self.latencies = []
        self.retries = 0
        self.unacknowledged = 0

    def note(self, kind, status, seconds):
        with self.lock:
            self.statuses[(kind, status)] += 1
            self.latencies.append(seconds)


class Sender(threading.Thread):
    def __init__(self, number, ctx, ledger, deadline, invoice_counter, seed):
        super().__init__(name=f"soak-sender-{number}", daemon=True)
        self.number = number
        self.ctx = ctx
        self.ledger = ledger
        self.deadline = deadline
        self.invoices = invoice_counter
        self.random = random.Random(seed)
        self.session = requests.Session()
        self.counter = itertools.count()
        self.sent = []  # (path, content type, body) acknowledged, for duplicates
        self.error = None

    def run(self):
        kinds = [kind for kind, weight in MIX for _ in range(weight)]
        try:
            while time.monotonic() < self.deadline:
                self.once(self.random.choice(kinds))
        except Exception as error:  # reported by the driver, which fails the run
            self.error = repr(error)

    def warm_up(self):
        for kind, _weight in MIX:
            self.once(kind)

    def post(self, kind, path, body, content_type="application/json", secret=None):
        """POST, retrying a 503 or a lost connection with the same body; (status, answer)."""
        url = self.ctx["url"] + path
        for attempt in range(RETRIES + 1):
            headers = signed(secret or self.ctx["secret"], body, content_type)
            started = time.monotonic()
            try:
                response = self.session.post(url, data=body, headers=headers, timeout=TIMEOUT)
            except requests.RequestException:
                status, answer = None, None
            else:
                status = response.status_code
                try:
                    answer = response.json()
                except ValueError:
                    answer = {"text": response.text[:200]}
            self.ledger.note(kind, status, time.monotonic() - started)
            if status not in (None, 502, 503, 504):
                return status, answer
            with self.ledger.lock:
                self.ledger.retries += 1
            time.sleep(1 + attempt)
        with self.ledger.lock:
            self.ledger.unacknowledged += 1
        return status, answer

    def expect_ack(self, kind, status, answer, path, body, content_type="application/json"):
        if status in (200, 202):
            self.sent.append((kind, path, content_type, body))
            return True
        if status is not None:
            with self.ledger.lock:
                self.ledger.unexpected.append((kind, status, json.dumps(answer)[:300]))
        return False

    def once(self, kind):
        # Distinct milestones: an event's sequence number gives its time (one second each) and
        # its shipment (modulo 1,000), so no two events share a shipment, status, minute and
        # city (the event model's identity, which would rightly fold them into one).
        number = self.number * 1_000_000 + next(self.counter) * 100
        if kind == "event":
            event_id = f"soak-{number}"
            body = senders.dumps(canonical_event(event_id, number)).encode()
            with self.ledger.lock:
                self.ledger.sent_events.add(event_id)
            status, answer = self.post(kind, senders.WEBHOOK_PATH, body)
            if self.expect_ack(kind, status, answer, senders.WEBHOOK_PATH, body):
                with self.ledger.lock:
                    self.ledger.acked_events.add(event_id)
        elif kind == "batch":
            ids = [f"soak-{number}-{index}" for index in range(10)]
            events = [canonical_event(event_id, number + index) for index, event_id in enumerate(ids)]
            body = senders.dumps({"events": events}).encode()
            with self.ledger.lock:
                self.ledger.sent_events.update(ids)
            status, answer = self.post(kind, senders.WEBHOOK_PATH, body)
            if self.expect_ack(kind, status, answer, senders.WEBHOOK_PATH, body):
                with self.ledger.lock:
                    self.ledger.acked_events.update(ids)
        elif kind == "x12_214":
            control = number % 1_000_000_000
            body = x12_214(control, number)
            status, answer = self.post(kind, senders.WEBHOOK_PATH, body, "application/edi-x12")
            if self.expect_ack(kind, status, answer, senders.WEBHOOK_PATH, body, "application/edi-x12"):
                with self.ledger.lock:
                    self.ledger.acked_214.add(control)
        elif kind in ("invoice_json", "invoice_x12"):
            index = next(self.invoices)
            if index >= len(self.ctx["shipments"]):
                return self.once("event")
            shipment = self.ctx["shipments"][index]
            if kind == "invoice_json":
                body = senders.dumps(fap_invoice(index, shipment, self.ctx["currency"])).encode()
                status, answer = self.post(kind, FREIGHT_PATH, body)
                if self.expect_ack(kind, status, answer, FREIGHT_PATH, body):
                    with self.ledger.lock:
                        self.ledger.acked_invoices.add(f"SOAK-INV-{index}")
            else:
                body, name = x12_210(index, shipment, self.ctx["currency"])
                status, answer = self.post(kind, FREIGHT_PATH, body, "application/edi-x12")
                if self.expect_ack(kind, status, answer, FREIGHT_PATH, body, "application/edi-x12"):
                    with self.ledger.lock:
                        self.ledger.acked_210.add(name)
        elif kind == "duplicate":
            if not self.sent:
                return self.once("event")
            original_kind, path, content_type, body = self.random.choice(self.sent)
            status, answer = self.post(kind, path, body, content_type)
            if status != 200 or (answer or {}).get("status") != "duplicate":
                with self.ledger.lock:
                    self.ledger.unexpected.append((f"duplicate of {original_kind}", status, json.dumps(answer)[:300]))
        elif kind == "bad":
            self.bad(number)
        return None

    def bad(self, number):
        choice = self.random.randrange(len(POISONS) + 1)
        event = senders.dumps(canonical_event(f"soak-bad-{number}", number)).encode()
        if choice == len(POISONS):
            # A bad signature: 401, nothing kept.
            status, answer = self.post("bad", senders.WEBHOOK_PATH, event, secret="not-the-secret")
            name, expected, fragment = "bad_signature", 401, "signature"
        else:
            name, path_kind, make, expected, fragment = POISONS[choice]
            content_type = "application/json" if path_kind == "json" else "application/edi-x12"
            status, answer = self.post("bad", senders.WEBHOOK_PATH, make(event), content_type)
        if status == expected and fragment in json.dumps(answer):
            with self.ledger.lock:
                self.ledger.refused[name] += 1
        else:
            with self.ledger.lock:
                self.ledger.unexpected.append((f"bad input {name}", status, json.dumps(answer)[:300]))


# ----------------------------------------------------------------------
# The server's workers and log
# ----------------------------------------------------------------------
def worker_rss(server_pid):
    """{pid: (RSS in kB, command line)} of the server's child processes (its workers)."""
    result = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as handle:
                ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
            if ppid != server_pid:
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                cmdline = handle.read().replace(b"\0", b" ").decode(errors="replace").strip()
            if " gevent" in cmdline:
                continue  # the websocket stand-in (benchmarks/odoo_server.py), not a worker
            with open(f"/proc/{entry}/status", encoding="ascii") as handle:
                rss = next(int(line.split()[1]) for line in handle if line.startswith("VmRSS:"))
        except (OSError, StopIteration, ValueError, IndexError):
            continue
        result[int(entry)] = (rss, cmdline)
    return result


REQUEST_LINE = re.compile(r'"POST /logistics/webhook/\S+ HTTP/1\.1" 202 - (\d+) ')


def single_event_queries(server, sender, count=20):
    """Queries per request of the canonical single-event webhook, quiet server (after the
    traffic): ``count`` events one after the other, their Werkzeug log lines read back;
    returns (min, median, max)."""
    offset = os.path.getsize(server.log_path)
    for _index in range(count):
        sender.once("event")
    time.sleep(1)
    with open(server.log_path, encoding="utf-8", errors="replace") as handle:
        handle.seek(offset)
        counts = sorted(int(found.group(1)) for found in map(REQUEST_LINE.search, handle) if found)
    return (counts[0], counts[len(counts) // 2], counts[-1]) if counts else None


ERROR_LINE = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ")
# Server log lines at ERROR that the deliberate bad inputs may cause: none (each is refused
# with a 400 or 401, logged at WARNING at most). Listed here, precisely, if that ever changes.
ALLOWED_ERRORS = []


def log_errors(path, start_offset):
    """The ERROR and CRITICAL lines of the server log written after ``start_offset``, with the
    lines that follow each (its traceback), except the allowed ones."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        handle.seek(start_offset)
        lines = handle.read().splitlines()
    errors = []
    for index, line in enumerate(lines):
        if ERROR_LINE.match(line) and not any(pattern.search(line) for pattern in ALLOWED_ERRORS):
            errors.append("\n".join(lines[index : index + 12]))
    return errors


# ----------------------------------------------------------------------
# The checks in the database
# ----------------------------------------------------------------------
def wait_for_drain(odoo, seconds):
    """Wait (bounded) until the crons have processed every ready message; returns the seconds
    waited and the count still waiting."""
    started = time.monotonic()
    waiting = None
    while time.monotonic() - started < seconds:
        with odoo.env() as env:
            env.cr.execute(
                "SELECT count(*) FROM logistics_message WHERE direction = 'inbound'"
                " AND (state IN ('received', 'queued') OR (state = 'failed' AND next_attempt_at IS NOT NULL))"
            )
            waiting = env.cr.fetchone()[0]
        if not waiting:
            break
        time.sleep(5)
    return time.monotonic() - started, waiting


def check_database(odoo, ledger):
    problems, figures = [], {}
    with odoo.env() as env:
        cr = env.cr
        # Canonical events (single and batches): one journal row each (besides duplicates), done,
        # and one shipment event each.
        cr.execute(
            """SELECT substr(idempotency_key, 7), count(*), bool_and(state = 'done'), min(state)
                 FROM logistics_message
                WHERE message_type = 'shipment_event' AND state <> 'duplicate'
                  AND idempotency_key LIKE 'event:soak-%%'
                GROUP BY 1"""
        )
        journaled = {row[0]: row[1:] for row in cr.fetchall()}
        cr.execute("SELECT event_ref, count(*) FROM logistics_shipment_event WHERE event_ref LIKE 'soak-%%' GROUP BY 1")
        processed = dict(cr.fetchall())
        acked = ledger.acked_events
        figures["events_acknowledged"] = len(acked)
        figures["events_journaled"] = len(journaled)
        figures["events_processed"] = len(processed)
        missing = [event for event in acked if event not in journaled]
        twice = [event for event, (count, *_rest) in journaled.items() if count != 1]
        not_done = [event for event, (_count, done, state) in journaled.items() if not done]
        unprocessed = [event for event in acked if processed.get(event, 0) != 1]
        unknown = [event for event in journaled if event not in ledger.sent_events]
        for label, items in [
            ("acknowledged events not journaled", missing),
            ("events journaled more than once", twice),
            ("events journaled but not done", not_done),
            ("acknowledged events not processed exactly once", unprocessed),
            ("events journaled that no sender sent", unknown),
        ]:
            if items:
                problems.append(f"{label}: {len(items)} (e.g. {sorted(items)[:5]})")
        extra = [event for event, count in processed.items() if count != 1]
        if extra:
            problems.append(f"events processed more than once: {len(extra)} (e.g. {sorted(extra)[:5]})")
        # X12 214: one journal row per interchange, done, with one shipment event.
        cr.execute(
            """SELECT m.idempotency_key, m.state, count(e.id)
                 FROM logistics_message m LEFT JOIN logistics_shipment_event e ON e.message_id = m.id
                WHERE m.message_type = 'x12_214' AND m.state <> 'duplicate'
                  AND m.idempotency_key LIKE 'x12:SOAKCARR:%%'
                GROUP BY m.id"""
        )
        rows = cr.fetchall()
        by_control = collections.defaultdict(list)
        for key, state, events in rows:
            by_control[int(key.rsplit(":", 1)[1])].append((state, events))
        figures["x12_214_acknowledged"] = len(ledger.acked_214)
        bad_214 = [control for control in ledger.acked_214 if by_control.get(control) != [("done", 1)]]
        if bad_214:
            sample = {control: by_control.get(control) for control in sorted(bad_214)[:5]}
            problems.append(f"X12 214 interchanges not journaled and processed exactly once: {len(bad_214)} {sample}")
        # Invoices: one freight invoice each, with at most one vendor bill.
        names = sorted(ledger.acked_invoices | ledger.acked_210)
        figures["invoices_acknowledged"] = len(names)
        if names:
            cr.execute(
                """SELECT i.name, count(DISTINCT i.id), count(DISTINCT b.id) FILTER (WHERE b.state = 'posted')
                     FROM freight_invoice i LEFT JOIN account_move b ON b.freight_invoice_id = i.id
                    WHERE i.name = ANY(%s) GROUP BY i.name""",
                [names],
            )
            invoices = {name: (count, bills) for name, count, bills in cr.fetchall()}
            figures["invoices_imported"] = len(invoices)
            figures["vendor_bills_posted"] = sum(bills for _count, bills in invoices.values())
            not_once = [name for name in names if invoices.get(name, (0, 0))[0] != 1]
            billed_twice = [name for name, (_count, bills) in invoices.items() if bills > 1]
            if not_once:
                problems.append(f"invoices not imported exactly once: {len(not_once)} (e.g. {not_once[:5]})")
            if billed_twice:
                problems.append(f"invoices billed more than once: {billed_twice[:5]}")
        # The refused bodies are kept as failed; nothing else failed, nothing died, nothing waits.
        cr.execute(
            "SELECT state, count(*) FROM logistics_message WHERE direction = 'inbound' GROUP BY state ORDER BY state"
        )
        figures["journal_states"] = dict(cr.fetchall())
        kept = sum(count for name, count in ledger.refused.items() if name != "bad_signature")
        failed = figures["journal_states"].get("failed", 0)
        figures["bad_inputs_refused"] = dict(ledger.refused)
        if failed != kept:
            cr.execute(
                """SELECT message_type, left(last_error, 160), count(*) FROM logistics_message
                    WHERE state = 'failed' GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 8"""
            )
            problems.append(f"{failed} failed messages for {kept} bodies refused: {cr.fetchall()}")
        for state in ("dead", "received", "queued", "needs_mapping"):
            if figures["journal_states"].get(state):
                problems.append(f"{figures['journal_states'][state]} inbound message(s) left {state}")
    return problems, figures


# ----------------------------------------------------------------------
def run(odoo, server, ctx, summary):
    """Warm-up, traffic, drain, then the checks; returns the problems (``summary``: filled)."""
    problems = []
    log_offset = os.path.getsize(server.log_path) if os.path.exists(server.log_path) else 0
    ledger = Ledger()
    invoices = itertools.count()
    threads = [Sender(number + 1, ctx, ledger, 0, invoices, seed=18_000 + number) for number in range(SENDERS)]
    log("warm-up: every kind of request once per sender, then the crons drain the journal ...")
    for thread in threads:
        thread.warm_up()
    waited, waiting = wait_for_drain(odoo, DRAIN_SECONDS)
    log(f"warm-up drained in {waited:.0f} s ({waiting} waiting)")
    before = worker_rss(server.proc.pid)
    log(f"traffic: {SECONDS} s from {SENDERS} senders ...")
    deadline = time.monotonic() + SECONDS
    for thread in threads:
        thread.deadline = deadline
        thread.start()
    for thread in threads:
        thread.join(SECONDS + TIMEOUT * (RETRIES + 2))
    traffic_seconds = time.monotonic() - deadline + SECONDS
    problems += [f"sender {thread.name} failed: {thread.error}" for thread in threads if thread.error]
    problems += [f"sender {thread.name} did not stop" for thread in threads if thread.is_alive()]
    summary["single_event_queries"] = single_event_queries(server, threads[0])
    log("draining the journal (bounded) ...")
    drained, waiting = wait_for_drain(odoo, DRAIN_SECONDS)
    if waiting:
        problems.append(f"{waiting} message(s) still waiting after {drained:.0f} s of draining")
    after = worker_rss(server.proc.pid)
    # Memory of each worker present at both samples (a worker replaced in between is reported).
    memory = {}
    for pid, (rss, cmdline) in sorted(before.items()):
        if pid in after:
            growth = after[pid][0] / rss - 1
            memory[pid] = {"start_kb": rss, "end_kb": after[pid][0], "growth": round(growth, 3)}
            if growth > MEMORY_GROWTH:
                problems.append(f"worker {pid} grew {growth:.0%} ({rss} -> {after[pid][0]} kB): {cmdline[:80]}")
        else:
            memory[pid] = {"start_kb": rss, "end_kb": None, "replaced": True}
    if not memory:
        problems.append("no worker process found to sample")
    errors = log_errors(server.log_path, log_offset)
    if errors:
        problems.append(f"{len(errors)} ERROR line(s) in the server log, first:\n{errors[0]}")
    db_problems, figures = check_database(odoo, ledger)
    problems += db_problems
    if ledger.unexpected:
        sample = collections.Counter((what, status) for what, status, _text in ledger.unexpected)
        problems.append(f"{len(ledger.unexpected)} unexpected answer(s): {dict(sample)}; first: {ledger.unexpected[0]}")
    latencies = sorted(ledger.latencies)
    requests_sent = sum(ledger.statuses.values())
    summary.update(
        figures,
        traffic_seconds=round(traffic_seconds, 1),
        requests=requests_sent,
        requests_per_second=round(requests_sent / max(traffic_seconds, 1), 1),
        p50_ms=round(latencies[len(latencies) // 2] * 1000, 1) if latencies else None,
        p99_ms=round(latencies[int(len(latencies) * 0.99)] * 1000, 1) if latencies else None,
        retries=ledger.retries,
        unacknowledged=ledger.unacknowledged,
        answers={f"{kind} {status}": count for (kind, status), count in sorted(ledger.statuses.items(), key=str)},
        drain_seconds=round(drained, 1),
        workers=memory,
        log_errors=len(errors),
    )
    return problems


def main():
    started = time.monotonic()
    db = f"lfs_bench_soak_{os.getpid()}_{int(time.time())}"
    keep = os.environ.get("KEEP_DB") == "1"
    template = os.environ.get("SOAK_TEMPLATE_DB")
    problems, summary = [], {"database": db, "seconds": SECONDS, "senders": SENDERS}
    server = odoo = None
    try:
        if template:
            if not benchlib.database_exists(template):
                log(f"installing the suite into the template {template} ...")
                benchlib.install_suite(template)
            benchlib.copy_database(template, db)
        else:
            log(f"installing the suite without demo data into {db} ...")
            benchlib.install_suite(db)
        odoo = benchlib.OdooInProcess(db)
        with odoo.env() as env:
            data = fixtures.setup_all(env, INVOICES)
            env["logistics.backend"].browse(data["fap_backend_id"]).webhook_secret = data["secret"]
            currency = env.company.currency_id.name
        ctx = {"secret": data["secret"], "shipments": data["freight_shipment_names"], "currency": currency}
        # Werkzeug's request lines (with each request's query count) for the query check.
        server = benchlib.OdooServer(
            db, workers=2, cron_threads=1, extra_args=["--log-handler", "werkzeug:INFO"]
        ).start()
        ctx["url"] = server.url
        problems += run(odoo, server, ctx, summary)
    except Exception as error:
        problems.append(f"the soak could not run: {error!r}")
    finally:
        if server:
            server.stop()
        if odoo:
            odoo.close()
        if keep:
            log(f"database kept: {db}")
        else:
            with contextlib.suppress(Exception):
                benchlib.drop_database(db)
    summary["problems"] = problems
    summary["total_seconds"] = round(time.monotonic() - started)
    print_summary(summary)
    return 1 if problems else 0


def print_summary(summary):
    out = benchlib.out
    out(
        f"soak: {summary.get('traffic_seconds')} s of traffic, {summary.get('requests')} requests "
        f"({summary.get('requests_per_second')}/s), p50 {summary.get('p50_ms')} ms, p99 {summary.get('p99_ms')} ms, "
        f"{summary.get('retries')} retries"
    )
    out(
        f"soak: events acknowledged {summary.get('events_acknowledged')}, journaled {summary.get('events_journaled')}, "
        f"processed {summary.get('events_processed')}; X12 214 {summary.get('x12_214_acknowledged')}; invoices "
        f"{summary.get('invoices_acknowledged')} (imported {summary.get('invoices_imported')}, bills posted "
        f"{summary.get('vendor_bills_posted')}); bad inputs refused {summary.get('bad_inputs_refused')}"
    )
    for pid, figures in (summary.get("workers") or {}).items():
        out(f"soak: worker {pid}: {figures}")
    out(
        "soak: canonical single-event webhook, queries per request (min, median, max): "
        f"{summary.get('single_event_queries')}"
    )
    out(
        f"soak: journal {summary.get('journal_states')}, drained in {summary.get('drain_seconds')} s, "
        f"server log ERROR lines {summary.get('log_errors')}"
    )
    for problem in summary["problems"]:
        out(f"soak: FAILED: {problem}")
    out("soak: PASSED" if not summary["problems"] else f"soak: FAILED ({len(summary['problems'])} problem(s))")
    out(json.dumps(summary, default=str))


if __name__ == "__main__":
    sys.exit(main())
