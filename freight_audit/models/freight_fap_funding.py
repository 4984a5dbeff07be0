"""The FAP's funding requests: what the FAP asks us to pay it for the carriers it paid.

A funding request (the FAP's API ``GET /funding``, polled by ``logistics.backend._cron_fap_funding``,
or a JSON file given to ``_receive_fap_funding``) is journaled (``fap_funding``), then its handler
makes ONE vendor bill to the FAP partner (``res.company.freight_fap_partner_id``), one line on
the FAP clearing account (Dr FAP clearing / Cr FAP payable). The carriers' payments made by the
FAP credited the same clearing account (``freight_invoice_payment.py``): once the funding bill
is posted for what the FAP paid, the clearing account nets to zero; paying the funding bill
settles what we owe the FAP. A funding request whose amount is not the sum of its payments, or
that lists a payment Odoo does not know, is recorded as a difference (``freight.fap.difference``).

A funding request::

    {"id": "FR-1", "date": "2026-02-15", "currency": "EUR", "amount": "1000.00",
     "payments": [{"invoice_id": "F-1", "reference": "PAY-9", "amount": "544.50"}]}
"""

from odoo import _, api, fields, models
from odoo.tools import SQL, float_compare

from odoo.addons.logistics_connector.services import jsonsafe
from odoo.addons.logistics_connector.services.exceptions import ParseError, PermanentError
from odoo.addons.logistics_connector.services.intake import JournalItem


