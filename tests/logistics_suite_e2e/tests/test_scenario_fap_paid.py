"""The end-to-end scenario's FAP-paid variant (issue 14): a company that pays its carriers
through the FAP, against the loopback FAP over real HTTP.

The freight of SHP-A (412.5 kg: base 495.00, fuel 10 % 49.50) is accrued at month end; the
carrier's invoice comes through the FAP API and is billed (the accrual reversed); the carrier's
credit memo comes the same way and is credited against the bill; the FAP pays the carrier what
is owed and asks to be funded for it; we pay the FAP. The carrier, the FAP and the clearing
account all end at zero, the reconciliation shows no difference, and nothing is posted twice.
"""

import datetime

from odoo.tests import TransactionCase, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.freight_audit.tests.common import FreightAuditCommon


@tagged("post_install", "-at_install")
class TestEndToEndFapPaid(FreightAuditCommon, AccountTestInvoicingCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_freight()
        cls.setup_accruals(cls.company_data["default_journal_misc"])
        cls.env.user.groups_id |= cls.env.ref("billing_readiness.group_billing_manager")
        cls.fap_partner = cls.env["res.partner"].create({"name": "FAP Payments Ltd", "is_company": True})
        cls.company.write({"freight_payment_mode": "fap", "freight_fap_partner_id": cls.fap_partner.id})

    def pull(self):
        """Every FAP poll, then the journal's queue; every inbound message ends done."""
        self.fap_backend._cron_fap_pull_invoices()
        self.fap_backend._cron_fap_payment_status()
        self.fap_backend._cron_fap_funding()
        self.env["logistics.message"]._process_queue()
        problems = self.env["logistics.message"].search(
            [("state", "not in", ("done", "duplicate")), ("direction", "=", "inbound")]
        )
        self.assertFalse(problems, [(m.message_type, m.state, m.last_error) for m in problems])

    def balance(self, domain):
        lines = self.env["account.move.line"].search([*domain, ("parent_state", "=", "posted")])
        return self.currency.round(sum(lines.mapped("balance")))

    def payable(self, partner):
        return self.balance([("partner_id", "=", partner.id), ("account_id.account_type", "=", "liability_payable")])

    def test_fap_paid_procure_to_pay(self):
        env = self.env
        # 1. Month end: SHP-A is accrued at the contract.
        accrual = env["freight.accrual"]._accrue(datetime.date(2026, 1, 31), datetime.date(2026, 1, 31))
        self.assertEqual((accrual.amount, accrual.state), (544.50, "posted"))
        # 2. The carrier's invoice through the FAP API: billed, the accrual reversed, owed to the carrier.
        self.fap.add_invoice(
            self.fap_invoice(
                "FF-FAP-1", [("SHP-A", "400", 495.00), ("SHP-A", "FSC", 49.50)], currency=self.currency.name
            )
        )
        self.pull()
        invoice = self.invoices_named("FF-FAP-1")
        bill = invoice.vendor_bill_id
        self.assertRecordValues(bill, [{"state": "posted", "amount_total": 544.50, "payment_state": "not_paid"}])
        self.assertEqual(accrual.state, "reversed")
        self.assertEqual(self.payable(self.carrier_partner), -544.50)
        # 3. The carrier's credit memo (fuel 9.50 too much), through the FAP too.
        memo = self.fap_invoice("FF-FAP-1C", [("SHP-A", "FSC", -9.50)], currency=self.currency.name, type="credit_memo")
        memo["original_invoice_number"] = "FF-FAP-1"
        self.fap.add_invoice(memo)
        self.pull()
        credit = invoice.credit_note_ids
        self.assertRecordValues(credit.move_id, [{"move_type": "in_refund", "state": "posted", "amount_total": 9.50}])
        self.assertEqual(bill.amount_residual, 535.00)
        # 4. The FAP pays the carrier what is owed.
        self.fap.set_payment("F-FF-FAP-1", "paid", date="2026-02-10", reference="PAY-77", amount="535.00")
        self.pull()
        payment = invoice.fap_payment_id
        self.assertRecordValues(
            payment, [{"memo": "PAY-77", "amount": 535.00, "journal_id": self.company.freight_fap_journal_id.id}]
        )
        self.assertEqual(bill.payment_state, "paid")
        self.assertEqual(self.payable(self.carrier_partner), 0.0)
        clearing = [("account_id", "=", self.company.freight_fap_journal_id.default_account_id.id)]
        self.assertEqual(self.balance(clearing), -535.00)
        # 5. The FAP asks to be funded; we pay its bill from the bank.
        self.fap.add_funding(
            {
                "id": "FR-77",
                "date": "2026-02-15",
                "currency": self.currency.name,
                "amount": "535.00",
                "payments": [{"invoice_id": "F-FF-FAP-1", "reference": "PAY-77", "amount": "535.00"}],
            }
        )
        self.pull()
        funding_bill = env["freight.fap.funding"].search([("name", "=", "FR-77")]).bill_id
        self.assertRecordValues(funding_bill, [{"partner_id": self.fap_partner.id, "amount_total": 535.00}])
        self.assertEqual(self.balance(clearing), 0.0)
        env["account.payment.register"].with_context(active_model="account.move", active_ids=funding_bill.ids).create(
            {"journal_id": self.company_data["default_journal_bank"].id, "payment_date": "2026-02-20"}
        )._create_payments()
        self.assertEqual(self.payable(self.fap_partner), 0.0)
        # 6. The reconciliation of February: paid 535.00, funded 535.00, clearing at zero, no difference.
        run = env["billing.reconciliation.run"]._run(
            self.company, datetime.date(2026, 2, 1), datetime.date(2026, 2, 28), backends=env["logistics.backend"]
        )
        lines = run.line_ids.filtered(lambda line: line.section == "fap_payment")
        self.assertEqual(
            sorted((line.line_type, line.odoo_value, line.backend_value) for line in lines),
            [("summary", 0.0, 0.0), ("summary", 535.0, 535.0)],
        )
        # 7. Everything polled again from the start (invoice, credit memo, funding): nothing is posted twice.
        self.fap_backend.write({"fap_invoice_cursor": False, "fap_funding_cursor": False})
        moves_before = env["account.move"].search_count([])
        self.pull()
        self.assertGreaterEqual(len(self.fap.requests_to("GET", "/funding")), 3)
        self.assertEqual(env["account.move"].search_count([]), moves_before)
        self.assertEqual(env["account.payment"].search_count([("freight_fap_invoice_id", "=", invoice.id)]), 1)
