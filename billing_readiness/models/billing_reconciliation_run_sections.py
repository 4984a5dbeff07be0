"""The sections of a reconciliation run from Odoo's own figures: customer billing, carrier
invoices and accruals (see ``billing_reconciliation_run.py``)."""

from odoo import _, models

from ..services.readiness import OPEN_CASE_STATES


class BillingReconciliationRun(models.Model):
    _inherit = "billing.reconciliation.run"  # pylint: disable=consider-merging-classes-inherited

    # Customer billing -------------------------------------------------
    def _section_customer(self, builder):
        start, end = self._period_bounds()
        Shipment = self.env["logistics.shipment"]
        delivered = Shipment.search(
            [
                ("company_id", "=", self.company_id.id),
                ("direction", "=", "outbound"),
                ("status", "=", "delivered"),
                ("actual_delivery", ">=", start),
                ("actual_delivery", "<", end),
                ("sale_id", "!=", False),
            ]
        )
        orders = delivered.sale_id
        invoiced_orders = orders.filtered(
            lambda o: o.invoice_ids.filtered(lambda m: m.state != "cancel" and m.move_type == "out_invoice")
        )
        not_invoiced = delivered.filtered(lambda s: s.sale_id not in invoiced_orders)
        builder.add(
            "customer",
            _("Outbound shipments delivered"),
            odoo_value=len(delivered),
            shipment_ids=delivered.ids,
        )
        builder.add(
            "customer",
            _("Delivered shipments invoiced to the customer"),
            odoo_value=len(delivered) - len(not_invoiced),
            backend_value=len(delivered),
            shipment_ids=(delivered - not_invoiced).ids,
            sale_order_ids=invoiced_orders.ids,
        )
        states = dict(self.env["sale.order"]._fields["billing_readiness_state"]._description_selection(self.env))
        for order, shipments in not_invoiced.grouped("sale_id").items():
            reasons = ", ".join(order.billing_hold_reason_ids.mapped("display_name"))
            builder.add(
                "customer",
                _(
                    "Delivered, not invoiced: %(order)s (%(state)s)",
                    order=order.name,
                    state=states.get(order.billing_readiness_state),
                ),
                line_type="difference",
                reference=order.name,
                odoo_status=order.billing_readiness_state,
                odoo_value=order.amount_untaxed,
                currency_id=order.currency_id.id,
                note=reasons,
                shipment_ids=shipments.ids,
                sale_order_ids=order.ids,
            )
        # Customer invoices of the period whose shipments are not delivered.
        moves = self.env["account.move"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("move_type", "=", "out_invoice"),
                ("state", "!=", "cancel"),
                ("invoice_date", ">=", self.date_from),
                ("invoice_date", "<=", self.date_to),
            ]
        )
        for move in moves:
            move_orders = move.line_ids.sale_line_ids.order_id
            pending = move_orders.logistics_shipment_ids.filtered(
                lambda s: s.direction == "outbound" and s.status not in ("delivered", "cancelled")
            )
            if pending:
                builder.add(
                    "customer",
                    _("Invoiced before delivery: %(invoice)s", invoice=move.name or move.display_name),
                    line_type="difference",
                    reference=move.name,
                    odoo_status=move.state,
                    odoo_value=move.amount_untaxed,
                    currency_id=move.currency_id.id,
                    note=", ".join(pending.mapped("name")),
                    shipment_ids=pending.ids,
                    sale_order_ids=move_orders.ids,
                    move_ids=move.ids,
                )

    # Carrier invoices -------------------------------------------------
    def _section_carrier(self, builder):
        invoices = self.env["freight.invoice"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("invoice_date", ">=", self.date_from),
                ("invoice_date", "<=", self.date_to),
                ("is_duplicate", "=", False),
                ("state", "!=", "cancel"),
            ]
        )
        approved = invoices.filtered(lambda i: i.state in ("approved", "billed"))
        billed = invoices.filtered(lambda i: i.vendor_bill_id and i.vendor_bill_id.state == "posted")
        paid = billed.filtered(lambda i: i.vendor_bill_id.payment_state in ("paid", "in_payment", "reversed"))
        # One set of figures per currency: amounts of two currencies are never added together.
        currencies = invoices.currency_id.sorted(lambda c: (c != self.currency_id, c.name)) or self.currency_id
        for currency in currencies:
            in_currency = [
                records.filtered(lambda i, c=currency: i.currency_id == c)
                for records in (invoices, approved, billed, paid)
            ]
            self._section_carrier_figures(builder, currency, *in_currency)
        for invoice in invoices - approved:
            if invoice.state == "rejected":
                continue
            cases = invoice.case_ids.filtered(lambda c: c.state in OPEN_CASE_STATES)
            builder.add(
                "carrier",
                _("Received, not approved: %(invoice)s", invoice=invoice.display_name),
                line_type="difference",
                reference=invoice.name,
                odoo_status=invoice.state,
                odoo_value=invoice.amount_total,
                currency_id=invoice.currency_id.id,
                note=", ".join(cases.mapped("name")),
                freight_invoice_ids=invoice.ids,
                case_ids=cases.ids,
                shipment_ids=invoice.line_ids.shipment_id.ids,
            )
        for invoice in approved.filtered(lambda i: not i.vendor_bill_id or i.vendor_bill_id.state != "posted"):
            builder.add(
                "carrier",
                _("Approved, not billed: %(invoice)s", invoice=invoice.display_name),
                line_type="difference",
                reference=invoice.name,
                odoo_status=invoice.state,
                odoo_value=invoice.amount_approved,
                currency_id=invoice.currency_id.id,
                note=invoice.posting_error or "",
                freight_invoice_ids=invoice.ids,
                move_ids=invoice.vendor_bill_id.ids,
            )
        for invoice in (billed - paid).filtered(lambda i: i.fap_payment_state == "paid"):
            builder.add(
                "carrier",
                _("Paid by the FAP, bill not paid in Odoo: %(invoice)s", invoice=invoice.display_name),
                line_type="difference",
                reference=invoice.name,
                odoo_status=invoice.vendor_bill_id.payment_state,
                backend_status="paid",
                odoo_value=invoice.vendor_bill_id.amount_residual,
                currency_id=invoice.currency_id.id,
                freight_invoice_ids=invoice.ids,
                move_ids=invoice.vendor_bill_id.ids,
            )

    def _section_carrier_figures(self, builder, currency, invoices, approved, billed, paid):
        """The figures of the carrier invoices in ``currency`` (all of them in that currency)."""
        builder.add(
            "carrier",
            _("Carrier invoices received"),
            odoo_value=sum(invoices.mapped("amount_total")),
            count=len(invoices),
            freight_invoice_ids=invoices.ids,
            currency_id=currency.id,
        )
        builder.add(
            "carrier",
            _("Approved"),
            odoo_value=sum(approved.mapped("amount_approved")),
            count=len(approved),
            freight_invoice_ids=approved.ids,
            currency_id=currency.id,
        )
        builder.add(
            "carrier",
            _("Billed (posted vendor bills)"),
            odoo_value=sum(billed.mapped("vendor_bill_id.amount_total")),
            count=len(billed),
            freight_invoice_ids=billed.ids,
            move_ids=billed.vendor_bill_id.ids,
            currency_id=currency.id,
        )
        builder.add(
            "carrier",
            _("Paid"),
            odoo_value=sum(paid.mapped("vendor_bill_id.amount_total")),
            count=len(paid),
            freight_invoice_ids=paid.ids,
            move_ids=paid.vendor_bill_id.ids,
            currency_id=currency.id,
        )

    # Accruals ---------------------------------------------------------
    def _section_accruals(self, builder):
        accruals = self.env["freight.accrual"].search(
            [("company_id", "=", self.company_id.id), ("state", "=", "posted"), ("period_date", "<=", self.date_to)]
        )
        builder.add(
            "accrual",
            _("Open freight accruals"),
            odoo_value=sum(accruals.mapped("amount")),
            currency_id=self.currency_id.id,
            count=len(accruals),
            accrual_ids=accruals.ids,
            shipment_ids=accruals.shipment_id.ids,
        )
        stale = accruals.filtered(
            lambda a: any(
                line.invoice_id.vendor_bill_id.state == "posted" for line in a.shipment_id.freight_invoice_line_ids
            )
        )
        for accrual in stale:
            builder.add(
                "accrual",
                _("Accrual still open, the shipment is billed: %(shipment)s", shipment=accrual.shipment_id.name),
                line_type="difference",
                reference=accrual.shipment_id.name,
                odoo_value=accrual.amount,
                currency_id=self.currency_id.id,
                accrual_ids=accrual.ids,
                shipment_ids=accrual.shipment_id.ids,
                freight_invoice_ids=accrual.shipment_id.freight_invoice_line_ids.invoice_id.ids,
            )
