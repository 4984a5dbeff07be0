#!/usr/bin/env python3
"""Run the suite's tests against real Odoo 18.0 and PostgreSQL.

Creates a throw-away database, installs the four addons plus the root
``tests/`` end-to-end addon with ``--test-enable``, runs every test of those
modules (at_install and post_install), prints a pytest-style summary line
(``N passed, M failed``) and drops the database again.

Exit status: 0 when every test passed and Odoo logged no error, 1 otherwise,
2 when the environment is not usable.

Developer options (environment):
  TEST_TAGS       Odoo --test-tags value (default: every suite module)
  TEST_MODULES    modules to install (default: the four addons + e2e tests)
  TEMPLATE_DB     build/reuse a template database holding only the Odoo
                  dependencies, to make repeated local runs faster
  KEEP_DB=1       keep the database afterwards (its name is printed)
  TEST_TWO_SERVERS=1|0  the two-server check after Odoo's tests (run_two_servers):
                  by default with the whole run, left out when TEST_TAGS is set
  DATA_DIR, LOG_DIR  where the filestore and the logs go (default .var/data,
                  .var/log; the Docker `tests` service points them at a volume)

The X12 and EDIFACT corpus tests read real published samples kept outside the project, in
``../shared/corpus`` (from the repository root). Without that directory (a
user's clone) their modules define no test class: they are neither run nor
counted, and one line of the summary says they were left out.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import psycopg2

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ODOO_SRC = os.environ.get("ODOO_SRC", "/opt/odoo18")
# The official Docker image has no odoo-bin but /usr/bin/odoo.
ODOO_BIN = os.environ.get("ODOO_BIN", os.path.join(ODOO_SRC, "odoo-bin"))
SUITE = ["logistics_connector", "shipment_events", "freight_audit", "billing_readiness"]
E2E = ["logistics_suite_e2e"]
# What the suite depends on in Odoo itself (used for the optional template).
# Real published X12 samples (logistics_connector/tests/x12_corpus.py): outside the repository.
CORPUS = os.path.join(os.path.dirname(REPO), "shared", "corpus")
CORPUS_LEFT_OUT = f"X12 and EDIFACT corpus tests left out: {CORPUS} does not exist"
DEPENDENCIES = ["sale_stock", "stock_delivery", "purchase_stock", "account", "mail", "stock_landed_costs"]

RESULT_RE = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")
LOG_LEVEL_RE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")
SKIP_RE = re.compile(r" INFO \S+ \S+: skipped ")
# Issue 18: two odoo-bin servers on the test database, after Odoo's tests (see run_two_servers).
TWO_SERVERS = os.path.join(REPO, "tests", "benchmarks", "fig7_two_servers.py")
TWO_SERVERS_TIMEOUT = 600  # about 40 s on an idle machine, 3 minutes when 7 test runs share it


def pg_connect(dbname="postgres"):
    conn = psycopg2.connect(
        dbname=dbname,
        host=os.environ.get("PGHOST", "127.0.0.1"),
        port=os.environ.get("PGPORT", "5432"),
        user=os.environ.get("PGUSER", "odoo"),
        password=os.environ.get("PGPASSWORD") or None,
    )
    conn.autocommit = True
    return conn


def db_exists(name):
    conn = pg_connect()
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            return bool(cr.fetchone())
    finally:
        conn.close()


def drop_db(name, data_dir):
    conn = pg_connect()
    try:
        with conn.cursor() as cr:
            cr.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            cr.execute(f'DROP DATABASE IF EXISTS "{name}"')  # name is ours, built below
    finally:
        conn.close()
    shutil.rmtree(os.path.join(data_dir, "filestore", name), ignore_errors=True)


def copy_db(template, name, data_dir):
    conn = pg_connect()
    try:
        with conn.cursor() as cr:
            cr.execute(f'CREATE DATABASE "{name}" WITH TEMPLATE "{template}"')
    finally:
        conn.close()
    src = os.path.join(data_dir, "filestore", template)
    if os.path.isdir(src):
        shutil.copytree(src, os.path.join(data_dir, "filestore", name))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def odoo_base_cmd(db, data_dir, addons_path):
    return [
        sys.executable,
        ODOO_BIN,
        "--addons-path",
        addons_path,
        "--data-dir",
        data_dir,
        "--database",
        db,
        "--db_host",
        os.environ.get("PGHOST", "127.0.0.1"),
        "--db_port",
        os.environ.get("PGPORT", "5432"),
        "--db_user",
        os.environ.get("PGUSER", "odoo"),
        "--db_password",
        os.environ.get("PGPASSWORD", "") or "False",
        "--http-interface",
        "127.0.0.1",
        "--http-port",
        str(free_port()),
        "--gevent-port",
        str(free_port()),
        "--max-cron-threads",
        "0",
        "--workers",
        "0",
        "--stop-after-init",
        "--no-database-list",
    ]


def run_odoo(cmd, log_path):
    """Run Odoo, echo its log, and return (returncode, parsed figures)."""
    figures = {"failed": 0, "errors": 0, "run": 0, "skipped": 0, "result_seen": False, "error_lines": []}
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        try:
            for line in proc.stdout:
                log.write(line)
                sys.stdout.write(line)
                match = RESULT_RE.search(line)
                if match:
                    figures["failed"] += int(match.group(1))
                    figures["errors"] += int(match.group(2))
                    figures["run"] += int(match.group(3))
                    figures["result_seen"] = True
                    continue
                if SKIP_RE.search(line):
                    figures["skipped"] += 1
                level = LOG_LEVEL_RE.match(line)
                if level and level.group(1) in ("ERROR", "CRITICAL"):
                    figures["error_lines"].append(line.rstrip())
            proc.wait()
        except KeyboardInterrupt:
            proc.send_signal(signal.SIGINT)
            proc.wait()
            raise
    return proc.returncode, figures


def run_two_servers(db, data_dir, log_dir):
    """The small two-server check (issue 18, figure 7 of `make bench` in a small size): two
    ``odoo-bin --workers=2 --max-cron-threads=1`` on the test database once Odoo's tests are
    done, signed webhook events sent to both by senders that retry, one server killed (kill -9)
    and restarted in the middle; every acknowledged event journaled once, processed once, one
    timeline row. It counts as one test. Returns (passed, its result line)."""
    cmd = [sys.executable, TWO_SERVERS, "--db", db, "--events", os.environ.get("TWO_SERVER_EVENTS", "300")]
    log_path = os.path.join(log_dir, f"{db}-two-servers.log")
    env = dict(os.environ, PYTHONUNBUFFERED="1", DATA_DIR=data_dir)
    with open(log_path, "w", encoding="utf-8") as log:
        try:
            result = subprocess.run(
                cmd, stdout=subprocess.PIPE, stderr=log, text=True, timeout=TWO_SERVERS_TIMEOUT, env=env, check=False
            )
        except subprocess.TimeoutExpired:
            return False, f"two servers: FAIL (no result within {TWO_SERVERS_TIMEOUT} s; see {log_path})"
    lines = [line for line in result.stdout.splitlines() if line.startswith("two servers: ")]
    line = lines[-1] if lines else f"two servers: FAIL (exit status {result.returncode}, no result; see {log_path})"
    return result.returncode == 0 and line.startswith("two servers: PASS"), line


def report(figures, rc, two_servers, two_servers_result, log_path, elapsed):
    """The summary: the problems, then ``N passed, M failed``; returns the exit status."""

    failed = figures["failed"] + figures["errors"]
    passed = figures["run"] - failed - figures["skipped"]
    if two_servers_result is not None:
        passed, failed = (passed + 1, failed) if two_servers_result[0] else (passed, failed + 1)
    problems = []
    if rc != 0:
        problems.append(f"Odoo exited with status {rc}")
    if not figures["result_seen"]:
        problems.append("Odoo printed no test result (did the install fail?)")
    elif figures["run"] == 0:
        problems.append("no test ran")
    if figures["skipped"]:
        # A skipped test is not a passing one (e.g. the browser tour without Chromium:
        # "Chrome executable not found"; install Debian's chromium package).
        problems.append(f"{figures['skipped']} test(s) skipped; see the 'skipped' lines of the log")
    stray = [line for line in figures["error_lines"] if "when loading database" not in line]
    if stray and not failed:
        problems.append(f"{len(stray)} error line(s) logged outside failing tests")
    print()
    print("=" * 72)
    for line in stray[:20]:
        print(line[:300])
    for problem in problems:
        print("PROBLEM:", problem)
    if not os.path.isdir(CORPUS):
        print(CORPUS_LEFT_OUT)
    if two_servers_result is not None:
        print(two_servers_result[1][:300])
    elif not two_servers:
        print("Two-server check left out (narrowed TEST_TAGS or TEST_MODULES; TEST_TWO_SERVERS=1 runs it)")
    print(f"log: {log_path}")
    print(f"time: {elapsed:.0f}s, skipped: {figures['skipped']}")
    print(f"{passed} passed, {failed + (1 if problems and not failed else 0)} failed")
    return 0 if not failed and not problems else 1


def main():
    release = os.path.join(ODOO_SRC, "odoo", "release.py")
    if not os.path.isfile(release):
        print(f"ERROR: no Odoo 18.0 source at ODOO_SRC={ODOO_SRC} (see README).", file=sys.stderr)
        return 2
    data_dir = os.environ.get("DATA_DIR", os.path.join(REPO, ".var", "data"))
    log_dir = os.environ.get("LOG_DIR", os.path.join(REPO, ".var", "log"))
    os.makedirs(data_dir, exist_ok=True)
    os.makedirs(log_dir, exist_ok=True)
    addons_path = ",".join([REPO, os.path.join(REPO, "tests"), os.path.join(ODOO_SRC, "odoo", "addons")])
    modules = os.environ.get("TEST_MODULES", ",".join(SUITE + E2E))
    tags = os.environ.get("TEST_TAGS") or ",".join("/" + m for m in modules.split(","))
    db = os.environ.get("TEST_DB") or "lfs_test_%d_%d" % (os.getpid(), int(time.time()))
    template = os.environ.get("TEMPLATE_DB")
    keep = os.environ.get("KEEP_DB") == "1"
    started = time.time()

    if template and not db_exists(template):
        print(f"Building template database {template} with {', '.join(DEPENDENCIES)} ...", flush=True)
        rc, figures = run_odoo(
            odoo_base_cmd(template, data_dir, addons_path)
            + ["-i", ",".join(DEPENDENCIES), "--without-demo", "all", "--log-level", "warn"],
            os.path.join(log_dir, f"{template}.log"),
        )
        if rc != 0 or figures["error_lines"]:
            print("ERROR: the template database could not be built", file=sys.stderr)
            drop_db(template, data_dir)
            return 2
    if db_exists(db):
        drop_db(db, data_dir)
    if template:
        copy_db(template, db, data_dir)

    # Tests build their own data; demo data (checked by scripts/smoke_serve.sh) would
    # put its queued journal messages and records into every test's way.
    cmd = odoo_base_cmd(db, data_dir, addons_path) + [
        "-i",
        modules,
        "--without-demo",
        "all",
        "--test-enable",
        "--test-tags",
        tags,
        "--log-level",
        "info",
    ]
    log_path = os.path.join(log_dir, f"{db}.log")
    # By default with the whole run; TEST_TWO_SERVERS=1 with narrowed tags too, 0 never.
    two_servers = os.environ.get("TEST_TWO_SERVERS", "0" if os.environ.get("TEST_TAGS") else "1") == "1"
    two_servers = two_servers and {"logistics_connector", "shipment_events"} <= set(modules.split(","))
    two_servers_result = None
    try:
        rc, figures = run_odoo(cmd, log_path)
        if two_servers and rc == 0 and figures["result_seen"]:
            print("Two servers on the test database (tests/benchmarks/fig7_two_servers.py) ...", flush=True)
            two_servers_result = run_two_servers(db, data_dir, log_dir)
            print(two_servers_result[1], flush=True)
    finally:
        if not keep:
            drop_db(db, data_dir)
    elapsed = time.time() - started
    return report(
        figures, rc, two_servers, two_servers_result, log_path + (f", database kept: {db}" if keep else ""), elapsed
    )


if __name__ == "__main__":
    sys.exit(main())
