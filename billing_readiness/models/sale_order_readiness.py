"""Readiness of sale orders evaluated in batches: read the facts, evaluate, write the results.

:meth:`SaleOrder._billing_recompute_readiness` runs three steps on a batch of orders:

1. :meth:`~SaleOrder._billing_read_facts`: four set-based reads (orders, shipments, rebillable
   carrier charges, linked and released reasons) into a :class:`ReadinessBatch`;
2. :meth:`~SaleOrder._billing_evaluate`: the plain rules of ``services/readiness.py``, per
   order with its own company's (or customer's) rule, no query;
3. :meth:`~SaleOrder._billing_write_results`: the reason records, then only what changed,
   on the orders this transaction could lock, grouped by identical values.

The sweep (``_cron_billing_sweep``) feeds it the queued orders, then every open order.
"""

import logging
import time
from collections import defaultdict
from typing import NamedTuple

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.tools import SQL, mute_logger

from ..services import readiness
from .sale_order import CRON_TIME_BUDGET, _hours

_logger = logging.getLogger(__name__)

CRON_SWEEP = "billing_readiness.ir_cron_billing_sweep"
CRON_INVOICE = "billing_readiness.ir_cron_billing_invoice"
SWEEP_CURSOR_PARAM = "billing_readiness.sweep_cursor"
DEFAULT_SWEEP_BATCH = 1000
# Orders the full sweep looks at again (time passes: waiting periods end; facts may have
# changed behind a hook's back).
SWEEP_WHERE = SQL(
    """(so.state = 'sale' AND (so.billing_readiness_state IN ('waiting', 'on_hold', 'ready')
                               OR (so.billing_readiness_state = 'invoiced' AND so.invoice_status = 'to invoice')))
       OR (so.state != 'sale' AND so.billing_readiness_state != 'not_applicable')"""
)
# The times the lags (_compute_billing_lags) are computed from, in the order of _hours' arguments.
LAG_SOURCES = ("billing_delivery_time", "billing_ready_time", "billing_invoiced_time")
LAG_FIELDS = ("billing_ready_lag_hours", "billing_invoice_lag_hours")
# Stored values of an order the evaluation compares its verdict with (see _billing_new_values).
STORED_FIELDS = (
    "billing_readiness_state",
    "billing_delivery_time",
    "billing_ready_time",
    "billing_invoiced_time",
    "billing_pod_missing",
    "billing_wait_until",
    "billing_auto_invoice",
)


def _same_company(current, order_id, company_id):
    """Whether a record of ``company_id`` counts for the order ``order_id`` (read in ``current``)."""
    info = current.get(order_id)
    return info is not None and info["company_id"] == company_id


class ReadinessBatch(NamedTuple):
    """The facts of a batch of orders, as read by ``_billing_read_facts``."""

    facts: dict  # {order id: readiness.OrderFacts}
    current: dict  # {order id: {company_id, commercial_partner_id, and the STORED_FIELDS}}
    linked: dict  # {order id: {ids of the hold reasons linked now}} (defaultdict)
    waived: dict  # {order id: {keys of the released reasons}} (defaultdict)


