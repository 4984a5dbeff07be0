from odoo import api, fields, models

from odoo.addons.logistics_connector.services.status import PLANNING_STATUSES, SHIPMENT_STATUSES, STATUS_RANK

# Shipment fields readiness depends on: a write of one of them queues the orders again.
READINESS_FIELDS = {
    "status",
    "actual_delivery",
    "pod_signer",
    "pod_time",
    "pod_attachment_id",
    "sale_id",
    "direction",
    "company_id",
}
# Statuses that say the carrier has the goods: reaching one from a planning status validates the
# delivery orders when the company says so (res.company.billing_validate_delivery_on_pickup).
MOVED_STATUSES = frozenset(
    status for status, rank in STATUS_RANK.items() if rank >= STATUS_RANK["picked_up"] and status != "cancelled"
)
# Shipment fields only billing_readiness's methods write (``None``: no group writes them directly).
BILLING_GUARDED_FIELDS = {"billing_invoiced": None}


class LogisticsShipment(models.Model):
    # ``billing_invoiced`` is set by the scheduled invoicing only (superuser mode): guarded with
    # logistics.guarded.mixin, which merges it with the other addons' guarded shipment fields.
    _inherit = "logistics.shipment"
    _guarded_fields = BILLING_GUARDED_FIELDS

    billing_invoiced = fields.Boolean(
        string="Invoiced to Customer",
        readonly=True,
        copy=False,
        index=True,
        help="The delivered goods of this shipment are on a customer invoice (scheduled invoicing).",
    )

    @api.model_create_multi
    def create(self, vals_list):
        shipments = super().create(vals_list)
        self.env["billing.readiness.dirty"]._mark_orders(shipments.sale_id.ids)
        return shipments

    def write(self, vals):
        if not READINESS_FIELDS.intersection(vals):
            return super().write(vals)
        before = self.sale_id.ids if "sale_id" in vals else []
        picked_up = self.browse()
        if vals.get("status") in MOVED_STATUSES:
            # Read from the cache (the company's option once per transaction): no query per shipment.
            picked_up = self.filtered(
                lambda s: s.status in PLANNING_STATUSES
                and s.direction == "outbound"
                and s.company_id.billing_validate_delivery_on_pickup
            )
        result = super().write(vals)
        self.env["billing.readiness.dirty"]._mark_orders(before + self.sale_id.ids)
        if picked_up:
            picked_up._billing_validate_on_pickup(vals["status"])
        return result

    def _billing_validate_on_pickup(self, status):
        """The carrier has the goods: validate the open delivery orders of these shipments
        (company option), for the quantities of the shipment, said in their chatter."""
        pickings = self.sudo().picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing" and p.state not in ("draft", "done", "cancel")
        )
        if pickings:
            pickings._billing_validate_for_shipment(dict(SHIPMENT_STATUSES)[status].lower())

    def unlink(self):
        self.env["billing.readiness.dirty"]._mark_orders(self.sale_id.ids)
        return super().unlink()
