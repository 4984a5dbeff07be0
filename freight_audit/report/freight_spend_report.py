"""Freight spend and audit savings: one row per charge of a live carrier invoice (a SQL view).

Amounts are in the company's currency, converted at the carrier invoice's date with the rate
Odoo's own conversion uses (the company's rate, else the shared one; the earliest rate when none
is older; 1.0 when the currency has no rate). Duplicates and cancelled invoices are left out.

* *Billed*: what the carrier billed, every live invoice.
* *Approved* (the freight spend) and *Saved* (billed - approved): decided invoices only
  (approved, billed, or rejected: a rejected charge is approved at 0, saved whole).
* *Finding*: the charge's first blocking finding, else its first finding: the savings of a
  charge are counted once, under that finding.
* *Lane*: origin and destination country (and state) of the charge's shipment.
"""

from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.freight_audit_finding import FINDING_SELECTION
from ..models.freight_invoice import INVOICE_STATES
from ..models.freight_invoice_approval import APPROVAL_RULES


class FreightSpendReport(models.Model):
    _name = "freight.spend.report"
    _description = "Freight Spend and Audit Savings"
    _auto = False
    _rec_name = "invoice_id"
    _order = "date desc, id desc"

    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", string="Company Currency", readonly=True)
    carrier_partner_id = fields.Many2one("res.partner", string="Carrier", readonly=True)
    invoice_id = fields.Many2one("freight.invoice", string="Carrier Invoice", readonly=True)
    invoice_state = fields.Selection(INVOICE_STATES, string="Invoice Status", readonly=True)
    is_decided = fields.Boolean(string="Decided", readonly=True)
    approval_rule = fields.Selection(APPROVAL_RULES, string="Approved Under", readonly=True)
    date = fields.Date(string="Invoice Date", readonly=True)
    charge_type_id = fields.Many2one("freight.charge.type", readonly=True)
    shipment_id = fields.Many2one("logistics.shipment", readonly=True)
    lane = fields.Char(readonly=True)
    finding_code = fields.Selection(FINDING_SELECTION, string="Finding", readonly=True)
    charge_count = fields.Integer(string="Charges", readonly=True)
    amount_billed = fields.Monetary(string="Billed", readonly=True)
    amount_approved = fields.Monetary(string="Spend (Approved)", readonly=True)
    amount_saved = fields.Monetary(string="Saved (Billed - Approved)", readonly=True)

    _depends = {
        "freight.invoice": ["state", "is_duplicate", "invoice_date", "currency_id", "company_id", "approval_id"],
        "freight.invoice.line": ["amount", "approved_amount", "charge_type_id", "shipment_id", "invoice_id"],
        "freight.audit.finding": ["code", "severity", "line_id"],
        "freight.invoice.approval": ["rule"],
        "logistics.shipment": ["origin_partner_id", "destination_partner_id"],
    }

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._spend_query()))

    def _spend_query(self):
        # The invoices with their rate first (MATERIALIZED: each rate is computed once, not
        # inlined into every amount, which also keeps PostgreSQL's JIT work small).
        return SQL(
            """
            WITH inv AS MATERIALIZED (
                SELECT i.id, i.company_id, c.currency_id, i.carrier_partner_id, i.state, i.invoice_date,
                       i.approval_id, i.state IN ('approved', 'billed', 'rejected') AS is_decided,
                       CASE WHEN i.currency_id = c.currency_id THEN 1.0
                            ELSE %(company_rate)s / %(invoice_rate)s END AS rate
                  FROM freight_invoice i
                  JOIN res_company c ON c.id = i.company_id
                 WHERE i.is_duplicate IS NOT TRUE AND i.state != 'cancel'
            ), amounts AS MATERIALIZED (
                SELECT l.id, l.invoice_id, l.charge_type_id, l.shipment_id,
                       ROUND((l.amount * inv.rate)::numeric, 2) AS billed,
                       CASE WHEN inv.is_decided
                            THEN ROUND((COALESCE(l.approved_amount, 0) * inv.rate)::numeric, 2) ELSE 0 END AS approved
                  FROM freight_invoice_line l
                  JOIN inv ON inv.id = l.invoice_id
            )
            SELECT a.id,
                   i.company_id,
                   i.currency_id,
                   i.carrier_partner_id,
                   i.id AS invoice_id,
                   i.state AS invoice_state,
                   i.is_decided,
                   ap.rule AS approval_rule,
                   i.invoice_date AS date,
                   a.charge_type_id,
                   a.shipment_id,
                   CASE WHEN s.id IS NULL THEN NULL
                        ELSE concat_ws(' → ',
                            concat(COALESCE(oc.code, '?'), '-' || os.code),
                            concat(COALESCE(dc.code, '?'), '-' || ds.code))
                   END AS lane,
                   f.code AS finding_code,
                   1 AS charge_count,
                   a.billed AS amount_billed,
                   a.approved AS amount_approved,
                   CASE WHEN i.is_decided THEN a.billed - a.approved ELSE 0 END AS amount_saved
              FROM amounts a
              JOIN inv i ON i.id = a.invoice_id
              LEFT JOIN freight_invoice_approval ap ON ap.id = i.approval_id
              LEFT JOIN logistics_shipment s ON s.id = a.shipment_id
              LEFT JOIN res_partner op ON op.id = s.origin_partner_id
              LEFT JOIN res_country oc ON oc.id = op.country_id
              LEFT JOIN res_country_state os ON os.id = op.state_id
              LEFT JOIN res_partner dp ON dp.id = s.destination_partner_id
              LEFT JOIN res_country dc ON dc.id = dp.country_id
              LEFT JOIN res_country_state ds ON ds.id = dp.state_id
              LEFT JOIN LATERAL (
                  SELECT fi.code FROM freight_audit_finding fi
                   WHERE fi.line_id = a.id
                   ORDER BY fi.severity = 'error' DESC, fi.id LIMIT 1
              ) f ON TRUE
            """,
            company_rate=self._rate_sql(SQL("c.currency_id")),
            invoice_rate=self._rate_sql(SQL("i.currency_id")),
        )

    def _rate_sql(self, currency):
        """The rate of ``currency`` at the invoice's date, as ``res.currency._get_rates`` finds it."""
        return SQL(
            """COALESCE(
                (SELECT r.rate FROM res_currency_rate r
                  WHERE r.currency_id = %(currency)s AND (r.company_id IS NULL OR r.company_id = i.company_id)
                    AND r.name <= COALESCE(i.invoice_date, i.create_date::date)
                  ORDER BY r.company_id, r.name DESC LIMIT 1),
                (SELECT r.rate FROM res_currency_rate r
                  WHERE r.currency_id = %(currency)s AND (r.company_id IS NULL OR r.company_id = i.company_id)
                  ORDER BY r.company_id, r.name ASC LIMIT 1),
                1.0)""",
            currency=currency,
        )
