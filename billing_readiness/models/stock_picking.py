"""Delivery orders and billing readiness: Odoo's own delivery counts.

* A delivery order done (or cancelled) queues its sale order for evaluation, and marks the
  *Validate Delivery Order* activity done (scheduled when the carrier reported its shipment
  delivered while it was not validated: see ``billing.hold.reason._schedule_delivery_activities``).
* With the company option *Validate Delivery Orders on Pickup*, the carrier's pickup of an
  outbound shipment validates its delivery orders for the quantities of the shipment (what its
  transport order carried: each move's demand), said in their chatter
  (``logistics.shipment._billing_validate_on_pickup`` calls :meth:`_billing_validate_for_shipment`).
"""

import logging

from markupsafe import Markup

from odoo import _, models
from odoo.exceptions import UserError, ValidationError

_logger = logging.getLogger(__name__)

ACTIVITY_VALIDATE_DELIVERY = "billing_readiness.mail_activity_type_validate_delivery"
# Delivery orders the pickup may validate (draft ones are not confirmed yet; 'waiting' ones wait
# for another operation of the warehouse, which must be done first).
VALIDATABLE_STATES = ("confirmed", "assigned")


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        result = super()._action_done()
        self._billing_delivery_settled()
        return result

    def action_cancel(self):
        result = super().action_cancel()
        self._billing_delivery_settled()
        return result

    def _billing_delivery_settled(self):
        """Done or cancelled delivery orders: their orders are evaluated again, activities closed."""
        settled = self.filtered(lambda p: p.picking_type_code == "outgoing" and p.state in ("done", "cancel"))
        if not settled:
            return
        self.env["billing.readiness.dirty"]._mark_orders((settled.sale_id | settled.logistics_shipment_id.sale_id).ids)
        settled.sudo().activity_feedback([ACTIVITY_VALIDATE_DELIVERY], feedback=_("Delivery order validated."))

    def _billing_validate_for_shipment(self, status_label):
        """Validate these delivery orders for the quantities of their shipment; returns the validated ones.

        Each in its own savepoint: one that cannot be validated (a lot or serial number to give,
        a rule of the warehouse) is left as it is, with the error in its chatter; the billing
        hold then waits for a person to validate it.
        """
        validated = self.browse()
        for picking in self:
            shipment = picking.logistics_shipment_id
            if picking.state not in VALIDATABLE_STATES:
                picking.message_post(
                    body=_(
                        "The carrier reports shipment %(shipment)s %(status)s; this delivery order (%(state)s) "
                        "was not validated automatically.",
                        shipment=shipment.name,
                        status=status_label,
                        state=dict(picking._fields["state"].selection).get(picking.state),
                    ),
                    subtype_xmlid="mail.mt_note",
                )
                continue
            moves = picking.move_ids.filtered(lambda m: m.state not in ("done", "cancel"))
            try:
                with self.env.cr.savepoint():
                    for move in moves:
                        move.quantity = move.product_uom_qty
                        move.picked = True
                    result = picking.with_context(skip_backorder=True, skip_sms=True).button_validate()
                    if result is not True or picking.state != "done":
                        raise UserError(_("The delivery order asks for more information to be validated."))
            except (UserError, ValidationError) as error:
                _logger.info("Delivery order %s not validated on pickup: %s", picking.name, error)
                picking.message_post(
                    body=_(
                        "The carrier reports shipment %(shipment)s %(status)s, but this delivery order could not "
                        "be validated automatically: %(error)s",
                        shipment=shipment.name,
                        status=status_label,
                        error=str(error),
                    ),
                    subtype_xmlid="mail.mt_note",
                )
                continue
            quantities = Markup(", ").join(
                Markup("%s %s %s") % (move.quantity, move.product_uom.name, move.product_id.display_name)
                for move in moves
            )
            body = _(
                "Delivery order %(picking)s validated automatically: the carrier reports shipment %(shipment)s "
                "%(status)s (quantities of the shipment: %(quantities)s).",
                picking=picking.name,
                shipment=shipment.name,
                status=status_label,
                quantities=quantities,
            )
            picking.message_post(body=body, subtype_xmlid="mail.mt_note")
            if picking.sale_id:
                picking.sale_id.message_post(body=body, subtype_xmlid="mail.mt_note")
            validated |= picking
        return validated
