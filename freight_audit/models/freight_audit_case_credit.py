"""A dispute settled in our favour after its case was approved: a credit note (once).

The carrier's answer (``fap_dispute_answer``) may carry the outcome of the dispute::

    {"dispute_id": "D-1", "answer": "...", "outcome": "accepted", "credit_amount": "25.00"}

When the case is still open, the approver approves the settled amount and the bill is made for
it: nothing to credit. When the case was approved already (an approver may pay a disputed case
in full, to pay the carrier on time), the settled amount is credited: a ``dispute`` credit
(``freight.credit.note``), posted as soon as the bill is, once per dispute.
"""

from odoo import _, fields, models
from odoo.tools import float_compare, float_is_zero

SETTLED = ("accepted", "credited", "credit", "won")


class FreightAuditCase(models.Model):
    _inherit = "freight.audit.case"  # pylint: disable=consider-merging-classes-inherited

    credit_note_ids = fields.One2many("freight.credit.note", "case_id", string="Credits", readonly=True)

    def _freight_settle_dispute(self, data):
        """Apply a settlement in our favour (superuser: the journal's handler)."""
        self.ensure_one()
        if str(data.get("outcome") or "").lower() not in SETTLED:
            return False
        invoice = self.invoice_id
        rounding = self.currency_id.rounding
        if self.state in ("open", "in_review", "disputed"):
            self.message_post(body=_("The carrier settled the dispute in our favour: approve the settled amount."))
            return False
        if self.state != "approved" or invoice.state not in ("approved", "billed"):
            return False
        allocation = self._freight_settlement_allocation(data.get("credit_amount"))
        amount = sum(value for _key, value in allocation)
        if (
            float_is_zero(amount, precision_rounding=rounding)
            or float_compare(amount, 0.0, precision_rounding=rounding) < 0
        ):
            return False
        self.env["freight.credit.note"]._record(
            {
                "origin": "dispute",
                "origin_key": f"dispute:{self.id}:{self.dispute_reference or ''}",
                "company_id": invoice.company_id.id,
                "carrier_partner_id": invoice.carrier_partner_id.id,
                "currency_id": invoice.currency_id.id,
                "invoice_id": invoice.id,
                "case_id": self.id,
                "reference": self.dispute_reference or self.name,
                "amount": amount,
                "allocation": allocation,
            }
        )
        return True

    def _freight_settlement_allocation(self, credit_amount):
        """[[charge type id, amount]]: the credit spread over the case's charges by what was
        approved above the contract (else by the approved amounts); the last takes the cents."""
        self.ensure_one()
        currency = self.currency_id
        lines = self.line_ids.filtered(lambda line: line.charge_type_id.kind != "tax").sorted("id")
        over = {line: max(line.approved_amount - line.expected_amount, 0.0) for line in lines}
        if credit_amount in (None, ""):
            total = currency.round(sum(over.values()))
        else:
            total = currency.round(float(credit_amount))
        weights = over if any(over.values()) else {line: line.approved_amount for line in lines}
        base = sum(weights.values())
        if not base:
            return []
        shares, left = {}, total
        for index, line in enumerate(lines):
            share = left if index == len(lines) - 1 else currency.round(total * weights[line] / base)
            left -= share
            shares[line.charge_type_id.id] = shares.get(line.charge_type_id.id, 0.0) + share
        return [[key, currency.round(value)] for key, value in sorted(shares.items()) if value]
