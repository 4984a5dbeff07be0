"""How long the carrier scorecard and the freight spend take on 100,000 shipments (issue 17).

Not a unit test and not part of ``make test``: run it by hand against a database where the
suite is installed (a copy of a test template will do), e.g.::

    createdb -T lfs_tmpl_main scorecard_bench
    .venv/bin/python tests/benchmarks/scorecard_100k.py scorecard_bench [shipments] [invoices]

In ONE transaction that it rolls back at the end (the database is left as it was), it inserts
the shipments (default 100,000) over 20 carriers and 2 years with ``INSERT ... SELECT
generate_series`` (statuses, planned and actual dates, POD spread so every figure has work to
do), carrier invoices (default 50,000) with one charge each, ANALYZEs, then times the
scorecard view (all carriers, as the menu shows it, and one carrier, as the partner form
reads it) and the spend view grouped by carrier and month. It prints the median of 5 runs.
Columns that are NOT NULL without a database default get a neutral value of their type, so
the script follows the models' columns without listing them.
"""

import os
import statistics
import sys
import time

import psycopg2
from psycopg2 import sql as pgsql

NEUTRAL = {
    "character varying": "'bench'",
    "text": "'bench'",
    "integer": "0",
    "bigint": "0",
    "numeric": "0",
    "double precision": "0",
    "boolean": "false",
    "date": "DATE '2026-01-01'",
    "timestamp without time zone": "TIMESTAMP '2026-01-01'",
    "jsonb": "'{}'::jsonb",
}


def required_fill(cr, table, given):
    """{column: SQL value} for the NOT NULL columns without default that ``given`` does not set."""
    cr.execute(
        """SELECT column_name, data_type FROM information_schema.columns
            WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL""",
        (table,),
    )
    return {name: NEUTRAL[kind] for name, kind in cr.fetchall() if name not in given and name != "id"}


def insert_select(cr, table, columns, source):
    columns = {**columns, **required_fill(cr, table, columns)}
    # The values and the source are this script's own SQL expressions (no outside input).
    query = pgsql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(
        pgsql.Identifier(table),
        pgsql.SQL(", ").join(pgsql.Identifier(name) for name in columns),
        pgsql.SQL(", ".join(columns.values())),
        pgsql.SQL(source),
    )
    cr.execute(query)


def say(text):
    sys.stdout.write(text + "\n")


def timed(cr, query, params=None, runs=5):
    times = []
    for _run in range(runs):
        start = time.perf_counter()
        cr.execute(query, params)
        rows = cr.fetchall()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), len(rows)


