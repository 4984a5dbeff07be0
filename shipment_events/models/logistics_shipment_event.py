"""The milestone: one event of one shipment, as a carrier or TMS reported it.

logistics.shipment.event is written in four files, one per concern, each a class of the model:

- this file: the fields, the journal's handlers of milestone messages (``_handle_*``), the
  intake of normalised events (``_ingest``), applying them to shipments, matching the ones
  that came before their shipment, and the guards of ``write`` and ``unlink``;
- ``logistics_shipment_event_insert.py``: the bulk create that skips a concurrent worker's
  identical milestone;
- ``logistics_shipment_event_pod.py``: proofs of delivery (documents, the shipment's POD);
- ``logistics_shipment_event_exceptions.py``: exception activities and customer notifications.
"""

import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.osv import expression
from odoo.tools import SQL

from odoo.addons.logistics_connector.services.exceptions import NeedsMappingError, PermanentError
from odoo.addons.logistics_connector.services.status import SHIPMENT_STATUSES, STATUS_RANK, fold_events

from ..formats import x12_214
from ..services import events as event_lib

_logger = logging.getLogger(__name__)

EVENT_STATES = [
    ("unmatched", "Unmatched"),
    ("applied", "Applied"),
    ("outdated", "Outdated"),
    ("test", "Test backend: not applied"),
]
# AT701 codes that are exceptions of a given kind (reason codes are kept on the event as well).
X12_EXCEPTION_TYPES = {"A7": "refused", "A9": "damaged", "AH": "attempted_delivery", "AP": "attempted_delivery"}
# The group that may have milestones applied (upload, match again), for backends of its companies.
GROUP_LOGISTICS_USER = "logistics_connector.group_logistics_user"
EXCEPTION_TYPES = [
    ("delayed", "Delayed"),
    ("customs_hold", "Customs hold"),
    ("refused", "Refused"),
    ("damaged", "Damaged"),
    ("attempted_delivery", "Attempted delivery"),
    ("lost", "Lost"),
    ("address_issue", "Address issue"),
    ("other", "Other"),
]


