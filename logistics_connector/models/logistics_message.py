"""The integration journal: every inbound and outbound message, stored before it is processed."""

import hashlib
import json
import logging
import random
import time
import traceback
from datetime import timedelta

from psycopg2 import errors as pg_errors

from odoo import _, api, fields, models, tools
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, mute_logger

from ..services.exceptions import NeedsMappingError, PermanentError, RetryableError

_logger = logging.getLogger(__name__)

# database name -> time.monotonic() of this process's last cron NOTIFY (see _trigger_processing)
_LAST_NOTIFY = {}
NOTIFY_INTERVAL = 1.0

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

    backend_id = fields.Many2one(
        "logistics.backend", required=True, ondelete="restrict", index=True, check_company=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    direction = fields.Selection([("inbound", "Inbound"), ("outbound", "Outbound")], required=True, index=True)
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
    content_hash = fields.Char(string="SHA-256", index=True)
    state = fields.Selection(MESSAGE_STATES, required=True, default="received", index=True)
    priority = fields.Integer(default=10, help="Lower is processed first.")
    sequence_key = fields.Char(
        index=True,
        help="Messages with the same key are processed strictly in order (e.g. all orders of one shipment).",
    )
    attempts = fields.Integer(default=0, readonly=True)
    replay_count = fields.Integer(default=0, readonly=True)
    next_attempt_at = fields.Datetime(index=True, readonly=True)
    last_error = fields.Text(readonly=True)
    error_details = fields.Text(readonly=True, help="Technical details (traceback) of the last error.")
    missing_mapping_type = fields.Char(readonly=True, index=True)
    missing_mapping_code = fields.Char(readonly=True, index=True)
    processed_at = fields.Datetime(readonly=True)
    processing_time_ms = fields.Integer(string="Processing Time (ms)", readonly=True)
    source = fields.Char(help="Where the message came from: webhook (with source address), file, poll, ...")
    http_status = fields.Integer(readonly=True, help="HTTP status of the remote answer (outbound).")
    response_payload = fields.Text(readonly=True, groups=MANAGER_GROUP)
    duplicate_of_id = fields.Many2one("logistics.message", readonly=True, index="btree_not_null", check_company=True)
    replay_of_id = fields.Many2one("logistics.message", readonly=True, check_company=True)
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
        # The queue query reads only ready or retrying messages.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS logistics_message_queue_idx
                ON logistics_message (priority, id)
             WHERE state IN ('received', 'queued', 'failed')
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
                return json.dumps(json.loads(text), indent=2, ensure_ascii=False, sort_keys=True)
            except ValueError:
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
            return json.loads(raw)
        except ValueError as error:
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
    # Journaling
    # ------------------------------------------------------------------
    @api.model
    def _journal_many(self, vals_list):
        """Store messages before anything else happens; returns (messages, duplicates).

        Each dict of ``vals_list`` holds field values plus ``payload`` (bytes, str
        or a JSON-able object). A message whose (backend, direction,
        idempotency key) exists already is stored as a 'duplicate' row pointing
        at the original, and the original is returned in ``duplicates`` (a list
        aligned with ``vals_list``: the original message or False). Safe against
        a concurrent insert of the same key: the database's unique constraint
        decides (see _journal_insert).
        """
        prepared = []
        for given in vals_list:
            vals = dict(given)
            payload = vals.pop("payload", None)
            vals.update(self._payload_vals(payload, filename=vals.get("message_type") or "payload"))
            vals.setdefault("state", "received" if vals.get("direction") == "inbound" else "queued")
            prepared.append(vals)

        def key_of(vals):
            return (vals["backend_id"], vals["direction"], vals.get("idempotency_key"))

        # The same key twice in this batch: the later one is a duplicate of the first.
        duplicates, first_of, to_insert = [False] * len(prepared), {}, []
        for index, vals in enumerate(prepared):
            if vals.get("idempotency_key"):
                if key_of(vals) in first_of:
                    duplicates[index] = first_of[key_of(vals)]
                    continue
                first_of[key_of(vals)] = index
            to_insert.append(index)
        inserted = self._journal_insert([prepared[index] for index in to_insert])
        message_ids = [False] * len(prepared)
        taken = []  # the key exists already in the journal
        for index, message_id in zip(to_insert, inserted, strict=True):
            if message_id:
                message_ids[index] = message_id
            else:
                taken.append(index)
        if taken:
            originals = {}
            for message in self.sudo().search(
                [
                    ("idempotency_key", "in", list({prepared[index]["idempotency_key"] for index in taken})),
                    ("backend_id", "in", list({prepared[index]["backend_id"] for index in taken})),
                ]
            ):
                originals[(message.backend_id.id, message.direction, message.idempotency_key)] = message.id
            for index in taken:
                key = key_of(prepared[index])
                if key not in originals:
                    # Cannot happen (the constraint saw the row): never drop the message silently.
                    raise UserError(_("Journal: the original of message key %s was not found.", key))
                duplicates[index] = originals[key]
        taken = set(taken)
        for index, original in enumerate(duplicates):
            if original is not False and index not in taken:  # same key earlier in this batch
                duplicates[index] = message_ids[original] or duplicates[original]
        dup_rows = [
            dict(
                prepared[index],
                idempotency_key=False,
                state="duplicate",
                duplicate_of_id=original,
                processed_at=fields.Datetime.now(),
            )
            for index, original in enumerate(duplicates)
            if original
        ]
        if dup_rows:
            self._journal_insert(dup_rows)
        if any(message_ids[index] and prepared[index]["state"] in READY_STATES for index in range(len(prepared))):
            self._trigger_processing()
        created = self.browse([message_id for message_id in message_ids if message_id])
        return created, [self.sudo().browse(original) if original else False for original in duplicates]

    @api.model
    def _journal_insert(self, rows):
        """Insert journal rows (field values, payload already stored) with one statement;
        returns their ids aligned with ``rows``, None where the row's (backend, direction,
        idempotency key) is in the journal already.

        Journaling is the hot path of every webhook, so it is written as the ORM's own
        ``_create`` writes rows, minus what the journal never needs: one ``INSERT ... ON
        CONFLICT DO NOTHING`` decides idempotency without a search first, the field defaults
        are the model's own (no ``default_get``: no user-defined ``ir.default`` and no
        ``default_*`` context keys apply to the journal), ``company_id`` (related to the
        backend) is written with the row instead of recomputed after it. Non-column fields
        (``shipment_ids`` links) go through the fields' own batch ``create``; the rows are
        put in the cache, dependent fields are marked (``modified``), Python constraints
        are checked and one2many caches on the other side are invalidated, as create does.
        A concurrent transaction inserting the same key is a serialization failure, which
        Odoo's request and cron retries replay.
        """
        if not rows:
            return []
        # The rows are written as superuser, with the backend's company: a caller that is not
        # in superuser mode (a user's wizard, a webhook's technical user) journals only for
        # backends it can read, messages of types its groups allow.
        self._check_journal_access([row.get("backend_id") for row in rows], [row.get("message_type") for row in rows])
        Message = self.sudo()
        Message.flush_model(["backend_id", "direction", "idempotency_key"])
        magic = {"id", "create_uid", "create_date", "write_uid", "write_date"}
        defaults = {
            name: field.convert_to_write(field.default(Message), Message)
            for name, field in Message._fields.items()
            if field.store and field.column_type and field.default and not field.compute and name not in magic
        }
        column_rows, other_values = [], []
        for row in rows:
            values = dict(defaults, **row)
            others = {}
            for name in list(values):
                field = Message._fields.get(name)
                if field is None or name in magic or field.compute:
                    raise ValueError(f"logistics.message._journal_insert: {name!r} is not a journal column")
                if not field.column_type:
                    others[name] = values.pop(name)
            column_rows.append(values)
            other_values.append(others)
        columns = sorted({name for values in column_rows for name in values})
        now = SQL("(now() AT TIME ZONE 'UTC')")
        uid = self.env.uid
        sql_rows = [
            SQL(
                "(%s)",
                SQL(", ").join(
                    [
                        *(
                            Message._fields[name].convert_to_column_insert(values[name], Message, values)
                            if name in values
                            else SQL("DEFAULT")
                            for name in columns
                        ),
                        # company_id is related to the backend's, as the ORM would compute it
                        SQL("(SELECT company_id FROM logistics_backend WHERE id = %s)", values["backend_id"]),
                        uid,
                        now,
                        uid,
                        now,
                    ]
                ),
            )
            for values in column_rows
        ]
        self.env["logistics.backend"].flush_model(["company_id"])
        self.env.cr.execute(
            SQL(
                "INSERT INTO logistics_message (%s, company_id, create_uid, create_date, write_uid, write_date)"
                " VALUES %s"
                " ON CONFLICT ON CONSTRAINT logistics_message_idempotency_uniq DO NOTHING"
                " RETURNING id, backend_id, direction, idempotency_key, company_id, create_date",
                SQL(", ").join(SQL.identifier(name) for name in columns),
                SQL(", ").join(sql_rows),
            )
        )
        # RETURNING gives the inserted rows in the order of VALUES (as ORM create relies
        # on); a row left out is one whose key exists: match them by key.
        returned = self.env.cr.fetchall()
        ids, inserted, position = [], [], 0
        for values in column_rows:
            key = (values["backend_id"], values["direction"], values.get("idempotency_key") or None)
            row = returned[position] if position < len(returned) else None
            if row and (row[1], row[2], row[3] or None) == key:
                ids.append(row[0])
                inserted.append((values, row))
                position += 1
            else:
                ids.append(None)
        if position != len(returned):
            raise UserError(_("Journal: the inserted rows do not match the rows given."))
        records = Message.browse([message_id for message_id in ids if message_id])
        self._journal_cache_rows(records, inserted)
        pairs = {}
        for message_id, others in zip(ids, other_values, strict=True):
            for name, value in others.items():
                if message_id:
                    pairs.setdefault(name, []).append((Message.browse(message_id), value))
        # As _create: every field is marked modified (company_id, written, is protected), then
        # the non-column fields once they are written.
        with self.env.protecting([Message._fields["company_id"]], records):
            records.modified(Message._fields, create=True)
            for name, record_values in pairs.items():
                Message._fields[name].create(record_values)
            records.modified(list(pairs), create=True)
        for name in [*columns, "company_id"]:
            for inverse in self.pool.field_inverses[Message._fields[name]]:
                self.env[inverse.model_name].invalidate_model([inverse.name], flush=False)
        records._validate_fields([*columns, *pairs])  # Python constraints, as create checks them
        if pairs:
            records._check_company(list(pairs))  # the linked shipments are of the backend's company
        return ids

    @api.model
    def _journal_cache_rows(self, records, inserted):
        """Put the rows just inserted in the cache, as ORM create does: what the caller reads
        of them comes from there (no fetch, hence no record rule for a technical user), and
        a stored field that was not written is known to be empty."""
        if not records:
            return
        cache = self.env.cache
        for name, field in records._fields.items():
            if not field.store or name == "id":
                continue
            if field.type in ("one2many", "many2many"):
                values = [()] * len(records)
            elif name == "company_id":
                values = [row[4] for _values, row in inserted]
            elif name in ("create_date", "write_date"):
                values = [row[5] for _values, row in inserted]
            elif name in ("create_uid", "write_uid"):
                values = [self.env.uid] * len(records)
            elif field.compute:
                continue
            else:
                values = [
                    field.convert_to_cache(row_values.get(name), record)
                    for record, (row_values, _row) in zip(records, inserted, strict=True)
                ]
            cache.update(records, field, values)

    @api.model
    def _journal_failed_body(self, backend, message_type, body, content_type, source, error):
        """Keep a malformed body in the journal as failed, for inspection."""
        messages, _duplicates = self._journal_many(
            [
                {
                    "backend_id": backend.id,
                    "direction": "inbound",
                    "message_type": message_type,
                    "payload": body,
                    "content_type": content_type,
                    "source": source,
                    "state": "failed",
                    "last_error": str(error),
                    "processed_at": fields.Datetime.now(),
                }
            ]
        )
        return messages

    @api.model
    def _journal(self, vals):
        """Store one message; returns (message, original) where original is set for a duplicate."""
        messages, duplicates = self._journal_many([vals])
        return messages[:1], duplicates[0]

    @api.model
    def _trigger_processing(self, at=None):
        """Wake the journal's cron for new work.

        Every transaction that journals work records one trigger, committed with the
        messages: the cron runs for it on its next wake-up whatever happens, and a trigger
        committed while the cron runs survives that run (the cron deletes the triggers its
        own snapshot sees), so no message waits for the cron's interval. The NOTIFY that
        wakes the cron workers at once costs a new database connection each time (Odoo does
        not pool connections to the ``postgres`` database): a worker process sends it at most
        once per second, which under a stream of webhooks still wakes the cron within a
        second, and at worst (a burst ending just as the cron finishes) within the cron
        runner's own polling interval.
        """
        cron_id = self.env["ir.model.data"]._xmlid_to_res_id(
            "logistics_connector.ir_cron_process_messages", raise_if_not_found=False
        )
        if not cron_id:
            return
        cron = self.env["ir.cron"].sudo().browse(cron_id)
        if at is not None:
            cron._trigger(at=at)
            return
        # One trigger per transaction: they all commit together with its messages.
        transaction = self.env.cr.precommit.data
        if transaction.get("logistics_journal_triggered"):
            return
        transaction["logistics_journal_triggered"] = True
        key = self.env.cr.dbname
        now = time.monotonic()
        if now - _LAST_NOTIFY.get(key, -NOTIFY_INTERVAL) < NOTIFY_INTERVAL:
            # The trigger row as ir.cron._trigger writes it, with one INSERT: ir.cron.trigger is
            # a bare two-field model (Odoo's cron runner reads and deletes its rows with SQL),
            # and its ORM create, on every webhook request, cost a quarter of the intake's
            # time (default_get, the user's company).
            self.env.cr.execute(
                SQL(
                    "INSERT INTO ir_cron_trigger (cron_id, call_at, create_uid, create_date, write_uid, write_date)"
                    " VALUES (%s, %s, %s, now() AT TIME ZONE 'UTC', %s, now() AT TIME ZONE 'UTC')",
                    cron_id,
                    fields.Datetime.now(),
                    self.env.uid,
                    self.env.uid,
                )
            )
            return
        _LAST_NOTIFY[key] = now
        cron._trigger()

    # ------------------------------------------------------------------
    # Handlers
    # ------------------------------------------------------------------
    @api.model
    def _get_handlers(self):
        """message_type -> (model, method, batch). Addons add their types with super().

        A per-message handler is called as ``env[model].method(message)``; a
        batch handler as ``env[model].method(messages)`` and must process all of
        them or raise (the journal then falls back to one message at a time).
        Handlers link the records they touch with ``message._link(records)``.
        """
        return {
            "transport_order": ("logistics.shipment", "_handle_transport_order_message", False),
            "transport_update": ("logistics.shipment", "_handle_transport_update_message", False),
            "transport_cancel": ("logistics.shipment", "_handle_transport_cancel_message", False),
            "booking_confirmation": ("logistics.shipment", "_handle_booking_confirmation_message", False),
        }

    def _link(self, records, role="updated"):
        """Remember that this message created or changed ``records``."""
        self.ensure_one()
        if not records:
            return
        vals = [
            {"message_id": self.id, "res_model": record._name, "res_id": record.id, "role": role} for record in records
        ]
        self.env["logistics.message.link"].sudo().create(vals)
        shipments = records.filtered(lambda r: r._name == "logistics.shipment") if records else None
        if shipments:
            self.sudo().write({"shipment_ids": [fields.Command.link(s.id) for s in shipments]})

    # ------------------------------------------------------------------
    # Processing
    # ------------------------------------------------------------------
    @api.model
    def _claim(self, limit, ids=None):
        """Lock up to ``limit`` ready messages for this worker and mark them processing.

        ``FOR UPDATE SKIP LOCKED``: several workers (threads, processes or
        servers on one database) never get the same message. Messages sharing a
        sequence key wait until the earlier ones of that key are finished.
        """
        extra = SQL("AND m.id IN %s", tuple(ids)) if ids else SQL()
        if not self.env.su:
            # A user (not the cron's superuser) only processes what the record rules let them read.
            extra = SQL("%s AND m.company_id IN %s", extra, tuple(self.env.companies.ids))
        query = SQL(
            """
            UPDATE logistics_message AS u
               SET state = 'processing'
             WHERE u.id IN (
                SELECT m.id
                  FROM logistics_message m
                 WHERE (m.state IN ('received', 'queued')
                        OR (m.state = 'failed' AND m.next_attempt_at IS NOT NULL
                            AND m.next_attempt_at <= %s))
                   %s
                   AND (m.sequence_key IS NULL OR NOT EXISTS (
                        SELECT 1 FROM logistics_message p
                         WHERE p.sequence_key = m.sequence_key
                           AND p.id < m.id
                           AND (p.state IN ('received', 'queued', 'processing')
                                OR (p.state = 'failed' AND p.next_attempt_at IS NOT NULL))))
                 ORDER BY m.priority, m.id
                 LIMIT %s
                   FOR UPDATE OF m SKIP LOCKED)
            RETURNING u.id
            """,
            fields.Datetime.now(),  # the application's clock (a database now() ignores frozen test time)
            extra,
            limit,
        )
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                self.env.cr.execute(query)
                claimed = sorted(row[0] for row in self.env.cr.fetchall())
        except pg_errors.SerializationFailure:
            # Another worker finished some of them after our snapshot: next round.
            return self.browse()
        messages = self.browse(claimed)
        messages.invalidate_recordset(["state"])
        return messages

    @api.model
    def _cron_process_queue(self, batch_size=None):
        """Scheduled entry point: one batch per call, progress reported to the cron runner."""
        batch_size = batch_size or int(
            self.env["ir.config_parameter"].sudo().get_param("logistics_connector.batch_size", 200)
        )
        messages = self._claim(batch_size)
        messages._process_claimed()
        remaining = self._count_ready()
        self.env["ir.cron"]._notify_progress(done=len(messages), remaining=remaining)
        return len(messages)

    @api.model
    def _process_queue(self, limit=200, max_batches=None):
        """Process ready messages in batches (tests, scripts). Returns how many were processed."""
        total, batches = 0, 0
        while max_batches is None or batches < max_batches:
            messages = self._claim(limit)
            if not messages:
                break
            messages._process_claimed()
            total += len(messages)
            batches += 1
        return total

    @api.model
    def _count_ready(self):
        self.env.cr.execute(
            SQL(
                """
                SELECT count(*) FROM logistics_message
                 WHERE state IN ('received', 'queued')
                    OR (state = 'failed' AND next_attempt_at IS NOT NULL AND next_attempt_at <= %s)
                """,
                fields.Datetime.now(),
            )
        )
        return self.env.cr.fetchone()[0]

    def action_process_now(self):
        """Process these messages now (support action; uses the same locking as the cron).

        Logistics Managers, on messages of their companies and of types their groups allow
        (_check_manage_access); the processing then runs as superuser, as the cron's."""
        self._check_manage_access()
        messages = self.sudo()._claim(len(self.ids), ids=self.ids)
        messages._process_claimed()
        messages = messages.with_env(self.env)
        skipped = self - messages
        if skipped:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "message": _(
                        "%s message(s) were not processed: not ready, already being processed, "
                        "or waiting behind an earlier message of the same shipment.",
                        len(skipped),
                    ),
                    "type": "warning",
                    "next": {"type": "ir.actions.client", "tag": "soft_reload"},
                },
            }
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    def _process_claimed(self):
        """Process claimed messages: per type, in batch when the handler allows it, each
        message in its own savepoint otherwise, so one bad message never blocks the others.

        Handlers always run in superuser mode (the fields they set are guarded): whoever
        claimed the messages (the cron, a manager's Process Now, a wizard) was checked before."""
        self = self.sudo()  # noqa: PLW0642 - processing is superuser work, see above
        handlers = self._get_handlers()
        by_type = {}
        for message in self:
            by_type.setdefault(message.message_type, self.browse())
            by_type[message.message_type] |= message
        for message_type, messages in by_type.items():
            spec = handlers.get(message_type)
            if not spec:
                for message in messages:
                    message._record_failure(PermanentError(_("No handler for message type %s", message_type)), 0)
                continue
            model, method, batch = spec
            handler = getattr(self.env[model], method)
            if batch and len(messages) > 1:
                started = time.monotonic()
                try:
                    with self.env.cr.savepoint():
                        handler(messages)
                        self.env.flush_all()
                except Exception:
                    _logger.info("Batch of %s %s messages failed; processing one by one", len(messages), message_type)
                else:
                    elapsed = int((time.monotonic() - started) * 1000 / len(messages))
                    messages._mark_done(elapsed)
                    continue
            for message in messages:
                message._process_one(handler)

    def _process_one(self, handler):
        self.ensure_one()
        started = time.monotonic()
        try:
            with self.env.cr.savepoint():
                handler(self)
                self.env.flush_all()
        except Exception as error:
            self._record_failure(error, int((time.monotonic() - started) * 1000))
        else:
            self._mark_done(int((time.monotonic() - started) * 1000))

    def _mark_done(self, elapsed_ms):
        if not self:
            return
        self.env.cr.execute(
            SQL(
                """
                UPDATE logistics_message
                   SET state = 'done', attempts = attempts + 1, processed_at = %s,
                       processing_time_ms = %s, last_error = NULL, error_details = NULL,
                       next_attempt_at = NULL, missing_mapping_type = NULL, missing_mapping_code = NULL
                 WHERE id IN %s
                """,
                fields.Datetime.now(),
                elapsed_ms,
                tuple(self.ids),
            )
        )
        self.invalidate_recordset(
            [
                "state",
                "attempts",
                "processed_at",
                "processing_time_ms",
                "last_error",
                "error_details",
                "next_attempt_at",
                "missing_mapping_type",
                "missing_mapping_code",
            ]
        )

    def _backoff_delay(self, attempts, error=None):
        """Exponential backoff with jitter; a delay the remote asked for (Retry-After) wins."""
        backend = self.backend_id
        if isinstance(error, RetryableError) and error.delay:
            return min(float(error.delay), backend.retry_max_delay or 6 * 3600)
        base = backend.retry_base_delay or 60
        delay = min(base * (2 ** max(attempts - 1, 0)), backend.retry_max_delay or 6 * 3600)
        return delay * (1 + random.uniform(0, 0.25))

    def _record_failure(self, error, elapsed_ms):
        """Turn an error into the message's state (outside the failed savepoint)."""
        self.ensure_one()
        attempts = self.attempts + 1
        vals = {
            "attempts": attempts,
            "processing_time_ms": elapsed_ms,
            "processed_at": fields.Datetime.now(),
            "last_error": str(error) or error.__class__.__name__,
            "error_details": False,
            "missing_mapping_type": False,
            "missing_mapping_code": False,
        }
        if isinstance(error, NeedsMappingError):
            vals.update(
                state="needs_mapping",
                next_attempt_at=False,
                missing_mapping_type=error.mapping_type,
                missing_mapping_code=error.code,
            )
        elif isinstance(error, PermanentError | UserError):
            vals.update(state="failed", next_attempt_at=False)
        else:
            if not isinstance(error, RetryableError):
                _logger.warning("Message %s (%s) failed unexpectedly", self.id, self.message_type, exc_info=error)
                vals["error_details"] = "".join(traceback.format_exception(error))[-20000:]
                vals["last_error"] = _("Unexpected error: %s", vals["last_error"])
            if attempts >= (self.backend_id.max_attempts or 6):
                vals.update(state="dead", next_attempt_at=False)
                vals["last_error"] = _(
                    "Gave up after %(n)s attempts. Last error: %(error)s", n=attempts, error=vals["last_error"]
                )
            else:
                next_at = fields.Datetime.now() + timedelta(seconds=self._backoff_delay(attempts, error))
                vals.update(state="failed", next_attempt_at=next_at)
                self._trigger_processing(at=next_at)
        self.sudo().write(vals)
        _logger.info("Message %s: %s (%s)", self.id, vals["state"], vals["last_error"])

    # ------------------------------------------------------------------
    # Replay, requeue, retention
    # ------------------------------------------------------------------
    def action_replay(self):
        """Send failed, dead or unmapped messages through processing again.

        Handlers are idempotent (idempotency keys on outbound calls, external
        ids and unique constraints on what they create), so a replay can never
        create a second shipment or a second financial posting.
        """
        self._check_manage_access()
        replayable = self.sudo().filtered(lambda m: m.state in PROBLEM_STATES)
        if not replayable:
            raise UserError(_("Only failed, dead or 'needs mapping' messages can be replayed."))
        for message in replayable:
            message.write(
                {
                    "state": "queued",
                    "next_attempt_at": False,
                    "attempts": 0,
                    "replay_count": message.replay_count + 1,
                }
            )
        self._trigger_processing()
        return True

    def _requeue(self):
        self.sudo().write({"state": "queued", "next_attempt_at": False})
        self._trigger_processing()

    @api.model
    def _cron_purge(self):
        """Retention: done and duplicate messages older than the backend's retention are deleted."""
        backends = self.env["logistics.backend"].with_context(active_test=False).search([])
        now = fields.Datetime.now()
        total = 0
        for days, group in backends.grouped(lambda b: b.journal_retention_days or 90).items():
            limit_date = now - timedelta(days=days)
            old = self.search(
                [
                    ("backend_id", "in", group.ids),
                    ("state", "in", ("done", "duplicate")),
                    ("create_date", "<", limit_date),
                ],
                limit=10000,
            )
            attachments = old.payload_attachment_id
            total += len(old)
            old.unlink()
            attachments.sudo().unlink()
        _logger.info("Integration journal retention: %s messages purged", total)
        return total

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