def main():
    db = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SCORECARD_DB", "scorecard_bench")
    shipments = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    invoices = int(sys.argv[3]) if len(sys.argv) > 3 else 50_000
    conn = psycopg2.connect(
        dbname=db,
        host=os.environ.get("PGHOST", "127.0.0.1"),
        port=os.environ.get("PGPORT", "5432"),
        user=os.environ.get("PGUSER", "odoo"),
        password=os.environ.get("PGPASSWORD") or None,
    )
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT min(id) FROM res_company")
            company = cr.fetchone()[0]
            start = time.perf_counter()
            cr.execute("SELECT COALESCE(max(id), 0) FROM res_partner")
            last_partner = cr.fetchone()[0]
            insert_select(
                cr,
                "res_partner",
                {"name": "'Bench Carrier ' || g", "active": "true", "is_company": "true", "type": "'contact'"},
                "generate_series(1, 20) g",
            )
            cr.execute("SELECT id FROM res_partner WHERE id > %s ORDER BY id", (last_partner,))
            carriers = [row[0] for row in cr.fetchall()]
            insert_select(
                cr,
                "freight_charge_type",
                {
                    "name": """'{"en_US": "Bench base"}'::jsonb""",
                    "code": "'BENCH'",
                    "kind": "'base'",
                    "product_id": "(SELECT min(id) FROM product_product)",
                },
                "generate_series(1, 1) g",
            )
            cr.execute("SELECT max(id) FROM freight_charge_type")
            charge_type = cr.fetchone()[0]
            insert_select(
                cr,
                "logistics_shipment",
                {
                    "name": "'BENCH-' || g",
                    "company_id": str(company),
                    "carrier_partner_id": f"(ARRAY{carriers})[1 + g % {len(carriers)}]",
                    "direction": "'outbound'",
                    "status": "(ARRAY['delivered','delivered','delivered','delivered','delivered','delivered',"
                    "'in_transit','exception','delayed','cancelled'])[1 + g % 10]",
                    "actual_pickup": "TIMESTAMP '2025-01-01' + (g % 700) * INTERVAL '1 day'",
                    "planned_delivery": "TIMESTAMP '2025-01-03' + (g % 700) * INTERVAL '1 day'",
                    "actual_delivery": "CASE WHEN g % 10 < 6 THEN TIMESTAMP '2025-01-02' + (g % 700) "
                    "* INTERVAL '1 day' + (g % 7) * INTERVAL '11 hours' END",
                    "pod_signer": "CASE WHEN g % 10 < 5 THEN 'J. Doe' END",
                    "pod_time": "CASE WHEN g % 10 < 6 THEN TIMESTAMP '2025-01-03' END",
                    "create_date": "now()",
                    "write_date": "now()",
                },
                f"generate_series(1, {shipments}) g",
            )
            insert_select(
                cr,
                "freight_invoice",
                {
                    "name": "'BENCH-INV-' || g",
                    "company_id": str(company),
                    "carrier_partner_id": f"(ARRAY{carriers})[1 + g % {len(carriers)}]",
                    "currency_id": f"(SELECT currency_id FROM res_company WHERE id = {company})",
                    "invoice_date": "DATE '2025-01-01' + (g % 700)",
                    "state": "(ARRAY['billed','billed','billed','approved','exception','rejected'])[1 + g % 6]",
                    "amount_total": "500 + g % 50",
                    "amount_approved": "CASE WHEN g % 6 = 5 THEN 0 WHEN g % 4 = 0 THEN 495 ELSE 500 + g % 50 END",
                    "source": "'manual'",
                    "is_duplicate": "false",
                    "create_date": "now()",
                    "write_date": "now()",
                },
                f"generate_series(1, {invoices}) g",
            )
            insert_select(
                cr,
                "freight_invoice_line",
                {
                    "invoice_id": "i.id",
                    "company_id": "i.company_id",
                    "charge_type_id": str(charge_type),
                    "shipment_reference": "i.name",
                    "charge_code": "'400'",
                    "amount": "i.amount_total",
                    "approved_amount": "i.amount_approved",
                    "state": "'approved'",
                    "create_date": "now()",
                    "write_date": "now()",
                },
                "freight_invoice i WHERE i.name LIKE 'BENCH-INV-%'",
            )
            say(f"inserted {shipments} shipments, {invoices} invoices in {time.perf_counter() - start:.1f} s")
            cr.execute("ANALYZE logistics_shipment; ANALYZE freight_invoice; ANALYZE freight_invoice_line")
            all_ms, rows = timed(cr, "SELECT * FROM freight_carrier_scorecard")
            say(f"scorecard, all carriers: {all_ms:.0f} ms median of 5 ({rows} rows)")
            one_ms, _rows = timed(
                cr, "SELECT * FROM freight_carrier_scorecard WHERE carrier_partner_id = %s", (carriers[0],)
            )
            say(f"scorecard, one carrier (partner form): {one_ms:.0f} ms median of 5")
            spend_ms, rows = timed(
                cr,
                "SELECT carrier_partner_id, date_trunc('month', date), sum(amount_approved), sum(amount_saved)"
                " FROM freight_spend_report GROUP BY 1, 2",
            )
            say(f"spend by carrier and month: {spend_ms:.0f} ms median of 5 ({rows} groups)")
            # PostgreSQL's JIT (on by default) compiles a query whose estimate is high; the spend
            # view's per-invoice rate subqueries (never run in one currency) inflate that estimate.
            cr.execute("SET LOCAL jit = off")
            for view in ("freight_carrier_scorecard", "freight_spend_report"):
                ms, rows = timed(cr, f"SELECT count(*), sum(1) FROM (SELECT * FROM {view}) v")
                say(f"{view}, every row, JIT off: {ms:.0f} ms median of 5")
            spend_ms, rows = timed(
                cr,
                "SELECT carrier_partner_id, date_trunc('month', date), sum(amount_approved), sum(amount_saved)"
                " FROM freight_spend_report GROUP BY 1, 2",
            )
            say(f"spend by carrier and month, JIT off: {spend_ms:.0f} ms median of 5 ({rows} groups)")
            if os.environ.get("SCORECARD_EXPLAIN"):
                for view in ("freight_carrier_scorecard", "freight_spend_report"):
                    cr.execute(pgsql.SQL("EXPLAIN ANALYZE SELECT * FROM {}").format(pgsql.Identifier(view)))
                    say("\n".join(row[0] for row in cr.fetchall()))
    finally:
        conn.rollback()
        conn.close()


if __name__ == "__main__":
    main()