class LogisticsShipmentEvent(models.Model):
    _name = "logistics.shipment.event"
    _inherit = ["logistics.guarded.mixin", "logistics.company.check.mixin"]
    _description = "Shipment Milestone"
    _order = "event_time desc, id desc"
    _rec_name = "status"
    _check_company_auto = True
    # Written by processing only (in superuser mode, after the checks of the journal or of
    # action_rematch): an event created over RPC can neither claim to be applied, nor point at
    # a journal message or an attachment, nor open, resolve or close an exception.
    _guarded_fields = {
        "state": None,
        "message_id": None,
        "pod_attachment_id": None,
        "exception_state": None,
        "activity_id": None,
        "resolved_by_id": None,
    }

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    backend_id = fields.Many2one(
        "logistics.backend", required=True, ondelete="restrict", index=True, readonly=True, check_company=True
    )
    shipment_id = fields.Many2one(
        "logistics.shipment", ondelete="cascade", index="btree_not_null", readonly=True, check_company=True
    )
    message_id = fields.Many2one(
        "logistics.message",
        string="Source Message",
        ondelete="set null",
        index="btree_not_null",
        readonly=True,
        check_company=True,
    )
    channel = fields.Selection(
        [("webhook", "Webhook"), ("file", "File"), ("other", "Other")], default="other", readonly=True
    )
    state = fields.Selection(EVENT_STATES, required=True, default="unmatched", index=True, readonly=True)
    status = fields.Selection(SHIPMENT_STATUSES, required=True, index=True, readonly=True)
    external_code = fields.Char(string="External Status Code", readonly=True)
    reason_code = fields.Char(readonly=True)
    reason = fields.Text(readonly=True)
    exception_type = fields.Selection(EXCEPTION_TYPES, readonly=True)
    event_time = fields.Datetime(required=True, index=True, readonly=True, help="When it happened (UTC).")
    event_tz = fields.Char(string="Event UTC Offset", readonly=True, help="The UTC offset the sender gave.")
    received_time = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    event_ref = fields.Char(string="Sender's Event Id", readonly=True)
    category = fields.Selection(
        [("informational", "Informational"), ("actionable", "Operationally actionable"), ("billing", "Billing")],
        required=True,
        default="informational",
        readonly=True,
        index=True,
    )
    is_exception = fields.Boolean(readonly=True, index=True)
    exception_state = fields.Selection(
        [("open", "Open"), ("resolved", "Resolved")], readonly=True, index="btree_not_null"
    )
    # mail.activity has no company: it follows the shipment it is scheduled on.
    activity_id = fields.Many2one("mail.activity", ondelete="set null", readonly=True)
    resolved_by_id = fields.Many2one("logistics.shipment.event", readonly=True, check_company=True)
    location_name = fields.Char(readonly=True)
    location_city = fields.Char(readonly=True)
    location_state = fields.Char(readonly=True)
    location_country = fields.Char(string="Country Code", readonly=True)
    location_zip = fields.Char(readonly=True)
    location_lat = fields.Float(digits=(10, 6), readonly=True)
    location_lon = fields.Float(digits=(10, 6), readonly=True)
    location = fields.Char(compute="_compute_location")
    # References as received (used to match the event later when it is unmatched)
    ref_external_id = fields.Char(string="Shipment Id", readonly=True, index="btree_not_null")
    ref_tracking = fields.Char(string="Tracking Reference", readonly=True, index="btree_not_null")
    ref_bill_of_lading = fields.Char(string="Bill of Lading", readonly=True, index="btree_not_null")
    ref_order = fields.Char(string="Order Reference", readonly=True, index="btree_not_null")
    ref_name = fields.Char(string="Our Reference", readonly=True, index="btree_not_null")
    references = fields.Char(compute="_compute_references")
    pod_signer = fields.Char(string="POD Signed By", readonly=True)
    pod_time = fields.Datetime(string="POD Time", readonly=True)
    pod_attachment_id = fields.Many2one("ir.attachment", string="POD Document", readonly=True, check_company=True)
    has_pod = fields.Boolean(compute="_compute_has_pod", store=True)
    identity = fields.Char(
        required=True,
        readonly=True,
        help="Channel-independent identity (shipment reference, canonical status, event time to the minute, "
        "city): the same milestone received by webhook and by file counts once.",
    )

    _sql_constraints = [
        (
            "identity_uniq",
            "unique(company_id, backend_id, identity)",
            "This milestone was already received from this backend.",
        ),
    ]

    @api.depends("location_name", "location_city", "location_state", "location_country")
    def _compute_location(self):
        for event in self:
            parts = [event.location_name, event.location_city, event.location_state, event.location_country]
            event.location = ", ".join(p for p in parts if p)

    @api.depends("ref_external_id", "ref_tracking", "ref_bill_of_lading", "ref_order", "ref_name")
    def _compute_references(self):
        for event in self:
            parts = [
                event.ref_tracking,
                event.ref_bill_of_lading,
                event.ref_external_id,
                event.ref_name,
                event.ref_order,
            ]
            event.references = " / ".join(p for p in parts if p)

    @api.depends("pod_signer", "pod_time", "pod_attachment_id")
    def _compute_has_pod(self):
        for event in self:
            event.has_pod = bool(event.pod_signer or event.pod_time or event.pod_attachment_id)

    def _compute_display_name(self):
        labels = dict(SHIPMENT_STATUSES)
        for event in self:
            event.display_name = "%s %s" % (labels.get(event.status, ""), fields.Datetime.to_string(event.event_time))

    # ------------------------------------------------------------------
    # The journal's handlers (see logistics.message._get_handlers)
    # ------------------------------------------------------------------
    @api.model
    def _handle_shipment_event_messages(self, messages):
        """Batch handler: one canonical JSON event per message (all or nothing)."""
        for backend, backend_messages in messages.grouped("backend_id").items():
            items = []
            for message in backend_messages:
                event = message._get_payload_json()
                event_lib.validate_event(event)
                items.append((message, event_lib.normalize_event(event)))
            self._ingest(backend, items)

    @api.model
    def _handle_x12_214_message(self, message):
        """Apply the events of an X12 214 interchange (AT7 codes through the backend's status mappings)."""
        _interchange, events, _results = x12_214.parse_214(message._get_payload_bytes())
        backend = message.backend_id
        tz_name = backend.company_id.partner_id.tz or "UTC"
        items = []
        for event in events:
            norm = x12_214.to_canonical(event)
            if norm.get("is_local_time"):
                norm["event_time"], norm["event_tz"] = event_lib.localize(norm["event_time"], tz_name)
            norm["exception_type"] = X12_EXCEPTION_TYPES.get(norm.get("status_code"))
            items.append((message, norm))
        self._ingest(backend, items)

    # ------------------------------------------------------------------
    # Intake from normalised events (JSON and X12 alike)
    # ------------------------------------------------------------------
    @api.model
    def _ingest(self, backend, items):
        """Create the milestones of normalised events and apply them to their shipments.

        ``items`` is a list of ``(message, normalised_event)`` (see
        ``services/events.normalize_event``). Reads mappings, existing
        identities and shipments in a few queries for the whole list, creates
        the events in one ``create()``. Returns the created events (duplicates,
        already known by their identity, create nothing).
        """
        if not items:
            return self.browse()
        Event = self.sudo()
        codes = {n["status_code"] for _m, n in items if n.get("status_code") and not n.get("status")}
        mappings = backend._map_codes("status", codes) if codes else {}
        rows = []
        for message, norm in items:
            status = norm.get("status")
            if not status:
                mapping = mappings.get(norm.get("status_code"))
                if not mapping or not mapping.status:
                    raise NeedsMappingError("status", norm.get("status_code"), backend.name)
                status = mapping.status
            if status not in STATUS_RANK or status == "draft":
                raise PermanentError(self.env._("Status %s cannot come from an event.", status))
            identity = event_lib.event_identity(
                norm["refs"], status, norm["event_time"], (norm.get("location") or {}).get("city")
            )
            rows.append((message, norm, status, identity))
        known = set()
        identities = list({row[3] for row in rows})
        for chunk_start in range(0, len(identities), 5000):
            self.env.cr.execute(
                SQL(
                    "SELECT identity FROM logistics_shipment_event"
                    " WHERE company_id = %s AND backend_id = %s AND identity IN %s",
                    backend.company_id.id,
                    backend.id,
                    tuple(identities[chunk_start : chunk_start + 5000]),
                )
            )
            known.update(r[0] for r in self.env.cr.fetchall())
        fresh = []
        for row in rows:
            if row[3] in known:
                continue
            known.add(row[3])
            fresh.append(row)
        if not fresh:
            return Event.browse()
        applies = backend._applies_events_to_shipments()
        if applies:
            shipments = self.env["logistics.shipment"]._find_by_references(
                backend,
                [
                    dict(
                        {event_lib.FIND_KEYS[key]: value for key, value in row[1]["refs"].items()},
                        carrier=row[1].get("carrier"),
                    )
                    for row in fresh
                ],
            )
        else:
            # A test backend of a production company (or the reverse): parsed, validated and
            # mapped like any other, kept as milestones of no shipment (see readme/CONFIGURE.md).
            shipments = [self.env["logistics.shipment"]] * len(fresh)
        pod_attachments = self._create_pod_attachments(backend, [(row[0], row[1]) for row in fresh])
        vals_list = []
        for (message, norm, status, identity), shipment, pod_attachment in zip(
            fresh, shipments, pod_attachments, strict=True
        ):
            vals = self._prepare_event_vals(backend, message, norm, status, identity, shipment, pod_attachment)
            if not applies:
                vals["state"] = "test"
            vals_list.append(vals)
        # The events' states (applied, outdated) decided before they are created, so they are
        # written with them (no update of the new rows); keys are the positions in vals_list,
        # which create() keeps as the order of the ids, hence the same ties as with ids.
        folds = self._fold_new_events(vals_list, shipments) if applies else None
        created = self._create_skipping_conflicts(vals_list)
        if folds is not None and len(created) != len(vals_list):
            # A concurrent worker stored some of them: fold again what was created.
            folds = None
        pod_created = created.filtered("pod_attachment_id")
        if pod_created:
            pod_created._attach_pod_documents()
        if applies:
            created._apply_to_shipments(folds=folds)
        return created

    @api.model
    def _fold_new_events(self, vals_list, shipments):
        """``{shipment: StatusFold}`` of events about to be created (``vals_list``, aligned
        with ``shipments``), each matched event's ``state`` set in its values (applied or
        outdated), as :meth:`_apply_to_shipments` would write it after the create."""
        by_shipment = {}
        for index, (vals, shipment) in enumerate(zip(vals_list, shipments, strict=True)):
            if shipment:
                # The time as the cache holds it after create() (what the fold saw before).
                event_time = fields.Datetime.to_datetime(vals["event_time"])
                by_shipment.setdefault(shipment.sudo(), []).append((index, vals["status"], event_time))
        folds = {}
        for shipment, events in by_shipment.items():
            fold = fold_events(shipment.status, shipment.status_event_time, events)
            for index in fold.applied:
                vals_list[index]["state"] = "applied"
            for index in fold.outdated:
                vals_list[index]["state"] = "outdated"
            folds[shipment] = fold
        return folds

    @api.model
    def _prepare_event_vals(self, backend, message, norm, status, identity, shipment, pod_attachment):
        refs = norm["refs"]
        location = norm.get("location") or {}
        pod = norm.get("pod") or {}
        exception_type = norm.get("exception_type")
        if not exception_type and status in ("delayed", "customs_hold"):
            exception_type = status
        is_exception = status in event_lib.EXCEPTION_STATUSES or exception_type in event_lib.EXCEPTION_TYPES
        source = (message.source or "") if message else ""
        return {
            "company_id": backend.company_id.id,
            "backend_id": backend.id,
            "shipment_id": shipment.id or False,
            "message_id": message.id if message else False,
            "channel": "webhook"
            if source.startswith("webhook")
            else ("file" if source.startswith("file") else "other"),
            "state": "unmatched",
            "status": status,
            "external_code": norm.get("status_code") or False,
            "reason_code": norm.get("reason_code") or False,
            "reason": norm.get("reason") or False,
            "exception_type": exception_type or False,
            "is_exception": is_exception,
            "event_time": norm["event_time"],
            "event_tz": norm.get("event_tz") or False,
            "event_ref": norm.get("event_id") or False,
            "category": event_lib.classify(status, bool(pod), exception_type),
            "location_name": location.get("name") or False,
            "location_city": location.get("city") or False,
            "location_state": location.get("state") or False,
            "location_country": location.get("country") or False,
            "location_zip": location.get("zip") or False,
            "location_lat": location.get("lat") or 0.0,
            "location_lon": location.get("lon") or 0.0,
            "ref_external_id": refs.get("shipment_id") or False,
            "ref_tracking": refs.get("tracking_ref") or False,
            "ref_bill_of_lading": refs.get("bill_of_lading") or False,
            "ref_order": refs.get("order_ref") or False,
            "ref_name": refs.get("reference") or False,
            "pod_signer": pod.get("signer") or False,
            "pod_time": pod.get("time") or False,
            "pod_attachment_id": pod_attachment.id if pod_attachment else False,
            "identity": identity,
        }

    # ------------------------------------------------------------------
    # Applying events to shipments
    # ------------------------------------------------------------------
    def _apply_to_shipments(self, folds=None):
        """Apply matched events (in event-time order) to their shipments: status, POD,
        exceptions and notifications. Out-of-order safe: an event older than the
        shipment's current status is kept in the timeline as 'outdated'.

        ``folds``: ``{shipment: StatusFold}`` when the events were created with their states
        already (:meth:`_fold_new_events`); otherwise folded here and their states written."""
        matched = self.filtered("shipment_id")
        if not matched:
            return
        if folds is None:
            folds = {}
            applied_ids, outdated_ids = [], []
            for shipment_rec, events in matched.grouped("shipment_id").items():
                shipment = shipment_rec.sudo()
                fold = fold_events(
                    shipment.status, shipment.status_event_time, [(e.id, e.status, e.event_time) for e in events]
                )
                applied_ids += fold.applied
                outdated_ids += fold.outdated
                folds[shipment] = fold
            if applied_ids:
                self.browse(applied_ids).write({"state": "applied"})
            if outdated_ids:
                self.browse(outdated_ids).write({"state": "outdated"})
        Shipment = self.env["logistics.shipment"].sudo()
        # The milestones are the status history (timeline): no chatter tracking message per
        # event. One environment for all the shipments (not one with_context() each), and one
        # recordset iterated, which keeps their prefetching together.
        untracked = Shipment.with_context(tracking_disable=True).browse([s.id for s in folds])
        for shipment, fold in zip(untracked, folds.values(), strict=True):
            shipment._apply_status_fold(fold)
            if fold.pickup_time and not shipment.actual_pickup:
                shipment.actual_pickup = fold.pickup_time
        shipments = Shipment.browse([s.id for s in folds])
        pod_events = matched.filtered("has_pod")
        if pod_events:
            pod_events._apply_pod()
        matched._sync_exceptions(shipments)
        matched._send_notifications()
        self.env["logistics.message"]._link_records_many(
            [(event.message_id, event.shipment_id, "updated") for event in matched if event.message_id]
        )

    # ------------------------------------------------------------------
    # Matching events that arrived before their shipment
    # ------------------------------------------------------------------
    @api.model
    def _match_unmatched(self, shipments):
        """Match waiting events to ``shipments`` (created or given new references) and apply them."""
        shipments = shipments.sudo().exists()
        if not shipments:
            return self.browse()
        parts = []
        for field_name, values in (
            ("ref_tracking", shipments.filtered("tracking_ref").mapped("tracking_ref")),
            ("ref_bill_of_lading", shipments.filtered("bill_of_lading").mapped("bill_of_lading")),
            ("ref_name", shipments.mapped("name")),
            ("ref_order", (shipments.sale_id.mapped("name") + shipments.purchase_id.mapped("name"))),
            ("ref_external_id", shipments.ref_ids.mapped("external_id")),
        ):
            if values:
                parts.append([(field_name, "in", values)])
        if not parts:
            return self.browse()
        waiting = self.sudo().search(
            expression.AND(
                [[("state", "=", "unmatched"), ("company_id", "in", shipments.company_id.ids)], expression.OR(parts)]
            )
        )
        if not waiting:
            return waiting
        return waiting._match_and_apply()

    def _match_and_apply(self):
        """Find the shipments of these waiting events, in their backends' companies, and
        apply the events found. Runs in superuser mode: its callers checked the user."""
        events_sudo = self.sudo().filtered(lambda e: e.state == "unmatched")
        matched = self.sudo().browse()
        for backend, events in events_sudo.grouped("backend_id").items():
            if not backend._applies_events_to_shipments():
                continue
            found = events_sudo.env["logistics.shipment"]._find_by_references(backend, [e._find_refs() for e in events])
            for event, shipment in zip(events, found, strict=True):
                if shipment:
                    event.shipment_id = shipment.id
                    matched |= event
        if matched:
            matched.filtered("pod_attachment_id")._attach_pod_documents()
            matched._apply_to_shipments()
        return matched

    def _find_refs(self):
        self.ensure_one()
        return {
            "external_id": self.ref_external_id,
            "tracking_ref": self.ref_tracking,
            "bill_of_lading": self.ref_bill_of_lading,
            "order_ref": self.ref_order,
            "name": self.ref_name,
        }

    # ------------------------------------------------------------------
    # Shipped default status mappings (X12 AT7)
    # ------------------------------------------------------------------
    @api.model
    def _install_default_status_mappings(self):
        """Create the default AT7 status mappings (no backend) that do not exist yet."""
        Mapping = self.env["logistics.code.mapping"].sudo().with_context(active_test=False)
        existing = set(
            Mapping.search([("backend_id", "=", False), ("mapping_type", "=", "status")]).mapped("external_code")
        )
        Mapping.create(
            [
                {"mapping_type": "status", "external_code": code, "status": status, "description": "X12 AT7 default"}
                for code, status in x12_214.DEFAULT_STATUS_MAP.items()
                if code not in existing
            ]
        )
        return True

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_rematch(self):
        """Try to match unmatched events again (e.g. after fixing a reference by hand).

        Applies carrier milestones to shipments: a Logistics User, on events (and backends)
        of their companies; the matching and applying then run in superuser mode."""
        self._check_may_apply()
        self._match_and_apply()
        return True

    def _check_may_apply(self):
        """The user may have these events applied: Logistics User, events and backends of
        their companies (the record rules, checked once for the whole recordset)."""
        if self.env.su:
            return
        if not self.env.user.has_group(GROUP_LOGISTICS_USER):
            raise AccessError(
                self.env._(
                    "Only the group '%s' may match and apply shipment milestones.",
                    self.env.ref(GROUP_LOGISTICS_USER).sudo().full_name,
                )
            )
        self.check_access("read")
        self.backend_id.check_access("read")

    # ------------------------------------------------------------------
    # Create and write over RPC
    # ------------------------------------------------------------------
    def unlink(self):
        if not self.env.su and self.filtered(lambda e: e.state == "applied" or e.exception_state == "open"):
            # What a shipment's status, proof of delivery and billing holds are made of stays.
            raise AccessError(
                self.env._("Applied milestones and open exceptions cannot be deleted; they are the shipment's history.")
            )
        return super().unlink()

    def write(self, vals):
        result = super().write(vals)
        if "company_id" in vals and not self.env.su:
            # Record rules are checked before a write: an event moved into a company the user
            # does not work in is refused after it (check_company keeps its records together).
            self.check_access("write")
        return result

    def action_open_shipment(self):
        self.ensure_one()
        return self.shipment_id._action_view()