class SaleOrder(models.Model):
    # One class per concern of sale.order, each in its own file (see sale_order.py): not merged
    # with the invoicing one on purpose.
    _inherit = "sale.order"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # Evaluation in batches
    # ------------------------------------------------------------------
    def _billing_recompute_readiness(self, now=None, resolver=None):
        """Evaluate these orders and write what changed; returns ``{order id: state}``.

        Each order is evaluated with its own company's rule (or its customer's rule in that
        company), never ``env.company``'s, and only with the shipments and carrier invoices of
        its own company: a record of another company linked to the order does not count.
        Private and run in superuser mode: the public actions check the caller first.

        Set-based: a fixed number of queries whatever the number of orders (facts in
        four reads, reason records in one or two, the links in two, the changed orders
        locked with ``FOR UPDATE SKIP LOCKED`` and written grouped by identical values).
        An order locked by another worker (being invoiced) is queued again, not waited for.
        """
        if not self:
            return {}
        self.env.flush_all()
        now = now or fields.Datetime.now()
        batch = self._billing_read_facts()
        if resolver is None:
            resolver = self.env["billing.readiness.rule"]._rule_resolver(
                {order["company_id"] for order in batch.current.values()}
            )
        verdicts, rules = self._billing_evaluate(batch, resolver, now)
        return self._billing_write_results(batch, verdicts, rules, now)

    def _billing_read_facts(self):
        """The :class:`ReadinessBatch` of these orders: four queries, whatever their number.

        Shipments and carrier invoices count only in the order's own company (compared here,
        with the company read by the first query).

        Each query reads the batch's rows through an index, whatever the size of the tables:
        the shipments and charges are not joined with ``sale_order`` again (with that join,
        PostgreSQL chose a parallel scan of every shipment for each batch at 100,000 orders),
        the links are not joined with the reason records (a scan of every reason for each
        batch), and the link tables get the batch's id range beside its ids (see
        ``_billing_read_links``).
        """
        cr = self.env.cr
        ids = sorted(set(self.ids))
        cr.execute(
            SQL(
                """SELECT so.id, so.name, so.company_id,
                          COALESCE(p.commercial_partner_id, p.id) AS commercial_partner_id, so.state,
                          so.invoice_status, so.billing_readiness_state, so.billing_delivery_time,
                          so.billing_ready_time, so.billing_invoiced_time, so.billing_pod_missing,
                          so.billing_manual_hold,
                          COALESCE(so.billing_invoice_error, '') != '' AS has_invoice_error,
                          so.billing_wait_until, so.billing_auto_invoice
                     FROM sale_order so JOIN res_partner p ON p.id = so.partner_id
                    WHERE so.id = ANY(%s)""",
                ids,
            )
        )
        facts = {}
        current = {}
        for row in cr.dictfetchall():
            facts[row["id"]] = readiness.OrderFacts(
                order_id=row["id"],
                order_name=row["name"],
                confirmed=row["state"] == "sale",
                invoice_status=row["invoice_status"],
                manual_hold=bool(row["billing_manual_hold"]),
                invoice_error=bool(row["has_invoice_error"]),
                already_invoiced_once=bool(row["billing_invoiced_time"]),
            )
            current[row["id"]] = {
                "company_id": row["company_id"],
                "commercial_partner_id": row["commercial_partner_id"],
                **{name: row[name] for name in STORED_FIELDS},
                "billing_pod_missing": bool(row["billing_pod_missing"]),
                "billing_auto_invoice": bool(row["billing_auto_invoice"]),
            }
        cr.execute(
            SQL(
                """SELECT s.id, s.sale_id, s.company_id, s.name, s.status,
                          COALESCE(s.actual_delivery, s.status_event_time, s.status_date) AS delivered_at,
                          s.pod_complete, s.billing_invoiced,
                          EXISTS(SELECT 1 FROM logistics_shipment_event e
                                  WHERE e.shipment_id = s.id AND e.exception_state = 'open') AS open_exception,
                          EXISTS(SELECT 1 FROM stock_picking p
                                   JOIN stock_picking_type t ON t.id = p.picking_type_id
                                  WHERE p.logistics_shipment_id = s.id AND t.code = 'outgoing'
                                    AND p.state NOT IN ('done', 'cancel')) AS delivery_open
                     FROM logistics_shipment s
                    WHERE s.sale_id = ANY(%s) AND s.direction = 'outbound' AND s.status != 'cancelled'
                    ORDER BY s.id""",
                ids,
            )
        )
        for row in cr.dictfetchall():
            if not _same_company(current, row["sale_id"], row["company_id"]):
                continue
            facts[row["sale_id"]].shipments.append(
                readiness.ShipmentFact(
                    row["id"],
                    row["name"],
                    row["status"],
                    delivered_at=row["delivered_at"] if row["status"] == "delivered" else None,
                    pod_complete=bool(row["pod_complete"]),
                    open_exception=bool(row["open_exception"]),
                    billed=bool(row["billing_invoiced"]),
                    delivery_open=bool(row["delivery_open"]),
                )
            )
        cr.execute(
            SQL(
                """SELECT s.sale_id, s.company_id, l.id AS line_id, l.shipment_id, s.name AS shipment_name,
                          l.state AS line_state, l.approved_amount,
                          l.rebill_sale_line_id IS NOT NULL AS rebilled,
                          c.id AS case_id, c.name AS case_name, c.state AS case_state
                     FROM freight_invoice_line l
                     JOIN logistics_shipment s ON s.id = l.shipment_id
                     JOIN freight_charge_type ct ON ct.id = l.charge_type_id
                     JOIN freight_invoice i ON i.id = l.invoice_id AND i.company_id = s.company_id
                LEFT JOIN freight_audit_case c ON c.id = l.case_id
                    WHERE s.sale_id = ANY(%s) AND ct.is_rebillable
                      AND i.state NOT IN ('cancel', 'rejected') AND i.is_duplicate IS NOT TRUE
                    ORDER BY l.id""",
                ids,
            )
        )
        for row in cr.dictfetchall():
            if not _same_company(current, row["sale_id"], row["company_id"]):
                continue
            facts[row["sale_id"]].charges.append(
                readiness.ChargeFact(
                    line_id=row["line_id"],
                    shipment_id=row["shipment_id"],
                    shipment_name=row["shipment_name"],
                    line_state=row["line_state"],
                    approved_amount=row["approved_amount"] or 0.0,
                    rebilled=bool(row["rebilled"]),
                    case_id=row["case_id"],
                    case_name=row["case_name"],
                    case_state=row["case_state"],
                )
            )
        linked, waived = self._billing_read_links(ids)
        return ReadinessBatch(facts, current, linked, waived)

    @api.model
    def _billing_read_links(self, ids):
        """``(linked, waived)`` of the orders ``ids`` (sorted): their linked reason ids and the
        keys of their released reasons (``defaultdict(set)`` by order id), in one query.

        The linked reasons need their ids only (no join with the reason records). The id
        range beside the ids is for the planner: the link tables grow during a first sweep
        faster than they are analyzed, and without statistics PostgreSQL expects every row to
        match ``order_id = ANY(...)`` and scans the whole table for each batch; with the range
        it reads the batch's rows through the ``(order_id, reason_id)`` index.
        """
        lowest, highest = ids[0], ids[-1]
        self.env.cr.execute(
            SQL(
                """SELECT r.order_id, r.reason_id, NULL AS key, FALSE AS is_waived
                     FROM billing_hold_reason_sale_order_rel r
                    WHERE r.order_id = ANY(%s) AND r.order_id BETWEEN %s AND %s
                   UNION ALL
                   SELECT w.order_id, w.reason_id, h.key, TRUE
                     FROM billing_waived_reason_sale_order_rel w JOIN billing_hold_reason h ON h.id = w.reason_id
                    WHERE w.order_id = ANY(%s) AND w.order_id BETWEEN %s AND %s""",
                ids,
                lowest,
                highest,
                ids,
                lowest,
                highest,
            )
        )
        linked = defaultdict(set)
        waived = defaultdict(set)
        for row in self.env.cr.dictfetchall():
            if row["is_waived"]:
                waived[row["order_id"]].add(row["key"])
            else:
                linked[row["order_id"]].add(row["reason_id"])
        return linked, waived

    @api.model
    def _billing_evaluate(self, batch, resolver, now):
        """``({order id: readiness.Verdict}, {order id: readiness.Rule})`` of ``batch`` (no query)."""
        verdicts = {}
        rules = {}
        for order_id, order_facts in batch.facts.items():
            info = batch.current[order_id]
            rule = rules[order_id] = resolver(info["company_id"], info["commercial_partner_id"])
            verdicts[order_id] = readiness.evaluate(order_facts, rule, now, frozenset(batch.waived[order_id]))
        return verdicts, rules

    def _billing_write_results(self, batch, verdicts, rules, now):
        """Write what changed on the orders this transaction can lock; ``{order id: state}``.

        The reason records (created when missing, in the company of the first order they
        hold), the changed fields grouped by identical values, the reason links; orders
        locked by another worker are queued again and keep their stored state. Triggers the
        invoicing for orders newly ready and the sweep for the end of a waiting period.
        """
        current = batch.current
        company_by_key = {}
        for order_id, verdict in verdicts.items():
            for reason in verdict.reasons:
                company_by_key.setdefault(reason.key, current[order_id]["company_id"])
        created = []
        reason_ids = self.env["billing.hold.reason"]._ids_for(
            [r for v in verdicts.values() for r in v.reasons], company_by_key, created=created
        )
        first_seen = [reason_ids[key] for key in created if key.startswith("delivery_not_validated:")]
        if first_seen:
            # A fact seen for the first time: its responsible gets one activity (never one per sweep).
            self.env["billing.hold.reason"].sudo().browse(first_seen)._schedule_delivery_activities()

        changes = {}
        link_changes = {}
        for order_id, verdict in verdicts.items():
            vals = self._billing_new_values(current[order_id], verdict, rules[order_id], now)
            if vals:
                changes[order_id] = vals
            linked = batch.linked[order_id]
            wanted = {reason_ids[r.key] for r in verdict.reasons}
            if wanted != linked:
                link_changes[order_id] = (linked - wanted, wanted - linked)
        to_lock = sorted(set(changes) | set(link_changes))
        locked = self._billing_lock(to_lock)
        busy = [order_id for order_id in to_lock if order_id not in locked]
        if busy:
            # Being invoiced by another worker: evaluated again after it committed.
            self.env["billing.readiness.dirty"]._mark_orders(busy)
        self._billing_write_values({o: vals for o, vals in changes.items() if o in locked})
        self._billing_write_links({o: change for o, change in link_changes.items() if o in locked})
        self.env.flush_all()

        result = {order_id: verdict.state for order_id, verdict in verdicts.items()}
        for order_id in busy:
            result[order_id] = current[order_id]["billing_readiness_state"]
        newly_ready = [
            o
            for o, vals in changes.items()
            if o in locked and vals.get("billing_readiness_state") == "ready" and rules[o].auto_invoice
        ]
        if newly_ready:
            self._billing_trigger(CRON_INVOICE)
        wait_ends = [v.wait_until for v in verdicts.values() if v.wait_until]
        if wait_ends:
            self._billing_trigger(CRON_SWEEP, at=min(wait_ends))
        return result

    @api.model
    def _billing_new_values(self, info, verdict, rule, now):
        """The fields of one order that change with ``verdict`` (empty when nothing changes)."""
        old_state = info["billing_readiness_state"]
        new = {
            "billing_readiness_state": verdict.state,
            "billing_pod_missing": verdict.pod_missing,
            "billing_wait_until": verdict.wait_until or False,
            "billing_auto_invoice": rule.auto_invoice,
        }
        if not info["billing_invoiced_time"]:
            # The figures are about the first invoice; later supplements do not move them.
            new["billing_delivery_time"] = verdict.delivery_time or False
            if verdict.state == "ready" and (old_state != "ready" or not info["billing_ready_time"]):
                new["billing_ready_time"] = now
            elif verdict.state in ("waiting", "on_hold", "not_applicable"):
                new["billing_ready_time"] = False
            if verdict.state == "invoiced":
                new["billing_invoiced_time"] = now
        vals = {}
        for name, value in new.items():
            old = info.get(name)
            if (old or False) != (value or False):
                vals[name] = value
        if any(name in vals for name in LAG_SOURCES):
            # The lags (stored computes of these times) written with them, as their compute
            # gives them: the write protects them from a recompute, which would fetch every
            # field of the batch's orders again for two numbers.
            delivery, ready, invoiced = (vals.get(name, info.get(name)) for name in LAG_SOURCES)
            vals[LAG_FIELDS[0]] = _hours(delivery, ready)
            vals[LAG_FIELDS[1]] = _hours(ready, invoiced)
        return vals

    def _billing_lock(self, order_ids):
        """The orders of ``order_ids`` this transaction could lock (others are being invoiced)."""
        if not order_ids:
            return set()
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                self.env.cr.execute(
                    SQL("SELECT id FROM sale_order WHERE id = ANY(%s) FOR UPDATE SKIP LOCKED", list(order_ids))
                )
                return {row[0] for row in self.env.cr.fetchall()}
        except pg_errors.SerializationFailure:
            # Changed and committed by another worker after our snapshot: evaluated again later.
            return set()

    @api.model
    def _billing_write_values(self, changes):
        """Write ``{order id: vals}`` in superuser mode, one write per set of identical values."""
        groups = defaultdict(list)
        for order_id, vals in changes.items():
            groups[tuple(sorted(vals.items()))].append(order_id)
        orders_sudo = self.sudo()
        lags = [self._fields[name] for name in LAG_FIELDS]
        for items, group_ids in groups.items():
            orders = orders_sudo.browse(group_ids).with_context(tracking_disable=True)
            vals = dict(items)
            if LAG_FIELDS[0] in vals:
                # The lags come with their times (_billing_new_values): kept from a recompute.
                with self.env.protecting(lags, orders):
                    orders.write(vals)
            else:
                orders.write(vals)

    @api.model
    def _billing_write_links(self, link_changes):
        """Apply ``{order id: (reason ids to unlink, reason ids to link)}``: one statement each way."""
        removed = [(o, r) for o, (rem, _add) in link_changes.items() for r in rem]
        added = [(o, r) for o, (_rem, add) in link_changes.items() for r in add]
        cr = self.env.cr
        if removed:
            cr.execute(
                SQL(
                    """DELETE FROM billing_hold_reason_sale_order_rel r USING (VALUES %s) AS v(order_id, reason_id)
                        WHERE r.order_id = v.order_id AND r.reason_id = v.reason_id""",
                    SQL(", ").join(SQL("(%s, %s)", o, r) for o, r in removed),
                )
            )
        if added:
            cr.execute(
                SQL(
                    """INSERT INTO billing_hold_reason_sale_order_rel (order_id, reason_id) VALUES %s
                       ON CONFLICT DO NOTHING""",
                    SQL(", ").join(SQL("(%s, %s)", o, r) for o, r in added),
                )
            )
        if removed or added:
            self.sudo().browse(list(link_changes)).invalidate_recordset(["billing_hold_reason_ids"])
            self.env["billing.hold.reason"].invalidate_model(["order_ids", "order_count"])

    # ------------------------------------------------------------------
    # Scheduled entry points
    # ------------------------------------------------------------------
    @api.model
    def _billing_process_dirty(self, batch_size=DEFAULT_SWEEP_BATCH):
        """Evaluate the queued orders now (tests, scripts, the triggered cron). Returns how many."""
        return self._cron_billing_sweep(batch_size=batch_size, dirty_only=True)

    @api.model
    def _cron_billing_sweep(self, batch_size=DEFAULT_SWEEP_BATCH, dirty_only=False, time_budget=None):
        """Evaluate queued orders, then (unless ``dirty_only``) every open order, in batches.

        Each batch costs a bounded number of queries (see :meth:`_billing_recompute_readiness`).
        Called by the cron runner, a call works ``time_budget`` seconds (240) and reports its
        progress: the runner commits and calls again at once while orders remain (the full
        pass resumes after the last order done). Called directly, it does everything.
        Returns the number of orders evaluated.
        """
        batch_size = batch_size or DEFAULT_SWEEP_BATCH
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        budget = time_budget or (CRON_TIME_BUDGET if in_cron else None)
        started = time.monotonic()
        resolver = self.env["billing.readiness.rule"]._rule_resolver(self.env["res.company"].sudo().search([]).ids)
        queue = self.env["billing.readiness.dirty"]
        processed = 0

        def out_of_time():
            return budget is not None and time.monotonic() - started > budget

        seen = set()
        while True:
            ids = queue._claim(batch_size)
            if not ids:
                break
            self.browse(ids)._billing_recompute_readiness(resolver=resolver)
            self.invalidate_model()  # see below
            processed += len(ids)
            seen.update(ids)
            if out_of_time():
                self.env["ir.cron"]._notify_progress(done=processed, remaining=queue._count_orders() or 1)
                return processed
        if dirty_only:
            self.env["ir.cron"]._notify_progress(done=processed, remaining=0)
            return processed
        params = self.env["ir.config_parameter"].sudo()
        last_id = int(params.get_param(SWEEP_CURSOR_PARAM, 0) or 0) if in_cron else 0
        while True:
            self.env.cr.execute(
                SQL(
                    "SELECT so.id FROM sale_order so WHERE so.id > %s AND (%s) ORDER BY so.id LIMIT %s",
                    last_id,
                    SWEEP_WHERE,
                    batch_size,
                )
            )
            ids = [row[0] for row in self.env.cr.fetchall()]
            if not ids:
                break
            todo = [order_id for order_id in ids if order_id not in seen]  # not twice in one call
            if todo:
                self.browse(todo)._billing_recompute_readiness(resolver=resolver)
                # The batch's orders out of the cache (written and flushed): a pass over 100,000
                # orders would otherwise hold them all, and every batch would cost more than
                # the one before (issue 18: the rate per order must not fall as orders grow).
                self.invalidate_model()
            processed += len(todo)
            last_id = ids[-1]
            if len(ids) < batch_size:
                break
            if out_of_time():
                params.set_param(SWEEP_CURSOR_PARAM, last_id)
                self.env["ir.cron"]._notify_progress(done=processed, remaining=1)
                return processed
        if in_cron:
            params.set_param(SWEEP_CURSOR_PARAM, 0)
        self.env["ir.cron"]._notify_progress(done=processed, remaining=0)
        _logger.info("Billing readiness sweep evaluated %s order(s)", processed)
        return processed
