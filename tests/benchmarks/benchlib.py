"""Shared plumbing of the benchmarks: settings, the Odoo registry in this process, the
multi-worker Odoo server under test, wrk, and the figure result.

Everything runs on 127.0.0.1 against a throw-away database. Nothing here is a unit test.
"""

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))
ODOO_SRC = os.environ.get("ODOO_SRC", "/opt/odoo18")
ODOO_BIN = os.environ.get("ODOO_BIN", os.path.join(ODOO_SRC, "odoo-bin"))
SUITE = ["logistics_connector", "shipment_events", "freight_audit", "billing_readiness"]
DATA_DIR = os.environ.get("DATA_DIR", os.path.join(REPO, ".var", "data"))
LOG_DIR = os.path.join(REPO, ".var", "log")
# The suite's addons (BENCH_ADDONS_DIR: another checkout of them, e.g. to compare a change),
# and the benchmark's own addon (addons/logistics_bench_floor: figure 1's floor).
# REPO/tests: the end-to-end test addon, installed in `make test`'s database, where figure 7's
# small two-server check runs (fig7_two_servers.py); nothing of it is installed for `make bench`.
ADDONS_PATH = ",".join(
    [
        os.environ.get("BENCH_ADDONS_DIR", REPO),
        os.path.join(REPO, "tests"),
        os.path.join(HERE, "addons"),
        os.path.join(ODOO_SRC, "odoo", "addons"),
    ]
)
BENCH_ADDONS = ["logistics_bench_floor"]


