import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..services.status import (
    MANUAL_TRANSITIONS,
    SHIPMENT_GUARDED_FIELDS,
    SHIPMENT_STATUSES,
    fold_events,
)

_logger = logging.getLogger(__name__)


def _carrier_key(name):
    """A carrier's code or name compared loosely: letters and digits, lower case."""
    return "".join(ch for ch in (name or "").lower() if ch.isalnum()) or None


class LogisticsShipment(models.Model):
    """The canonical shipment every addon of the suite speaks about.

    Written in two files, one class each: this one (fields, status, references, actions)
    and ``logistics_shipment_transport.py`` (transport orders and bookings with the TMS).

    Its status, the TMS state and the proof of delivery are owned by their transitions
    (logistics.guarded.mixin): the shipment's actions (checked: the user may write the
    shipment, i.e. their group and company), and processing of journal messages and carrier
    events, which runs in superuser mode. No one writes them directly.
    """

    _name = "logistics.shipment"
    _description = "Shipment"
    _inherit = ["mail.thread", "mail.activity.mixin", "logistics.guarded.mixin"]
    _order = "id desc"
    _check_company_auto = True
    _guarded_fields = SHIPMENT_GUARDED_FIELDS

    name = fields.Char(
        string="Reference", required=True, copy=False, readonly=True, default=lambda self: _("New"), index="trigram"
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    backend_id = fields.Many2one(
        "logistics.backend", string="TMS Backend", check_company=True, tracking=True, index=True
    )
    ref_ids = fields.One2many("logistics.shipment.ref", "shipment_id", string="External IDs")
    direction = fields.Selection([("outbound", "Outbound"), ("inbound", "Inbound")], default="outbound", required=True)
    carrier_id = fields.Many2one("delivery.carrier", tracking=True, check_company=True)
    carrier_partner_id = fields.Many2one("res.partner", string="Carrier Partner", tracking=True, check_company=True)
    service_level = fields.Char(tracking=True)
    sale_id = fields.Many2one("sale.order", string="Sale Order", index=True, check_company=True)
    purchase_id = fields.Many2one("purchase.order", string="Purchase Order", index=True, check_company=True)
    partner_id = fields.Many2one("res.partner", string="Customer / Vendor", index=True, check_company=True)
    picking_ids = fields.One2many("stock.picking", "logistics_shipment_id", string="Transfers")
    leg_ids = fields.One2many("logistics.shipment.leg", "shipment_id", string="Legs", copy=True)
    origin_partner_id = fields.Many2one("res.partner", string="Origin", check_company=True)
    destination_partner_id = fields.Many2one("res.partner", string="Destination", check_company=True)
    weight = fields.Float(string="Weight (kg)", digits="Stock Weight")
    volume = fields.Float(string="Volume (m³)", digits="Volume")
    package_count = fields.Integer(string="Packages")
    pallet_count = fields.Integer(string="Pallets")
    distance_km = fields.Float(string="Distance (km)")
    planned_pickup = fields.Datetime(tracking=True)
    planned_delivery = fields.Datetime(tracking=True)
    actual_pickup = fields.Datetime(tracking=True)
    actual_delivery = fields.Datetime(tracking=True)
    tracking_ref = fields.Char(string="Tracking Reference", tracking=True, index=True)
    bill_of_lading = fields.Char(index=True)
    status = fields.Selection(
        SHIPMENT_STATUSES, default="draft", required=True, readonly=True, copy=False, tracking=True, index=True
    )
    status_date = fields.Datetime(readonly=True, help="When the current status was set in Odoo.")
    status_event_time = fields.Datetime(
        readonly=True, copy=False, help="Event time (UTC) of the event that set the current status."
    )
    # Proof of delivery (filled from carrier events by shipment_events, or by hand)
    pod_signer = fields.Char(string="POD Signed By", readonly=True, copy=False, tracking=True)
    pod_time = fields.Datetime(string="POD Time", readonly=True, copy=False, tracking=True)
    pod_attachment_id = fields.Many2one("ir.attachment", string="POD Document", readonly=True, copy=False)
    journal_message_ids = fields.Many2many(
        "logistics.message",
        "logistics_message_shipment_rel",
        "shipment_id",
        "message_id",
        string="Integration Messages",
        readonly=True,
    )
    journal_message_count = fields.Integer(compute="_compute_journal_message_count")
    transport_order_revision = fields.Integer(default=0, copy=False, readonly=True)
    tms_state = fields.Selection(
        [
            ("none", "Not sent"),
            ("queued", "Queued"),
            ("sent", "Sent, awaiting booking"),
            ("booked", "Booked"),
            ("cancel_queued", "Cancellation queued"),
            ("cancelled", "Cancelled at TMS"),
            ("error", "Error"),
        ],
        string="TMS State",
        default="none",
        copy=False,
        readonly=True,
        tracking=True,
    )

    _sql_constraints = [
        ("name_company_uniq", "unique(name, company_id)", "The shipment reference must be unique per company."),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", _("New")) == _("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code("logistics.shipment") or _("New")
            vals.setdefault("status_date", fields.Datetime.now())
        return super().create(vals_list)

    def _compute_journal_message_count(self):
        data = dict(
            self.env["logistics.message"]._read_group([("shipment_ids", "in", self.ids)], ["shipment_ids"], ["__count"])
        )
        for shipment in self:
            shipment.journal_message_count = data.get(shipment, 0)

    # ------------------------------------------------------------------
    # Status
    # ------------------------------------------------------------------
    def _set_status(self, status, event_time=None):
        """Move to ``status`` by an explicit action in Odoo (checked against MANUAL_TRANSITIONS)."""
        now = fields.Datetime.now()
        for shipment in self:
            if shipment.status == status:
                continue
            if status not in MANUAL_TRANSITIONS[shipment.status]:
                raise UserError(
                    _(
                        "Shipment %(name)s cannot go from %(old)s to %(new)s.",
                        name=shipment.name,
                        old=dict(SHIPMENT_STATUSES)[shipment.status],
                        new=dict(SHIPMENT_STATUSES)[status],
                    )
                )
            shipment.write({"status": status, "status_date": now, "status_event_time": event_time or now})

    def _apply_event_status(self, status, event_time):
        """Apply a carrier/TMS event's status; returns True when the status changed.

        Out-of-order safety: see ``fold_events`` in ``services/status.py``.
        """
        self.ensure_one()
        return self._apply_status_fold(fold_events(self.status, self.status_event_time, [(None, status, event_time)]))

    def _apply_status_fold(self, fold):
        """Write the status that ``fold_events`` (``services/status.py``) decided for this
        shipment's events (its status, status time and, on arrival, the actual pickup or
        delivery time); returns True when the status changed."""
        self.ensure_one()
        if fold.status == self.status:
            if fold.status_time and (not self.status_event_time or fold.status_time > self.status_event_time):
                self.status_event_time = fold.status_time
            return False
        vals = {"status": fold.status, "status_date": fields.Datetime.now(), "status_event_time": fold.status_time}
        if fold.status == "delivered" and not self.actual_delivery:
            vals["actual_delivery"] = fold.status_time
        if fold.status == "picked_up" and not self.actual_pickup:
            vals["actual_pickup"] = fold.status_time
        self.write(vals)
        return True

    # ------------------------------------------------------------------
    # External references
    # ------------------------------------------------------------------
    def _set_external_ref(self, backend, external_id, ref_type="shipment"):
        self.ensure_one()
        existing = self.ref_ids.filtered(lambda r: r.backend_id == backend and r.ref_type == ref_type)
        if existing:
            if existing.external_id != external_id:
                existing.external_id = external_id
            return existing
        return self.env["logistics.shipment.ref"].create(
            {"shipment_id": self.id, "backend_id": backend.id, "external_id": external_id, "ref_type": ref_type}
        )

    def _get_external_ref(self, backend, ref_type="shipment"):
        self.ensure_one()
        ref = self.ref_ids.filtered(lambda r: r.backend_id == backend and r.ref_type == ref_type)[:1]
        return ref.external_id or False

    @api.model
    def _find_by_references(self, backend, references):
        """Find shipments for external references in a few queries.

        ``references`` is a list of dicts with any of: external_id, tracking_ref,
        bill_of_lading, order_ref, name, and ``carrier`` (the carrier's code or name as
        the sender gives it). Returns a list of shipments (or empty recordsets) in the
        same order. External ids of the backend win, then the tracking reference, bill of
        lading, our own reference and the order reference. When several shipments carry
        the same tracking reference (carriers reuse numbers), the one of the reference's
        carrier wins (:meth:`_carrier_choice`), else the newest, as before.
        """
        Shipment = self.sudo()
        ext_ids = {r["external_id"] for r in references if r.get("external_id")}
        by_ext = {}
        if ext_ids:
            refs = (
                self.env["logistics.shipment.ref"]
                .sudo()
                .search([("backend_id", "=", backend.id), ("external_id", "in", list(ext_ids))])
            )
            by_ext = {ref.external_id: ref.shipment_id for ref in refs}
        values = {key: {r[key] for r in references if r.get(key)} for key in ("tracking_ref", "bill_of_lading", "name")}
        by_field = {key: {} for key in values}
        tracking_candidates = {}
        domain_parts = [[(key, "in", list(vals))] for key, vals in values.items() if vals]
        company = backend.company_id
        if domain_parts:
            from odoo.osv import expression

            # Searched and read in one query: the fields that reading one of them would fetch
            # (the default prefetch group), which processing reads next (status, its time).
            found = Shipment.search_fetch(
                expression.AND([[("company_id", "=", company.id)], expression.OR(domain_parts)]),
                [name for name, field in Shipment._fields.items() if field.prefetch is True and field.store],
                order="id desc",
            )
            for shipment in found:
                for key, found_by_value in by_field.items():
                    if shipment[key] in values[key]:
                        found_by_value.setdefault(shipment[key], shipment)
                if shipment.tracking_ref in values["tracking_ref"]:
                    tracking_candidates.setdefault(shipment.tracking_ref, []).append(shipment)
            shared = {value for value, candidates in tracking_candidates.items() if len(candidates) > 1}
            if shared:
                by_field["tracking_ref"].update(
                    self._carrier_choice(backend, references, {value: tracking_candidates[value] for value in shared})
                )
        order_refs = {r["order_ref"] for r in references if r.get("order_ref")}
        by_order = {}
        if order_refs:
            found = Shipment.search(
                [
                    ("company_id", "=", company.id),
                    "|",
                    ("sale_id.name", "in", list(order_refs)),
                    ("purchase_id.name", "in", list(order_refs)),
                ],
                order="id desc",
            )
            for shipment in found:
                for order in (shipment.sale_id, shipment.purchase_id):
                    if order and order.name in order_refs:
                        by_order.setdefault(order.name, shipment)
        result = []
        for ref in references:
            tracking = by_field["tracking_ref"].get(ref.get("tracking_ref"))
            if isinstance(tracking, dict):  # a tracking reference shared by several shipments
                tracking = tracking.get(_carrier_key(ref.get("carrier"))) or tracking[None]
            shipment = (
                by_ext.get(ref.get("external_id"))
                or tracking
                or by_field["bill_of_lading"].get(ref.get("bill_of_lading"))
                or by_field["name"].get(ref.get("name"))
                or by_order.get(ref.get("order_ref"))
                or Shipment.browse()
            )
            result.append(shipment.with_env(self.env))
        return result

    @api.model
    def _carrier_choice(self, backend, references, candidates):
        """``{tracking value: {carrier key: shipment, None: newest}}`` for tracking references
        several shipments share: each carrier the references name (mapped through the
        backend's carrier mappings, one query, else compared by name) to its shipment."""
        codes = {ref.get("carrier") for ref in references if ref.get("carrier")}
        mappings = backend._map_codes("carrier", codes) if codes else {}
        choice = {}
        for value, shipments in candidates.items():
            by_carrier = {None: shipments[0]}
            for code in codes:
                mapping = mappings.get(code)
                for shipment in shipments:
                    if mapping and (
                        (mapping.carrier_id and shipment.carrier_id == mapping.carrier_id)
                        or (mapping.carrier_partner_id and shipment.carrier_partner_id == mapping.carrier_partner_id)
                    ):
                        by_carrier.setdefault(_carrier_key(code), shipment)
                    elif not mapping and _carrier_key(code) in {
                        _carrier_key(shipment.carrier_id.name),
                        _carrier_key(shipment.carrier_partner_id.name),
                    }:
                        by_carrier.setdefault(_carrier_key(code), shipment)
            choice[value] = by_carrier
        return choice

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_open_journal(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("logistics_connector.logistics_message_action")
        action["domain"] = [("shipment_ids", "in", self.ids)]
        action["context"] = {}
        return action

    def _action_view(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("logistics_connector.logistics_shipment_action")
        if len(self) == 1:
            action.update({"res_id": self.id, "view_mode": "form", "views": [(False, "form")]})
        else:
            action["domain"] = [("id", "in", self.ids)]
        return action

    @api.model
    def _prepare_from_pickings(self, pickings, backend=None):
        first = pickings[:1]
        outgoing = first.picking_type_code != "incoming"
        warehouse_partner = first.picking_type_id.warehouse_id.partner_id or first.company_id.partner_id
        sale = pickings.sale_id[:1]
        purchase = pickings.move_ids.purchase_line_id.order_id[:1]
        return {
            "company_id": first.company_id.id,
            "backend_id": backend.id if backend else False,
            "direction": "outbound" if outgoing else "inbound",
            "carrier_id": first.carrier_id.id,
            "sale_id": sale.id,
            "purchase_id": purchase.id,
            "partner_id": first.partner_id.commercial_partner_id.id,
            "origin_partner_id": (warehouse_partner if outgoing else first.partner_id).id,
            "destination_partner_id": (first.partner_id if outgoing else warehouse_partner).id,
            "weight": sum(pickings.mapped("shipping_weight")) or sum(pickings.mapped("weight")),
            "package_count": len(pickings.move_line_ids.result_package_id) or len(pickings),
            "planned_pickup": first.scheduled_date,
            "planned_delivery": first.date_deadline or first.scheduled_date,
        }

    def _check_transition_access(self):
        """The shipment's actions are for users who may change these shipments (their group's
        access rights and their companies' rule); the transition is then written as superuser,
        past the guarded fields."""
        if not self.env.su:
            self.check_access("write")