class FreightFapFunding(models.Model):
    _name = "freight.fap.funding"
    _description = "FAP Funding Request"
    _inherit = ["mail.thread", "logistics.guarded.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True
    _guarded_fields = dict.fromkeys(
        ("name", "backend_id", "company_id", "currency_id", "date", "amount", "payments", "bill_id", "message_id")
    )

    name = fields.Char(string="FAP Funding Request", required=True, readonly=True, index=True)
    backend_id = fields.Many2one("logistics.backend", required=True, readonly=True, check_company=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    date = fields.Date(readonly=True)
    amount = fields.Monetary(readonly=True)
    payments = fields.Json(readonly=True, help="The carriers' payments the FAP asks to be funded for.")
    bill_id = fields.Many2one("account.move", string="Funding Bill", readonly=True, copy=False, check_company=True)
    bill_state = fields.Selection(related="bill_id.payment_state", string="Funding Bill Payment")
    # Indexed: the journal's retention purge sets it to NULL (one lookup per deleted message).
    message_id = fields.Many2one(
        "logistics.message", string="Journal Message", readonly=True, check_company=True, index="btree_not_null"
    )

    _sql_constraints = [("name_uniq", "unique(company_id, name)", "This FAP funding request is recorded already.")]

    # ------------------------------------------------------------------
    # Intake (API poll, file)
    # ------------------------------------------------------------------
    @api.model
    def _receive_fap_funding(self, backend, funding_requests, source):
        """Journal funding requests (dicts, or a JSON file's bytes: one request, a list, or
        ``{"funding": [...]}``), one message each; returns (messages, duplicates)."""
        if isinstance(funding_requests, bytes | str):
            try:
                funding_requests = jsonsafe.loads_strict(funding_requests)
            except jsonsafe.PayloadError as error:
                raise ParseError(f"the funding file is not valid JSON: {error}") from None
        if isinstance(funding_requests, dict):
            funding_requests = funding_requests.get("funding", [funding_requests])
        items = []
        for request in funding_requests:
            if not isinstance(request, dict) or not request.get("id"):
                raise ParseError("a funding request needs an 'id'")
            items.append(JournalItem(request, key=f"fap_funding:{request['id']}"))
        return self.env["logistics.message"]._journal_inbound(
            backend, "fap_funding", items, content_type="application/json", source=source
        )

    # ------------------------------------------------------------------
    # The journal's handler
    # ------------------------------------------------------------------
    @api.model
    def _handle_funding_message(self, message):
        data = message._get_payload_json()
        backend = message.backend_id
        company = backend.company_id
        if company.freight_payment_mode != "fap":
            raise PermanentError(_("Company %s does not pay its carriers through the FAP.", company.name))
        if not company.freight_fap_partner_id:
            raise PermanentError(_("Company %s has no FAP partner to bill the funding to.", company.name))
        currency = company.currency_id
        if data.get("currency"):
            currency = self.env["res.currency"].search([("name", "=", str(data["currency"]).upper())], limit=1)
            if not currency:
                raise PermanentError(_("Unknown currency %s.", data["currency"]))
        name = str(data["id"])
        self.env.cr.execute(SQL("SELECT pg_advisory_xact_lock(hashtext(%s))", f"fap_funding:{company.id}:{name}"))
        funding = self.search([("company_id", "=", company.id), ("name", "=", name)], limit=1)
        if not funding:
            funding = self.create(
                {
                    "name": name,
                    "backend_id": backend.id,
                    "company_id": company.id,
                    "currency_id": currency.id,
                    "date": fields.Date.to_date(str(data.get("date") or "")[:10] or fields.Date.context_today(self)),
                    "amount": float(data.get("amount") or 0.0),
                    "payments": data.get("payments") or [],
                    "message_id": message.id,
                }
            )
        funding._bill_once()
        funding._check_payments()
        message._link(funding, "created")
        return funding

    def _bill_once(self):
        """The one vendor bill of this funding request, to the FAP, on the clearing account."""
        self.ensure_one()
        if self.bill_id:
            return self.bill_id
        company = self.company_id
        clearing = company._freight_fap_clearing_journal().default_account_id
        journal = company.freight_purchase_journal_id or self.env["account.journal"].search(
            [("type", "=", "purchase"), ("company_id", "=", company.id)], limit=1
        )
        bill = (
            self.env["account.move"]
            .sudo()
            .with_company(company)
            .create(
                {
                    "move_type": "in_invoice",
                    "partner_id": company.freight_fap_partner_id.id,
                    "company_id": company.id,
                    "journal_id": journal.id,
                    "currency_id": self.currency_id.id,
                    "invoice_date": self.date,
                    "ref": self.name,
                    "invoice_line_ids": [
                        fields.Command.create(
                            {
                                "name": _("FAP funding request %s", self.name),
                                "account_id": clearing.id,
                                "quantity": 1.0,
                                "price_unit": self.amount,
                                "tax_ids": [fields.Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        self.bill_id = bill
        bill.action_post()
        self.message_post(body=_("Funding bill %s posted.", bill._get_html_link()))
        return bill

    def _check_payments(self):
        """Differences: payments listed that Odoo does not know, a total that is not their sum."""
        self.ensure_one()
        Difference = self.env["freight.fap.difference"]
        Payment = self.env["account.payment"].sudo()
        listed = 0.0
        for line in self.payments or []:
            listed += float(line.get("amount") or 0.0)
            known = Payment.search(
                [
                    ("freight_fap_invoice_id.external_id", "=", str(line.get("invoice_id") or "")),
                    ("freight_fap_invoice_id.backend_id", "=", self.backend_id.id),
                    ("state", "!=", "canceled"),
                ],
                limit=1,
            )
            if not known:
                Difference._record(self._difference_vals(line, f"funding:{self.id}:{line.get('invoice_id')}"))
        if self.payments and float_compare(listed, self.amount, precision_rounding=self.currency_id.rounding):
            vals = self._difference_vals({"amount": self.amount}, f"funding:{self.id}:total")
            vals.update(amount_expected=listed, fap_reference=self.name)
            Difference._record(vals)

    def _difference_vals(self, line, key):
        return {
            "kind": "funding",
            "key": key,
            "company_id": self.company_id.id,
            "backend_id": self.backend_id.id,
            "fap_reference": str(line.get("invoice_id") or self.name),
            "payment_reference": line.get("reference") or False,
            "date": self.date,
            "currency_id": self.currency_id.id,
            "amount_reported": float(line.get("amount") or 0.0),
            "funding_id": self.id,
            "message_id": self.message_id.id,
        }

    def action_view_bill(self):
        self.ensure_one()
        return self.bill_id._get_records_action()
