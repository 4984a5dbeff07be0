from odoo import fields, models, tools
from odoo.tools import SQL

from .billing_hold_reason import REASON_CODES, REASON_KINDS


class BillingHoldReport(models.Model):
    """One row per order and current hold reason: holds by reason."""

    _name = "billing.hold.report"
    _description = "Billing Holds by Reason"
    _auto = False
    _order = "order_id desc"

    order_id = fields.Many2one("sale.order", readonly=True)
    reason_id = fields.Many2one("billing.hold.reason", readonly=True)
    code = fields.Selection(REASON_CODES, string="Reason Code", readonly=True)
    kind = fields.Selection(REASON_KINDS, readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    shipment_id = fields.Many2one("logistics.shipment", readonly=True)
    case_id = fields.Many2one("freight.audit.case", string="Audit Case", readonly=True)
    delivery_time = fields.Datetime(string="Delivered On", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount_untaxed = fields.Monetary(string="Order Untaxed Amount", readonly=True, aggregator="sum")
    hold_count = fields.Integer(string="Holds", readonly=True, aggregator="sum")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
            CREATE OR REPLACE VIEW %s AS (
            SELECT row_number() OVER (ORDER BY rel.order_id, rel.reason_id) AS id,
                   rel.order_id,
                   rel.reason_id,
                   r.code,
                   r.kind,
                   so.company_id,
                   so.partner_id,
                   r.shipment_id,
                   r.case_id,
                   so.billing_delivery_time AS delivery_time,
                   so.currency_id,
                   so.amount_untaxed,
                   1 AS hold_count
              FROM billing_hold_reason_sale_order_rel rel
              JOIN billing_hold_reason r ON r.id = rel.reason_id
              JOIN sale_order so ON so.id = rel.order_id
            )""",
                SQL.identifier(self._table),
            )
        )
