"""Journaling: messages stored before anything else happens. Every channel calls
``_journal_inbound`` (webhooks, uploads, polls) or ``_journal_outbound`` (the outbox, a
997), with :class:`~odoo.addons.logistics_connector.services.intake.JournalItem` values;
intakes turn what was journaled into a plain ``IntakeResult`` (``_intake_result``,
``_intake_refused``). Underneath: ``_journal_many`` (field values; idempotency), which
writes the rows with ``_journal_insert`` (``logistics_message_insert.py``: the fast insert
and its switch back to ORM ``create``). What an intake read on without refusing the body
(envelope or count mismatches, impossible dates...) is kept on the message:
``intake_warnings``, set by ``_set_intake_warnings`` (X12 and EDIFACT alike).

The access checks (``_check_journal_access``, the ``create`` override) stay with the model,
in ``logistics_message.py``.
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..services import intake as intake_lib
from ..services.intake import IntakeResult, JournalItem
from .logistics_message import READY_STATES


class LogisticsMessage(models.Model):
    # One class per concern of logistics.message, each in its own file (see
    # logistics_message.py): journaling here, not merged with the model's fields and access
    # checks on purpose.
    _inherit = "logistics.message"  # pylint: disable=consider-merging-classes-inherited
    _guarded_fields = dict.fromkeys(("intake_warnings", "intake_warning_count"))

    intake_warnings = fields.Text(
        readonly=True,
        help="What the intake read on without refusing the body, one line each: envelope and count "
        "mismatches (X12: the 997 says E), impossible dates, parts left out.",
    )
    intake_warning_count = fields.Integer(readonly=True, index="btree_not_null")

    def _set_intake_warnings(self, lines):
        """Keep ``lines`` (texts) on these messages as their intake warnings."""
        lines = [line for line in lines if line]
        if lines and self:
            self.sudo().write({"intake_warnings": "\n".join(lines), "intake_warning_count": len(lines)})

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
        privacy_rules = self._payload_privacy_rules()
        for given in vals_list:
            # Banking references masked before anything is stored (logistics_message_privacy.py).
            vals = self._privacy_mask_vals(dict(given), privacy_rules)
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
        # The cron's trigger recorded by the insert itself when it can (one round trip less).
        inserted = self._journal_insert([prepared[index] for index in to_insert], trigger=True)
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

    # ------------------------------------------------------------------
    # The journal API: what every channel calls
    # ------------------------------------------------------------------
    @api.model
    def _journal_inbound(self, backend, message_type, items, content_type=None, source=None):
        """Journal messages received (webhooks, uploads, polls); returns (messages, duplicates)
        as :meth:`_journal_many` (one SQL insert for all of them).

        ``items``: :class:`~odoo.addons.logistics_connector.services.intake.JournalItem`
        values, or bare payloads (no key). ``backend`` is a record or an id, or None when
        every item names its own (``backend_id``, which wins); ``content_type`` and
        ``source`` are the same for every item."""
        return self._journal_messages("inbound", backend, message_type, items, content_type, source)

    @api.model
    def _journal_outbound(self, backend, message_type, items, content_type=None, source="odoo"):
        """Journal messages to send (the outbox: transport orders, disputes) or sent already
        (a 997 journaled as done); same arguments and answer as :meth:`_journal_inbound`."""
        return self._journal_messages("outbound", backend, message_type, items, content_type, source)

    @api.model
    def _journal_messages(self, direction, backend, message_type, items, content_type, source):
        backend_id = backend.id if isinstance(backend, models.BaseModel) else backend or None
        now = None
        vals_list = []
        for given in items:
            item = given if isinstance(given, JournalItem) else JournalItem(given)
            vals = {
                "backend_id": item.backend_id or backend_id,
                "direction": direction,
                "message_type": message_type,
                "payload": item.payload,
            }
            if content_type:
                vals["content_type"] = content_type
            if item.key:
                vals["idempotency_key"] = item.key
            if source:
                vals["source"] = source
            if item.sequence_key:
                vals["sequence_key"] = item.sequence_key
            if item.shipment_ids:
                vals["shipment_ids"] = [fields.Command.link(shipment_id) for shipment_id in item.shipment_ids]
            state = item.state or ("failed" if item.error is not None else None)
            if state:
                vals["state"] = state
            if item.error is not None:
                vals["last_error"] = str(item.error)
            if state in ("failed", "done"):
                now = now or fields.Datetime.now()
                vals["processed_at"] = now
            vals_list.append(vals)
        return self._journal_many(vals_list)

    @api.model
    def _journal_failed_body(self, backend, message_type, body, content_type, source, error):
        """Keep a malformed body in the journal as failed, for inspection."""
        messages, _duplicates = self._journal_inbound(
            backend, message_type, [JournalItem(body, error=str(error))], content_type=content_type, source=source
        )
        return messages

    @api.model
    def _intake_result(self, messages, duplicates):
        """The :class:`IntakeResult` of the parts of one body just journaled (the answer of
        :meth:`_journal_inbound`): ``duplicate`` with the originals when every part was
        received before, ``accepted`` with the new messages otherwise."""
        return intake_lib.accepted_or_duplicate(
            messages.ids, [original.id if original else False for original in duplicates]
        )

    @api.model
    def _intake_refused(self, backend, message_type, body, content_type, source, error):
        """A body refused at intake: kept in the journal as failed (for inspection), and the
        :class:`IntakeResult` that names the problem."""
        messages = self._journal_failed_body(backend, message_type, body, content_type, source, error)
        return IntakeResult(intake_lib.INVALID, tuple(messages.ids), str(error))

    @api.model
    def _journal(self, vals):
        """Store one message given as field values (tests, scripts; the addons' code calls
        :meth:`_journal_inbound` or :meth:`_journal_outbound`); returns (message, original)
        where original is set for a duplicate."""
        messages, duplicates = self._journal_many([vals])
        return messages[:1], duplicates[0]
