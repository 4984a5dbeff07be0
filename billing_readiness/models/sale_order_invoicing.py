"""Scheduled invoicing of ready orders, *Invoice Now*, and the caps of partial invoicing.

Invoices are created by sale's ``_create_invoices`` in superuser mode, in the order's company
(``with_company``), after the caller's checks: the cron runs as superuser;
``action_billing_invoice_now`` is for Billing Managers on orders they may write
(``_billing_check_manager`` and ``_billing_check_orders`` in ``sale_order.py``). The
partial-invoicing caps are honoured only in superuser mode (an RPC context cannot set them).
The guarded fields written here are declared with the fields, in ``sale_order.py``.
"""

import logging
import time
from collections import defaultdict

from psycopg2 import errors as pg_errors

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_compare, mute_logger

from .sale_order import CRON_TIME_BUDGET

_logger = logging.getLogger(__name__)

DEFAULT_INVOICE_BATCH = 20


class SaleOrder(models.Model):
    # One class per concern of sale.order, each in its own file (see sale_order.py): not merged
    # with the readiness evaluation one on purpose.
    _inherit = "sale.order"  # pylint: disable=consider-merging-classes-inherited

    def _get_invoiceable_lines(self, final=False):
        lines = super()._get_invoiceable_lines(final=final)
        # Only the scheduled invoicing (superuser mode) caps the lines: an RPC client's context is ignored.
        caps = self.env.su and self.env.context.get("billing_readiness_caps")
        if caps:
            lines = lines.filtered(lambda line: line.display_type or caps.get(line.id, 1.0) > 0)
        return lines

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
    # Invoice Now (Billing Manager)
    # ------------------------------------------------------------------
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
