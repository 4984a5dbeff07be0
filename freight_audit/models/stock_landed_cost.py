from odoo import fields, models


class StockLandedCost(models.Model):
    _inherit = "stock.landed.cost"

    freight_invoice_id = fields.Many2one(
        "freight.invoice", string="Carrier Invoice", copy=False, index="btree_not_null", check_company=True
    )
    freight_shipment_id = fields.Many2one("logistics.shipment", string="Shipment", copy=False, check_company=True)

    def init(self):
        # One landed cost per carrier invoice and shipment, whatever the path.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS stock_landed_cost_freight_uniq
                ON stock_landed_cost (freight_invoice_id, freight_shipment_id)
             WHERE freight_invoice_id IS NOT NULL AND state != 'cancel'
            """
        )
