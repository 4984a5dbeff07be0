"""Personal and banking data of the journal's payloads (the rules: ``services/privacy.py``).

- ``_payload_privacy_rules``: message type -> :class:`~..services.privacy.PayloadRules`, the
  hook each addon extends for the formats it owns (the connector: its transport orders);
- ``_privacy_mask_vals``: banking references masked on intake, called by ``_journal_many``
  before the payload is stored (the idempotency keys were computed by the intakes before, from
  what was received, so a resent body is still a duplicate);
- ``_redact_personal_data``: the personal fields of these messages' payloads replaced in place
  by their keyed hash (``redacted_at`` set: redacting again changes nothing); the scheduled
  ``_cron_redact_personal_data`` runs it on processed messages (done, duplicate) older than
  their backend's policy (``logistics_backend_privacy.py``), in batches claimed with
  ``FOR UPDATE SKIP LOCKED``. A redacted message is never replayed (its personal fields are
  gone): ``action_replay`` refuses it (``_check_not_redacted``).

The hash secret: the system parameter ``logistics_connector.redaction_secret``, created at
random on first use (changing it makes the tokens of new redactions differ from the old ones).
"""

import logging
import secrets
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..services import privacy

_logger = logging.getLogger(__name__)

SECRET_PARAM = "logistics_connector.redaction_secret"
REDACTABLE_STATES = ("done", "duplicate")
REDACT_BATCH = 500

# The connector's own payloads: transport orders carry the origin's and destination's names
# and streets (``logistics_shipment_transport.py``); bookings may name a contact.
TRANSPORT_RULES = privacy.json_rules(personal_paths=("origin.name", "destination.name"))


class LogisticsMessage(models.Model):
    # One class per concern of logistics.message, each in its own file (see
    # logistics_message.py): personal data here.
    _inherit = "logistics.message"  # pylint: disable=consider-merging-classes-inherited
    _guarded_fields = dict.fromkeys(("redacted_at", "redacted_count"))

    redacted_at = fields.Datetime(
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="When the personal fields of the payload were replaced by their hash (data policy of the "
        "backend, or Forget this contact).",
    )
    redacted_count = fields.Integer(readonly=True, copy=False, help="Personal values replaced by their hash.")

    @api.model
    def _payload_privacy_rules(self):
        """``{message_type: PayloadRules}``: what is personal (and banking) in each type's payload.
        Addons add the types of the formats they own with ``super()``; a type not listed is
        neither redacted nor masked."""
        return dict.fromkeys(
            ("transport_order", "transport_update", "transport_cancel", "booking_confirmation"), TRANSPORT_RULES
        )

    @api.model
    def _privacy_secret(self):
        params = self.env["ir.config_parameter"].sudo()
        secret = params.get_param(SECRET_PARAM)
        if not secret:
            secret = secrets.token_hex(32)
            params.set_param(SECRET_PARAM, secret)
        return secret

    @api.model
    def _privacy_mask_vals(self, vals, rules_of=None):
        """An inbound message's values with the banking references of its payload masked (on
        intake, before anything is stored); ``rules_of``: :meth:`_payload_privacy_rules`, read
        once per batch by the caller."""
        if vals.get("direction") != "inbound" or vals.get("payload") is None:
            return vals
        if rules_of is None:
            rules_of = self._payload_privacy_rules()
        rules = rules_of.get(vals.get("message_type"))
        if not rules or not rules.has_banking:
            return vals
        try:
            payload, count = privacy.mask_banking(vals["payload"], rules)
        except (UnicodeDecodeError, ValueError):  # not text in its format: masked as far as read
            return vals
        return dict(vals, payload=payload) if count else vals

    def _redact_personal_data(self, values=()):
        """Replace the personal fields of these messages' payloads by their hash, in place, and
        every occurrence of ``values`` (a contact's name, e-mail... for Forget this contact).
        Returns the number of messages changed. Superuser work (the cron, Forget this contact)."""
        rules_of = self._payload_privacy_rules()
        secret = self._privacy_secret()
        now = fields.Datetime.now()
        changed = 0
        for message in self.sudo():
            rules = rules_of.get(message.message_type)
            vals = {} if message.redacted_at else {"redacted_at": now}
            raw = message._get_payload_bytes()
            redacted, count = raw, 0
            if rules:
                try:
                    redacted, count = privacy.redact(raw, rules, secret)
                except (UnicodeDecodeError, ValueError):
                    redacted, count = raw, 0
            if values:
                redacted, found = privacy.redact_values(redacted, values, secret)
                count += found
            if count:
                if message.payload_attachment_id:
                    message.payload_attachment_id.write({"raw": redacted})
                else:
                    vals["payload"] = redacted.decode("utf-8")
                vals["payload_size"] = len(redacted)
                vals["redacted_count"] = message.redacted_count + count
                changed += 1
            if vals:
                message.write(vals)
        return changed

    @api.model
    def _cron_redact_personal_data(self, limit=REDACT_BATCH):
        """Redact the payloads of processed messages (done, duplicate) older than their backend's
        policy: one query per distinct delay, at most ``limit`` messages per run (claimed with
        SKIP LOCKED, so two runs never redact the same rows); the cron runs again when more wait."""
        backends = self.env["logistics.backend"].sudo().with_context(active_test=False).search([])
        types = list(self._payload_privacy_rules())
        now = fields.Datetime.now()
        self.flush_model(["backend_id", "state", "redacted_at", "message_type", "processed_at"])
        ids = []
        for days, group in backends.grouped(lambda backend: backend._privacy_redact_days()).items():
            if not days or len(ids) >= limit:
                continue
            self.env.cr.execute(
                SQL(
                    """
                    SELECT id FROM logistics_message
                     WHERE backend_id = ANY(%s) AND state IN %s AND redacted_at IS NULL
                       AND message_type = ANY(%s) AND processed_at < %s
                     ORDER BY id
                     LIMIT %s
                       FOR UPDATE SKIP LOCKED
                    """,
                    group.ids,
                    REDACTABLE_STATES,
                    types,
                    now - timedelta(days=days),
                    limit - len(ids),
                )
            )
            ids += [row[0] for row in self.env.cr.fetchall()]
        messages = self.sudo().browse(ids)
        changed = messages._redact_personal_data()
        if len(ids) >= limit:
            self.env.ref("logistics_connector.ir_cron_redact_personal_data")._trigger()
        _logger.info("Journal data policy: %s messages redacted (%s with personal values)", len(ids), changed)
        return len(ids)

    def _check_not_redacted(self):
        """Before a replay (``action_replay``): a message whose personal data were redacted
        cannot be processed again, what it said is gone (the sender sends it again; it is then
        recognised as a duplicate by its key)."""
        redacted = self.sudo().filtered("redacted_at")
        if redacted:
            raise UserError(
                _(
                    "Message %(ids)s cannot be replayed: its personal data were redacted on %(date)s "
                    "(data policy or Forget this contact). Ask the sender to send it again.",
                    ids=", ".join(str(message_id) for message_id in redacted.ids),
                    date=redacted[0].redacted_at,
                )
            )
