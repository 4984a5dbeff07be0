"""Figure 5: the billing readiness sweep over sale orders: queries per order and orders/s, at
10,000 and at 100,000 orders (the rate per order must not fall as the table grows).

The orders: one confirmed through the ORM (a service line, its outbound shipment), then copied
row for row with SQL ``INSERT ... SELECT`` to the wanted number (creating 20,000 orders through
the ORM alone would take longer than the whole benchmark), each with its own shipment: a
quarter in transit (waiting), a quarter delivered without proof of delivery, half delivered
with it. Every order starts "waiting". The timed part is ``sale.order._cron_billing_sweep()``
called directly (it does the whole pass in batches of 1,000), on one cursor, queries counted
with ``cr.sql_log_count``: the first sweep (which moves most orders to another state) is the
figure, a second sweep (nothing changes) is reported next to it. This is done twice: over
10,000 orders, then (those closed with SQL, out of the sweep, still in the table) over
100,000 more; the figure is the queries per order at 100,000, with the ratio of the orders/s
at 100,000 to the orders/s at 10,000 (target >= 0.9). ``BENCH_ORDERS`` sets the large size
(the small one is a tenth of it); ``BENCH_QUICK=1``: 2,000 and 20,000.
"""

import os
import time

from benchlib import Figure, log

TARGET_QUERIES = 0.03
TARGET_SCALE = 0.9  # orders/s at the large size / orders/s at the small size
SWEEP_METHOD = "_cron_billing_sweep"
PREFIX = "BENCH-SWEEP"


def _columns(cr, table, skip):
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s"
        " ORDER BY ordinal_position",
        (table,),
    )
    return [name for (name,) in cr.fetchall() if name not in skip]


def make_orders(env, count, prefix=PREFIX):
    """``count`` open sale orders with one outbound shipment each; returns their ids."""
    partner = env["res.partner"].create({"name": "Bench Sweep Customer"})
    product = env["product.product"].create(
        {"name": "Bench sweep service", "type": "service", "invoice_policy": "order", "list_price": 100.0}
    )
    template = env["sale.order"].create(
        {
            "partner_id": partner.id,
            "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1, "price_unit": 100.0})],
        }
    )
    template.action_confirm()
    shipment = env["logistics.shipment"].create(
        {
            "name": f"{prefix}-TPL",
            "sale_id": template.id,
            "partner_id": partner.id,
            "direction": "outbound",
            "status": "in_transit",
        }
    )
    env.flush_all()
    cr = env.cr
    # The copies: every column of the template but the id and the name (plain SQL, see the docstring).
    columns = _columns(cr, "sale_order", {"id", "name", "billing_readiness_state"})
    cols = ", ".join(f'"{name}"' for name in columns)
    cr.execute(
        f"""INSERT INTO sale_order ({cols}, name, billing_readiness_state)
            SELECT {cols}, %s || '-' || lpad(n::text, 6, '0'), 'waiting'
              FROM sale_order, generate_series(1, %s) AS n
             WHERE sale_order.id = %s
             ORDER BY n""",  # column names from information_schema
        (prefix, count, template.id),
    )
    cr.execute("SELECT id FROM sale_order WHERE name LIKE %s ORDER BY id", (f"{prefix}-%",))
    order_ids = [row[0] for row in cr.fetchall()]
    skip = {"id", "name", "tracking_ref", "sale_id", "status", "pod_complete", "actual_delivery", "pod_signer"}
    skip |= {"pod_time", "status_event_time", "external_id"}
    columns = _columns(cr, "logistics_shipment", skip)
    cols = ", ".join(f'"{name}"' for name in columns)
    cr.execute(
        f"""INSERT INTO logistics_shipment ({cols}, name, tracking_ref, sale_id, status, pod_complete,
                                            actual_delivery, status_event_time, pod_signer, pod_time)
            SELECT {cols}, o.name, o.name, o.id,
                   CASE WHEN o.n %% 4 = 1 THEN 'in_transit' ELSE 'delivered' END,
                   o.n %% 4 IN (0, 3),
                   CASE WHEN o.n %% 4 = 1 THEN NULL ELSE now() AT TIME ZONE 'UTC' - interval '2 days' END,
                   now() AT TIME ZONE 'UTC' - interval '2 days',
                   CASE WHEN o.n %% 4 IN (0, 3) THEN 'Receiver' END,
                   CASE WHEN o.n %% 4 IN (0, 3) THEN now() AT TIME ZONE 'UTC' - interval '2 days' END
              FROM logistics_shipment s,
                   (SELECT id, name, row_number() OVER (ORDER BY id) AS n FROM sale_order WHERE id = ANY(%s)) AS o
             WHERE s.id = %s""",  # column names from information_schema
        (order_ids, shipment.id),
    )
    env.invalidate_all()
    return order_ids


