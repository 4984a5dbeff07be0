"""Carrier invoices in: every channel journals them here, and the journal's handlers import them.

Intake (one place for the journal's idempotency keys; each returns what the journal answers):

* ``_receive_fap_json``: a FAP JSON body (one invoice or ``{"invoices": [...]}``), checked,
  one message per invoice (the invoice webhook, the import wizard);
* ``_receive_fap_invoices``: FAP invoices already read (the FAP poll, and the above);
* ``_receive_x12_210`` / ``_receive_invoice_csv``: one message per file (the invoice webhook,
  the import wizard): the same file posted and uploaded counts once; an X12 210 file of
  several interchanges gives one message (and one 997) per interchange.

Handlers (``logistics.message._get_handlers``): the messages' payloads parsed
(``formats/x12_210.py``, ``formats/csv_invoice.py``, ``formats/fap_json.py``) and imported by ``_import_parsed``
(``freight_invoice.py``); the FAP's payment status applied (``_apply_payment_status``) and,
when carriers are paid through the FAP, the bill settled (``freight_invoice_payment.py``).
"""

import hashlib

from odoo import _, api, models

from odoo.addons.logistics_connector.services import jsonsafe, x12
from odoo.addons.logistics_connector.services.exceptions import ParseError, PermanentError
from odoo.addons.logistics_connector.services.intake import (
    DUPLICATE,
    JournalItem,
    combine_interchange_results,
)

from ..formats import csv_invoice, fap_json, x12_210

JSON_TYPE, X12_TYPE, CSV_TYPE = "application/json", "application/edi-x12", "text/csv"


