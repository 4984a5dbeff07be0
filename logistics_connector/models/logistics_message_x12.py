"""X12 on the journal: the reader's warnings on a message, the 997s we send, and the 997s partners
send us.

* ``intake_warnings`` / ``intake_warning_count`` (the journal's, ``logistics_message_journal.py``):
  the envelope, count and content anomalies the tolerant reader noted on an inbound
  interchange (read on, acknowledged with AK5/AK9 ``E``), one line each; filled at intake
  (:meth:`_x12_set_warnings`), searchable ("With warnings").
* ``_journal_x12_997``: a 997 journaled as outbound: ``done`` (the partner reads it in the
  webhook answer or the journal), or ``queued`` when the backend sends 997s
  (``x12_send_997``): the journal's processing then POSTs it with the backend's REST client
  to ``x12_997_path`` (retries and dead letters as for any outbound message).
* ``x12_group_controls``: the GS06 of every group of an outbound X12 interchange, to match
  the 997 a partner answers; ``ack_state`` / ``ack_error_codes`` / ``ack_message_id``: what
  that 997 said. An inbound 997 (``x12_997``, inbound) is matched at processing
  (:meth:`_x12_match_997`); when nothing we sent matches, it is kept as ``unmatched``.
"""

import logging

from odoo import _, api, fields, models

from ..services import privacy, x12
from ..services.exceptions import ParseError, PermanentError
from ..services.intake import INVALID, IntakeResult, JournalItem
from .logistics_message import MANAGER_GROUP

_logger = logging.getLogger(__name__)

X12_TYPE = "application/edi-x12"
X12_997_SEQUENCE = "logistics_connector.x12_997"
ACK_STATES = [
    ("accepted", "Accepted"),
    ("accepted_errors", "Accepted with errors"),
    ("rejected", "Rejected"),
    ("unmatched", "Unmatched (nothing sent matches)"),
]
# AK901 / AK501 -> ack_state ("P": some sets rejected, the group is accepted with errors).
ACK_CODES = {"A": "accepted", "E": "accepted_errors", "P": "accepted_errors", "W": "accepted_errors"}
ACK_RANK = {"accepted": 0, "accepted_errors": 1, "rejected": 2}


