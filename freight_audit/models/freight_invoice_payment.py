"""Payment through the FAP: the FAP reports a carrier's bill paid, a payment in the FAP clearing
journal settles it, once.

When the company pays its carriers through the FAP (``res.company.freight_payment_mode``), the
bills stay owed to the carriers until the FAP reports them paid (``fap_payment_status``, the
handler in ``freight_invoice_intake.py``): then one outbound payment to the carrier, in the FAP
clearing journal (Dr carrier payable / Cr FAP clearing), with the FAP's payment reference,
reconciled with the bill. The FAP's funding request (``freight_fap_funding.py``) is billed to the
FAP against the same clearing account (Dr FAP clearing / Cr FAP payable), so the clearing account
nets to zero once the FAP has paid what it was funded for.

Once: the payment's guarded ``freight_fap_invoice_id`` is unique among live payments, and the
invoice row is locked while it is settled. A report received before the bill is posted is kept
(state, date, reference, amount) and settled when the bill is posted. A payment of another
amount than the bill's is made for what the FAP paid and recorded as a difference.
"""

from odoo import _, api, fields, models
from odoo.tools import SQL, float_compare


class FreightInvoice(models.Model):
    # One class per concern of freight.invoice, each in its own file (see freight_invoice.py).
    _inherit = "freight.invoice"  # pylint: disable=consider-merging-classes-inherited
    _guarded_fields = dict.fromkeys(("fap_payment_id", "fap_payment_amount"))

    fap_payment_id = fields.Many2one(
        "account.payment", string="FAP Payment Entry", readonly=True, copy=False, check_company=True
    )
    fap_payment_amount = fields.Monetary(string="Amount Paid by the FAP", readonly=True, copy=False)

    def _freight_fap_report_paid(self, data, message=None):
        """The FAP's payment status (``data``), after ``_apply_payment_status``: through the FAP,
        a 'paid' settles the bill (superuser: the journal's handler)."""
        self.ensure_one()
        if self.company_id.freight_payment_mode != "fap" or str(data.get("status") or "").lower() != "paid":
            return False
        if data.get("amount") not in (None, ""):
            self.sudo().fap_payment_amount = float(data["amount"])
        return self._freight_fap_settle(message)

    def _freight_fap_settle_waiting(self):
        """Bills posted after the FAP reported them paid: settled now (the FAP reports the
        payment of a FAP invoice on its first version)."""
        for invoice in (self.revision_of_id | self.filtered(lambda i: not i.revision_of_id)).filtered(
            lambda i: i.fap_payment_state == "paid" and not i.fap_payment_id
        ):
            if invoice.company_id.freight_payment_mode == "fap":
                invoice._freight_fap_settle()

    def _freight_fap_settle(self, message=None):
        """One payment in the FAP clearing journal for the bills of this FAP invoice (its own and
        those of its later versions, billed for their differences), reconciled with them."""
        self.ensure_one()
        self.env.cr.execute(SQL("SELECT id FROM freight_invoice WHERE id = %s FOR UPDATE", self.id))
        self.invalidate_recordset(["fap_payment_id", "vendor_bill_id"])
        bills = (self | self.revision_ids).vendor_bill_id.sudo().filtered(lambda bill: bill.state != "cancel")
        if self.fap_payment_id or not bills or any(bill.state != "posted" for bill in bills):
            return False  # paid once already, or settled when the bills are posted
        company = self.company_id.sudo()
        journal = company._freight_fap_clearing_journal()
        currency = bills[0].currency_id
        bills = bills.filtered(lambda bill: not currency.is_zero(bill.amount_residual))
        if not bills:
            return False  # nothing left to pay (paid directly): the reconciliation shows the FAP's payment
        owed = sum(bills.mapped("amount_residual"))  # the bills less their credit notes and earlier payments
        amount = self.fap_payment_amount or owed
        wizard = (
            self.env["account.payment.register"]
            .sudo()
            .with_company(company)
            .with_context(active_model="account.move", active_ids=bills.ids)
            .create(
                {
                    "journal_id": journal.id,
                    "payment_date": self.fap_payment_date or fields.Date.context_today(self),
                    "amount": amount,
                    "currency_id": currency.id,
                    "communication": self.fap_payment_reference or self.name,
                    "payment_difference_handling": "open",
                    "group_payment": True,
                }
            )
        )
        payment = wizard._create_payments()
        payment.freight_fap_invoice_id = self
        self.sudo().write({"fap_payment_id": payment.id, "fap_payment_amount": amount})
        self.message_post(
            body=_(
                "Paid by the FAP (%(reference)s): payment %(payment)s of %(amount)s in %(journal)s.",
                reference=self.fap_payment_reference or "",
                payment=payment._get_html_link(),
                amount=amount,
                journal=journal.name,
            )
        )
        if float_compare(amount, owed, precision_rounding=currency.rounding):
            self.env["freight.fap.difference"]._record(
                {
                    "kind": "amount",
                    "key": f"amount:{self.id}:{payment.id}",
                    "company_id": company.id,
                    "backend_id": self.backend_id.id,
                    "fap_reference": self.external_id or self.name,
                    "payment_reference": self.fap_payment_reference or False,
                    "date": payment.date,
                    "currency_id": currency.id,
                    "amount_expected": owed,
                    "amount_reported": amount,
                    "invoice_id": self.id,
                    "payment_id": payment.id,
                    "message_id": message.id if message else False,
                }
            )
        return True

    @api.model
    def _freight_fap_unknown_payment(self, message, data):
        """The FAP paid a bill Odoo does not know: a difference for the reconciliation when the
        company pays through the FAP (True), else False (the message fails, as before)."""
        backend = message.backend_id.sudo()
        company = backend.company_id
        if company.freight_payment_mode != "fap" or str(data.get("status") or "").lower() != "paid":
            return False
        currency = company.currency_id
        if data.get("currency"):
            currency = (
                self.env["res.currency"].search([("name", "=", str(data["currency"]).upper())], limit=1) or currency
            )
        difference = self.env["freight.fap.difference"]._record(
            {
                "kind": "unknown_invoice",
                "key": f"unknown:{backend.id}:{data.get('invoice_id')}:{data.get('reference') or ''}",
                "company_id": company.id,
                "backend_id": backend.id,
                "fap_reference": str(data.get("invoice_id") or ""),
                "payment_reference": data.get("reference") or False,
                "date": fields.Date.to_date(str(data["date"])[:10]) if data.get("date") else False,
                "currency_id": currency.id,
                "amount_reported": float(data.get("amount") or 0.0),
                "message_id": message.id,
            }
        )
        message._link(difference, "created")
        return True
