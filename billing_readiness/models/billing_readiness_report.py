from odoo import fields, models, tools
from odoo.tools import SQL

from .sale_order import READINESS_STATES


class BillingReadinessReport(models.Model):
    """One row per confirmed order with shipments: the finance figures of billing readiness."""

    _name = "billing.readiness.report"
    _description = "Billing Readiness Figures"
    _auto = False
    _order = "order_id desc"

    order_id = fields.Many2one("sale.order", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    state = fields.Selection(READINESS_STATES, string="Readiness", readonly=True)
    delivery_time = fields.Datetime(string="Delivered On", readonly=True)
    ready_time = fields.Datetime(string="Ready Since", readonly=True)
    invoiced_time = fields.Datetime(string="Invoiced On", readonly=True)
    order_count = fields.Integer(string="Orders", readonly=True, aggregator="sum")
    delivered_count = fields.Integer(string="Delivered Orders", readonly=True, aggregator="sum")
    pod_missing_count = fields.Integer(string="Delivered without POD", readonly=True, aggregator="sum")
    pod_missing_percent = fields.Float(
        string="Delivered without POD (%)",
        readonly=True,
        aggregator="avg",
        help="Share of the delivered orders whose POD is missing (average over delivered orders).",
    )
    ready_lag_hours = fields.Float(string="Delivery to Ready (h)", readonly=True, aggregator="avg")
    invoice_lag_hours = fields.Float(string="Ready to Invoiced (h)", readonly=True, aggregator="avg")
    delivery_to_invoice_hours = fields.Float(string="Delivery to Invoice (h)", readonly=True, aggregator="avg")
    waiting_invoice_count = fields.Integer(
        string="Invoices Waiting", readonly=True, aggregator="sum", help="Ready orders not invoiced yet."
    )
    waiting_invoice_amount = fields.Monetary(string="Amount Waiting", readonly=True, aggregator="sum")
    draft_invoice_count = fields.Integer(
        string="Draft Invoices", readonly=True, aggregator="sum", help="Customer invoices created and not posted."
    )
    hold_count = fields.Integer(string="Orders on Hold", readonly=True, aggregator="sum")
    amount_untaxed = fields.Monetary(string="Untaxed Amount", readonly=True, aggregator="sum")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
            CREATE OR REPLACE VIEW %s AS (
            SELECT so.id AS id,
                   so.id AS order_id,
                   so.company_id,
                   so.partner_id,
                   so.user_id,
                   so.currency_id,
                   so.billing_readiness_state AS state,
                   so.billing_delivery_time AS delivery_time,
                   so.billing_ready_time AS ready_time,
                   so.billing_invoiced_time AS invoiced_time,
                   1 AS order_count,
                   CASE WHEN so.billing_delivery_time IS NOT NULL THEN 1 ELSE 0 END AS delivered_count,
                   CASE WHEN so.billing_pod_missing THEN 1 ELSE 0 END AS pod_missing_count,
                   CASE WHEN so.billing_delivery_time IS NULL THEN NULL
                        WHEN so.billing_pod_missing THEN 100.0 ELSE 0.0 END AS pod_missing_percent,
                   CASE WHEN so.billing_delivery_time IS NOT NULL AND so.billing_ready_time IS NOT NULL
                        THEN GREATEST(EXTRACT(EPOCH FROM so.billing_ready_time - so.billing_delivery_time), 0) / 3600.0
                   END AS ready_lag_hours,
                   CASE WHEN so.billing_ready_time IS NOT NULL AND so.billing_invoiced_time IS NOT NULL
                        THEN GREATEST(EXTRACT(EPOCH FROM so.billing_invoiced_time - so.billing_ready_time), 0) / 3600.0
                   END AS invoice_lag_hours,
                   CASE WHEN so.billing_delivery_time IS NOT NULL AND so.billing_invoiced_time IS NOT NULL
                        THEN GREATEST(EXTRACT(EPOCH FROM so.billing_invoiced_time - so.billing_delivery_time), 0)
                             / 3600.0
                   END AS delivery_to_invoice_hours,
                   CASE WHEN so.billing_readiness_state = 'ready' THEN 1 ELSE 0 END AS waiting_invoice_count,
                   CASE WHEN so.billing_readiness_state = 'ready' THEN so.amount_untaxed ELSE 0 END
                        AS waiting_invoice_amount,
                   (SELECT count(DISTINCT am.id)
                      FROM sale_order_line sol
                      JOIN sale_order_line_invoice_rel rel ON rel.order_line_id = sol.id
                      JOIN account_move_line aml ON aml.id = rel.invoice_line_id
                      JOIN account_move am ON am.id = aml.move_id
                     WHERE sol.order_id = so.id AND am.state = 'draft'
                       AND am.move_type IN ('out_invoice', 'out_refund')) AS draft_invoice_count,
                   CASE WHEN so.billing_readiness_state = 'on_hold' THEN 1 ELSE 0 END AS hold_count,
                   so.amount_untaxed
              FROM sale_order so
             WHERE so.state = 'sale' AND so.billing_readiness_state != 'not_applicable'
            )""",
                SQL.identifier(self._table),
            )
        )
