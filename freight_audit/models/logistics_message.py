"""Journal message types of freight audit and their handlers (import paths, FAP calls)."""

import json

from odoo import _, api, fields, models

from odoo.addons.logistics_connector.services.dates import parse_datetime
from odoo.addons.logistics_connector.services.exceptions import PermanentError

from ..formats import csv_invoice, x12_210
from ..formats.fap_json import parse_fap_payload
from .freight_audit_case import GROUP_AUDITOR, GROUP_MANAGER

FREIGHT_TYPES = [
    ("freight_invoice_json", "Carrier invoice (FAP JSON)"),
    ("x12_210", "Carrier invoice (X12 210)"),
    ("freight_invoice_csv", "Carrier invoice (CSV)"),
    ("fap_dispute", "Freight audit dispute"),
    ("fap_dispute_answer", "Freight audit dispute answer"),
    ("fap_payment_status", "Freight payment status"),
]
INVOICE_TYPES = ("freight_invoice_json", "x12_210", "freight_invoice_csv")
GROUP_INVOICE_INTAKE = "freight_audit.group_freight_invoice_intake"


class LogisticsMessage(models.Model):
    _inherit = "logistics.message"

    message_type = fields.Selection(
        selection_add=FREIGHT_TYPES, ondelete={code: "cascade" for code, _label in FREIGHT_TYPES}
    )

    @api.model
    def _message_type_groups(self):
        """Who may journal, replay or process freight messages (the connector refuses the others).

        Carrier invoices: the *carrier invoice intake* group, that is Freight Auditors (uploads,
        for backends of their companies) and the invoice webhook's technical user. Disputes and
        the carrier's answers are the auditors' work. A payment status marks an invoice
        scheduled or paid: only a Freight Manager may journal or replay one by hand."""
        groups = super()._message_type_groups()
        groups.update(dict.fromkeys(INVOICE_TYPES, GROUP_INVOICE_INTAKE))
        groups.update({"fap_dispute": GROUP_AUDITOR, "fap_dispute_answer": GROUP_AUDITOR})
        groups["fap_payment_status"] = GROUP_MANAGER
        return groups

    @api.model
    def _get_handlers(self):
        handlers = super()._get_handlers()
        handlers.update(
            {
                # Batch: a poll's invoices are imported, audited and posted together.
                "freight_invoice_json": ("logistics.message", "_freight_handle_invoice_json", True),
                "x12_210": ("logistics.message", "_freight_handle_x12_210", False),
                "freight_invoice_csv": ("logistics.message", "_freight_handle_invoice_csv", False),
                "fap_dispute": ("logistics.message", "_freight_handle_dispute", False),
                "fap_dispute_answer": ("logistics.message", "_freight_handle_dispute_answer", False),
                "fap_payment_status": ("logistics.message", "_freight_handle_payment_status", False),
            }
        )
        return handlers

    # ------------------------------------------------------------------
    # Carrier invoices: one import path per format, all from the journal
    # ------------------------------------------------------------------
    def _freight_import(self, parsed, source):
        self.ensure_one()
        invoices = self.env["freight.invoice"]._import_parsed(self.backend_id, parsed, source, message=self)
        self._link(invoices, "created")
        shipments = invoices.line_ids.shipment_id
        if shipments:
            self._link(shipments, "updated")
        return invoices

    @api.model
    def _freight_handle_invoice_json(self, messages):
        """FAP JSON invoices, one message or a batch (all or nothing: the journal falls back to
        one message at a time when a batch fails, so one bad invoice never blocks the others)."""
        groups = {}
        for message in messages:
            source = "fap_webhook" if (message.source or "").startswith("webhook") else "fap_api"
            for parsed in parse_fap_payload(message._get_payload_bytes()):
                groups.setdefault((message.backend_id, source), []).append((message, parsed))
        Invoice = self.env["freight.invoice"]
        for (backend, source), items in groups.items():
            invoices = Invoice._import_parsed(
                backend, [parsed for _message, parsed in items], source, messages=[message for message, _p in items]
            )
            # Invoices received again keep their first message; they are not linked twice.
            mine = invoices.filtered(lambda invoice: invoice.message_id in messages)
            links = [(invoice.message_id, invoice, "created") for invoice in mine]
            links += [
                (invoice.message_id, shipment, "updated")
                for invoice in mine
                for shipment in invoice.line_ids.shipment_id
            ]
            self._freight_link_many(links)
        return True

    def _freight_link_many(self, links):
        """Link (message, record, kind) triples; the connector's _link one message at a time."""
        by_message = {}
        for message, record, kind in links:
            key = (message, kind)
            by_message[key] = by_message.get(key, record.browse()) | record
        for (message, kind), records in by_message.items():
            message._link(records, kind)

    @api.model
    def _freight_handle_x12_210(self, message):
        return message._freight_import(x12_210.parse_210(message._get_payload_bytes()), "x12_210")

    @api.model
    def _freight_handle_invoice_csv(self, message):
        return message._freight_import(csv_invoice.parse_csv(message._get_payload_bytes()), "csv")

    # ------------------------------------------------------------------
    # FAP: disputes and payments
    # ------------------------------------------------------------------
    @api.model
    def _freight_handle_dispute(self, message):
        """Send a dispute (outbound); the idempotency key makes a replay send it once."""
        payload = message._get_payload_json()
        case = self.env["freight.audit.case"].browse(payload.get("case_id")).exists()
        if not case:
            raise PermanentError(_("The audit case of this dispute no longer exists."))
        api = message.backend_id._freight_fap_api()
        answer = api.create_dispute(payload["invoice_id"], payload, idempotency_key=message.idempotency_key)
        message.sudo().write({"http_status": 200, "response_payload": json.dumps(answer)})
        if answer.get("dispute_id"):
            case.sudo().dispute_reference = str(answer["dispute_id"])
        message._link(case, "updated")

    @api.model
    def _freight_handle_dispute_answer(self, message):
        data = message._get_payload_json()
        case = self.env["freight.audit.case"].search(
            [("dispute_reference", "=", str(data.get("dispute_id") or "")), ("company_id", "=", message.company_id.id)],
            limit=1,
        )
        if not case:
            raise PermanentError(_("No audit case has dispute %s.", data.get("dispute_id")))
        if case.carrier_answer != data.get("answer"):
            answered_at = data.get("answered_at")
            case._record_carrier_answer(data.get("answer"), parse_datetime(answered_at) if answered_at else None)
        message._link(case, "updated")

    @api.model
    def _freight_handle_payment_status(self, message):
        data = message._get_payload_json()
        invoice = self.env["freight.invoice"].search(
            [("backend_id", "=", message.backend_id.id), ("external_id", "=", str(data.get("invoice_id") or ""))],
            order="is_duplicate, id",
            limit=1,
        )
        if not invoice:
            raise PermanentError(_("No carrier invoice has FAP id %s.", data.get("invoice_id")))
        invoice._apply_payment_status(data)
        message._link(invoice, "updated")
