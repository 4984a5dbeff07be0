"""Billing readiness of sale orders: evaluated in batches, held, released, invoiced on schedule."""

import logging
import time
from collections import defaultdict

from psycopg2 import errors as pg_errors

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, float_compare, mute_logger

from ..services import readiness

_logger = logging.getLogger(__name__)

READINESS_STATES = [
    ("not_applicable", "Not Applicable"),
    ("waiting", "Waiting"),
    ("on_hold", "On Hold"),
    ("ready", "Ready to Invoice"),
    ("invoiced", "Invoiced"),
]
GROUP_BILLING_MANAGER = "billing_readiness.group_billing_manager"
GROUP_INTERNAL = "base.group_user"
CRON_RECOMPUTE = "billing_readiness.ir_cron_billing_recompute"
CRON_SWEEP = "billing_readiness.ir_cron_billing_sweep"
CRON_INVOICE = "billing_readiness.ir_cron_billing_invoice"
SWEEP_CURSOR_PARAM = "billing_readiness.sweep_cursor"
CRON_TIME_BUDGET = 240  # seconds of work per cron call; the runner commits and calls again
DEFAULT_SWEEP_BATCH = 1000
DEFAULT_INVOICE_BATCH = 20
# Orders the full sweep looks at again (time passes: waiting periods end; facts may have
# changed behind a hook's back).
SWEEP_WHERE = SQL(
    """(so.state = 'sale' AND (so.billing_readiness_state IN ('waiting', 'on_hold', 'ready')
                               OR (so.billing_readiness_state = 'invoiced' AND so.invoice_status = 'to invoice')))
       OR (so.state != 'sale' AND so.billing_readiness_state != 'not_applicable')"""
)


def _hours(start, end):
    if not start or not end:
        return 0.0
    return round(max((end - start).total_seconds(), 0.0) / 3600.0, 2)


