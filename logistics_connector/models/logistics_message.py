"""The integration journal: every inbound and outbound message, stored before it is processed.

logistics.message is written in four files, one per concern, each a class of the model:

- this file: the fields, the payload storage, the access checks (``_message_type_groups``,
  ``_check_journal_access``, ``_check_manage_access``, ``_check_payload_access``, the
  ``create`` override), the handler registry and links (``_link_records_many``);
- ``logistics_message_journal.py``: the journal API every channel calls
  (``_journal_inbound``, ``_journal_outbound``, ``_intake_result``) and journaling
  (``_journal_many``: field values, idempotency);
- ``logistics_message_insert.py``: the fast insert that writes the journal's rows (it
  reproduces ORM ``create``; its docstring says what), with the switch back to ORM
  ``create`` (``logistics_connector.journal_plain_create``);
- ``logistics_message_processing.py``: the cron's wake-up, claiming, handlers' runs, and the
  outcome of each (``_mark_done``, ``_record_failure``: the retry decision is
  services/retry.py), replay and retention;
- ``logistics_message_lanes.py``: each message's lane (``_message_type_lanes``, the
  backend's ``journal_lane``) and the cron's claim per lane (``_claim_lanes``).
"""

import hashlib
import json
import logging

from odoo import _, api, fields, models, tools
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..services import jsonsafe
from ..services.exceptions import PermanentError

_logger = logging.getLogger(__name__)

# Payloads larger than this (or not valid UTF-8) are stored as attachments, byte for byte.
INLINE_PAYLOAD_LIMIT = 256 * 1024
MESSAGE_STATES = [
    ("received", "Received"),
    ("queued", "Queued"),
    ("processing", "Processing"),
    ("done", "Done"),
    ("needs_mapping", "Needs Mapping"),
    ("failed", "Failed"),
    ("dead", "Dead"),
    ("duplicate", "Duplicate"),
]
READY_STATES = ("received", "queued")
PROBLEM_STATES = ("needs_mapping", "failed", "dead")
MANAGER_GROUP = "logistics_connector.group_logistics_manager"
# What a message is: given when it is journaled (create, _journal_many), never changed afterwards.
JOURNAL_IDENTITY_FIELDS = (
    "backend_id",
    "direction",
    "message_type",
    "idempotency_key",
    "content_type",
    "payload",
    "payload_attachment_id",
    "payload_size",
    "content_hash",
    "source",
    "duplicate_of_id",
    "replay_of_id",
)
# What processing, replay and retention own: changed by the journal's own methods only.
JOURNAL_PROCESSING_FIELDS = (
    "state",
    "attempts",
    "replay_count",
    "next_attempt_at",
    "last_error",
    "error_details",
    "missing_mapping_type",
    "missing_mapping_code",
    "processed_at",
    "processing_time_ms",
    "http_status",
    "response_payload",
)


