"""Carrier scorecards: one row per carrier and company (a SQL view over shipments and invoices).

The figures, as a finance controller reads them (the readme says the same):

* *On time*: shipments delivered (an actual delivery) with a planned delivery, whose actual
  delivery falls on or before the planned delivery's day (UTC); on-time % = on time / those.
* *Transit days*: actual delivery - actual pickup, in days (to the hour), averaged over the
  shipments that have both.
* *Exceptions*: shipments whose status is an exception (exception, delayed, customs hold);
  exception rate = those / all the carrier's shipments (cancelled ones left out).
* *POD complete*: delivered shipments with both the signer and the time of the proof of
  delivery; POD completeness = those / delivered shipments.
* *Invoices*: live carrier invoices (no duplicates, none cancelled); *decided*: approved, billed
  or rejected. *Accurate*: approved or billed at exactly the billed total ("approved as
  billed"); accuracy % = accurate / decided. *Auto-approved*: approved by the audit inside
  tolerance (no audit case); share = auto-approved / decided.

Percentages are per row; a pivot over several companies averages them (each row's counts
are there to weigh them when that matters).
"""

from odoo import fields, models, tools
from odoo.tools import SQL

EXCEPTION_STATUSES = ("exception", "delayed", "customs_hold")


class FreightCarrierScorecard(models.Model):
    _name = "freight.carrier.scorecard"
    _description = "Carrier Scorecard"
    _auto = False
    _rec_name = "carrier_partner_id"
    _order = "carrier_partner_id, company_id"

    company_id = fields.Many2one("res.company", readonly=True)
    carrier_partner_id = fields.Many2one("res.partner", string="Carrier", readonly=True)
    shipment_count = fields.Integer(string="Shipments", readonly=True)
    delivered_count = fields.Integer(string="Delivered", readonly=True)
    on_time_base_count = fields.Integer(string="Delivered with a Plan", readonly=True)
    on_time_count = fields.Integer(string="On Time", readonly=True)
    on_time_pct = fields.Float(string="On-Time Delivery %", readonly=True, aggregator="avg", digits=(16, 1))
    transit_count = fields.Integer(string="Shipments with Transit Time", readonly=True)
    avg_transit_days = fields.Float(string="Average Transit Days", readonly=True, aggregator="avg", digits=(16, 2))
    exception_count = fields.Integer(string="Exceptions", readonly=True)
    exception_pct = fields.Float(string="Exception Rate %", readonly=True, aggregator="avg", digits=(16, 1))
    pod_complete_count = fields.Integer(string="POD Complete", readonly=True)
    pod_complete_pct = fields.Float(string="POD Completeness %", readonly=True, aggregator="avg", digits=(16, 1))
    invoice_count = fields.Integer(string="Invoices", readonly=True)
    decided_count = fields.Integer(string="Invoices Decided", readonly=True)
    accurate_count = fields.Integer(string="Approved as Billed", readonly=True)
    accuracy_pct = fields.Float(string="Invoice Accuracy %", readonly=True, aggregator="avg", digits=(16, 1))
    auto_approved_count = fields.Integer(string="Auto-Approved", readonly=True)
    auto_approved_pct = fields.Float(string="Auto-Approved %", readonly=True, aggregator="avg", digits=(16, 1))

    _depends = {
        "logistics.shipment": [
            "company_id",
            "carrier_partner_id",
            "status",
            "planned_delivery",
            "actual_pickup",
            "actual_delivery",
            "pod_signer",
            "pod_time",
        ],
        "freight.invoice": ["company_id", "carrier_partner_id", "state", "is_duplicate", "amount_total"],
        "freight.invoice.line": ["approved_amount"],
        "freight.invoice.approval": ["rule"],
    }

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._scorecard_query())
        )

    def _scorecard_query(self):
        return SQL(
            """
            WITH ship AS (
                SELECT s.company_id, s.carrier_partner_id,
                       count(*) AS shipment_count,
                       count(*) FILTER (WHERE s.actual_delivery IS NOT NULL) AS delivered_count,
                       count(*) FILTER (WHERE s.actual_delivery IS NOT NULL
                                          AND s.planned_delivery IS NOT NULL) AS on_time_base_count,
                       count(*) FILTER (WHERE s.actual_delivery IS NOT NULL AND s.planned_delivery IS NOT NULL
                                          AND s.actual_delivery::date <= s.planned_delivery::date) AS on_time_count,
                       count(*) FILTER (WHERE s.actual_delivery IS NOT NULL
                                          AND s.actual_pickup IS NOT NULL) AS transit_count,
                       avg(EXTRACT(EPOCH FROM s.actual_delivery - s.actual_pickup) / 86400.0)
                           FILTER (WHERE s.actual_delivery IS NOT NULL
                                     AND s.actual_pickup IS NOT NULL) AS avg_transit_days,
                       count(*) FILTER (WHERE s.status IN %(exceptions)s) AS exception_count,
                       count(*) FILTER (WHERE s.status = 'delivered') AS pod_base_count,
                       count(*) FILTER (WHERE s.status = 'delivered' AND s.pod_signer IS NOT NULL
                                          AND s.pod_signer != '' AND s.pod_time IS NOT NULL) AS pod_complete_count
                  FROM logistics_shipment s
                 WHERE s.carrier_partner_id IS NOT NULL AND s.status != 'cancelled'
                 GROUP BY s.company_id, s.carrier_partner_id
            ), inv AS (
                SELECT i.company_id, i.carrier_partner_id,
                       count(*) AS invoice_count,
                       count(*) FILTER (WHERE i.state IN ('approved', 'billed', 'rejected')) AS decided_count,
                       count(*) FILTER (WHERE i.state IN ('approved', 'billed')
                                          AND round(i.amount_approved::numeric, 2)
                                            = round(i.amount_total::numeric, 2)) AS accurate_count,
                       count(*) FILTER (WHERE i.state IN ('approved', 'billed')
                                          AND a.rule = 'tolerance') AS auto_approved_count
                  FROM freight_invoice i
                  LEFT JOIN freight_invoice_approval a ON a.id = i.approval_id
                 WHERE i.is_duplicate IS NOT TRUE AND i.state != 'cancel'
                 GROUP BY i.company_id, i.carrier_partner_id
            ), keys AS (
                SELECT company_id, carrier_partner_id FROM ship
                 UNION
                SELECT company_id, carrier_partner_id FROM inv
            )
            SELECT row_number() OVER (ORDER BY k.company_id, k.carrier_partner_id) AS id,
                   k.company_id, k.carrier_partner_id,
                   COALESCE(ship.shipment_count, 0) AS shipment_count,
                   COALESCE(ship.delivered_count, 0) AS delivered_count,
                   COALESCE(ship.on_time_base_count, 0) AS on_time_base_count,
                   COALESCE(ship.on_time_count, 0) AS on_time_count,
                   round(100.0 * ship.on_time_count / NULLIF(ship.on_time_base_count, 0), 1) AS on_time_pct,
                   COALESCE(ship.transit_count, 0) AS transit_count,
                   round(ship.avg_transit_days::numeric, 2) AS avg_transit_days,
                   COALESCE(ship.exception_count, 0) AS exception_count,
                   round(100.0 * ship.exception_count / NULLIF(ship.shipment_count, 0), 1) AS exception_pct,
                   COALESCE(ship.pod_complete_count, 0) AS pod_complete_count,
                   round(100.0 * ship.pod_complete_count / NULLIF(ship.pod_base_count, 0), 1) AS pod_complete_pct,
                   COALESCE(inv.invoice_count, 0) AS invoice_count,
                   COALESCE(inv.decided_count, 0) AS decided_count,
                   COALESCE(inv.accurate_count, 0) AS accurate_count,
                   round(100.0 * inv.accurate_count / NULLIF(inv.decided_count, 0), 1) AS accuracy_pct,
                   COALESCE(inv.auto_approved_count, 0) AS auto_approved_count,
                   round(100.0 * inv.auto_approved_count / NULLIF(inv.decided_count, 0), 1) AS auto_approved_pct
              FROM keys k
              LEFT JOIN ship ON ship.company_id = k.company_id AND ship.carrier_partner_id = k.carrier_partner_id
              LEFT JOIN inv ON inv.company_id = k.company_id AND inv.carrier_partner_id = k.carrier_partner_id
            """,
            exceptions=EXCEPTION_STATUSES,
        )