class SaleOrder(models.Model):
    # logistics.guarded.mixin: the readiness and hold fields change only through the evaluation,
    # hold, release and invoicing methods (which check group, record rules and company first and
    # then write in superuser mode); create/write from RPC, forms or wizards refuse them.
    _name = "sale.order"
    _inherit = ["sale.order", "logistics.guarded.mixin"]
    _guarded_fields = dict.fromkeys(
        (
            "billing_readiness_state",
            "billing_hold_reason_ids",
            "billing_waived_reason_ids",
            "billing_delivery_time",
            "billing_ready_time",
            "billing_invoiced_time",
            "billing_wait_until",
            "billing_ready_lag_hours",
            "billing_invoice_lag_hours",
            "billing_pod_missing",
            "billing_manual_hold",
            "billing_manual_hold_note",
            "billing_auto_invoice",
            "billing_invoice_error",
            "billing_invoice_error_time",
        )
    )

    billing_readiness_state = fields.Selection(
        READINESS_STATES,
        string="Billing Readiness",
        default="not_applicable",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        groups=GROUP_INTERNAL,
    )
    billing_hold_reason_ids = fields.Many2many(
        "billing.hold.reason",
        "billing_hold_reason_sale_order_rel",
        "order_id",
        "reason_id",
        string="Hold Reasons",
        readonly=True,
        copy=False,
        groups=GROUP_INTERNAL,
    )
    billing_waived_reason_ids = fields.Many2many(
        "billing.hold.reason",
        "billing_waived_reason_sale_order_rel",
        "order_id",
        "reason_id",
        string="Released Reasons",
        readonly=True,
        copy=False,
        help="Reasons a Billing Manager released: they no longer hold this order.",
        groups=GROUP_INTERNAL,
    )
    billing_delivery_time = fields.Datetime(
        string="Delivered On",
        readonly=True,
        copy=False,
        help="Delivery of the last shipment the invoice is about.",
        groups=GROUP_INTERNAL,
    )
    billing_ready_time = fields.Datetime(string="Ready Since", readonly=True, copy=False, groups=GROUP_INTERNAL)
    billing_invoiced_time = fields.Datetime(string="Invoiced On", readonly=True, copy=False, groups=GROUP_INTERNAL)
    billing_wait_until = fields.Datetime(string="Waiting Period Ends", readonly=True, copy=False, groups=GROUP_INTERNAL)
    billing_ready_lag_hours = fields.Float(
        string="Delivery to Ready (h)",
        compute="_compute_billing_lags",
        store=True,
        aggregator="avg",
        help="Hours from delivery to readiness (0 until both are known).",
        groups=GROUP_INTERNAL,
    )
    billing_invoice_lag_hours = fields.Float(
        string="Ready to Invoiced (h)",
        compute="_compute_billing_lags",
        store=True,
        aggregator="avg",
        help="Hours from readiness to the customer invoice (0 until both are known).",
        groups=GROUP_INTERNAL,
    )
    billing_pod_missing = fields.Boolean(
        string="Delivered without POD",
        readonly=True,
        copy=False,
        help="A delivered shipment lacks a complete POD.",
        groups=GROUP_INTERNAL,
    )
    billing_manual_hold = fields.Boolean(string="Manual Billing Hold", readonly=True, copy=False, groups=GROUP_INTERNAL)
    billing_manual_hold_note = fields.Char(
        string="Manual Hold Reason", readonly=True, copy=False, groups=GROUP_INTERNAL
    )
    billing_auto_invoice = fields.Boolean(
        string="Invoiced by Schedule",
        readonly=True,
        copy=False,
        help="The customer's rule invoices automatically.",
        groups=GROUP_INTERNAL,
    )
    billing_invoice_error = fields.Text(string="Invoicing Error", readonly=True, copy=False, groups=GROUP_INTERNAL)
    billing_invoice_error_time = fields.Datetime(
        string="Invoicing Failed On", readonly=True, copy=False, groups=GROUP_INTERNAL
    )

    @api.depends("billing_delivery_time", "billing_ready_time", "billing_invoiced_time")
    def _compute_billing_lags(self):
        for order in self:
            order.billing_ready_lag_hours = _hours(order.billing_delivery_time, order.billing_ready_time)
            order.billing_invoice_lag_hours = _hours(order.billing_ready_time, order.billing_invoiced_time)

    def _get_invoiceable_lines(self, final=False):
        lines = super()._get_invoiceable_lines(final=final)
        # Only the scheduled invoicing (superuser mode) caps the lines: an RPC client's context is ignored.
        caps = self.env.su and self.env.context.get("billing_readiness_caps")
        if caps:
            lines = lines.filtered(lambda line: line.display_type or caps.get(line.id, 1.0) > 0)
        return lines

    def write(self, vals):
        result = super().write(vals)
        if "state" in vals:
            self._billing_mark_dirty(self.ids)
        return result

    # ------------------------------------------------------------------
    # Change tracking: the dirty queue and the cron triggers
    # ------------------------------------------------------------------
    @api.model
    def _billing_mark_dirty(self, order_ids):
        """Queue orders for evaluation and wake the cron.

        The ids are collected for the transaction and inserted in one statement when it
        flushes (savepoint, commit): a batch of events marking hundreds of orders costs one
        insert, and no sale order row is locked.
        """
        ids = {int(i) for i in order_ids if i}
        if not ids:
            return
        data = self.env.cr.precommit.data
        pending = data.get("billing_readiness.dirty")
        if pending is None:
            pending = data["billing_readiness.dirty"] = set()
            self.env.cr.precommit.add(self._billing_flush_dirty)
        pending |= ids
        self._billing_trigger(CRON_RECOMPUTE)

    @api.model
    def _billing_flush_dirty(self):
        ids = self.env.cr.precommit.data.pop("billing_readiness.dirty", None)
        if ids:
            self.env.cr.execute(
                SQL(
                    # orders deleted meanwhile in this transaction are left out
                    "INSERT INTO billing_readiness_dirty (order_id) SELECT id FROM sale_order WHERE id = ANY(%s)",
                    sorted(ids),
                )
            )

    @api.model
    def _billing_mark_dirty_where(self, company_id, commercial_partner_id=None):
        """Queue the open orders of a company (or of one customer): a rule changed."""
        partner = SQL("AND p.commercial_partner_id = %s", commercial_partner_id) if commercial_partner_id else SQL()
        self.env.cr.execute(
            SQL(
                """INSERT INTO billing_readiness_dirty (order_id)
                   SELECT so.id FROM sale_order so JOIN res_partner p ON p.id = so.partner_id
                    WHERE so.company_id = %s AND so.state = 'sale'
                      AND so.billing_readiness_state != 'invoiced' %s""",
                company_id,
                partner,
            )
        )
        self._billing_trigger(CRON_RECOMPUTE)

    @api.model
    def _billing_trigger(self, xmlid, at=None):
        """Trigger a cron of this addon, at most once per transaction for 'as soon as possible'."""
        data = self.env.cr.precommit.data
        key = f"billing_readiness.trigger.{xmlid}"
        if at is None:
            if data.get(key):
                return
            data[key] = True
        else:
            earliest = data.get(key + ".at")
            if earliest and earliest <= at:
                return
            data[key + ".at"] = at
        cron = self.env.ref(xmlid, raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger(at)

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
        orders_sudo = self.sudo()
        self.env.flush_all()
        now = now or fields.Datetime.now()
        cr = self.env.cr
        ids = sorted(set(self.ids))
        cr.execute(
            SQL(
                """SELECT so.id, so.name, so.company_id, COALESCE(p.commercial_partner_id, p.id), so.state,
                          so.invoice_status, so.billing_readiness_state, so.billing_delivery_time,
                          so.billing_ready_time, so.billing_invoiced_time, so.billing_pod_missing,
                          so.billing_manual_hold, COALESCE(so.billing_invoice_error, '') != '',
                          so.billing_wait_until, so.billing_auto_invoice
                     FROM sale_order so JOIN res_partner p ON p.id = so.partner_id
                    WHERE so.id = ANY(%s)""",
                ids,
            )
        )
        rows = cr.fetchall()
        facts = {}
        current = {}
        for row in rows:
            facts[row[0]] = readiness.OrderFacts(
                order_id=row[0],
                order_name=row[1],
                confirmed=row[4] == "sale",
                invoice_status=row[5],
                manual_hold=bool(row[11]),
                invoice_error=bool(row[12]),
                already_invoiced_once=bool(row[9]),
            )
            current[row[0]] = {
                "company_id": row[2],
                "partner_id": row[3],
                "billing_readiness_state": row[6],
                "billing_delivery_time": row[7],
                "billing_ready_time": row[8],
                "billing_invoiced_time": row[9],
                "billing_pod_missing": bool(row[10]),
                "billing_wait_until": row[13],
                "billing_auto_invoice": bool(row[14]),
            }
        cr.execute(
            SQL(
                """SELECT s.id, s.sale_id, s.name, s.status, COALESCE(s.actual_delivery, s.status_event_time,
                          s.status_date), s.pod_complete, s.billing_invoiced,
                          EXISTS(SELECT 1 FROM logistics_shipment_event e
                                  WHERE e.shipment_id = s.id AND e.exception_state = 'open')
                     FROM logistics_shipment s
                     JOIN sale_order so ON so.id = s.sale_id AND so.company_id = s.company_id
                    WHERE s.sale_id = ANY(%s) AND s.direction = 'outbound' AND s.status != 'cancelled'
                    ORDER BY s.id""",
                ids,
            )
        )
        for sid, order_id, name, status, delivered_at, pod, billed, exception in cr.fetchall():
            facts[order_id].shipments.append(
                readiness.ShipmentFact(
                    sid,
                    name,
                    status,
                    delivered_at=delivered_at if status == "delivered" else None,
                    pod_complete=bool(pod),
                    open_exception=bool(exception),
                    billed=bool(billed),
                )
            )
        cr.execute(
            SQL(
                """SELECT s.sale_id, l.id, l.shipment_id, s.name, l.state, l.approved_amount,
                          l.rebill_sale_line_id IS NOT NULL, c.id, c.name, c.state
                     FROM freight_invoice_line l
                     JOIN logistics_shipment s ON s.id = l.shipment_id
                     JOIN sale_order so ON so.id = s.sale_id AND so.company_id = s.company_id
                     JOIN freight_charge_type ct ON ct.id = l.charge_type_id
                     JOIN freight_invoice i ON i.id = l.invoice_id AND i.company_id = so.company_id
                LEFT JOIN freight_audit_case c ON c.id = l.case_id
                    WHERE s.sale_id = ANY(%s) AND ct.is_rebillable
                      AND i.state NOT IN ('cancel', 'rejected') AND i.is_duplicate IS NOT TRUE
                    ORDER BY l.id""",
                ids,
            )
        )
        for order_id, line_id, sid, sname, state, approved, rebilled, case_id, case_name, case_state in cr.fetchall():
            facts[order_id].charges.append(
                readiness.ChargeFact(
                    line_id, sid, sname, state, approved or 0.0, bool(rebilled), case_id, case_name, case_state
                )
            )
        cr.execute(
            SQL(
                """SELECT r.order_id, r.reason_id, h.key, FALSE
                     FROM billing_hold_reason_sale_order_rel r JOIN billing_hold_reason h ON h.id = r.reason_id
                    WHERE r.order_id = ANY(%s)
                   UNION ALL
                   SELECT w.order_id, w.reason_id, h.key, TRUE
                     FROM billing_waived_reason_sale_order_rel w JOIN billing_hold_reason h ON h.id = w.reason_id
                    WHERE w.order_id = ANY(%s)""",
                ids,
                ids,
            )
        )
        linked = defaultdict(set)
        waived = defaultdict(set)
        for order_id, reason_id, key, is_waived in cr.fetchall():
            (waived[order_id].add(key) if is_waived else linked[order_id].add(reason_id))
        if resolver is None:
            resolver = self.env["billing.readiness.rule"]._rule_resolver({c["company_id"] for c in current.values()})

        verdicts = {}
        rules = {}
        company_by_key = {}
        for order_id, order_facts in facts.items():
            info = current[order_id]
            rule = rules[order_id] = resolver(info["company_id"], info["partner_id"])
            verdict = verdicts[order_id] = readiness.evaluate(order_facts, rule, now, frozenset(waived[order_id]))
            for reason in verdict.reasons:
                company_by_key.setdefault(reason.key, info["company_id"])
        reason_ids = self.env["billing.hold.reason"]._ids_for(
            [r for v in verdicts.values() for r in v.reasons], company_by_key
        )

        changes = {}
        link_changes = {}
        for order_id, verdict in verdicts.items():
            info = current[order_id]
            vals = self._billing_new_values(info, verdict, rules[order_id], now)
            if vals:
                changes[order_id] = vals
            wanted = {reason_ids[r.key] for r in verdict.reasons}
            if wanted != linked[order_id]:
                link_changes[order_id] = (linked[order_id] - wanted, wanted - linked[order_id])
        to_lock = sorted(set(changes) | set(link_changes))
        locked = self._billing_lock(to_lock)
        busy = [order_id for order_id in to_lock if order_id not in locked]
        if busy:
            # Being invoiced by another worker: evaluated again after it committed.
            self._billing_mark_dirty(busy)
        groups = defaultdict(list)
        for order_id, vals in changes.items():
            if order_id in locked:
                groups[tuple(sorted(vals.items()))].append(order_id)
        for vals, group_ids in groups.items():
            orders_sudo.browse(group_ids).with_context(tracking_disable=True).write(dict(vals))
        removed = [(o, r) for o, (rem, _add) in link_changes.items() if o in locked for r in rem]
        added = [(o, r) for o, (_rem, add) in link_changes.items() if o in locked for r in add]
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
            orders_sudo.browse([o for o in link_changes if o in locked]).invalidate_recordset(
                ["billing_hold_reason_ids"]
            )
            self.env["billing.hold.reason"].invalidate_model(["order_ids", "order_count"])
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

    # ------------------------------------------------------------------
    # Scheduled entry points
    # ------------------------------------------------------------------
    @api.model
    def _billing_claim_dirty(self, limit):
        """Take up to ``limit`` queued orders (``FOR UPDATE SKIP LOCKED``): their ids."""
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                self.env.cr.execute(
                    SQL(
                        """DELETE FROM billing_readiness_dirty WHERE id IN (
                               SELECT id FROM billing_readiness_dirty ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)
                           RETURNING order_id""",
                        limit,
                    )
                )
                return sorted({row[0] for row in self.env.cr.fetchall()})
        except pg_errors.SerializationFailure:
            return []

    @api.model
    def _billing_count_dirty(self):
        self.env.cr.flush()
        self.env.cr.execute("SELECT count(DISTINCT order_id) FROM billing_readiness_dirty")
        return self.env.cr.fetchone()[0]

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
        processed = 0

        def out_of_time():
            return budget is not None and time.monotonic() - started > budget

        seen = set()
        while True:
            ids = self._billing_claim_dirty(batch_size)
            if not ids:
                break
            self.browse(ids)._billing_recompute_readiness(resolver=resolver)
            processed += len(ids)
            seen.update(ids)
            if out_of_time():
                self.env["ir.cron"]._notify_progress(done=processed, remaining=self._billing_count_dirty() or 1)
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

    # ------------------------------------------------------------------
    # Scheduled invoicing
    # ------------------------------------------------------------------
    @api.model
    def _billing_claim_ready(self, limit, ids=None):
        """Lock up to ``limit`` ready orders for this worker (``FOR UPDATE SKIP LOCKED``).

        Returns ``(orders, conflict)``; ``conflict`` is True when another worker changed
        candidates after this transaction's snapshot (try again in a new transaction).
        """
        only = SQL("AND so.id = ANY(%s)", list(ids)) if ids else SQL("AND so.billing_auto_invoice")
        query = SQL(
            """SELECT so.id FROM sale_order so
                WHERE so.billing_readiness_state = 'ready' AND so.state = 'sale' %s
                ORDER BY so.billing_ready_time NULLS FIRST, so.id
                LIMIT %s
                  FOR UPDATE OF so SKIP LOCKED""",
            only,
            limit,
        )
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                self.env.cr.execute(query)
                claimed = [row[0] for row in self.env.cr.fetchall()]
        except pg_errors.SerializationFailure:
            return self.browse(), True
        orders = self.browse(claimed)
        orders.invalidate_recordset()
        return orders, False

    @api.model
    def _billing_count_ready(self):
        self.env.cr.execute(
            "SELECT count(*) FROM sale_order WHERE billing_readiness_state = 'ready' AND state = 'sale'"
            " AND billing_auto_invoice"
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _cron_billing_invoice(self, limit=None, batch_size=DEFAULT_INVOICE_BATCH, time_budget=None):
        """Invoice ready orders in micro-batches; safe with several workers.

        Each micro-batch is claimed with ``FOR UPDATE SKIP LOCKED`` (another worker skips
        the orders, so no order is invoiced twice), evaluated again (facts may have changed
        since the sweep), grouped per customer when its rule says so, invoiced with sale's
        ``_create_invoices`` in a savepoint per group (a failing group is retried order by
        order) and optionally posted. A failure is recorded on its order (error, hold reason,
        chatter) and the batch goes on. Returns the number of orders invoiced.
        """
        batch_size = batch_size or DEFAULT_INVOICE_BATCH
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        budget = time_budget or (CRON_TIME_BUDGET if in_cron else None)
        started = time.monotonic()
        done = claimed = 0
        conflict = False
        while limit is None or claimed < limit:
            size = batch_size if limit is None else min(batch_size, limit - claimed)
            orders, conflict = self._billing_claim_ready(size)
            if not orders:
                break
            results = orders._billing_invoice_claimed()
            claimed += len(orders)
            done += sum(1 for moves in results.values() if moves)
            if budget is not None and time.monotonic() - started > budget:
                break
        remaining = self._billing_count_ready()
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining if (remaining or conflict) else 0)
        return done

    def _billing_invoice_claimed(self):
        """Invoice these claimed (locked) orders; returns ``{order id: created moves}``."""
        orders = self.sudo()
        states = orders._billing_recompute_readiness()
        ready = orders.filtered(lambda o: states.get(o.id) == "ready")
        if not ready:
            return {}
        resolver = self.env["billing.readiness.rule"]._rule_resolver(ready.company_id.ids)
        groups = defaultdict(lambda: orders.browse())
        rules = {}
        for order in ready:
            rule = resolver(order.company_id.id, order.partner_id.commercial_partner_id.id)
            if rule.invoice_grouping == "customer":
                key = (
                    "customer",
                    order.company_id.id,
                    order.partner_invoice_id.id,
                    order.currency_id.id,
                    rule.delivery_policy,
                    rule.auto_post,
                )
            else:
                key = ("order", order.id)
            groups[key] |= order
            rules[key] = rule
        result = {}
        for key, group in groups.items():
            # Invoiced and posted in the order's company whatever the caller's current company
            # (a group holds the orders of one company).
            group = group.with_company(group.company_id[:1])  # noqa: PLW2901
            moves = group._billing_invoice_group(rules[key], record_error=len(group) == 1)
            if moves is None:
                # The group failed together: each order alone, so that only the culprit stays behind.
                for order in group:
                    result[order.id] = order._billing_invoice_group(rules[key], record_error=True)
            else:
                for order in group:
                    result[order.id] = moves
        return result

    def _billing_invoice_group(self, rule, record_error=True):
        """Invoice these orders together (one invoice per customer) or alone; None on failure."""
        try:
            with self.env.cr.savepoint():
                self._billing_check_invoiceable()
                orders = self
                if rule.delivery_policy == "partial":
                    orders = self.with_context(billing_readiness_caps=self._billing_partial_caps())
                moves = orders.with_context(raise_if_nothing_to_invoice=True)._create_invoices(
                    grouped=rule.invoice_grouping != "customer"
                )
                if not moves:
                    raise UserError(_("Nothing to invoice on %s.", ", ".join(self.mapped("name"))))
                self._billing_after_invoiced(moves)
        except Exception as error:
            _logger.info("Scheduled invoicing of %s failed: %s", ", ".join(self.mapped("name")), error)
            if record_error:
                self._billing_record_error(error)
            return None
        if rule.auto_post:
            self._billing_post(moves)
        return moves

    def _billing_check_invoiceable(self):
        """Checks before the invoice: data a person must fix first (raises UserError)."""
        for order in self:
            if not order.partner_invoice_id.active:
                raise UserError(
                    _(
                        "The invoice address %(partner)s of order %(order)s is archived.",
                        partner=order.partner_invoice_id.display_name,
                        order=order.name,
                    )
                )

    def _billing_partial_caps(self):
        """{sale line id: quantity}: goods lines are invoiced up to what delivered shipments carried."""
        caps = {}
        precision = self.env["decimal.precision"].precision_get("Product Unit of Measure")
        for line in self.order_line.filtered(lambda line: line.move_ids and not line.display_type):
            delivered = 0.0
            for move in line.move_ids:
                if move.state != "done" or move.picking_code != "outgoing":
                    continue
                shipment = move.picking_id.logistics_shipment_id
                if shipment and shipment.status == "delivered":
                    delivered += move.product_uom._compute_quantity(move.quantity, line.product_uom)
            cap = min(line.qty_to_invoice, delivered - line.qty_invoiced)
            caps[line.id] = cap if float_compare(cap, 0.0, precision_digits=precision) > 0 else 0.0
        return caps

    def _billing_after_invoiced(self, moves):
        now = fields.Datetime.now()
        shipments = self.logistics_shipment_ids.filtered(
            lambda s: s.status == "delivered"
            and s.direction == "outbound"
            and not s.billing_invoiced
            and s.company_id == s.sale_id.company_id
        )
        if shipments:
            shipments.sudo().write({"billing_invoiced": True})
        first = self.filtered(lambda o: not o.billing_invoiced_time)
        if first:
            first.with_context(tracking_disable=True).write({"billing_invoiced_time": now})
        self.with_context(tracking_disable=True).write(
            {"billing_invoice_error": False, "billing_invoice_error_time": False}
        )
        self._billing_recompute_readiness(now=now)
        for order in self:
            order.message_post(
                body=_(
                    "Invoiced by the scheduled invoicing: %s",
                    ", ".join(
                        moves.filtered(lambda m, o=order: o in m.line_ids.sale_line_ids.order_id).mapped("display_name")
                    ),
                ),
                subtype_xmlid="mail.mt_note",
            )

    def _billing_post(self, moves):
        try:
            with self.env.cr.savepoint():
                moves.action_post()
        except Exception as error:
            _logger.info("Posting the invoices of %s failed: %s", ", ".join(self.mapped("name")), error)
            message = _("The invoice was created but could not be posted: %s", error)
            self.with_context(tracking_disable=True).write(
                {"billing_invoice_error": message, "billing_invoice_error_time": fields.Datetime.now()}
            )
            for order in self:
                order.message_post(body=message, subtype_xmlid="mail.mt_note")

    def _billing_record_error(self, error):
        message = str(error) or error.__class__.__name__
        self.with_context(tracking_disable=True).write(
            {"billing_invoice_error": message, "billing_invoice_error_time": fields.Datetime.now()}
        )
        self._billing_recompute_readiness()
        for order in self:
            order.message_post(body=_("Scheduled invoicing failed: %s", message), subtype_xmlid="mail.mt_note")

    # ------------------------------------------------------------------
    # Manual override (Billing Manager)
    # ------------------------------------------------------------------
    # Every public action below checks the caller before anything runs in superuser mode:
    # the group, then the ACL and record rules (hence the companies) on the orders designated.
    def _billing_check_manager(self):
        if not self.env.su and not self.env.user.has_group(GROUP_BILLING_MANAGER):
            raise AccessError(_("Only a Billing Manager may hold, release or invoice orders for billing."))

    def _billing_check_orders(self, operation="write"):
        """The caller may ``operation`` these orders (ACL and record rules: own companies only)."""
        if self.env.su:
            return
        if not self.env.user.has_group(GROUP_INTERNAL):
            raise AccessError(_("Only internal users may act on the billing readiness of orders."))
        self.check_access(operation)

    def _billing_hold(self, note):
        """Put these orders on hold for invoicing (the reason goes to the chatter)."""
        self._billing_check_manager()
        self._billing_check_orders("write")
        if not (note or "").strip():
            raise UserError(_("Say why the order is put on hold."))
        orders = self.sudo()
        orders.with_context(tracking_disable=True).write(
            {"billing_manual_hold": True, "billing_manual_hold_note": note.strip()}
        )
        for order in self:
            order.message_post(
                body=_("Billing hold by %(user)s: %(note)s", user=self.env.user.name, note=note),
                subtype_xmlid="mail.mt_note",
            )
        return orders._billing_recompute_readiness()

    def _billing_release(self, note):
        """Release the holds of these orders: their current reasons no longer hold them.

        A manual hold and an invoicing error are cleared; every other current reason is
        waived (a new fact arriving later holds the order again). Kept in the chatter.
        """
        self._billing_check_manager()
        self._billing_check_orders("write")
        if not (note or "").strip():
            raise UserError(_("Say why the hold is released."))
        orders = self.sudo()
        for order in orders:
            reasons = order.billing_hold_reason_ids.filtered(lambda r: r.code not in readiness.NOT_WAIVABLE)
            order.with_context(tracking_disable=True).write(
                {
                    "billing_waived_reason_ids": [fields.Command.link(r.id) for r in reasons],
                    "billing_manual_hold": False,
                    "billing_manual_hold_note": False,
                    "billing_invoice_error": False,
                    "billing_invoice_error_time": False,
                }
            )
            released = ", ".join(order.billing_hold_reason_ids.mapped("display_name")) or _("none")
            order.message_post(
                body=_(
                    "Billing hold released by %(user)s: %(note)s. Released reasons: %(reasons)s",
                    user=self.env.user.name,
                    note=note,
                    reasons=released,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return orders._billing_recompute_readiness()

    def action_billing_hold(self):
        self._billing_check_manager()
        self._billing_check_orders("write")
        return self._billing_wizard_action("hold")

    def action_billing_release(self):
        self._billing_check_manager()
        self._billing_check_orders("write")
        return self._billing_wizard_action("release")

    def _billing_wizard_action(self, mode):
        return {
            "type": "ir.actions.act_window",
            "name": _("Put on Billing Hold") if mode == "hold" else _("Release Billing Hold"),
            "res_model": "billing.hold.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_mode": mode, "default_order_ids": [fields.Command.set(self.ids)]},
        }

    def action_billing_recompute(self):
        """Evaluate the readiness of these orders now (internal users who can read them)."""
        self._billing_check_orders("read")
        self.sudo()._billing_recompute_readiness()
        return True

    def action_billing_invoice_now(self):
        """Invoice these ready orders now, with the same locking as the scheduled invoicing.

        Billing Managers only, on orders they may write (their companies); each order is
        evaluated with its own company's rule and invoiced in its company.
        """
        self._billing_check_manager()
        self._billing_check_orders("write")
        self.sudo()._billing_recompute_readiness()
        orders, _conflict = self.sudo()._billing_claim_ready(len(self.ids), ids=self.ids)
        if not orders:
            raise UserError(_("None of these orders is ready to invoice (or another worker is invoicing them)."))
        orders._billing_invoice_claimed()
        return True
