"""Figure 4: audit and posting of carrier invoices of 5 lines, against creating and posting the
same vendor bills directly through the ORM, in this process, chunk by chunk alternately.

Suite side (timed): the FAP invoices are journaled as the FAP pull does (one message per
invoice), then the journal's cron processes them: import, audit against the rate card, fuel
schedule and accessorial rules, approval inside tolerance, vendor bill created and posted.
Direct side (timed): ``account.move.create()`` of the same bills (same vendor, journal, dates,
five lines with the same products, accounts and amounts, no taxes) and ``action_post()``,
one call for the whole chunk (the fastest the ORM offers).
"""

import time

from benchlib import Figure, log
from fixtures import invoice_amounts

TARGET = 1.15


def fap_invoice(index, shipment_name, currency):
    lines = invoice_amounts(index)
    return {
        "id": f"F-BENCH-{index}",
        "revision": 1,
        "carrier_scac": "BNCH",
        "invoice_number": f"BINV-{index:05d}",
        "invoice_date": "2026-01-20",
        "due_date": "2026-02-19",
        "currency": currency,
        "total": f"{sum(amount for _code, amount in lines):.2f}",
        "lines": [
            {"shipment_reference": shipment_name, "charge_code": code, "amount": f"{amount:.2f}"}
            for code, amount in lines
        ],
    }


def direct_bill_vals(index, data, currency_id):
    charges = {line["code"]: line for line in data["charge_lines"]}
    return {
        "move_type": "in_invoice",
        "partner_id": data["carrier_partner_id"],
        "journal_id": data["purchase_journal_id"],
        "currency_id": currency_id,
        "invoice_date": "2026-01-20",
        "invoice_date_due": "2026-02-19",
        "ref": f"DIRECT-{index:05d}",
        "invoice_line_ids": [
            (
                0,
                0,
                {
                    "product_id": charges[code]["product_id"],
                    "name": f"{charges[code]['name']} (DIRECT-{index:05d})",
                    "account_id": charges[code]["account_id"],
                    "quantity": 1.0,
                    "price_unit": amount,
                    "tax_ids": [(5, 0, 0)],
                },
            )
            for code, amount in invoice_amounts(index)
        ],
    }


def run(ctx):
    settings, data = ctx.settings, ctx.data
    total, chunk = settings.invoices, settings.invoice_chunk
    figure = Figure("4", f"audit+posting of {total} carrier invoices vs direct ORM bills", unit="x")
    figure.target, figure.higher_is_better = TARGET, False
    with ctx.odoo.env() as env:
        company = env["res.company"].browse(data["company_id"])
        currency, currency_id = company.currency_id.name, company.currency_id.id
        env.cr.execute("UPDATE logistics_message SET state = 'done' WHERE state IN ('received', 'queued', 'failed')")
    names = data["freight_shipment_names"]
    suite_time = direct_time = 0.0
    suite_queries = direct_queries = 0
    started = time.perf_counter()
    timed_out = False
    for number, start in enumerate(range(0, total, chunk)):
        indexes = range(start, min(start + chunk, total))
        sides = ["direct", "suite"] if number % 2 == 0 else ["suite", "direct"]
        for side in sides:
            if side == "direct":
                elapsed, queries = _direct_chunk(ctx, indexes, data, currency_id)
                direct_time += elapsed
                direct_queries += queries
            else:
                elapsed, queries = _suite_chunk(ctx, indexes, names, currency, settings.process_batch)
                suite_time += elapsed
                suite_queries += queries
        log(f"figure 4: {indexes.stop}/{total} invoices, suite {suite_time:.1f} s, direct {direct_time:.1f} s")
        if time.perf_counter() - started > settings.figure_timeout and indexes.stop < total:
            timed_out = True
            break
    with ctx.odoo.env() as env:
        env.cr.execute(
            "SELECT count(*), count(*) FILTER (WHERE i.state = 'billed' AND m.state = 'posted')"
            "  FROM freight_invoice i LEFT JOIN account_move m ON m.id = i.vendor_bill_id"
            " WHERE i.name LIKE 'BINV-%%'"
        )
        imported, billed = env.cr.fetchone()
        env.cr.execute("SELECT count(*) FROM account_move WHERE ref LIKE 'DIRECT-%%' AND state = 'posted'")
        direct_posted = env.cr.fetchone()[0]
        env.cr.execute(
            "SELECT state, count(*) FROM freight_invoice WHERE name LIKE 'BINV-%%' GROUP BY state ORDER BY state"
        )
        states = dict(env.cr.fetchall())
    done = billed
    figure.value = round(suite_time / direct_time, 3) if direct_time and done else None
    figure.numbers = {
        "suite s": round(suite_time, 2),
        "direct ORM s": round(direct_time, 2),
        "suite invoices/s": round(done / suite_time, 1) if suite_time else 0,
        "direct bills/s": round(direct_posted / direct_time, 1) if direct_time else 0,
        "suite queries/invoice": round(suite_queries / done, 1) if done else None,
        "direct queries/bill": round(direct_queries / direct_posted, 1) if direct_posted else None,
    }
    figure.note = f"{billed} invoices billed and posted, {direct_posted} direct bills posted, chunks of {chunk}"
    problems = []
    if timed_out:
        problems.append(f"stopped after {settings.figure_timeout} s")
    if billed != imported or direct_posted != imported:
        problems.append(f"{imported} imported, states {states}, {direct_posted} direct bills posted")
    if problems:
        figure.error = "; ".join(problems)
    return figure


def _direct_chunk(ctx, indexes, data, currency_id):
    vals_list = [direct_bill_vals(index, data, currency_id) for index in indexes]
    started = time.perf_counter()
    with ctx.odoo.env() as env:
        before = env.cr.sql_log_count
        moves = env["account.move"].create(vals_list)
        moves.action_post()
        queries = env.cr.sql_log_count - before
    return time.perf_counter() - started, queries


def _suite_chunk(ctx, indexes, names, currency, batch_size):
    payloads = [fap_invoice(index, names[index], currency) for index in indexes]
    started = time.perf_counter()
    queries = 0
    with ctx.odoo.env() as env:
        before = env.cr.sql_log_count
        backend = env["logistics.backend"].search([("code", "=", "benchfap")])
        # As the FAP poll journals them (freight_audit/models/freight_invoice_intake.py).
        env["freight.invoice"]._receive_fap_invoices(backend, payloads, "poll")
        queries += env.cr.sql_log_count - before
    while True:
        with ctx.odoo.env() as env:
            before = env.cr.sql_log_count
            count = env["logistics.message"]._cron_process_queue(batch_size=batch_size)
            queries += env.cr.sql_log_count - before
        if not count:
            break
    return time.perf_counter() - started, queries
