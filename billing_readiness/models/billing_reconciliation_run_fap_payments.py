"""The FAP payments section of a reconciliation run: what the FAP paid the carriers, what it
asked to be funded, the FAP clearing account at the end of the period, one line per currency,
and every difference the FAP's reports left (``freight.fap.difference``, freight_audit)."""

from collections import defaultdict

from odoo import _, models

KIND_TO_DIFFERENCE = {"amount": "amount_differs", "unknown_invoice": "missing_in_odoo", "funding": "payment_differs"}


class BillingReconciliationRun(models.Model):
    _inherit = "billing.reconciliation.run"  # pylint: disable=consider-merging-classes-inherited

    def _section_fap_payments(self, builder):
        company = self.company_id
        period = [("company_id", "=", company.id), ("date", ">=", self.date_from), ("date", "<=", self.date_to)]
        differences = self.env["freight.fap.difference"].search(period, order="date, id")
        if company.freight_payment_mode != "fap" and not differences:
            return
        payments = self.env["account.payment"].search(
            [*period, ("freight_fap_invoice_id", "!=", False), ("state", "!=", "canceled")]
        )
        fundings = self.env["freight.fap.funding"].search(period)
        by_currency = defaultdict(lambda: [self.env["account.payment"], self.env["freight.fap.funding"]])
        for payment in payments:
            by_currency[payment.currency_id][0] |= payment
        for funding in fundings:
            by_currency[funding.currency_id][1] |= funding
        for currency, (paid, funded) in sorted(by_currency.items(), key=lambda item: item[0].name):
            builder.add(
                "fap_payment",
                _("Paid by the FAP vs funding requested (%s)", currency.name),
                count=len(paid),
                odoo_value=sum(paid.mapped("amount")),
                backend_value=sum(funded.mapped("amount")),
                freight_invoice_ids=paid.freight_fap_invoice_id.ids,
                move_ids=(paid.move_id | funded.bill_id).ids,
            )
        journal = company.freight_fap_journal_id
        if journal:
            lines = self.env["account.move.line"].search(
                [
                    ("account_id", "=", journal.default_account_id.id),
                    ("parent_state", "=", "posted"),
                    ("date", "<=", self.date_to),
                    ("company_id", "=", company.id),
                ]
            )
            builder.add(
                "fap_payment",
                _("FAP clearing account at the end of the period (%s)", company.currency_id.name),
                odoo_value=sum(lines.mapped("balance")),
                backend_value=0.0,
            )
        kinds = dict(differences._fields["kind"]._description_selection(self.env))
        for difference in differences:
            builder.add(
                "fap_payment",
                _("%(kind)s: %(ref)s", kind=kinds.get(difference.kind), ref=difference.fap_reference),
                line_type="difference",
                difference_kind=KIND_TO_DIFFERENCE[difference.kind],
                reference=difference.fap_reference,
                odoo_value=difference.amount_expected,
                backend_value=difference.amount_reported,
                note=" ".join(
                    filter(
                        None, [difference.payment_reference, difference.currency_id.name, difference.funding_id.name]
                    )
                ),
                backend_id=difference.backend_id.id,
                freight_invoice_ids=difference.invoice_id.ids,
                move_ids=(difference.payment_id.move_id | difference.funding_id.bill_id).ids,
            )
