from odoo import fields, models


class BillingReadinessDirty(models.Model):
    """Orders whose facts changed: the queue of the readiness recomputation.

    A plain insert-only queue (duplicates allowed, no unique key): marking an order from an
    event, an audit decision or a shipment write never waits for nor conflicts with another
    transaction (sale order rows are not touched). The recomputation claims rows with
    ``FOR UPDATE SKIP LOCKED`` and deletes them.
    """

    _name = "billing.readiness.dirty"
    _description = "Billing Readiness: Orders to Evaluate"
    _log_access = False

    order_id = fields.Many2one("sale.order", required=True, ondelete="cascade", index=True)
