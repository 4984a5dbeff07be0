"""The customer portal's shipment page and its proof of delivery.

Portal users have no access right on shipments: every read here is in sudo, after an explicit
check (``_shipment_check_access``) that the caller is an internal user who may read the shipment,
the portal user of its customer, or holds its access token. Anything else is a 403 (404 for a
shipment that does not exist), and the POD route serves the shipment's own POD attachment only.
"""

from werkzeug.exceptions import Forbidden, NotFound

from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request
from odoo.tools import consteq

from odoo.addons.portal.controllers.portal import CustomerPortal


class ShipmentPortal(CustomerPortal):
    def _shipment_check_access(self, shipment_id, access_token=None):
        """The shipment in sudo, when the caller may see it; MissingError or AccessError if not."""
        shipment = request.env["logistics.shipment"].browse(shipment_id)
        shipment_sudo = shipment.sudo().exists()
        if not shipment_sudo:
            raise MissingError(request.env._("This shipment does not exist."))
        if access_token:
            if shipment_sudo.access_token and consteq(shipment_sudo.access_token, access_token):
                return shipment_sudo
            raise AccessError(request.env._("This link is not valid."))
        user = request.env.user
        if user._is_public():
            raise AccessError(request.env._("Log in to see your shipments."))
        if user._is_internal() and shipment.has_access("read"):
            return shipment_sudo
        if shipment_sudo._portal_visible_to(user.partner_id):
            return shipment_sudo
        raise AccessError(request.env._("This shipment is not yours."))

    def _shipment_or_error(self, shipment_id, access_token):
        try:
            return self._shipment_check_access(shipment_id, access_token)
        except MissingError as exc:
            raise NotFound() from exc
        except AccessError as exc:
            raise Forbidden() from exc

    @http.route("/my/shipments/<int:shipment_id>", type="http", auth="public", website=True)
    def portal_my_shipment(self, shipment_id, access_token=None, **kw):
        shipment_sudo = self._shipment_or_error(shipment_id, access_token)
        values = {
            "shipment": shipment_sudo,
            "events": shipment_sudo.event_ids.filtered(lambda e: e.state not in ("outdated", "test")),
            "pod_available": shipment_sudo._portal_pod_available(),
            "page_name": "shipment",
        }
        values = self._get_page_view_values(shipment_sudo, access_token, values, "my_shipments_history", False)
        return request.render("shipment_events.portal_my_shipment", values)

    @http.route("/my/shipments/<int:shipment_id>/pod", type="http", auth="public", website=True)
    def portal_my_shipment_pod(self, shipment_id, access_token=None, **kw):
        shipment_sudo = self._shipment_or_error(shipment_id, access_token)
        if not shipment_sudo._portal_pod_available():
            raise NotFound()
        attachment = shipment_sudo.pod_attachment_id
        return request.env["ir.binary"]._get_stream_from(attachment).get_response(as_attachment=True)
