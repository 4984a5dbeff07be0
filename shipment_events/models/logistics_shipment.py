from odoo import api, fields, models

RESCAN_FIELDS = {"tracking_ref", "bill_of_lading", "sale_id", "purchase_id", "name"}


class LogisticsShipment(models.Model):
    _inherit = "logistics.shipment"
    # The POD verdict billing reads is computed from the guarded POD fields, never written.
    _guarded_fields = {"pod_complete": None}  # merged with the connector's by logistics.guarded.mixin

    event_ids = fields.One2many("logistics.shipment.event", "shipment_id", string="Milestones", readonly=True)
    event_count = fields.Integer(compute="_compute_event_count", string="Milestone Count")
    last_event_time = fields.Datetime(compute="_compute_event_count", string="Last Event")
    notification_ids = fields.One2many(
        "logistics.shipment.notification", "shipment_id", string="Customer Notifications", readonly=True
    )
    pod_complete = fields.Boolean(
        string="POD Complete",
        compute="_compute_pod_complete",
        store=True,
        help="The proof of delivery holds every field the company requires (signer, time, document).",
    )
    has_open_exception = fields.Boolean(
        compute="_compute_has_open_exception", search="_search_has_open_exception", string="Open Exception"
    )
    open_exception_count = fields.Integer(compute="_compute_has_open_exception", string="Open Exceptions")

    @api.depends(
        "pod_signer",
        "pod_time",
        "pod_attachment_id",
        "company_id.shipment_pod_require_signer",
        "company_id.shipment_pod_require_time",
        "company_id.shipment_pod_require_document",
    )
    def _compute_pod_complete(self):
        for shipment in self:
            shipment.pod_complete = not shipment._get_missing_pod_fields() and bool(
                shipment.pod_signer or shipment.pod_time or shipment.pod_attachment_id
            )

    @api.depends("event_ids")
    def _compute_event_count(self):
        data = {
            shipment.id: (count, last)
            for shipment, count, last in self.env["logistics.shipment.event"]._read_group(
                [("shipment_id", "in", self.ids)], ["shipment_id"], ["__count", "event_time:max"]
            )
        }
        for shipment in self:
            shipment.event_count, shipment.last_event_time = data.get(shipment.id, (0, False))

    @api.depends("event_ids.exception_state")
    def _compute_has_open_exception(self):
        data = dict(
            self.env["logistics.shipment.event"]._read_group(
                [("shipment_id", "in", self.ids), ("exception_state", "=", "open")], ["shipment_id"], ["__count"]
            )
        )
        for shipment in self:
            shipment.open_exception_count = data.get(shipment, 0)
            shipment.has_open_exception = bool(shipment.open_exception_count)

    def _search_has_open_exception(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(self.env._("Unsupported search on open exceptions."))
        if (operator == "=") == value:
            return [("event_ids.exception_state", "=", "open")]
        return [("event_ids", "not any", [("exception_state", "=", "open")])]

    # ------------------------------------------------------------------
    # Public API for other addons (billing, audit)
    # ------------------------------------------------------------------
    def _get_missing_pod_fields(self):
        """Labels of the POD fields the company requires and this shipment lacks."""
        self.ensure_one()
        company = self.company_id
        missing = []
        if company.shipment_pod_require_signer and not self.pod_signer:
            missing.append(self.env._("signer"))
        if company.shipment_pod_require_time and not self.pod_time:
            missing.append(self.env._("time"))
        if company.shipment_pod_require_document and not self.pod_attachment_id:
            missing.append(self.env._("document"))
        return missing

    def _is_delivered_with_pod(self):
        """True when the shipment is delivered and its proof of delivery is complete."""
        self.ensure_one()
        return self.status == "delivered" and self.pod_complete

    def _get_open_exceptions(self):
        """The exception milestones (delays, holds, refusals, damages...) not resolved yet."""
        return self.env["logistics.shipment.event"].search(
            [("shipment_id", "in", self.ids), ("exception_state", "=", "open")]
        )

    def _get_billing_events(self):
        """Billing-relevant milestones (delivered, proof of delivery), oldest first."""
        return self.env["logistics.shipment.event"].search(
            [("shipment_id", "in", self.ids), ("category", "=", "billing")], order="event_time, id"
        )

    def _notification_recipient(self):
        self.ensure_one()
        return self.partner_id or self.sale_id.partner_id

    # ------------------------------------------------------------------
    # Unmatched events wait for their shipment
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        shipments = super().create(vals_list)
        if not self.env.context.get("shipment_events_no_rematch"):
            self.env["logistics.shipment.event"]._match_unmatched(shipments)
        return shipments

    def write(self, vals):
        result = super().write(vals)
        if RESCAN_FIELDS.intersection(vals) and not self.env.context.get("shipment_events_no_rematch"):
            self.env["logistics.shipment.event"]._match_unmatched(self)
        return result

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_open_events(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("shipment_events.logistics_shipment_event_action")
        action["domain"] = [("shipment_id", "in", self.ids)]
        action["context"] = {"search_default_group_shipment": len(self) > 1}
        return action

    def action_open_exceptions(self):
        action = self.action_open_events()
        action["context"] = {"search_default_open_exceptions": 1}
        return action