class LogisticsMessage(models.Model):
    """One message in or out, stored before it is processed.

    Access: the journal's fields are written by its own methods only (logistics.guarded.mixin):
    a message's identity and payload when it is journaled, its state by processing, replay and
    retention. A caller who is not in superuser mode journals (``create``, ``_journal_many``),
    replays and processes only messages of backends it can read, of message types its groups
    allow (:meth:`_message_type_groups`), and replays and processes as a Logistics Manager;
    processing itself then runs in superuser mode. Payloads are for Logistics Managers.
    """

    _name = "logistics.message"
    _description = "Integration Message"
    _inherit = ["logistics.guarded.mixin"]
    _order = "id desc"
    _rec_name = "display_ref"
    _check_company_auto = True
    _guarded_fields = dict.fromkeys(JOURNAL_IDENTITY_FIELDS + JOURNAL_PROCESSING_FIELDS)

    # Indexes: every new row, and every change of state (received, processing, done: never a
    # HOT update, the state being indexed), writes one entry into each index whose column it
    # fills. So no index of its own on backend_id (the unique index on backend_id, direction,
    # idempotency_key leads with it), on direction (two values) nor on content_hash (random
    # values no code searches by); columns that are mostly empty (sequence key, retry time,
    # missing mapping) are indexed without their NULLs.
    backend_id = fields.Many2one("logistics.backend", required=True, ondelete="restrict", check_company=True)
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    direction = fields.Selection([("inbound", "Inbound"), ("outbound", "Outbound")], required=True)
    message_type = fields.Selection(
        [
            ("transport_order", "Transport order"),
            ("transport_update", "Transport order change"),
            ("transport_cancel", "Transport order cancellation"),
            ("booking_confirmation", "Booking confirmation"),
        ],
        required=True,
        index=True,
    )
    display_ref = fields.Char(compute="_compute_display_ref", string="Message")
    idempotency_key = fields.Char(index=True, copy=False)
    content_type = fields.Char()
    # Payloads (addresses, amounts, signers) are for Logistics Managers; the other groups keep
    # the metadata, the state and the error.
    payload = fields.Text(
        help="The payload as received or sent (when it is small, valid UTF-8 text).", groups=MANAGER_GROUP
    )
    payload_attachment_id = fields.Many2one(
        "ir.attachment", string="Payload File", ondelete="restrict", copy=False, groups=MANAGER_GROUP
    )
    payload_size = fields.Integer(string="Size (bytes)")
    payload_pretty = fields.Text(compute="_compute_payload_pretty", string="Payload (readable)", groups=MANAGER_GROUP)
    content_hash = fields.Char(string="SHA-256")
    state = fields.Selection(MESSAGE_STATES, required=True, default="received", index=True)
    priority = fields.Integer(default=10, help="Lower is processed first.")
    sequence_key = fields.Char(
        index="btree_not_null",
        help="Messages with the same key are processed strictly in order (e.g. all orders of one shipment).",
    )
    attempts = fields.Integer(default=0, readonly=True)
    replay_count = fields.Integer(default=0, readonly=True)
    next_attempt_at = fields.Datetime(index="btree_not_null", readonly=True)
    last_error = fields.Text(readonly=True)
    error_details = fields.Text(readonly=True, help="Technical details (traceback) of the last error.")
    missing_mapping_type = fields.Char(readonly=True, index="btree_not_null")
    missing_mapping_code = fields.Char(readonly=True, index="btree_not_null")
    processed_at = fields.Datetime(readonly=True)
    processing_time_ms = fields.Integer(string="Processing Time (ms)", readonly=True)
    source = fields.Char(help="Where the message came from: webhook (with source address), file, poll, ...")
    http_status = fields.Integer(readonly=True, help="HTTP status of the remote answer (outbound).")
    response_payload = fields.Text(readonly=True, groups=MANAGER_GROUP)
    duplicate_of_id = fields.Many2one("logistics.message", readonly=True, index="btree_not_null", check_company=True)
    # Indexed (as duplicate_of_id): deleting a message (retention) sets these to NULL in the rows
    # that refer to it, which without an index is a scan of the whole journal per deleted row.
    replay_of_id = fields.Many2one("logistics.message", readonly=True, index="btree_not_null", check_company=True)
    shipment_ids = fields.Many2many(
        "logistics.shipment",
        "logistics_message_shipment_rel",
        "message_id",
        "shipment_id",
        string="Shipments",
        check_company=True,
    )
    link_ids = fields.One2many("logistics.message.link", "message_id", string="Records")
    age_hours = fields.Float(compute="_compute_age_hours")

    _sql_constraints = [
        (
            "idempotency_uniq",
            "unique(backend_id, direction, idempotency_key)",
            "A message with this idempotency key was already received for this backend and direction.",
        ),
    ]

    def init(self):
        # The queue query reads only ready or retrying messages, lane by lane (the lane
        # column: logistics_message_lanes.py); it replaces the former queue index by
        # (priority, id), which would only cost every insert. The claim's check that no earlier
        # message of the same sequence key is still open reads the open messages only: with the
        # full sequence_key index it visited every done message of the key (issue 18: on a
        # journal of 1,000,000 done rows, claiming 100 transport orders took 1.7 s, 39 ms with it).
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS logistics_message_lane_queue_idx
                ON logistics_message (lane, priority, id)
             WHERE state IN ('received', 'queued', 'failed');
            DROP INDEX IF EXISTS logistics_message_queue_idx;
            CREATE INDEX IF NOT EXISTS logistics_message_sequence_open_idx
                ON logistics_message (sequence_key, id)
             WHERE sequence_key IS NOT NULL AND state IN ('received', 'queued', 'processing', 'failed');
            """
        )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("message_type", "direction")
    def _compute_display_ref(self):
        types = dict(self._fields["message_type"]._description_selection(self.env))
        for message in self:
            message.display_ref = "#%s %s (%s)" % (
                message.id or "new",
                types.get(message.message_type, message.message_type or ""),
                message.direction or "",
            )

    @api.depends("payload", "payload_attachment_id")
    def _compute_payload_pretty(self):
        for message in self:
            message.payload_pretty = message._pretty_payload()

    def _compute_age_hours(self):
        now = fields.Datetime.now()
        for message in self:
            message.age_hours = (now - message.create_date).total_seconds() / 3600 if message.create_date else 0

    def _pretty_payload(self):
        raw = self._get_payload_bytes()
        if not raw:
            return ""
        text = raw.decode("utf-8", errors="replace")
        if len(text) > 200_000:
            return text[:200_000] + "\n... (truncated for display; download the payload file)"
        stripped = text.lstrip()
        if stripped[:1] in "[{":
            try:
                return json.dumps(jsonsafe.loads_strict(text), indent=2, ensure_ascii=False, sort_keys=True)
            except jsonsafe.PayloadError:
                # Shown as received (a body refused at intake: too deep, NaN...).
                return text
        if stripped.startswith("ISA") and len(stripped) > 105:
            terminator = stripped[105]
            if terminator not in "\r\n":
                return "\n".join(seg.strip() for seg in stripped.split(terminator) if seg.strip())
        return text

    # ------------------------------------------------------------------
    # Payload storage
    # ------------------------------------------------------------------
    @api.model
    def _payload_vals(self, payload, filename="payload"):
        """Field values storing ``payload`` (bytes, str or JSON-able) as received."""
        if payload is None:
            raw = b""
        elif isinstance(payload, bytes):
            raw = payload
        elif isinstance(payload, str):
            raw = payload.encode("utf-8")
        else:
            raw = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
        vals = {"content_hash": hashlib.sha256(raw).hexdigest(), "payload_size": len(raw)}
        text = None
        if len(raw) <= INLINE_PAYLOAD_LIMIT:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = None
            if text is not None and "\x00" in text:
                text = None
        if text is not None:
            vals["payload"] = text
        else:
            vals["payload_attachment_id"] = (
                self.env["ir.attachment"]
                .sudo()
                .create({"name": filename, "raw": raw, "res_model": self._name, "mimetype": "application/octet-stream"})
                .id
            )
        return vals

    def _get_payload_bytes(self):
        """The payload as stored (server code: processing, or after _check_payload_access)."""
        self.ensure_one()
        message_sudo = self.sudo()
        if message_sudo.payload_attachment_id:
            return message_sudo.payload_attachment_id.raw or b""
        return (message_sudo.payload or "").encode("utf-8")

    def _get_payload_json(self):
        raw = self._get_payload_bytes()
        try:
            return jsonsafe.loads_strict(raw)
        except jsonsafe.PayloadError as error:
            raise PermanentError(_("The payload is not valid JSON: %s", error)) from error

    # ------------------------------------------------------------------
    # Access
    # ------------------------------------------------------------------
    @api.model
    def _message_type_groups(self):
        """``{message_type: group xml id}``: the group a caller that is not in superuser mode
        needs to create (``create``, ``_journal_many``), replay or process messages of that type.

        The hook for message-type rights: an addon that adds message types maps them to the
        group of the people who own what those messages change (carrier invoices to the
        freight groups, milestones to the logistics groups), with ``super()``::

            def _message_type_groups(self):
                return dict(super()._message_type_groups(), my_type="my_addon.group_x")

        A type that is not listed needs no group beyond the model's access rights. Superuser
        code (the journal's cron, processing, the transitions that queue their own messages
        after their own checks) is not concerned. The connector's own types (transport orders
        and booking confirmations) belong to Logistics Managers: users send transport orders
        through the shipment's actions, which check the shipment and journal them as superuser.
        """
        return {
            "transport_order": MANAGER_GROUP,
            "transport_update": MANAGER_GROUP,
            "transport_cancel": MANAGER_GROUP,
            "booking_confirmation": MANAGER_GROUP,
        }

    @api.model
    def _check_journal_access(self, backend_ids, message_types):
        """Before anything is journaled, replayed or processed for a caller that is not in
        superuser mode: the caller can read every backend (record rules: its companies) and
        has the group of every message type (:meth:`_message_type_groups`). AccessError
        otherwise. One query for the backends, whatever the number of messages, and none on
        the webhook's hot path once the answer is cached (see _backends_readable)."""
        if self.env.su:
            return
        backend_ids = tuple(sorted({b for b in backend_ids if b}))
        if backend_ids and not self._backends_readable(backend_ids):
            # Not readable: the record rules' own AccessError names the records and the rule.
            self.env["logistics.backend"].browse(backend_ids).check_access("read")
        type_groups = self._message_type_groups()
        for message_type in sorted({t for t in message_types if t}):
            group = type_groups.get(message_type)
            if group and not self.env.user.has_group(group):
                types = dict(self._fields["message_type"]._description_selection(self.env))
                raise AccessError(
                    _(
                        "You are not allowed to journal, replay or process '%(type)s' messages: "
                        "they belong to the group '%(group)s'.",
                        type=types.get(message_type, message_type),
                        group=self.env.ref(group).sudo().full_name,
                    )
                )

    @api.model
    def _backends_readable(self, backend_ids):
        """Whether the caller can read every one of ``backend_ids`` (access rights and record
        rules), kept in the registry's cache per user and companies: every webhook request
        journals for its backend as the technical user, and the record-rule check read the
        whole backend row each time (a fifth of the single webhook's time). The cache is
        cleared whenever the answer may change: a backend's company, activity, creation or
        deletion (logistics.backend._clear_webhook_intake), a user's groups or companies,
        record rules and access rights (Odoo clears the registry's cache for those)."""
        return self._backends_readable_cached(self.env.uid, tuple(self.env.companies.ids), backend_ids)

    @api.model
    @tools.ormcache("uid", "company_ids", "backend_ids")
    def _backends_readable_cached(self, uid, company_ids, backend_ids):
        try:
            self.env["logistics.backend"].browse(backend_ids).check_access("read")
        except AccessError:
            return False
        return True

    def _check_manage_access(self):
        """Replay and Process Now, for a caller that is not in superuser mode: Logistics
        Managers, on messages they can write (their companies), of types their groups allow."""
        if self.env.su:
            return
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(_("Only Logistics Managers may replay or process journal messages."))
        self.check_access("write")
        self._check_journal_access(self.sudo().backend_id.ids, set(self.sudo().mapped("message_type")))

    def _check_payload_access(self):
        """A payload is for Logistics Managers who can read the message and its type."""
        if self.env.su:
            return
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(_("Only Logistics Managers may read journal payloads."))
        self.check_access("read")
        self._check_journal_access(self.sudo().backend_id.ids, set(self.sudo().mapped("message_type")))

    @api.model_create_multi
    def create(self, vals_list):
        """A message created by hand (RPC) passes the journal's checks first: the backend
        readable by the caller, the type allowed to its groups, no processing field (state,
        attempts...) and no payload file given; it is then written as the journal writes."""
        if self.env.su:
            return super().create(vals_list)
        self.check_access("create")
        self._check_journal_access(
            [vals.get("backend_id") for vals in vals_list], [vals.get("message_type") for vals in vals_list]
        )
        owned = (*JOURNAL_PROCESSING_FIELDS, "payload_attachment_id", "duplicate_of_id", "replay_of_id")
        given = {name for vals in vals_list for name, value in vals.items() if value and name in owned}
        defaults = self.default_get(sorted(given))
        self._check_guarded_write(
            {
                name
                for name in given
                if any(vals.get(name) not in (False, None, defaults.get(name)) for vals in vals_list)
            }
        )
        messages = super(LogisticsMessage, self.sudo()).create(vals_list)
        return messages.with_env(self.env)

    # ------------------------------------------------------------------
    # Handlers
    # ------------------------------------------------------------------
    @api.model
    def _get_handlers(self):
        """message_type -> (model, method, batch). Addons add their types with super().

        Each handler lives on the model whose records it creates or changes (transport
        orders and bookings on ``logistics.shipment``, milestones on
        ``logistics.shipment.event``, carrier invoices on ``freight.invoice``...).
        A per-message handler is called as ``env[model].method(message)``; a
        batch handler as ``env[model].method(messages)`` and must process all of
        them or raise (the journal then falls back to one message at a time).
        Handlers link the records they touch with ``message._link(records)``, or many
        at once with ``_link_records_many``.
        """
        return {
            "transport_order": ("logistics.shipment", "_handle_transport_order_message", False),
            "transport_update": ("logistics.shipment", "_handle_transport_update_message", False),
            "transport_cancel": ("logistics.shipment", "_handle_transport_cancel_message", False),
            "booking_confirmation": ("logistics.shipment", "_handle_booking_confirmation_message", False),
        }

    def _link(self, records, role="updated"):
        """Remember that this message created or changed ``records`` (see _link_records_many)."""
        self.ensure_one()
        self._link_records_many([(self, records, role)])

    @api.model
    def _link_records_many(self, links):
        """Remember which records messages created or changed: ``links`` is an iterable of
        ``(message, records, role)`` (role ``created`` or ``updated``), all written in two
        queries: the ``logistics.message.link`` rows, and the shipments' many2many
        (``shipment_ids``) by one insert that skips the pairs linked already. A shipment is
        linked only to a message of its company (UserError otherwise, as the many2many's
        ``check_company`` would say)."""
        rows, pairs = {}, set()
        for message, records, role in links:
            if not message or not records:
                continue
            for record in records:
                rows.setdefault((message.id, record._name, record.id), role)
                if record._name == "logistics.shipment":
                    pairs.add((message, record))
        if not rows:
            return
        wrong = [(m, s) for m, s in pairs if s.sudo().company_id != m.sudo().company_id]
        if wrong:
            raise UserError(
                _(
                    "Message %(message)s cannot be linked to shipment %(shipment)s of another company.",
                    message=wrong[0][0].id,
                    shipment=wrong[0][1].sudo().display_name,
                )
            )
        # The link rows by one INSERT, their company (related, stored: the message's) in it: ORM
        # create would insert them in chunks of 100 and then update company_id of each chunk,
        # four queries per batch of 200 events in the journal's processing instead of one.
        self.env["logistics.message.link"].flush_model()
        self.flush_model(["company_id"])
        uid = self.env.uid
        now = SQL("(now() AT TIME ZONE 'UTC')")
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO logistics_message_link
                       (message_id, company_id, res_model, res_id, role, create_uid, create_date, write_uid, write_date)
                SELECT v.message_id, m.company_id, v.res_model, v.res_id, v.role, %s, %s, %s, %s
                  FROM (VALUES %s) AS v(message_id, res_model, res_id, role)
                  JOIN logistics_message m ON m.id = v.message_id
                """,
                uid,
                now,
                uid,
                now,
                SQL(", ").join(
                    SQL("(%s::int, %s::varchar, %s::int, %s::varchar)", message_id, model, res_id, role)
                    for (message_id, model, res_id), role in rows.items()
                ),
            )
        )
        self.browse(list({message_id for message_id, _model, _res_id in rows})).invalidate_recordset(["link_ids"])
        if not pairs:
            return
        pairs = sorted({(message.id, shipment.id) for message, shipment in pairs})
        self.env.cr.execute(
            SQL(
                "INSERT INTO logistics_message_shipment_rel (message_id, shipment_id) VALUES %s ON CONFLICT DO NOTHING",
                SQL(", ").join(SQL("(%s, %s)", message_id, shipment_id) for message_id, shipment_id in pairs),
            )
        )
        self.browse([pair[0] for pair in pairs]).invalidate_recordset(["shipment_ids"])
        self.env["logistics.shipment"].browse([pair[1] for pair in pairs]).invalidate_recordset(["journal_message_ids"])

    # ------------------------------------------------------------------
    # The missing mapping of a parked message
    # ------------------------------------------------------------------
    def action_add_missing_mapping(self):
        """Open a new code mapping for the code this message waits for (its backend, type and
        code filled in); saving it puts the message back in the queue
        (``logistics.code.mapping._requeue_waiting_messages``). Logistics Managers only."""
        self.ensure_one()
        self._check_manage_access()
        if self.state != "needs_mapping" or not self.missing_mapping_type:
            raise UserError(_("Message %s waits for no mapping.", self.display_ref))
        return {
            "type": "ir.actions.act_window",
            "name": _("Add Mapping"),
            "res_model": "logistics.code.mapping",
            "view_mode": "form",
            "views": [(self.env.ref("logistics_connector.logistics_code_mapping_view_form").id, "form")],
            "target": "new",
            "context": {
                "default_backend_id": self.backend_id.id,
                "default_mapping_type": self.missing_mapping_type,
                "default_external_code": self.missing_mapping_code,
            },
        }

    # ------------------------------------------------------------------
    # Payload download, deletion
    # ------------------------------------------------------------------
    def action_download_payload(self):
        """The payload as a file, for Logistics Managers (served by controllers/journal_payload.py,
        which checks the same access again: payload files themselves stay system-only)."""
        self.ensure_one()
        self._check_payload_access()
        return {"type": "ir.actions.act_url", "url": f"/logistics/journal/{self.id}/payload", "target": "self"}

    def unlink(self):
        """The journal is the record of what was received and sent: retention (superuser)
        purges it; by hand, Logistics Managers delete messages they may replay."""
        self._check_manage_access()
        return super().unlink()

    def _payload_filename(self):
        self.ensure_one()
        extension = {"application/json": "json", "application/edi-x12": "x12"}.get(self.content_type or "", "txt")
        return f"message-{self.id}-{self.message_type}.{extension}"