class FreightInvoice(models.Model):
    # One class per concern of freight.invoice, each in its own file (see freight_invoice.py):
    # the intake and the journal's handlers here.
    _inherit = "freight.invoice"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # Intake: the journal's keys of carrier invoices
    # ------------------------------------------------------------------
    @api.model
    def _fap_invoice_key(self, invoice):
        """The journal key of a FAP invoice: its id and revision (a new revision is a new
        message), pulled or pushed alike."""
        if invoice.get("id"):
            return f"fap_invoice:{invoice['id']}:{invoice.get('revision') or 0}"
        return f"fap_invoice:{invoice.get('carrier_scac')}:{invoice.get('invoice_number')}"

    @api.model
    def _file_key(self, message_type, body):
        """The journal key of an invoice file: its content (the same file posted or uploaded
        twice is one message)."""
        return f"upload:{message_type}:{hashlib.sha256(body).hexdigest()}"

    @api.model
    def _receive_fap_invoices(self, backend, invoices, source):
        """Journal FAP invoices (dicts), one message each; returns (messages, duplicates)."""
        items = [JournalItem(invoice, key=self._fap_invoice_key(invoice)) for invoice in invoices]
        return self.env["logistics.message"]._journal_inbound(
            backend, "freight_invoice_json", items, content_type=JSON_TYPE, source=source
        )

    @api.model
    def _receive_fap_json(self, backend, body, source):
        """A FAP JSON body: one invoice, or ``{"invoices": [...]}``; returns an IntakeResult
        (invalid when the body or one of its invoices cannot be read: kept as failed)."""
        Message = self.env["logistics.message"]
        try:
            data = jsonsafe.loads_strict(body)
        except jsonsafe.PayloadError as error:
            return Message._intake_refused(backend, "freight_invoice_json", body, JSON_TYPE, source, error)
        invoices = data.get("invoices") if isinstance(data, dict) and "invoices" in data else [data]
        try:
            if not isinstance(invoices, list) or not invoices:
                raise ParseError("'invoices' must be a non-empty list")
            for index, invoice in enumerate(invoices):
                try:
                    fap_json.parse_fap_invoice(invoice)
                except ParseError as error:
                    raise ParseError(f"invoice {index + 1}: {error}") from None
        except ParseError as error:
            return Message._intake_refused(backend, "freight_invoice_json", body, JSON_TYPE, source, error)
        return Message._intake_result(*self._receive_fap_invoices(backend, invoices, source))

    @api.model
    def _receive_x12_210(self, backend, body, source):
        """An X12 210 file: one message per interchange, and a 997 for each; returns an
        IntakeResult (invalid when it cannot be read: kept as failed).

        An interchange with an invalid invoice set is refused whole (nothing half-imported:
        the 997 rejects every set, with the notes of the invalid ones). Envelope anomalies
        read on (refused with the backend's ``x12_strict``) are kept on the message
        (``intake_warnings``) and noted in the 997 (AK5/AK9 E). One interchange: the answer as
        before, plus ``ack_message_id`` and ``ack``; several: ``interchanges`` (one answer
        each) and ``ack_message_ids``. The journal key of a single interchange is the file's
        content; of each interchange of a file of several, its own text's."""
        Message = self.env["logistics.message"]
        try:
            reads = x12_210.read_210_interchanges(body, strict=backend.x12_strict)
            texts = x12.interchange_texts(body) if len(reads) > 1 else [body]
        except ParseError as error:
            result = Message._intake_refused(
                backend, "x12_210", body, X12_TYPE, source, f"malformed X12 210 interchange: {error}"
            )
            ack = Message._journal_x12_997(backend, Message.browse(result.message_ids), reject_body=body)
            return result._replace(extra=_ack_fields(ack))
        results = [
            self._receive_210_interchange(backend, text, read, source) for text, read in zip(texts, reads, strict=True)
        ]
        if len(results) == 1:
            return results[0]
        return combine_interchange_results(results)

    @api.model
    def _receive_210_interchange(self, backend, body, read, source):
        """Journal one read 210 interchange (``read``: an ``x12.InterchangeRead``, ``body`` its text)."""
        Message = self.env["logistics.message"]
        if isinstance(body, str):
            body = body.encode()
        rejected = [result for result in read.results if not result.accepted]
        if rejected or not read.values:
            details = "; ".join(result.messages[0] for result in rejected if result.messages) or "no invoice"
            error = (
                f"malformed X12 210 interchange: {len(rejected)} of {len(read.results)} invoice transaction sets "
                f"are invalid, nothing is imported: {details}"
            )
            result = Message._intake_refused(backend, "x12_210", body, X12_TYPE, source, error)
            messages = Message.browse(result.message_ids)
            messages._x12_set_warnings(read.warnings)
            ack = Message._journal_x12_997(
                backend, messages, interchange=read.interchange, results=read.results, reject_all=True
            )
            return result._replace(extra=_ack_fields(ack))
        item = JournalItem(body, key=self._file_key("x12_210", body))
        messages, duplicates = Message._journal_inbound(
            backend, "x12_210", [item], content_type=X12_TYPE, source=source
        )
        result = Message._intake_result(messages, duplicates)
        if result.status == DUPLICATE:
            return result
        messages._x12_set_warnings(read.warnings)
        ack = Message._journal_x12_997(backend, messages, interchange=read.interchange, results=read.results)
        extra = _ack_fields(ack)
        if read.warnings:
            extra["warnings"] = [str(warning) for warning in read.warnings]
        return result._replace(extra=extra or None)

    @api.model
    def _receive_invoice_csv(self, backend, body, source):
        """A CSV file of invoices, one message; returns an IntakeResult (invalid when it
        cannot be read: kept as failed)."""
        Message = self.env["logistics.message"]
        try:
            csv_invoice.parse_csv(body)
        except ParseError as error:
            return Message._intake_refused(backend, "freight_invoice_csv", body, CSV_TYPE, source, error)
        item = JournalItem(body, key=self._file_key("freight_invoice_csv", body))
        return Message._intake_result(
            *Message._journal_inbound(backend, "freight_invoice_csv", [item], content_type=CSV_TYPE, source=source)
        )

    # ------------------------------------------------------------------
    # The journal's handlers (see logistics.message._get_handlers)
    # ------------------------------------------------------------------
    @api.model
    def _handle_invoice_json_messages(self, messages):
        """FAP JSON invoices, one message or a batch (all or nothing: the journal falls back to
        one message at a time when a batch fails, so one bad invoice never blocks the others)."""
        groups = {}
        for message in messages:
            source = "fap_webhook" if (message.source or "").startswith("webhook") else "fap_api"
            for parsed in fap_json.parse_fap_payload(message._get_payload_bytes()):
                groups.setdefault((message.backend_id, source), []).append((message, parsed))
        for (backend, source), items in groups.items():
            invoices = self._import_parsed(
                backend, [parsed for _message, parsed in items], source, messages=[message for message, _p in items]
            )
            # Invoices received again keep their first message; they are not linked twice.
            invoices.filtered(lambda invoice: invoice.message_id in messages)._link_to_messages()
        return True

    @api.model
    def _handle_x12_210_message(self, message):
        return self._import_message(message, x12_210.parse_210(message._get_payload_bytes()), "x12_210")

    @api.model
    def _handle_invoice_csv_message(self, message):
        return self._import_message(message, csv_invoice.parse_csv(message._get_payload_bytes()), "csv")

    @api.model
    def _import_message(self, message, parsed, source):
        invoices = self._import_parsed(message.backend_id, parsed, source, message=message)
        invoices._link_to_messages(message)
        return invoices

    def _link_to_messages(self, message=None):
        """Link these invoices (created) and their shipments (updated) to the message they
        came in (``message``, or each invoice's own)."""
        links = [(message or invoice.message_id, invoice, "created") for invoice in self]
        links += [(message or invoice.message_id, invoice.line_ids.shipment_id, "updated") for invoice in self]
        self.env["logistics.message"]._link_records_many(links)

    @api.model
    def _handle_payment_status_message(self, message):
        data = message._get_payload_json()
        invoice = self.search(
            [("backend_id", "=", message.backend_id.id), ("external_id", "=", str(data.get("invoice_id") or ""))],
            order="is_duplicate, id",
            limit=1,
        )
        if not invoice:
            if self._freight_fap_unknown_payment(message, data):  # a difference (freight_invoice_payment.py)
                return
            raise PermanentError(_("No carrier invoice has FAP id %s.", data.get("invoice_id")))
        invoice._apply_payment_status(data)
        invoice._freight_fap_report_paid(data, message)  # through the FAP: the bill settled, once
        message._link(invoice, "updated")


def _ack_fields(ack):
    """The answer's fields of a journaled 997 (none when there is no 997)."""
    return {"ack_message_id": ack.id, "ack": ack.sudo().payload} if ack else {}
