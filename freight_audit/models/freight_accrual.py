"""Accrued freight: delivered shipments not billed yet, accrued once per period, reversed once."""

import logging
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


def month_end(day):
    return day + relativedelta(day=31)


class FreightAccrual(models.Model):
    _name = "freight.accrual"
    _description = "Freight Accrual"
    _order = "period_date desc, id desc"
    _check_company_auto = True

    shipment_id = fields.Many2one(
        "logistics.shipment", required=True, ondelete="restrict", index=True, check_company=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    carrier_partner_id = fields.Many2one("res.partner", string="Carrier", check_company=True)
    period_date = fields.Date(string="Period End", required=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount = fields.Monetary(string="Accrued (company currency)", required=True)
    explanation = fields.Text(help="How the expected freight was computed (rate card and version).")
    rate_card_id = fields.Many2one("freight.rate.card", ondelete="set null", check_company=True)
    move_id = fields.Many2one(
        "account.move", string="Accrual Entry", readonly=True, ondelete="restrict", check_company=True
    )
    reversal_move_id = fields.Many2one(
        "account.move", string="Reversal Entry", readonly=True, ondelete="restrict", check_company=True
    )
    state = fields.Selection([("posted", "Accrued"), ("reversed", "Reversed")], default="posted", required=True)
    reversal_reason = fields.Char(readonly=True)

    _sql_constraints = [
        (
            "shipment_period_uniq",
            "unique(shipment_id, period_date)",
            "A shipment is accrued at most once per period.",
        ),
    ]

    def init(self):
        # At most one open accrual per shipment, whatever the path (cron, replay, two workers).
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS freight_accrual_open_uniq
                ON freight_accrual (shipment_id) WHERE state = 'posted'
            """
        )

    # ------------------------------------------------------------------
    # Accrue
    # ------------------------------------------------------------------
    @api.model
    def _cron_accrue_delivered(self):
        """Daily: accrue the delivered shipments that have no approved invoice yet."""
        today = fields.Date.context_today(self)
        return self._accrue(month_end(today), today)

    @api.model
    def _cron_period_end(self, period_end=None):
        """Period end (monthly): open accruals of earlier periods are reversed on the first day of
        the period and accrued again at its end, at today's contract rates; new deliveries too."""
        today = fields.Date.context_today(self)
        period_end = period_end or (today.replace(day=1) - timedelta(days=1))
        period_start = period_end.replace(day=1)
        stale = self.search([("state", "=", "posted"), ("period_date", "<", period_start)])
        stale._reverse(period_start, _("period end: re-accrued for %s", period_end))
        return self._accrue(period_end, period_end)

    @api.model
    def _accrue(self, period_end, accrual_date, shipments=None):
        """Accrue the expected freight of delivered, unbilled shipments for the period ending ``period_end``."""
        companies = self.env["res.company"].sudo().search([("freight_accrual_enabled", "=", True)])
        if not companies:
            return self
        domain = [
            ("company_id", "in", companies.ids),
            ("status", "=", "delivered"),
            ("carrier_partner_id", "!=", False),
            "|",
            ("actual_delivery", "=", False),
            ("actual_delivery", "<", fields.Datetime.to_datetime(period_end) + timedelta(days=1)),
        ]
        if shipments is not None:
            domain.append(("id", "in", shipments.ids))
        candidates = self.env["logistics.shipment"].sudo().search(domain)
        if not candidates:
            return self
        billed = (
            self.env["freight.invoice.line"]
            .sudo()
            .search(
                [
                    ("shipment_id", "in", candidates.ids),
                    ("invoice_id.state", "in", ("approved", "billed")),
                    ("invoice_id.is_duplicate", "=", False),
                    # An invoice from a test backend is never billed: the freight stays accrued.
                    ("invoice_id.is_from_test_backend", "=", False),
                ]
            )
        )
        open_accruals = self.sudo().search([("shipment_id", "in", candidates.ids), ("state", "=", "posted")])
        candidates -= billed.shipment_id | open_accruals.shipment_id
        if not candidates:
            return self
        expected = candidates._freight_expected_amounts()
        created = self
        for shipment in candidates:
            figures = expected.get(shipment.id)
            if not figures or not figures["amount"]:
                _logger.info("No accrual for shipment %s: %s", shipment.name, figures and figures["explanation"])
                continue
            try:
                with self.env.cr.savepoint():
                    created |= self._create_accrual(shipment, figures, period_end, accrual_date)
            except UserError as error:
                shipment.message_post(body=_("Freight accrual not posted: %s", error))
        return created

    @api.model
    def _create_accrual(self, shipment, figures, period_end, accrual_date):
        company = shipment.company_id
        journal = company.freight_accrual_journal_id
        expense = company.freight_accrual_expense_account_id
        liability = company.freight_accrued_liability_account_id
        if not (journal and expense and liability):
            raise UserError(_("Company %s: set the freight accrual journal and accounts.", company.name))
        amount = figures["currency"]._convert(figures["amount"], company.currency_id, company, accrual_date)
        accrual = self.sudo().create(
            {
                "shipment_id": shipment.id,
                "company_id": company.id,
                "carrier_partner_id": shipment.carrier_partner_id.id,
                "period_date": period_end,
                "amount": amount,
                "explanation": figures["explanation"],
                "rate_card_id": figures["rate_card_id"],
            }
        )
        distribution = shipment._freight_analytic_distribution().get(shipment.id) or False
        label = _("Accrued freight %(shipment)s (%(period)s)", shipment=shipment.name, period=period_end)
        move = (
            self.env["account.move"]
            .sudo()
            .with_company(company)
            .create(
                {
                    "move_type": "entry",
                    "journal_id": journal.id,
                    "date": accrual_date,
                    "ref": label,
                    "freight_accrual_id": accrual.id,
                    "line_ids": [
                        fields.Command.create(
                            {
                                "name": label,
                                "account_id": expense.id,
                                "debit": amount,
                                "credit": 0.0,
                                "partner_id": shipment.carrier_partner_id.id,
                                "analytic_distribution": distribution,
                            }
                        ),
                        fields.Command.create(
                            {
                                "name": label,
                                "account_id": liability.id,
                                "debit": 0.0,
                                "credit": amount,
                                "partner_id": shipment.carrier_partner_id.id,
                            }
                        ),
                    ],
                }
            )
        )
        move.action_post()
        accrual.move_id = move
        return accrual

    # ------------------------------------------------------------------
    # Reverse
    # ------------------------------------------------------------------
    @api.model
    def _reverse_for_shipments(self, shipments, reason, date=None):
        """Reverse the open accruals of ``shipments`` (each reversal posted once)."""
        if not shipments:
            return self
        accruals = self.sudo().search([("shipment_id", "in", shipments.ids), ("state", "=", "posted")])
        return accruals._reverse(date or fields.Date.context_today(self), reason)

    def _reverse(self, date, reason):
        if not self:
            return self
        # Lock the rows, then re-read: a concurrent reversal has already set the state.
        self.env.cr.execute(SQL("SELECT id FROM freight_accrual WHERE id IN %s FOR UPDATE", tuple(self.ids)))
        self.invalidate_recordset(["state", "reversal_move_id"])
        todo = self.filtered(lambda a: a.state == "posted" and not a.reversal_move_id)
        for accrual in todo:
            move = accrual.move_id
            reversal_date = max(date, move.date)
            reversal = move.sudo()._reverse_moves(
                [{"date": reversal_date, "ref": _("Reversal of %(ref)s: %(reason)s", ref=move.ref, reason=reason)}]
            )
            reversal.action_post()
            accrual.sudo().write({"state": "reversed", "reversal_move_id": reversal.id, "reversal_reason": reason})
        return todo
