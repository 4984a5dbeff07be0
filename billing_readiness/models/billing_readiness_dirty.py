from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.tools import SQL, mute_logger

# The cron that evaluates the queued orders (``sale.order._cron_billing_sweep(dirty_only=True)``).
CRON_RECOMPUTE = "billing_readiness.ir_cron_billing_recompute"
# Key of the ids marked in this transaction, in ``cr.precommit.data``.
PENDING_KEY = "billing_readiness.dirty"


class BillingReadinessDirty(models.Model):
    """Orders whose facts changed: the queue of the readiness recomputation.

    A plain insert-only queue (duplicates allowed, no unique key): marking an order from an
    event, an audit decision or a shipment write never waits for nor conflicts with another
    transaction (sale order rows are not touched). The recomputation claims rows with
    ``FOR UPDATE SKIP LOCKED`` and deletes them.

    Orders written behind the ORM (SQL) are not queued by the hooks: call :meth:`_mark_orders`.
    """

    _name = "billing.readiness.dirty"
    _description = "Billing Readiness: Orders to Evaluate"
    _log_access = False

    order_id = fields.Many2one("sale.order", required=True, ondelete="cascade", index=True)

    @api.model
    def _mark_orders(self, order_ids):
        """Queue orders for evaluation and wake the cron.

        The ids are collected for the transaction and inserted in one statement when it
        flushes (savepoint, commit): a batch of events marking hundreds of orders costs one
        insert, and no sale order row is locked.
        """
        ids = {int(i) for i in order_ids if i}
        if not ids:
            return
        data = self.env.cr.precommit.data
        pending = data.get(PENDING_KEY)
        if pending is None:
            pending = data[PENDING_KEY] = set()
            self.env.cr.precommit.add(self._flush_marks)
        pending |= ids
        self.env["sale.order"]._billing_trigger(CRON_RECOMPUTE)

    @api.model
    def _flush_marks(self):
        ids = self.env.cr.precommit.data.pop(PENDING_KEY, None)
        if ids:
            self.env.cr.execute(
                SQL(
                    # orders deleted meanwhile in this transaction are left out
                    "INSERT INTO billing_readiness_dirty (order_id) SELECT id FROM sale_order WHERE id = ANY(%s)",
                    sorted(ids),
                )
            )

    @api.model
    def _mark_open_orders(self, company_id, commercial_partner_id=None):
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
        self.env["sale.order"]._billing_trigger(CRON_RECOMPUTE)

    @api.model
    def _claim(self, limit):
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
    def _count_orders(self):
        """How many distinct orders are queued (the marks of this transaction included)."""
        self.env.cr.flush()
        self.env.cr.execute("SELECT count(DISTINCT order_id) FROM billing_readiness_dirty")
        return self.env.cr.fetchone()[0]
