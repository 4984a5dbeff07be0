"""Landed costs when the receipt arrives late.

A carrier bill posted before the receipt of its inbound shipment is done gets no landed cost then
(``freight.invoice._create_landed_costs`` says so in its chatter). When the receipt is validated
later, the landed costs of the posted bills of its shipments are created at that moment, once
(the same method: it skips an invoice and shipment that already have one, and a unique index
stands behind it).
"""

from odoo import models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        result = super()._action_done()
        self._freight_create_late_landed_costs()
        return result

    def _freight_create_late_landed_costs(self):
        """The posted carrier bills of these done receipts' shipments get their landed costs now."""
        shipments = self.filtered(
            lambda p: p.state == "done" and p.picking_type_code == "incoming" and p.logistics_shipment_id
        ).logistics_shipment_id.filtered(lambda s: s.direction == "inbound")
        if not shipments:
            return
        lines = (
            self.env["freight.invoice.line"]
            .sudo()
            .search(
                [
                    ("shipment_id", "in", shipments.ids),
                    ("charge_type_id.is_landed_cost", "=", True),
                    ("approved_amount", "!=", 0),
                    ("invoice_id.vendor_bill_id.state", "=", "posted"),
                ]
            )
        )
        for invoice in lines.invoice_id:
            invoice._create_landed_costs()
