"""The taxes of a carrier invoice's vendor bill, computed as Odoo computes them on the bill.

Every charge that is not a tax becomes a bill line (one per charge type and analytic origin,
``_bill_groups``) with purchase taxes (``_bill_taxes``): its charge type's taxes (by default its
product's vendor taxes), plus the taxes the carrier bills on this invoice (the taxes of its *Tax*
charge types: X12 210 tax or GST codes, FAP JSON tax lines, the CSV tax column, through the
backend's charge code mappings), all mapped by the carrier's fiscal position.

The carrier's tax lines are never bill lines (never an expense): the bill's tax is Odoo's, from
those taxes. ``_bill_tax_amount`` computes it with Odoo's own tax engine (the company's rounding
method included) so that the audit can compare it with the tax the carrier billed, to the cent
(``TAX_MISMATCH``), and the posting compares the bill's total with the approved amount
(``BILL_TOTAL_MISMATCH``): a difference is a finding, never a silent rounding.

When an approver pays less (or, a Freight Manager, more) than the carrier billed for a charge,
the tax of the approved charges is no longer the tax billed: ``_freight_tax_on_approved`` sets
the approved amount of the carrier's tax lines to the tax Odoo computes on the approved charges,
before the approval is recorded, and says so in the chatter (old and new tax), so the recorded
approval, the bill and its total agree.
"""

from collections import defaultdict

from odoo import models
from odoo.tools import float_compare, float_round


class FreightInvoice(models.Model):
    # One class per concern of freight.invoice, each in its own file (see freight_invoice.py):
    # not merged with the base class on purpose.
    _inherit = "freight.invoice"  # pylint: disable=consider-merging-classes-inherited

    def _freight_fiscal_positions(self):
        """{(company id, carrier id): account.fiscal.position} of these invoices, one lookup per pair."""
        FiscalPosition = self.env["account.fiscal.position"].sudo()
        positions = {}
        for invoice in self:
            key = (invoice.company_id.id, invoice.carrier_partner_id.id)
            if key not in positions:
                positions[key] = FiscalPosition.with_company(invoice.company_id)._get_fiscal_position(
                    invoice.carrier_partner_id
                )
        return positions

    def _freight_fiscal_position(self, positions):
        self.ensure_one()
        return positions.get((self.company_id.id, self.carrier_partner_id.id)) or self.env["account.fiscal.position"]

    def _bill_groups(self, lines, amount_field, distributions):
        """{(charge type, analytic distribution items): amount} of the bill lines of ``lines``
        (the carrier's tax lines excluded: they become the bill's tax)."""
        groups = defaultdict(float)
        for line in lines:
            if line.charge_type_id.kind == "tax":
                continue
            distribution = distributions.get(line.shipment_id.id) or {}
            groups[(line.charge_type_id, tuple(sorted(distribution.items())))] += line[amount_field]
        return groups

    def _bill_taxes(self, fiscal_position):
        """{charge type: account.tax} of the charges of this invoice that are not taxes: the charge
        type's taxes plus the taxes billed on the invoice (its Tax charge types'), mapped by
        ``fiscal_position``."""
        self.ensure_one()
        charge_types = self.line_ids.charge_type_id
        billed = self.env["account.tax"]
        for charge_type in charge_types.filtered(lambda t: t.kind == "tax"):
            billed |= charge_type._purchase_taxes(fiscal_position)
        return {
            charge_type: charge_type._purchase_taxes(fiscal_position) | billed
            for charge_type in charge_types
            if charge_type.kind != "tax"
        }

    def _bill_tax_amount(self, groups, taxes):
        """(untaxed amount, tax amount) in the invoice's currency of a bill of ``groups`` (see
        ``_bill_groups``) with ``taxes`` (see ``_bill_taxes``), as Odoo computes the posted bill."""
        self.ensure_one()
        if not any(taxes.get(charge_type) for charge_type, _distribution in groups):
            return sum(groups.values()), 0.0
        AccountTax = self.env["account.tax"]
        base_lines = [
            AccountTax._prepare_base_line_for_taxes_computation(
                {},
                id=index,
                tax_ids=taxes.get(charge_type) or AccountTax,
                price_unit=amount,
                quantity=1.0,
                currency_id=self.currency_id,
                product_id=charge_type.product_id,
                partner_id=self.carrier_partner_id,
            )
            for index, ((charge_type, _distribution), amount) in enumerate(groups.items(), start=1)
        ]
        company = self.company_id
        AccountTax._add_tax_details_in_base_lines(base_lines, company)
        AccountTax._round_base_lines_tax_details(base_lines, company)
        summary = AccountTax._get_tax_totals_summary(base_lines, self.currency_id, company)
        return summary["base_amount_currency"], summary["tax_amount_currency"]

    def _freight_tax_on_approved(self):
        """The approved amount of the carrier's tax lines becomes the tax of the approved charges
        (as the bill will compute it), on invoices where an approved charge differs from the
        billed one. Called when the last audit case of an invoice is decided, before the approval
        is recorded; writes in superuser mode (the approved amounts are guarded fields)."""
        positions = None
        for invoice in self:
            lines = invoice.line_ids
            tax_lines = lines.filtered(lambda line: line.charge_type_id.kind == "tax")
            rounding = invoice.currency_id.rounding
            charges = lines - tax_lines
            if not tax_lines or not any(
                float_compare(line.approved_amount, line.amount, precision_rounding=rounding) for line in charges
            ):
                continue
            if positions is None:
                positions = self._freight_fiscal_positions()
            distributions = charges.shipment_id._freight_analytic_distribution()
            groups = invoice._bill_groups(lines, "approved_amount", distributions)
            _untaxed, tax = invoice._bill_tax_amount(
                groups, invoice._bill_taxes(invoice._freight_fiscal_position(positions))
            )
            before = sum(tax_lines.mapped("approved_amount"))
            if not float_compare(before, tax, precision_rounding=rounding):
                continue
            # Each tax line in proportion to what the carrier billed on it; the last takes the rest.
            billed = sum(tax_lines.mapped("amount"))
            remaining = tax
            for index, line in enumerate(tax_lines):
                if index == len(tax_lines) - 1:
                    amount = remaining
                else:
                    share = line.amount / billed if billed else 1.0 / len(tax_lines)
                    amount = float_round(tax * share, precision_rounding=rounding)
                remaining -= amount
                line.sudo().approved_amount = float_round(amount, precision_rounding=rounding)
            invoice.message_post(
                body=self.env._(
                    "Tax adjusted to the approved charges: %(before)s approved as billed, %(after)s on the "
                    "charges as approved (as the vendor bill computes it).",
                    before=before,
                    after=tax,
                )
            )
