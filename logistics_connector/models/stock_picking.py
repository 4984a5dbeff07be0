from odoo import _, fields, models
from odoo.exceptions import UserError


class StockPicking(models.Model):
    _inherit = "stock.picking"

    logistics_shipment_id = fields.Many2one(
        "logistics.shipment", string="Shipment", copy=False, index=True, check_company=True
    )
    logistics_status = fields.Selection(related="logistics_shipment_id.status", string="Shipment Status")
    logistics_tracking_url = fields.Char(related="logistics_shipment_id.tracking_url", string="Shipment Tracking")
    logistics_late = fields.Boolean(related="logistics_shipment_id.is_late", string="Shipment Late")

    def _logistics_eligible(self):
        """Deliveries, and receipts that travel with a carrier, not yet on a shipment."""
        return self.filtered(
            lambda p: not p.logistics_shipment_id
            and p.state not in ("draft", "cancel", "done")
            and (p.picking_type_code == "outgoing" or (p.picking_type_code == "incoming" and p.carrier_id))
        )

    def write(self, vals):
        res = super().write(vals)
        if vals.get("carrier_id"):
            # A receipt travels with a carrier once one is set on it (a delivery already has one).
            self.filtered(lambda p: p.picking_type_code == "incoming")._logistics_auto_transport_order()
        return res

    def _logistics_auto_transport_order(self):
        """On confirmation: create the shipment and queue its transport order to the company's TMS."""
        eligible = self._logistics_eligible()
        if not eligible:
            return
        for company, pickings in eligible.grouped("company_id").items():
            if not company.logistics_auto_transport_order:
                continue
            backend = self.env["logistics.backend"].sudo()._get_default_tms(company)
            if not backend:
                continue
            shipments = pickings.sudo()._logistics_create_shipments(backend)
            shipments._queue_transport_order()

    def _logistics_create_shipments(self, backend=None, grouped=False):
        """One shipment per transfer (or one for all of them with ``grouped``)."""
        Shipment = self.env["logistics.shipment"]
        groups = [self] if grouped else list(self)
        vals_list = [Shipment._prepare_from_pickings(pickings, backend) for pickings in groups]
        shipments = Shipment.create(vals_list)
        for pickings, shipment in zip(groups, shipments, strict=True):
            pickings.logistics_shipment_id = shipment
        return shipments

    def action_logistics_create_shipment(self):
        """Group the selected transfers into one shipment (button / list action)."""
        pickings = self.filtered(lambda p: not p.logistics_shipment_id and p.state != "cancel")
        if not pickings:
            raise UserError(_("The selected transfers are already on a shipment or cancelled."))
        if len(pickings.company_id) > 1:
            raise UserError(_("Transfers of different companies cannot share a shipment."))
        backend = self.env["logistics.backend"]._get_default_tms(pickings.company_id)
        shipment = pickings._logistics_create_shipments(backend, grouped=True)
        return shipment._action_view()

    def action_view_logistics_shipment(self):
        self.ensure_one()
        return self.logistics_shipment_id._action_view()