def sizes(settings):
    """(small, large) numbers of orders."""
    large = int(os.environ.get("BENCH_ORDERS") or (20_000 if settings.quick else 100_000))
    return max(large // 10, 1), large


def sweep_twice(ctx, order_ids):
    """[(evaluated, seconds, queries)] of the first and the second sweep, then the states."""
    sweeps = []
    for _number in range(2):
        with ctx.odoo.env() as env:
            before = env.cr.sql_log_count
            started = time.perf_counter()
            evaluated = getattr(env["sale.order"], SWEEP_METHOD)()
            elapsed = time.perf_counter() - started
            queries = env.cr.sql_log_count - before
        sweeps.append((evaluated, elapsed, queries))
        log(f"figure 5: sweep of {evaluated} orders in {elapsed:.2f} s, {queries} queries")
    with ctx.odoo.env() as env:
        env.cr.execute(
            "SELECT billing_readiness_state, count(*) FROM sale_order WHERE id = ANY(%s) GROUP BY 1 ORDER BY 1",
            (order_ids,),
        )
        states = dict(env.cr.fetchall())
    return sweeps, states


def run(ctx):
    small, large = sizes(ctx.settings)
    figure = Figure(
        "5",
        f"readiness sweep over {large} sale orders",
        unit=" queries/order",
        target=TARGET_QUERIES,
        higher_is_better=False,
    )
    with ctx.odoo.env() as env:
        has_sweep = hasattr(env["sale.order"], SWEEP_METHOD)
    if not has_sweep:
        figure.note = f"billing_readiness has no readiness sweep yet (sale.order.{SWEEP_METHOD} is missing)"
        return figure
    rates = {}
    for size, prefix in ((small, f"{PREFIX}-S"), (large, f"{PREFIX}-L")):
        with ctx.odoo.env() as env:
            order_ids = make_orders(env, size, prefix=prefix)
            env.cr.execute("ANALYZE sale_order")
            env.cr.execute("ANALYZE logistics_shipment")
        log(f"figure 5: {len(order_ids)} sale orders with a shipment each; sweeping")
        ((evaluated, elapsed, queries), (evaluated2, elapsed2, queries2)), states = sweep_twice(ctx, order_ids)
        rates[size] = evaluated / elapsed if elapsed else 0.0
        if evaluated < len(order_ids):
            figure.error = f"the sweep evaluated {evaluated} of {len(order_ids)} orders"
        if size == small:
            figure.numbers.update(
                {
                    f"{size} orders: orders/s": round(rates[size], 1),
                    f"{size} orders: queries/order": round(queries / evaluated, 4) if evaluated else None,
                }
            )
            with ctx.odoo.env() as env:
                # Out of the next sweep (closed), still in the table.
                env.cr.execute(
                    "UPDATE sale_order SET state = 'cancel', billing_readiness_state = 'not_applicable'"
                    " WHERE id = ANY(%s)",
                    (order_ids,),
                )
            continue
        figure.value = round(queries / evaluated, 4) if evaluated else None
        figure.numbers.update(
            {
                "orders": evaluated,
                "orders/s": round(rates[size], 1),
                "queries": queries,
                "seconds": round(elapsed, 2),
                "steady-state orders/s": round(evaluated2 / elapsed2, 1) if elapsed2 else 0,
                "steady-state queries/order": round(queries2 / evaluated2, 4) if evaluated2 else None,
            }
        )
        figure.note = "first sweep moves the orders to " + ", ".join(f"{k} {v}" for k, v in states.items())
    ratio = rates[large] / rates[small] if rates.get(small) else None
    figure.extra_targets = [
        (f"orders/s at {large} / at {small}", round(ratio, 3) if ratio is not None else None, TARGET_SCALE, True)
    ]
    return figure