class LogisticsMessage(models.Model):
    # One class per concern of logistics.message (see logistics_message.py): X12 here.
    _inherit = "logistics.message"  # pylint: disable=consider-merging-classes-inherited
    _guarded_fields = dict.fromkeys(("x12_group_controls", "ack_state", "ack_error_codes", "ack_message_id"))

    message_type = fields.Selection(
        selection_add=[("x12_997", "X12 997 acknowledgment")], ondelete={"x12_997": "cascade"}
    )
    x12_group_controls = fields.Char(
        "X12 group control numbers",
        readonly=True,
        index="btree_not_null",
        help="GS06 of each functional group of an outbound X12 interchange (',1001,1002,'), matched by 997s.",
    )
    ack_state = fields.Selection(ACK_STATES, "Acknowledgment", readonly=True, index="btree_not_null")
    ack_error_codes = fields.Char("Acknowledgment error codes", readonly=True)
    # Indexed: the retention purge sets it to NULL when the 997 is deleted (see replay_of_id).
    ack_message_id = fields.Many2one(
        "logistics.message", "Acknowledged by", readonly=True, ondelete="set null", index="btree_not_null"
    )

    @api.model
    def _message_type_groups(self):
        """997s belong to Logistics Managers unless an addon that receives X12 gives them to its
        intake group (shipment_events: *Milestone intake*); ours are journaled in superuser mode."""
        return dict({"x12_997": MANAGER_GROUP}, **super()._message_type_groups())

    @api.model
    def _get_handlers(self):
        handlers = super()._get_handlers()
        handlers["x12_997"] = ("logistics.message", "_handle_x12_997_message", False)
        return handlers

    # ------------------------------------------------------------------
    # Warnings
    # ------------------------------------------------------------------
    def _x12_set_warnings(self, warnings):
        """Record the reader's anomalies (``x12.Anomaly``) on these messages (intake)."""
        self._set_intake_warnings([str(warning) for warning in warnings])

    # ------------------------------------------------------------------
    # 997 out
    # ------------------------------------------------------------------
    @api.model
    def _journal_x12_997(self, backend, message, interchange=None, results=(), reject_body=None, reject_all=False):
        """The 997 acknowledging ``message``'s interchange (``interchange`` and its set
        ``results``, or ``reject_body`` for an unreadable one), journaled as outbound; returns
        the 997 message, or an empty recordset when nothing can be acknowledged (no ISA, no GS).

        Done at once, unless the backend sends its 997s (``x12_send_997``): queued then, the
        journal's processing sends it (:meth:`_x12_send_997`)."""
        control = int(self.env["ir.sequence"].sudo().next_by_code(X12_997_SEQUENCE) or 1)
        try:
            if reject_body is not None:
                text = x12.reject_997(reject_body, control_number=control)
            else:
                text = x12.build_997(interchange, results, control_number=control, reject_all=reject_all)
        except ParseError as error:
            _logger.info("No 997 for message %s: %s", message.id, privacy.safe_error_text(error))
            return self.browse()
        send = bool(backend.sudo().x12_send_997)
        acks, _duplicates = self.sudo()._journal_outbound(
            backend,
            "x12_997",
            [JournalItem(text, key=f"997:{control:09d}:{message.id or 0}", state=None if send else "done")],
            content_type=X12_TYPE,
            source=f"997 of message {message.id}",
        )
        acks.sudo().write({"x12_group_controls": _group_controls(text)})
        return acks.with_env(self.env)[:1]

    @api.model
    def _handle_x12_997_message(self, message):
        if message.direction == "outbound":
            return self._x12_send_997(message)
        return self._x12_match_997(message)

    @api.model
    def _x12_send_997(self, message):
        """POST an outbound 997 to the partner (``x12_997_path`` of the backend's REST API)."""
        backend = message.backend_id
        backend._check_environment(message.company_id)
        if backend.protocol != "rest":
            raise PermanentError(_("997 acknowledgments are sent to REST backends only (%s).", backend.name))
        client = backend._get_client()
        response = client.post(
            backend.x12_997_path or "/edi/997",
            data=message._get_payload_bytes(),
            headers={"Content-Type": X12_TYPE},
            idempotency_key=message.idempotency_key,
        )
        message.sudo().write({"http_status": response.status_code, "response_payload": (response.text or "")[:2000]})

    # ------------------------------------------------------------------
    # 997 in
    # ------------------------------------------------------------------
    @api.model
    def _x12_match_997(self, message):
        """Mark what we sent with what the partner's 997 says; unmatched 997s are kept as such."""
        read = x12.read_997(message._get_payload_bytes())
        matched = self.browse()
        states = []
        for ack in read.acknowledgments:
            state = ACK_CODES.get(ack.status, "rejected")
            codes = list(ack.error_codes)
            for set_ack in ack.sets:
                codes += [code for code in set_ack.error_codes if code not in codes]
                if state == "accepted" and not set_ack.accepted:
                    state = "accepted_errors"
            if state == "accepted" and codes:
                state = "accepted_errors"
            sent = self.search(
                [
                    ("backend_id", "=", message.backend_id.id),
                    ("direction", "=", "outbound"),
                    ("x12_group_controls", "like", f",{ack.group_control_number.lstrip('0') or '0'},"),
                ]
            )
            if sent:
                sent.sudo().write(
                    {"ack_state": state, "ack_error_codes": ",".join(codes) or False, "ack_message_id": message.id}
                )
                matched |= sent
                states.append(state)
        if matched:
            worst = max(states, key=ACK_RANK.get)
            message.sudo().write({"ack_state": worst})
            message._link(matched, "updated")
        else:
            message.sudo().write({"ack_state": "unmatched"})
        if read.warnings:
            message._x12_set_warnings(read.warnings)
        return matched

    @api.model
    def _x12_receive_997(self, backend, body, source, strict=False):
        """Journal a partner's 997 (webhook, upload); returns an IntakeResult. Matched at
        processing; a 997 that cannot be read is refused (kept as failed)."""
        try:
            read = x12.read_997(body, strict=strict)
            if not read.acknowledgments:
                raise ParseError("the 997 acknowledges no functional group", "AK1")
        except ParseError as error:
            message = self._journal_failed_body(backend, "x12_997", body, X12_TYPE, source, error)
            return IntakeResult(INVALID, tuple(message.ids), f"malformed X12 997: {error}")
        key = None
        if read.interchanges:
            key = "x12_997:{sender}:{receiver}:{control}".format(**read.interchanges[0].envelope)
        messages, duplicates = self._journal_inbound(
            backend, "x12_997", [JournalItem(body, key=key)], content_type=X12_TYPE, source=source
        )
        messages._x12_set_warnings(read.warnings)
        return self._intake_result(messages, duplicates)


def _group_controls(text):
    """``,1001,1002,``: the GS06 of each group of an X12 interchange we wrote (no leading zeros)."""
    try:
        interchanges = x12.read_interchanges(text)
    except ParseError:
        return False
    numbers = [group.control_number.lstrip("0") or "0" for ic in interchanges for group in ic.groups]
    return "," + ",".join(numbers) + "," if numbers else False
