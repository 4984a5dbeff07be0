"""Journal message types of freight audit, who may journal them, and their handlers' models
(the handlers themselves: ``freight_invoice_intake.py``, ``freight_audit_case.py``,
``freight_fap_funding.py``)."""

from odoo import api, fields, models

from ..formats import csv_invoice, fap_json, x12_210
from .freight_audit_case import GROUP_AUDITOR, GROUP_MANAGER

FREIGHT_TYPES = [
    ("freight_invoice_json", "Carrier invoice (FAP JSON)"),
    ("x12_210", "Carrier invoice (X12 210)"),
    ("freight_invoice_csv", "Carrier invoice (CSV)"),
    ("fap_dispute", "Freight audit dispute"),
    ("fap_dispute_answer", "Freight audit dispute answer"),
    ("fap_payment_status", "Freight payment status"),
    ("fap_funding", "FAP funding request"),
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
        groups["fap_funding"] = GROUP_MANAGER  # it becomes a posted bill to the FAP
        return groups

    @api.model
    def _payload_privacy_rules(self):
        """Carrier invoices and the FAP's messages: their formats' personal fields, and the
        banking references masked on intake (``formats/fap_json.py``, ``csv_invoice.py``)."""
        rules = super()._payload_privacy_rules()
        fap = ("freight_invoice_json", "fap_payment_status", "fap_funding", "fap_dispute_answer", "fap_dispute")
        rules.update(dict.fromkeys(fap, fap_json.PRIVACY_RULES))
        rules["x12_210"] = x12_210.PRIVACY_RULES
        rules["freight_invoice_csv"] = csv_invoice.PRIVACY_RULES
        return rules

    @api.model
    def _message_type_lanes(self):
        """Carrier invoices in the invoices lane; disputes, their answers, payment statuses and
        funding requests in the payments and disputes lane."""
        lanes = super()._message_type_lanes()
        lanes.update(dict.fromkeys(INVOICE_TYPES, "invoices"))
        payments = ("fap_dispute", "fap_dispute_answer", "fap_payment_status", "fap_funding")
        lanes.update(dict.fromkeys(payments, "payments"))
        return lanes

    @api.model
    def _get_handlers(self):
        """Each type's handler lives on the model it creates or changes: carrier invoices and
        payment statuses on ``freight.invoice`` (freight_invoice_intake.py), disputes and the
        carriers' answers on ``freight.audit.case``."""
        handlers = super()._get_handlers()
        handlers.update(
            {
                # Batch: a poll's invoices are imported, audited and posted together.
                "freight_invoice_json": ("freight.invoice", "_handle_invoice_json_messages", True),
                "x12_210": ("freight.invoice", "_handle_x12_210_message", False),
                "freight_invoice_csv": ("freight.invoice", "_handle_invoice_csv_message", False),
                "fap_dispute": ("freight.audit.case", "_handle_dispute_message", False),
                "fap_dispute_answer": ("freight.audit.case", "_handle_dispute_answer_message", False),
                "fap_payment_status": ("freight.invoice", "_handle_payment_status_message", False),
                "fap_funding": ("freight.fap.funding", "_handle_funding_message", False),
            }
        )
        return handlers
