"""Holds block manual invoicing: sale's *Create Invoice* on an order on billing hold refuses.

``_create_invoices`` (the standard *Create Invoice* wizard ``sale.advance.payment.inv``, and any
caller outside superuser mode) evaluates the orders again, then refuses with their hold reasons
when one of them is on hold. Superuser mode is the only way past (as with
``logistics.guarded.mixin``; no context key switches the check off): the scheduled invoicing and
*Invoice Now* (``sale_order_invoicing.py``), which invoice ready orders only, and the override of
a Billing Manager, :meth:`SaleOrder._billing_invoice_override`, which checks the group and the
orders first and keeps the reason in the chatter (wizard ``billing.hold.wizard``, mode *invoice*).
Down payments are not invoices of the goods: sale creates them without ``_create_invoices``.
"""

from collections import defaultdict

from odoo import _, models
from odoo.exceptions import UserError


class SaleOrder(models.Model):
    # One class per concern of sale.order, each in its own file (see sale_order.py): not merged
    # with the other ones on purpose.
    _inherit = "sale.order"  # pylint: disable=consider-merging-classes-inherited

    def _create_invoices(self, grouped=False, final=False, date=None):
        if not self.env.su:
            self._billing_check_not_held()
        return super()._create_invoices(grouped=grouped, final=final, date=date)

    def _billing_check_not_held(self):
        """Refuse (UserError) when one of these orders is on billing hold, with its reasons."""
        orders = self.sudo().filtered(lambda o: o.state == "sale")
        if not orders:
            return
        # Facts may have changed since the last evaluation (a delivery validated, a case closed).
        orders._billing_recompute_readiness()
        held = orders.filtered(lambda o: o.billing_readiness_state == "on_hold")
        if not held:
            return
        lines = []
        for order in held:
            reasons = order.billing_hold_reason_ids
            reasons = reasons.filtered(lambda r: r.kind == "hold") or reasons
            lines.append(f"{order.name}: {'; '.join(reasons.mapped('display_name'))}")
        raise UserError(
            _(
                "Billing hold: these orders cannot be invoiced yet.\n%(lines)s\n"
                "Solve the reasons, or ask a Billing Manager to release the hold or to invoice anyway "
                "(Invoice despite Hold, with a reason).",
                lines="\n".join(lines),
            )
        )

    def action_billing_invoice_override(self):
        """Open the wizard that invoices held orders anyway (Billing Managers, with a reason)."""
        self._billing_check_manager()
        self._billing_check_orders("write")
        return self._billing_wizard_action("invoice")

    def _billing_invoice_override(self, note):
        """Invoice these orders although they are on hold (Billing Manager); returns the invoices.

        The reason and the hold reasons overridden go to each order's chatter. Invoiced with
        sale's ``_create_invoices`` in superuser mode, in each order's company.
        """
        self._billing_check_manager()
        if not self:
            raise UserError(_("No order to invoice (or none you may see)."))
        self._billing_check_orders("write")
        if not (note or "").strip():
            raise UserError(_("Say why the orders are invoiced despite their billing hold."))
        orders = self.sudo()
        orders._billing_recompute_readiness()
        moves = self.env["account.move"].sudo()
        by_company = defaultdict(lambda: orders.browse())
        for order in orders:
            by_company[order.company_id] |= order
        for company, group in by_company.items():
            moves |= group.with_company(company)._create_invoices()
        if not moves:
            raise UserError(_("Nothing to invoice on %s.", ", ".join(orders.mapped("name"))))
        for order in orders:
            overridden = ", ".join(order.billing_hold_reason_ids.mapped("display_name")) or _("none")
            invoices = moves.filtered(lambda m, o=order: o in m.line_ids.sale_line_ids.order_id)
            order.message_post(
                body=_(
                    "Invoiced despite the billing hold by %(user)s: %(note)s. Hold reasons overridden: "
                    "%(reasons)s. Invoice: %(invoices)s",
                    user=self.env.user.name,
                    note=note.strip(),
                    reasons=overridden,
                    invoices=", ".join(invoices.mapped("display_name")) or _("none"),
                ),
                subtype_xmlid="mail.mt_note",
            )
        orders._billing_recompute_readiness()
        return moves
