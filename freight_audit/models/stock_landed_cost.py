from odoo import fields, models


class StockLandedCost(models.Model):
    _name = "stock.landed.cost"
    _inherit = ["stock.landed.cost", "logistics.guarded.mixin"]
    # Set by freight posting only: a landed cost linked by hand to a carrier invoice and
    # shipment would stand in for the one posting makes (one per invoice and shipment).
    _guarded_fields = {"freight_invoice_id": None, "freight_shipment_id": None}

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
