"""Plain values of the intake: what is journaled, and what an intake answers.

- :class:`JournalItem`: one message to journal (its payload, idempotency key, error...),
  given to ``logistics.message._journal_inbound`` / ``_journal_outbound``;
- :class:`IntakeResult`: what a model's ``_receive_*`` / ``_webhook_receive_*`` method
  returns for a body (accepted, partial, duplicate or invalid, the journal ids, the error,
  and the extra fields of the answer). Only the controllers turn it into an HTTP status
  and a JSON answer (``logistics_connector/controllers/webhook_intake.py``); the upload
  wizards read it as it is.

No ORM here.
"""

from typing import NamedTuple

ACCEPTED = "accepted"
PARTIAL = "partial"
DUPLICATE = "duplicate"
INVALID = "invalid"
RESULT_STATUSES = (ACCEPTED, PARTIAL, DUPLICATE, INVALID)

# The answer of a webhook (503) when a retry can fix what went wrong.
RETRY_LATER = "temporary problem while receiving the request; please retry later"
# Set on a webhook request's WSGI environ by the intake (controllers/webhook_intake.py):
# ``ir.http._handle_error`` (models/ir_http.py) answers 503 for what leaves such a request
# after Odoo's retries (a serialization failure, the database unreachable).
WEBHOOK_MARK = "logistics_connector.webhook_intake"


class JournalItem(NamedTuple):
    """One message to journal.

    ``payload``: bytes, text or a JSON-able object, stored as received. ``key``: the
    idempotency key (a second message with the same key is journaled as a duplicate of the
    first). ``error``: the message is journaled as failed with this error (``state``
    "failed" unless another state is given; a given state keeps the error as last error).
    ``shipment_ids``: ids of shipments the message is about (linked when journaled).
    ``backend_id``: another backend than the call's (one insert for several backends).
    """

    payload: object
    key: str | None = None
    error: str | None = None
    state: str | None = None
    shipment_ids: tuple = ()
    sequence_key: str | None = None
    backend_id: int | None = None


class IntakeResult(NamedTuple):
    """What an intake did with a body.

    ``status``: ``accepted`` (journaled), ``partial`` (journaled, some parts refused),
    ``duplicate`` (every part received before: ``message_ids`` are the originals) or
    ``invalid`` (refused; the body is kept in the journal as failed, ``error`` says why).
    ``extra``: further fields of the answer, as they are sent (the per-event results of a
    batch, the 997 of an X12 interchange...).
    """

    status: str
    message_ids: tuple = ()
    error: str | None = None
    extra: dict | None = None

    @property
    def is_refused(self):
        return self.status == INVALID

    def answer(self):
        """The answer's fields (without the HTTP status, which is the controller's):
        ``status`` (except for a refused body, whose answer names the error instead, unless
        ``extra`` gives one), ``message_ids``, ``error`` and the extra fields."""
        data = {} if self.is_refused else {"status": self.status}
        if self.error is not None:
            data["error"] = self.error
        data["message_ids"] = list(self.message_ids)
        data.update(self.extra or {})
        return data


def accepted_or_duplicate(created_ids, originals):
    """The result of journaling parts of one body: ``duplicate`` (with the originals' ids)
    when every part was received before, ``accepted`` (with the new ids) otherwise.
    ``originals``: aligned with the parts, the original's id or a false value."""
    found = [original for original in originals if original]
    if found and len(found) == len(originals):
        return IntakeResult(DUPLICATE, tuple(found))
    return IntakeResult(ACCEPTED, tuple(created_ids))


def combine_interchange_results(results):
    """The result of a file of several interchanges: accepted when one was, partial when some
    were refused or partial, duplicate when every one was received before, invalid when none
    was journaled; ``interchanges`` gives each one's answer."""
    statuses = {result.status for result in results}
    if statuses == {DUPLICATE}:
        status = DUPLICATE
    elif statuses == {INVALID}:
        status = INVALID
    elif statuses & {INVALID, PARTIAL}:
        status = PARTIAL
    else:
        status = ACCEPTED
    ids = tuple(i for result in results if result.status != INVALID or status == INVALID for i in result.message_ids)
    extra = {
        "status": status,
        "interchanges": [dict(result.answer(), status=result.status) for result in results],
        "ack_message_ids": [r.extra["ack_message_id"] for r in results if r.extra and r.extra.get("ack_message_id")],
    }
    error = "; ".join(r.error for r in results if r.error) if status == INVALID else None
    return IntakeResult(status, ids, error, extra)