def git_commit():
    """The checkout's commit (with ``+`` when it has uncommitted changes), or None."""
    try:
        commit = subprocess.run(
            ["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True, timeout=30
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+" if dirty else "")


def log(text):
    """Progress goes to stderr; stdout carries only the figure lines and the JSON summary."""
    sys.stderr.write(f"bench: {text}\n")
    sys.stderr.flush()


def out(text):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


@dataclass
class Settings:
    """Sizes and durations; the defaults are the issue's sizes, BENCH_QUICK=1 shrinks them."""

    quick: bool = False
    http_seconds: int = 8  # one wrk run; every HTTP figure alternates its two sides
    http_rounds: int = 2
    wrk_threads: int = 2
    wrk_connections: int = 8
    batch_events: int = 500  # figure 2
    process_events: int = 10_000  # figure 3
    process_batch: int = 200  # journal batch size (the cron's default)
    invoices: int = 1_000  # figure 4
    invoice_chunk: int = 200
    lane_flood: int = 50_000  # figure 10: events queued before one carrier invoice
    sweep_orders: int = 20_000  # figure 5
    figure_timeout: int = 600  # seconds: an in-process figure stops by itself after this

    @classmethod
    def from_env(cls):
        quick = os.environ.get("BENCH_QUICK") == "1"
        settings = cls(quick=quick)
        if quick:
            settings.http_seconds = 4
            settings.http_rounds = 1
            settings.process_events = 2_000
            settings.invoices = 200
            settings.invoice_chunk = 100
            settings.sweep_orders = 2_000
            settings.lane_flood = 5_000
        settings.http_seconds = _env_int("BENCH_HTTP_SECONDS", settings.http_seconds)
        settings.http_rounds = _env_int("BENCH_HTTP_ROUNDS", settings.http_rounds)
        settings.wrk_threads = _env_int("BENCH_WRK_THREADS", settings.wrk_threads)
        settings.wrk_connections = _env_int("BENCH_WRK_CONNECTIONS", settings.wrk_connections)
        settings.batch_events = _env_int("BENCH_BATCH_EVENTS", settings.batch_events)
        settings.process_events = _env_int("BENCH_EVENTS", settings.process_events)
        settings.invoices = _env_int("BENCH_INVOICES", settings.invoices)
        settings.sweep_orders = _env_int("BENCH_ORDERS", settings.sweep_orders)
        settings.lane_flood = _env_int("BENCH_LANE_FLOOD", settings.lane_flood)
        settings.figure_timeout = _env_int("BENCH_FIGURE_TIMEOUT", settings.figure_timeout)
        return settings


@dataclass
class Figure:
    """One line of the report: a ratio (or a per-unit figure) against its target."""

    key: str
    title: str
    value: float | None = None
    unit: str = ""
    target: float | None = None
    higher_is_better: bool = True
    numbers: dict = field(default_factory=dict)  # the absolute figures behind the value
    extra_targets: list = field(default_factory=list)  # [(name, value, target, higher_is_better)]
    note: str = ""
    error: str = ""
    details: dict = field(default_factory=dict)  # more data for the JSON summary (e.g. a curve)

    @property
    def status(self):
        if self.error:
            return "ERROR"
        if self.value is None:
            return "N/A"
        checks = [(self.value, self.target, self.higher_is_better)]
        checks += [(value, target, higher) for _name, value, target, higher in self.extra_targets]
        for value, target, higher in checks:
            if target is None or value is None:
                continue
            if (value < target) if higher else (value > target):
                return "MISS"
        return "PASS"

    def line(self):
        head = f"[{self.key}] {self.title}:"
        if self.error:
            return f"{head} ERROR {self.error}"
        if self.value is None:
            return f"{head} not available ({self.note})"
        sign = ">=" if self.higher_is_better else "<="
        parts = [f"{_fmt(self.value)}{self.unit}"]
        parts.append("(" + ", ".join(f"{name} {_fmt(value)}" for name, value in self.numbers.items()) + ")")
        parts.append(f"target {sign} {_fmt(self.target)}{self.unit}")
        for name, value, target, higher in self.extra_targets:
            parts.append(f"{name} {_fmt(value)} target {'>=' if higher else '<='} {_fmt(target)}")
        parts.append(self.status)
        text = f"{head} " + " ".join(parts)
        return text + (f" [{self.note}]" if self.note else "")

    def as_dict(self):
        data = {
            "title": self.title,
            "value": self.value,
            "unit": self.unit.strip(),
            "target": self.target,
            "target_kind": "min" if self.higher_is_better else "max",
            "status": self.status,
            "numbers": self.numbers,
        }
        for name, value, target, higher in self.extra_targets:
            data.setdefault("extra_targets", {})[name] = {
                "value": value,
                "target": target,
                "target_kind": "min" if higher else "max",
            }
        if self.details:
            data["details"] = self.details
        if self.note:
            data["note"] = self.note
        if self.error:
            data["error"] = self.error
        return data


def _fmt(value):
    if value is None:
        return "-"
    if isinstance(value, int) or abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"


# ----------------------------------------------------------------------
# Database and Odoo in this process
# ----------------------------------------------------------------------
def pg_args():
    return [
        "--db_host",
        os.environ.get("PGHOST", "127.0.0.1"),
        "--db_port",
        os.environ.get("PGPORT", "5432"),
        "--db_user",
        os.environ.get("PGUSER", "odoo"),
        "--db_password",
        os.environ.get("PGPASSWORD", "") or "False",
    ]


def psql_admin():
    import psycopg2

    conn = psycopg2.connect(
        dbname="postgres",
        host=os.environ.get("PGHOST", "127.0.0.1"),
        port=os.environ.get("PGPORT", "5432"),
        user=os.environ.get("PGUSER", "odoo"),
        password=os.environ.get("PGPASSWORD") or None,
    )
    conn.autocommit = True
    return conn


def set_aside_queue(ctx):
    """What earlier figures left in the journal's queue is set aside (marked done, not part of
    the next figure), then the journal table is vacuumed and analyzed, as autovacuum does after
    such a mass update: the next figure measures its own work, not autovacuum's clean-up of
    the previous figure's hundred thousand rows running beside it on the same two cores."""
    with ctx.odoo.env() as env:
        env.cr.execute("UPDATE logistics_message SET state = 'done' WHERE state IN ('received', 'queued', 'failed')")
    import psycopg2

    conn = psycopg2.connect(
        dbname=ctx.db,
        host=os.environ.get("PGHOST", "127.0.0.1"),
        port=os.environ.get("PGPORT", "5432"),
        user=os.environ.get("PGUSER", "odoo"),
        password=os.environ.get("PGPASSWORD") or None,
    )
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute("VACUUM ANALYZE logistics_message")
    finally:
        conn.close()


def drop_database(name):
    if not name.startswith("lfs_bench_"):
        raise ValueError(f"refusing to drop {name!r}: not a benchmark database")
    from psycopg2 import sql as pgsql

    conn = psql_admin()
    try:
        with conn.cursor() as cr:
            cr.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            drop = pgsql.Composed([pgsql.SQL("DROP DATABASE IF EXISTS "), pgsql.Identifier(name)])
            cr.execute(drop)
    finally:
        conn.close()
    shutil.rmtree(os.path.join(DATA_DIR, "filestore", name), ignore_errors=True)


def database_exists(name):
    conn = psql_admin()
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            return bool(cr.fetchone())
    finally:
        conn.close()


def missing_bench_addons(db):
    """The benchmark's own addons not installed in ``db`` (a template made before they existed)."""
    import psycopg2

    conn = psycopg2.connect(
        dbname=db,
        host=os.environ.get("PGHOST", "127.0.0.1"),
        port=os.environ.get("PGPORT", "5432"),
        user=os.environ.get("PGUSER", "odoo"),
        password=os.environ.get("PGPASSWORD") or None,
    )
    try:
        with conn.cursor() as cr:
            cr.execute(
                "SELECT name FROM ir_module_module WHERE state = 'installed' AND name IN %s", (tuple(BENCH_ADDONS),)
            )
            installed = {row[0] for row in cr.fetchall()}
    finally:
        conn.close()
    return [name for name in BENCH_ADDONS if name not in installed]


def copy_database(template, name):
    """A copy of ``template`` (developer shortcut: BENCH_TEMPLATE_DB keeps an installed suite)."""
    from psycopg2 import sql as pgsql

    conn = psql_admin()
    try:
        with conn.cursor() as cr:
            create = pgsql.Composed(
                [
                    pgsql.SQL("CREATE DATABASE "),
                    pgsql.Identifier(name),
                    pgsql.SQL(" WITH TEMPLATE "),
                    pgsql.Identifier(template),
                ]
            )
            cr.execute(create)
    finally:
        conn.close()
    source = os.path.join(DATA_DIR, "filestore", template)
    if os.path.isdir(source):
        shutil.copytree(source, os.path.join(DATA_DIR, "filestore", name))


def install_suite(db, modules=None):
    """Create the database and install the four addons (and the benchmark's own) without demo
    data (a subprocess); ``modules``: only these, into an existing database."""
    os.makedirs(LOG_DIR, exist_ok=True)
    log_path = os.path.join(LOG_DIR, f"{db}-install.log")
    cmd = [
        sys.executable,
        ODOO_BIN,
        "--addons-path",
        ADDONS_PATH,
        "--data-dir",
        DATA_DIR,
        *pg_args(),
        "--database",
        db,
        "--without-demo=all",
        "--init",
        ",".join(modules or SUITE + BENCH_ADDONS),
        "--max-cron-threads",
        "0",
        "--http-port",
        str(free_port()),
        "--stop-after-init",
        "--no-http",
        "--log-level",
        "warn",
        "--logfile",
        log_path,
    ]
    started = time.monotonic()
    result = subprocess.run(cmd, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"installing the suite failed (see {log_path})")
    with open(log_path, encoding="utf-8", errors="replace") as logfile:
        errors = [line for line in logfile if re.search(r"\d+ (ERROR|CRITICAL) ", line)]
    if errors:
        raise RuntimeError(f"installing the suite logged errors (see {log_path}): {errors[0].strip()}")
    return time.monotonic() - started


class OdooInProcess:
    """The suite's registry loaded in the benchmark driver (one thread, as one cron worker)."""

    def __init__(self, db):
        self.db = db
        if ODOO_SRC not in sys.path:
            sys.path.insert(0, ODOO_SRC)
        import odoo
        from odoo.tools import config

        os.makedirs(LOG_DIR, exist_ok=True)
        config.parse_config(
            [
                "--addons-path",
                ADDONS_PATH,
                "--data-dir",
                DATA_DIR,
                *pg_args(),
                "--database",
                db,
                "--log-level",
                "warn",
                "--logfile",
                os.path.join(LOG_DIR, f"{db}-driver.log"),
                "--max-cron-threads",
                "0",
            ]
        )
        self.odoo = odoo
        self.registry = odoo.modules.registry.Registry(db)

    @contextlib.contextmanager
    def env(self, context=None):
        """A superuser environment on a new cursor, committed when the block ends without error."""
        with self.registry.cursor() as cr:
            yield self.odoo.api.Environment(cr, self.odoo.SUPERUSER_ID, dict(context or {}))

    def close(self):
        """Forget the registry and close this process's connections (before the database is dropped)."""
        self.odoo.modules.registry.Registry.delete(self.db)
        self.odoo.sql_db.close_all()


# ----------------------------------------------------------------------
# The server under test
# ----------------------------------------------------------------------
def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OdooServer:
    """odoo-bin --workers=2 on 127.0.0.1:<free port>, crons off (``cron_threads``: on, for the
    two-server figure and the soak test), stopped on exit; ``name`` tells the log files of
    several servers on one database apart; ``extra_args`` go to odoo-bin as they are."""

    def __init__(self, db, workers=2, cron_threads=0, name="server", extra_args=()):
        self.db = db
        self.workers = workers
        self.cron_threads = cron_threads
        self.extra_args = list(extra_args)
        self.port = free_port()
        self.gevent_port = free_port()
        self.proc = None
        self.log_path = os.path.join(LOG_DIR, f"{db}-{name}.log")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=120):
        os.makedirs(LOG_DIR, exist_ok=True)
        cmd = [
            sys.executable,
            os.path.join(HERE, "odoo_server.py"),  # odoo-bin, see there why
            "--addons-path",
            ADDONS_PATH,
            "--data-dir",
            DATA_DIR,
            *pg_args(),
            # --database without --db-filter: the single-database setup, where Odoo does not
            # list the databases on every request.
            "--database",
            self.db,
            "--no-database-list",
            "--http-interface",
            "127.0.0.1",
            "--http-port",
            str(self.port),
            "--gevent-port",
            str(self.gevent_port),
            "--workers",
            str(self.workers),
            "--max-cron-threads",
            str(self.cron_threads),
            "--limit-time-cpu",
            "600",
            "--limit-time-real",
            "1200",
            "--limit-request",
            "1000000",
            "--log-level",
            "warn",
            "--logfile",
            self.log_path,
            *self.extra_args,
        ]
        # Its own process group: stopping it stops its workers, and only them.
        self.proc = subprocess.Popen(cmd, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the Odoo server exited with {self.proc.returncode} (see {self.log_path})")
            try:
                with urllib.request.urlopen(f"{self.url}/web/health", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            self.stop()
            raise RuntimeError(f"the Odoo server did not answer within {timeout} s (see {self.log_path})")
        # A first request on the database loads its registry in every worker before measuring.
        for _ in range(self.workers * 4):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"{self.url}/web/login", timeout=60).close()
        return self

    def kill(self):
        """``kill -9`` of the whole server (its process group: the main process and its workers)."""
        if not self.proc:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self):
        if not self.proc or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


# ----------------------------------------------------------------------
# wrk
# ----------------------------------------------------------------------
POOL_SCRIPT = os.path.join(HERE, "wrk_pool.lua")


@dataclass
class WrkResult:
    requests: int
    seconds: float
    statuses: dict
    wrapped: int
    socket_errors: str = ""
    latency_ms: dict = field(default_factory=dict)  # percentile -> ms (wrk --latency)

    @property
    def rate(self):
        return self.requests / self.seconds if self.seconds else 0.0

    def count(self, *codes):
        return sum(self.statuses.get(str(code), 0) for code in codes)


def wrk_binary():
    path = shutil.which("wrk")
    if not path:
        raise RuntimeError("wrk is not installed (scripts/bench.sh installs it with apt-get install wrk)")
    return path


def run_wrk(url, settings, seconds, pool_file=None, latency=False):
    """One time-bounded wrk run; with ``pool_file`` each request is the next prepared request
    of the pool (see wrk_pool.lua), without it a plain GET of ``url``; ``latency``: wrk's
    latency distribution (``--latency``: the 50th, 75th, 90th and 99th percentiles)."""
    cmd = [
        wrk_binary(),
        f"-t{settings.wrk_threads}",
        f"-c{settings.wrk_connections}",
        f"-d{seconds}s",
        "--timeout",
        "60s",
        *(["--latency"] if latency else []),
        "-s",
        POOL_SCRIPT,
        url,
    ]
    if pool_file:
        cmd += ["--", pool_file, str(settings.wrk_threads)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed: {result.stderr.strip() or result.stdout.strip()}")
    text = result.stdout
    match = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise RuntimeError(f"unexpected wrk output: {text}")
    scale = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[match.group(3)]
    statuses, wrapped = {}, 0
    for line in text.splitlines():
        if line.startswith("POOLSTAT "):
            data = json.loads(line[len("POOLSTAT ") :])
            for code, count in data["statuses"].items():
                statuses[code] = statuses.get(code, 0) + count
            wrapped += data["wrapped"]
    errors = re.search(r"Socket errors: (.*)", text)
    units = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}
    latency_ms = {
        int(percent): round(float(value) * units[unit], 3)
        for percent, value, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
    }
    if latency and len(latency_ms) != 4:
        raise RuntimeError(f"no latency distribution in wrk's output: {text}")
    return WrkResult(
        requests=int(match.group(1)),
        seconds=float(match.group(2)) * scale,
        statuses=statuses,
        wrapped=wrapped,
        socket_errors=errors.group(1) if errors else "",
        latency_ms=latency_ms,
    )


def write_pool(path, requests):
    """Requests for wrk_pool.lua, one per line, tab-separated: method, path, body, then header
    names and values alternately (bodies are compact JSON: no tab, no newline)."""
    with open(path, "w", encoding="utf-8") as pool:
        for method, url_path, headers, body in requests:
            cells = [method, url_path, body]
            for name, value in headers.items():
                cells += [name, value]
            if any("\t" in cell or "\n" in cell for cell in cells):
                raise ValueError("pool requests must not hold tabs or newlines")
            pool.write("\t".join(cells) + "\n")
    return path
