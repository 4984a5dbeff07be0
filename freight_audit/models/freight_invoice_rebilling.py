"""Customer rebilling: the rebillable approved charges of a carrier invoice become service lines
on the customer's sale order (once per charge), and the open audit cases that hold them back
(asked by billing_readiness).

Rebilling lines are created in superuser mode, for approved invoices with a recorded approval
only (``_on_approved`` and the posting cron, after their checks), never for a test backend's.
"""

from odoo import _, api, fields, models


class FreightInvoice(models.Model):
    # One class per concern of freight.invoice, each in its own file (see freight_invoice.py):
    # not merged with the base class on purpose.
    _inherit = "freight.invoice"  # pylint: disable=consider-merging-classes-inherited

    def _add_rebilling_lines(self):
        """Rebillable approved charges -> a service line on the customer's sale order (once per charge)."""
        lines = self.line_ids.filtered(
            lambda line: line.charge_type_id.is_rebillable
            and line.approved_amount
            and line.shipment_id.sale_id
            and not line.rebill_sale_line_id
            and line.invoice_id.state in ("approved", "billed")
            and line.invoice_id.approval_id
            and not line.invoice_id.is_from_test_backend
        )
        if not lines:
            return self.env["sale.order.line"]
        already = self.env["sale.order.line"].sudo().search([("freight_invoice_line_id", "in", lines.ids)])
        lines -= already.freight_invoice_line_id
        vals_list = []
        for line in lines:
            order = line.shipment_id.sale_id
            if order.state != "sale":
                continue
            product = line.charge_type_id.rebill_product_id or line.charge_type_id.product_id
            price = line.currency_id._convert(
                line.approved_amount,
                order.currency_id,
                order.company_id,
                line.invoice_id.invoice_date or fields.Date.context_today(self),
            )
            vals_list.append(
                {
                    "order_id": order.id,
                    "product_id": product.id,
                    "name": _(
                        "%(charge)s, shipment %(shipment)s (carrier invoice %(invoice)s)",
                        charge=line.charge_type_id.name,
                        shipment=line.shipment_id.name,
                        invoice=line.invoice_id.name,
                    ),
                    "product_uom_qty": 1.0,
                    "price_unit": price,
                    "tax_id": [fields.Command.set(product.taxes_id._filter_taxes_by_company(order.company_id).ids)],
                    "freight_invoice_line_id": line.id,
                }
            )
        created = self.env["sale.order.line"].sudo().create(vals_list) if vals_list else self.env["sale.order.line"]
        for sale_line in created:
            sale_line.freight_invoice_line_id.rebill_sale_line_id = sale_line
        return created

    @api.model
    def _freight_open_cases_for_sale_orders(self, orders, rebillable_only=True):
        """Open audit cases on (rebillable) charges of shipments of ``orders``."""
        domain = [
            ("state", "in", ("open", "in_review", "disputed")),
            ("line_ids.shipment_id.sale_id", "in", orders.ids),
        ]
        if rebillable_only:
            domain.append(("line_ids.charge_type_id.is_rebillable", "=", True))
        return self.env["freight.audit.case"].search(domain)
