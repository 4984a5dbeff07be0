"""Money controls of freight audit, as an attacker would try them over RPC (issue 12).

Every test calls only what an RPC client reaches (create, write, unlink, action_*, with the
context a client can send) as a real user of the right groups and companies, asserts the
refusal, and that nothing moved: state, amounts, no vendor bill posted. The legitimate paths
(auditor proposes, another approver approves, a manager approves above the threshold, the
cron bills a recorded approval) are asserted alongside.
"""

import base64
import json

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import FreightAuditCommon

AUDITOR = "freight_audit.group_freight_auditor"
APPROVER = "freight_audit.group_freight_approver"
MANAGER = "freight_audit.group_freight_manager"
# AccessError and ValidationError are UserErrors: where either refusal is right (a guarded field
# of a billed invoice is refused by the guard or by the billed lock, whichever comes first).
REFUSED = UserError


@tagged("post_install", "-at_install")
class TestFreightSecurity(FreightAuditCommon, AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_freight()
        cls.company_b = cls.setup_other_company(name="Freight Company B")["company"]
        a, b = cls.company, cls.company_b
        user = cls.make_user
        cls.auditor = user("sec_auditor", AUDITOR, a)
        cls.approver = user("sec_approver", APPROVER, a)
        cls.approver_2 = user("sec_approver2", APPROVER, a)
        cls.manager = user("sec_manager", MANAGER, a)
        cls.auditor_b = user("sec_auditor_b", AUDITOR, b)
        cls.manager_b = user("sec_manager_b", MANAGER, b)
        cls.logistics_manager = user("sec_log_manager", "logistics_connector.group_logistics_manager", a)
        cls.logistics_user = user("sec_log_user", "logistics_connector.group_logistics_user", a)
        cls.stock_user = user("sec_stock_user", "stock.group_stock_user", a)
        cls.accountant = user("sec_accountant", "account.group_account_invoice,sales_team.group_sale_salesman", a)
        cls.shipment_billed = cls.make_shipment("SHP-SEC", weight=412.5)
        cls.fap_backend_b = (
            cls.env["logistics.backend"]
            .sudo()
            .create(
                {
                    "name": "FAP of B",
                    "code": "fap-b",
                    "kind": "fap",
                    "environment": "production",
                    "company_id": b.id,
                    "auth_type": "none",
                }
            )
        )

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def import_fap(self, number, lines, backend=None, **kw):
        kw.setdefault("currency", self.currency.name)
        self.journal(backend or self.fap_backend, "freight_invoice_json", self.fap_invoice(number, lines, **kw), number)
        return self.invoices_named(number)

    def bills_of(self, invoices):
        return self.env["account.move"].sudo().search([("freight_invoice_id", "in", invoices.ids)])

    def bills_named(self, number):
        return self.env["account.move"].sudo().search([("freight_invoice_id.name", "=", number)])

    def snapshot(self, invoice):
        invoice.invalidate_recordset()
        invoice.line_ids.invalidate_recordset()
        return (
            invoice.state,
            invoice.amount_total,
            invoice.amount_approved,
            invoice.vendor_bill_id.id,
            invoice.approval_id.id,
            tuple(invoice.line_ids.mapped("amount")),
            tuple(invoice.line_ids.mapped("approved_amount")),
            tuple(invoice.line_ids.mapped("state")),
        )

    def case_invoice(self, number="SEC-CASE"):
        """520.00 billed against 495.00 expected: an audit case holds the line."""
        invoice = self.import_fap(number, [("SHP-A", "400", 520.00)])
        self.assertEqual(invoice.state, "exception")
        self.assertEqual(invoice.case_ids.state, "open")
        return invoice

    def billed_invoice(self, number="SEC-BILLED"):
        invoice = self.import_fap(number, [("SHP-SEC", "400", 495.00), ("SHP-SEC", "FSC", 49.50)])
        self.assertEqual(invoice.state, "billed")
        self.assertEqual(invoice.vendor_bill_id.state, "posted")
        return invoice

    def assert_unchanged(self, invoice, before, bills=0):
        self.assertEqual(self.snapshot(invoice), before)
        self.assertEqual(len(self.bills_of(invoice)), bills)

    # ------------------------------------------------------------------
    # C1: cross-company injection through the import wizard
    # ------------------------------------------------------------------
    def test_c1_auditor_of_b_cannot_import_on_a_backend(self):
        payload = json.dumps(self.fap_invoice("C1-INJECT", [("SHP-A", "400", 495.00)], currency=self.currency.name))
        Wizard = self.env["freight.invoice.import"].with_user(self.auditor_b)
        vals = {
            "backend_id": self.fap_backend.id,
            "file": base64.b64encode(payload.encode()),
            "file_format": "json",
            "process_now": True,
        }
        # The wizard in B's company with A's backend: refused on create (company check).
        with self.assertRaises(REFUSED):
            Wizard.create(vals).action_import()
        # The attacker names company A on the wizard: the backend is not readable to them.
        with self.assertRaises(AccessError):
            Wizard.create(dict(vals, company_id=self.company.id)).action_import()
        # Journaling directly: the journal checks the backend too.
        with self.assertRaises(AccessError):
            self.env["logistics.message"].with_user(self.auditor_b).create(
                {
                    "backend_id": self.fap_backend.id,
                    "direction": "inbound",
                    "message_type": "freight_invoice_json",
                    "payload": payload,
                }
            )
        self.env["logistics.message"].sudo()._process_queue()
        self.assertFalse(self.invoices_named("C1-INJECT"))
        self.assertFalse(self.bills_named("C1-INJECT"))
        self.assertFalse(self.env["logistics.message"].sudo().search_count([("backend_id", "=", self.fap_backend.id)]))
        # The same auditor imports on B's own backend (no mapping there: parked, nothing billed in A).
        Wizard.create(
            dict(vals, backend_id=self.fap_backend_b.id, company_id=self.company_b.id, process_now=False)
        ).action_import()
        self.assertEqual(
            self.env["logistics.message"].sudo().search_count([("backend_id", "=", self.fap_backend_b.id)]), 1
        )

    def test_c1_auditor_of_a_imports_on_own_backend(self):
        payload = json.dumps(self.fap_invoice("C1-OWN", [("SHP-A", "400", 495.00)], currency=self.currency.name))
        wizard = (
            self.env["freight.invoice.import"]
            .with_user(self.auditor)
            .create(
                {
                    "backend_id": self.fap_backend.id,
                    "file": base64.b64encode(payload.encode()),
                    "file_format": "json",
                    "process_now": True,
                }
            )
        )
        wizard.action_import()
        invoice = self.invoices_named("C1-OWN")
        self.assertEqual(invoice.state, "billed")
        self.assertEqual(invoice.approval_id.rule, "tolerance")
        self.assertEqual(invoice.approval_id.user_id, self.auditor)

    def test_c1_pull_now_only_for_own_fap_backends(self):
        self.fap.add_invoice(self.fap_invoice("C1-PULL", [("SHP-A", "400", 495.00)], currency=self.currency.name))
        for attacker in (self.auditor_b, self.logistics_manager):
            with self.assertRaises(AccessError, msg=attacker.login):
                self.fap_backend.with_user(attacker).action_fap_pull_invoices()
        with self.assertRaises(UserError):
            self.env["logistics.backend"].with_user(self.auditor).action_fap_pull_invoices()
        self.assertFalse(self.env["logistics.message"].sudo().search_count([("backend_id", "=", self.fap_backend.id)]))
        self.fap_backend.with_user(self.auditor).action_fap_pull_invoices()
        self.env["logistics.message"].sudo()._process_queue()
        self.assertEqual(self.invoices_named("C1-PULL").state, "billed")

    # ------------------------------------------------------------------
    # C2: a Freight Auditor approves and inflates
    # ------------------------------------------------------------------
    def test_c2_auditor_writes_state_and_approved_amounts(self):
        invoice = self.case_invoice()
        before = self.snapshot(invoice)
        as_auditor = invoice.with_user(self.auditor)
        for vals in (
            {"state": "approved"},
            {"amount_approved": 19998.0},
            {"amount_expected": 19998.0},
            {"approval_id": False, "state": "approved"},
            {"is_duplicate": False, "audit_status": "approved"},
        ):
            with self.assertRaises(AccessError):
                as_auditor.write(vals)
        for vals in ({"approved_amount": 19998.0}, {"state": "approved"}, {"expected_amount": 19998.0}):
            with self.assertRaises(AccessError):
                as_auditor.line_ids.write(vals)
        # Through the invoice's lines: the invoice is audited, its charges are not edited any more.
        with self.assertRaises(REFUSED):
            as_auditor.write({"line_ids": [Command.update(invoice.line_ids.id, {"approved_amount": 19998.0})]})
        self.env["freight.invoice"]._cron_post_approved()
        self.assert_unchanged(invoice, before)

    def test_c2_auditor_sets_a_vendor_bill(self):
        invoice = self.case_invoice()
        other_bill = self.billed_invoice().vendor_bill_id
        before = self.snapshot(invoice)
        with self.assertRaises(AccessError):
            invoice.with_user(self.auditor).write({"vendor_bill_id": other_bill.id})
        self.assert_unchanged(invoice, before)

    def test_c2_auditor_creates_an_approved_invoice(self):
        Invoice = self.env["freight.invoice"].with_user(self.auditor)
        base = {
            "name": "C2-FORGED",
            "carrier_partner_id": self.carrier_partner.id,
            "amount_total": 25000.0,
            "line_ids": [
                Command.create(
                    {
                        "shipment_reference": "SHP-A",
                        "shipment_id": self.shipment.id,
                        "charge_code": "400",
                        "charge_type_id": self.ct_base.id,
                        "amount": 25000.0,
                    }
                )
            ],
        }
        for extra in (
            {"state": "approved"},
            {"state": "billed"},
            {"is_duplicate": False, "audit_status": "approved", "state": "approved"},
        ):
            with self.assertRaises(AccessError):
                Invoice.create(dict(base, **extra))
        with self.assertRaises(AccessError):
            Invoice.create(
                dict(
                    base,
                    line_ids=[Command.create(dict(base["line_ids"][0][2], approved_amount=25000.0, state="approved"))],
                )
            )
        self.env["freight.invoice"]._cron_post_approved()
        self.assertFalse(self.invoices_named("C2-FORGED"))
        self.assertFalse(self.bills_named("C2-FORGED"))
        # A manual draft is fine; the audit decides, here an audit case (25,000.00 vs 495.00).
        draft = Invoice.create(base)
        self.assertEqual(draft.state, "draft")
        draft.action_audit()
        self.assertEqual(draft.state, "exception")
        self.assertFalse(self.bills_of(draft))

    def test_c2_auditor_resets_a_billed_invoice(self):
        invoice = self.billed_invoice()
        before = self.snapshot(invoice)
        as_auditor = invoice.with_user(self.auditor)
        for vals in ({"state": "draft"}, {"vendor_bill_id": False}, {"state": "draft", "vendor_bill_id": False}):
            with self.assertRaises(REFUSED):
                as_auditor.write(vals)
        # Rule 6 holds even for code running as superuser.
        with self.assertRaises(UserError):
            invoice.sudo().write({"state": "draft"})
        with self.assertRaises(UserError):
            invoice.sudo().write({"vendor_bill_id": False})
        self.assert_unchanged(invoice, before, bills=1)

    def test_c2_auditor_rewrites_amounts_of_billed_lines(self):
        invoice = self.billed_invoice()
        before = self.snapshot(invoice)
        line = invoice.line_ids[0].with_user(self.auditor)
        for vals in ({"amount": 9999.0}, {"proposed_amount": 9999.0}, {"quantity": 20}):
            with self.assertRaises(UserError):
                line.write(vals)
        with self.assertRaises(REFUSED):
            line.write({"approved_amount": 9999.0})
        with self.assertRaises(REFUSED):
            invoice.with_user(self.manager).write({"amount_total": 9999.0})
        self.assert_unchanged(invoice, before, bills=1)
        self.assertEqual(invoice.vendor_bill_id.amount_untaxed, 544.50)

    def test_c2_cancel_is_manager_only_and_never_billed(self):
        invoice = self.case_invoice()
        before = self.snapshot(invoice)
        for attacker in (self.auditor, self.approver):
            with self.assertRaises(AccessError):
                invoice.with_user(attacker).action_cancel()
        self.assert_unchanged(invoice, before)
        billed = self.billed_invoice()
        billed_before = self.snapshot(billed)
        with self.assertRaises(UserError):
            billed.with_user(self.manager).action_cancel()
        self.assert_unchanged(billed, billed_before, bills=1)
        # The manager cancels the invoice in audit.
        invoice.with_user(self.manager).action_cancel()
        self.assertEqual(invoice.state, "cancel")
        self.assertEqual(invoice.case_ids.state, "closed")

    def test_c2_create_bill_needs_an_approver_and_a_recorded_approval(self):
        invoice = self.case_invoice()
        self.company.freight_auto_post_bill = False
        with self.assertRaises(AccessError):
            invoice.with_user(self.auditor).action_create_bill()
        with self.assertRaises(UserError):
            invoice.with_user(self.approver).action_create_bill()
        # Even if code set the state alone (no approval recorded), neither the button nor the cron bills.
        invoice.sudo().write({"state": "approved"})
        before = self.snapshot(invoice)
        with self.assertRaises(UserError):
            invoice.with_user(self.approver).action_create_bill()
        self.company.freight_auto_post_bill = True
        self.env["freight.invoice"]._cron_post_approved()
        self.assert_unchanged(invoice, before)

    def test_c2_bills_and_rebilling_linked_by_hand(self):
        # A bill linked by hand to a carrier invoice would reverse its accruals and capitalise
        # landed costs when posted; a sale line linked to a charge would stand in for its rebilling.
        invoice = self.case_invoice()
        before = self.snapshot(invoice)
        with self.assertRaisesRegex(AccessError, "Carrier Invoice"):
            self.env["account.move"].with_user(self.accountant).create(
                {
                    "move_type": "in_invoice",
                    "partner_id": self.carrier_partner.id,
                    "freight_invoice_id": invoice.id,
                    "invoice_line_ids": [Command.create({"name": "freight", "price_unit": 520.0})],
                }
            )
        bill = (
            self.env["account.move"]
            .with_user(self.accountant)
            .create({"move_type": "in_invoice", "partner_id": self.carrier_partner.id})
        )
        with self.assertRaisesRegex(AccessError, "Carrier Invoice"):
            bill.write({"freight_invoice_id": invoice.id})
        order = self.env["sale.order"].create({"partner_id": self.customer.id, "user_id": self.accountant.id})
        with self.assertRaisesRegex(AccessError, "Rebilled Carrier Charge"):
            self.env["sale.order.line"].with_user(self.accountant).create(
                {
                    "order_id": order.id,
                    "product_id": self.product_rebill.id,
                    "freight_invoice_line_id": invoice.line_ids.id,
                }
            )
        self.assert_unchanged(invoice, before)

    # ------------------------------------------------------------------
    # H3: segregation of duties
    # ------------------------------------------------------------------
    def test_h3_context_key_does_not_hide_the_editor(self):
        invoice = self.case_invoice()
        case = invoice.case_ids.with_user(self.approver).with_context(freight_system_write=True)
        case.line_ids.write({"proposed_amount": 520.00})
        case.write({"review_note": "fine"})
        self.assertIn(self.approver, invoice.case_ids.edited_by_ids)
        before = self.snapshot(invoice)
        with self.assertRaises(AccessError):
            case.action_approve_partial()
        with self.assertRaises(AccessError):
            case.action_approve_full()
        self.assert_unchanged(invoice, before)

    def test_h3_editors_cannot_be_cleared(self):
        invoice = self.case_invoice()
        case = invoice.case_ids.with_user(self.approver)
        case.line_ids.write({"proposed_amount": 520.00})
        for command in (Command.clear(), Command.unlink(self.approver.id), Command.set([])):
            with self.assertRaises(AccessError):
                case.write({"edited_by_ids": [command]})
        with self.assertRaises(AccessError):
            case.write({"approved_by_id": self.approver_2.id, "state": "approved"})
        before = self.snapshot(invoice)
        with self.assertRaises(AccessError):
            case.action_approve_partial()
        self.assert_unchanged(invoice, before)
        self.assertIn(self.approver, invoice.case_ids.edited_by_ids)

    def test_h3_threshold_on_the_whole_invoice(self):
        # Base 495.00 inside tolerance (approved by the audit); detention 305.00 over its cap of
        # 100.00 goes to the case. The case alone approves 305.00, the invoice 800.00 > 500.00.
        self.company.freight_approval_threshold = 500.0
        invoice = self.import_fap("SEC-SPLIT", [("SHP-A", "400", 495.00), ("SHP-A", "DET", 305.00)])
        self.assertEqual(invoice.state, "exception")
        case = invoice.case_ids
        detention = invoice.line_ids.filtered(lambda line: line.charge_code == "DET")
        base = invoice.line_ids - detention
        self.assertEqual(case.line_ids, detention)
        before = self.snapshot(invoice)
        as_approver = case.with_user(self.approver)
        # Moving lines into a new case, or out of this one: refused.
        with self.assertRaises(AccessError):
            self.env["freight.audit.case"].with_user(self.approver).create(
                {"invoice_id": invoice.id, "line_ids": [Command.link(detention.id)]}
            )
        with self.assertRaises(AccessError):
            detention.with_user(self.approver).write({"case_id": False})
        with self.assertRaises(AccessError):
            base.with_user(self.approver).write({"case_id": case.id})
        with self.assertRaises(AccessError):
            as_approver.write({"line_ids": [Command.unlink(detention.id)]})
        with self.assertRaises(AccessError):
            as_approver.write({"invoice_id": self.case_invoice().id})
        # 305.00 in the case, 800.00 for the invoice: a manager's approval.
        with self.assertRaises(AccessError):
            as_approver.action_approve_full()
        self.assert_unchanged(invoice, before)
        self.assertEqual(case.state, "open")
        # The manager approves; the approval says so, and the bill is posted.
        case.with_user(self.manager).action_approve_full()
        self.assertEqual(invoice.state, "billed")
        self.assertEqual(invoice.amount_approved, 800.00)
        self.assertRecordValues(
            invoice.approval_id, [{"rule": "manager", "user_id": self.manager.id, "amount": 800.00}]
        )
        self.assertEqual(case.approval_rule, "manager")
        self.assertEqual(self.bills_of(invoice).state, "posted")

    # ------------------------------------------------------------------
    # Legitimate paths
    # ------------------------------------------------------------------
    def test_auditor_proposes_another_approver_approves_cron_bills(self):
        self.company.freight_auto_post_bill = False
        invoice = self.case_invoice()
        case = invoice.case_ids
        case.with_user(self.auditor).action_start_review()
        case.with_user(self.auditor).action_propose_expected()
        self.assertEqual(case.line_ids.proposed_amount, 495.00)
        self.assertIn(self.auditor, case.edited_by_ids)
        with self.assertRaises(AccessError):
            case.with_user(self.auditor).action_approve_partial()
        case.with_user(self.approver).action_approve_partial()
        self.assertEqual(invoice.state, "approved")
        self.assertRecordValues(
            invoice.approval_id,
            [{"rule": "approver", "user_id": self.approver.id, "amount": 495.00, "case_ids": case.ids}],
        )
        self.assertIn(case.name, invoice.approval_id.detail)
        self.assertFalse(self.bills_of(invoice))
        # Nobody rewrites the recorded approval.
        with self.assertRaises(AccessError):
            invoice.approval_id.with_user(self.manager).write({"amount": 19998.0})
        self.company.freight_auto_post_bill = True
        self.assertEqual(self.env["freight.invoice"]._cron_post_approved(), 1)
        self.assertEqual(invoice.state, "billed")
        self.assertEqual(invoice.vendor_bill_id.state, "posted")
        self.assertEqual(invoice.vendor_bill_id.amount_untaxed, 495.00)

    def test_approver_creates_the_bill_of_a_recorded_approval(self):
        self.company.freight_auto_post_bill = False
        invoice = self.case_invoice()
        invoice.case_ids.with_user(self.approver).action_approve_full()
        self.assertEqual(invoice.state, "approved")
        invoice.with_user(self.approver_2).action_create_bill()
        self.assertEqual(invoice.state, "billed")
        self.assertEqual(invoice.vendor_bill_id.amount_untaxed, 520.00)

    # ------------------------------------------------------------------
    # Rule 5: bounded amounts
    # ------------------------------------------------------------------
    def test_rule5_partial_approval_between_zero_and_billed(self):
        invoice = self.case_invoice()
        case = invoice.case_ids
        line = case.line_ids.with_user(self.auditor)
        with self.assertRaises(ValidationError):
            line.write({"proposed_amount": -100.0})
        line.write({"proposed_amount": 19998.0})
        before = self.snapshot(invoice)
        with self.assertRaises(AccessError):
            case.with_user(self.approver).action_approve_partial()
        # A manager needs a reason, which goes to the chatter.
        with self.assertRaises(UserError):
            case.with_user(self.manager).action_approve_partial()
        self.assert_unchanged(invoice, before)
        # The reason is the approving manager's own: nobody else writes it.
        with self.assertRaises(AccessError):
            case.with_user(self.approver).write({"approval_reason": "Looks fine to me."})
        case.with_user(self.manager).write({"approval_reason": "Carrier under-billed the agreed rate."})
        case.with_user(self.manager).action_approve_partial()
        self.assertEqual(invoice.amount_approved, 19998.0)
        self.assertEqual(invoice.approval_id.rule, "manager")
        self.assertTrue(
            any("Carrier under-billed the agreed rate." in (message.body or "") for message in case.message_ids)
        )

    # ------------------------------------------------------------------
    # Rule 6: a billed invoice never goes back
    # ------------------------------------------------------------------
    def test_rule6_billed_invoice_is_final(self):
        invoice = self.billed_invoice()
        before = self.snapshot(invoice)
        with self.assertRaises(UserError):
            invoice.with_user(self.manager).action_cancel()
        with self.assertRaises(UserError):
            invoice.with_user(self.manager).action_audit()
        with self.assertRaises(UserError):
            invoice.with_user(self.manager).unlink()
        with self.assertRaises(UserError):
            invoice.line_ids.with_user(self.manager).unlink()
        # Not even superuser code changes a billed invoice's amounts, lines or state.
        with self.assertRaises(UserError):
            invoice.sudo().write({"state": "cancel"})
        with self.assertRaises(UserError):
            invoice.line_ids[0].sudo().write({"approved_amount": 1.0})
        with self.assertRaises(UserError):
            invoice.sudo().write(
                {
                    "line_ids": [
                        Command.create(
                            {
                                "shipment_reference": "SHP-A",
                                "charge_code": "400",
                                "charge_type_id": self.ct_base.id,
                                "amount": 100.0,
                            }
                        )
                    ]
                }
            )
        self.assert_unchanged(invoice, before, bills=1)

    # ------------------------------------------------------------------
    # Rule 7: test backends are not polled into production books
    # ------------------------------------------------------------------
    def test_rule7_test_backend_invoices_are_never_billed(self):
        test_fap = self.env["logistics.backend"].create(
            {"name": "FAP sandbox", "code": "fap-test", "kind": "fap", "environment": "test", "auth_type": "none"}
        )
        self.env["logistics.code.mapping"].create(
            [
                {
                    "backend_id": test_fap.id,
                    "mapping_type": "carrier",
                    "external_code": "FFRT",
                    "carrier_partner_id": self.carrier_partner.id,
                },
                {
                    "backend_id": test_fap.id,
                    "mapping_type": "charge_code",
                    "external_code": "400",
                    "charge_type_id": self.ct_base.id,
                },
            ]
        )
        invoice = self.import_fap("SEC-SANDBOX", [("SHP-A", "400", 495.00)], backend=test_fap)
        self.assertRecordValues(invoice, [{"state": "approved", "is_from_test_backend": True}])
        self.assertEqual(invoice.approval_id.rule, "tolerance")
        before = self.snapshot(invoice)
        self.env["freight.invoice"]._cron_post_approved()
        with self.assertRaisesRegex(UserError, "test backend"):
            invoice.with_user(self.manager).action_create_bill()
        with self.assertRaises(AccessError):
            invoice.with_user(self.manager).write({"is_from_test_backend": False})
        self.assert_unchanged(invoice, before)
        self.assertFalse(self.env["stock.landed.cost"].sudo().search([("freight_invoice_id", "=", invoice.id)]))
        self.assertFalse(
            self.env["sale.order.line"].sudo().search([("freight_invoice_line_id", "in", invoice.line_ids.ids)])
        )

    # ------------------------------------------------------------------
    # H4: contracts are per company
    # ------------------------------------------------------------------
    def test_h4_manager_of_b_cannot_read_or_change_a_rates(self):
        card_a = self.rate_card
        models = {
            "freight.rate.card.break": card_a.break_ids,
            "freight.rate.card.lane": card_a.lane_ids,
            "freight.fuel.schedule.line": self.fuel_schedule.line_ids,
            "freight.rate.card": card_a,
            "freight.fuel.schedule": self.fuel_schedule,
        }
        for model, records in models.items():
            as_b = self.env[model].with_user(self.manager_b)
            self.assertFalse(as_b.search([("id", "in", records.ids)]), model)
            with self.assertRaises(AccessError, msg=model):
                as_b.browse(records.ids).read([])
        with self.assertRaises(AccessError):
            card_a.break_ids[1].with_user(self.manager_b).write({"rate": 12.0})
        with self.assertRaises(AccessError):
            self.fuel_schedule.line_ids[0].with_user(self.manager_b).write({"percent": 50.0})
        with self.assertRaises(AccessError):
            self.env["freight.rate.card.break"].with_user(self.manager_b).create(
                {"card_id": card_a.id, "min_kg": 100, "rate": 12.0}
            )
        # B's own card for the same carrier, at 12.00/kg, is B's only.
        self.env["freight.rate.card"].with_user(self.manager_b).with_company(self.company_b).create(
            {
                "name": "FFRT for B",
                "company_id": self.company_b.id,
                "carrier_partner_id": self.carrier_partner.id,
                "currency_id": self.company_b.currency_id.id,
                "date_from": "2026-01-01",
                "date_to": "2026-12-31",
                "basis": "kg",
                "version": 9,
                "break_ids": [Command.create({"min_kg": 0, "rate": 12.0})],
            }
        )
        self.assertEqual(card_a.break_ids.mapped("rate"), [1.5, 1.2, 1.0])
        # A's audit uses A's rates: 412.5 kg x 1.20 = 495.00, approved and billed.
        invoice = self.import_fap("SEC-RATES", [("SHP-A", "400", 495.00)])
        self.assertEqual(invoice.amount_expected, 495.00)
        self.assertEqual(invoice.line_ids.rate_card_id, card_a)
        self.assertEqual(invoice.state, "billed")

    # ------------------------------------------------------------------
    # M5: raw carrier-invoice messages by a Logistics Manager without freight rights
    # ------------------------------------------------------------------
    def test_m5_logistics_manager_cannot_inject_carrier_invoices(self):
        payload = json.dumps(self.fap_invoice("M5-RAW", [("SHP-A", "400", 495.00)], currency=self.currency.name))
        Message = self.env["logistics.message"].with_user(self.logistics_manager)
        with self.assertRaises(AccessError):
            Message.create(
                {
                    "backend_id": self.fap_backend.id,
                    "direction": "inbound",
                    "message_type": "freight_invoice_json",
                    "payload": payload,
                    "idempotency_key": "m5-raw",
                }
            )
        # A failed carrier-invoice message (received by the FAP poll): replay and process refused.
        messages, _duplicates = (
            self.env["logistics.message"]
            .sudo()
            ._journal_many(
                [
                    {
                        "backend_id": self.fap_backend.id,
                        "direction": "inbound",
                        "message_type": "freight_invoice_json",
                        "payload": payload,
                        "idempotency_key": "m5-failed",
                        "state": "failed",
                    }
                ]
            )
        )
        for action in ("action_replay", "action_process_now"):
            with self.assertRaises(AccessError, msg=action):
                getattr(messages.with_user(self.logistics_manager), action)()
        self.assertEqual(messages.state, "failed")
        # What the cron (superuser) finds: nothing created by the manager, nothing to import.
        self.env["logistics.message"].sudo()._process_queue()
        self.assertFalse(self.env["logistics.message"].sudo().search_count([("idempotency_key", "=", "m5-raw")]))
        self.assertFalse(self.invoices_named("M5-RAW"))
        self.assertFalse(self.bills_named("M5-RAW"))

    # ------------------------------------------------------------------
    # L1: freight journal messages are for freight users
    # ------------------------------------------------------------------
    def test_l1_freight_messages_hidden_from_logistics_and_inventory_users(self):
        Message = self.env["logistics.message"].sudo()
        freight, _dups = Message._journal_many(
            [
                {
                    "backend_id": self.fap_backend.id,
                    "direction": "inbound",
                    "message_type": message_type,
                    "payload": {"secret": "carrier invoice"},
                    "idempotency_key": f"l1-{message_type}",
                    "state": "done",
                }
                for message_type in ("freight_invoice_json", "x12_210", "fap_dispute", "fap_payment_status")
            ]
        )
        other, _dups = Message._journal_many(
            [
                {
                    "backend_id": self.edi_backend.id,
                    "direction": "outbound",
                    "message_type": "transport_order",
                    "payload": {"order": 1},
                    "idempotency_key": "l1-order",
                    "state": "done",
                }
            ]
        )
        ids = (freight | other).ids
        for user in (self.logistics_user, self.logistics_manager, self.stock_user):
            visible = self.env["logistics.message"].with_user(user).search([("id", "in", ids)])
            self.assertEqual(visible, other, user.login)
            with self.assertRaises(AccessError, msg=user.login):
                freight.with_user(user).read(["message_type"])
        self.assertEqual(
            self.env["logistics.message"].with_user(self.auditor).search([("id", "in", ids)]), freight | other
        )
        # The company rule still applies: B's auditor sees none of A's messages.
        self.assertFalse(self.env["logistics.message"].with_user(self.auditor_b).search([("id", "in", ids)]))
