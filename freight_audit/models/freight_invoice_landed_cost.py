"""Landed costs: the approved inbound freight of a posted carrier bill, capitalised on the receipts.

Created once per invoice and shipment, in superuser mode, when the vendor bill is posted
(``_on_bill_posted`` in ``freight_invoice_billing.py``), or, when the receipt of the shipment was
not done yet, when it is validated later (``stock_picking.py``); the field is for stock managers.
"""

from odoo import _, fields, models


class FreightInvoice(models.Model):
    # One class per concern of freight.invoice, each in its own file (see freight_invoice.py):
    # not merged with the base class on purpose.
    _inherit = "freight.invoice"  # pylint: disable=consider-merging-classes-inherited

    landed_cost_ids = fields.One2many(
        "stock.landed.cost", "freight_invoice_id", string="Landed Costs", groups="stock.group_stock_manager"
    )

    def _create_landed_costs(self):
        """Approved freight of inbound shipments becomes validated landed costs on their receipts."""
        self.ensure_one()
        LandedCost = self.env["stock.landed.cost"].sudo()
        lines = self.line_ids.filtered(
            lambda line: line.shipment_id.direction == "inbound"
            and line.charge_type_id.is_landed_cost
            and line.approved_amount
        )
        if not lines:
            return LandedCost
        done = LandedCost.search([("freight_invoice_id", "=", self.id), ("state", "!=", "cancel")])
        done_shipments = done.freight_shipment_id
        created = LandedCost
        rate_date = self.invoice_date or fields.Date.context_today(self)
        for shipment, shipment_lines in lines.grouped("shipment_id").items():
            if shipment in done_shipments:
                continue
            receipts = shipment.picking_ids.filtered(lambda p: p.picking_type_code == "incoming" and p.state == "done")
            if not receipts:
                self.message_post(
                    body=_(
                        "No landed cost for shipment %s yet: its receipt is not done. It is created when "
                        "the receipt is validated.",
                        shipment.name,
                    )
                )
                continue
            cost_lines = []
            for charge_type, type_lines in shipment_lines.grouped("charge_type_id").items():
                amount = self.currency_id._convert(
                    sum(type_lines.mapped("approved_amount")), self.company_id.currency_id, self.company_id, rate_date
                )
                cost_lines.append(
                    fields.Command.create(
                        {
                            "product_id": charge_type.product_id.id,
                            "name": f"{charge_type.name} ({self.name})",
                            "price_unit": amount,
                            "split_method": charge_type.split_method,
                            "account_id": charge_type.with_company(self.company_id)._expense_account().id,
                        }
                    )
                )
            journal = self.env["account.journal"].search(
                [("type", "=", "general"), ("company_id", "=", self.company_id.id)], limit=1
            )
            cost = LandedCost.with_company(self.company_id).create(
                {
                    "company_id": self.company_id.id,
                    "picking_ids": [fields.Command.set(receipts.ids)],
                    "cost_lines": cost_lines,
                    "vendor_bill_id": self.vendor_bill_id.id,
                    "freight_invoice_id": self.id,
                    "freight_shipment_id": shipment.id,
                    "account_journal_id": journal.id,
                    "date": rate_date,
                }
            )
            cost.compute_landed_cost()
            cost.button_validate()
            created |= cost
        return created
