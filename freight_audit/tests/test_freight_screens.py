"""The people's screens of freight audit (issue 17 points 1 and 4): the *Freight Audit* tab of a
vendor bill, freight spend and carrier scorecards, checked to the unit on a known data set.

The data set (carrier Fast Freight, contract of common.py: 412.5 kg rate at 495.00):

* shipments (pickup 2026-01-15 08:00): SHP-A delivered the day after (no plan), SHP-B delivered
  the day after, planned that evening (on time), SHP-C delivered 2026-01-17 20:00, planned
  2026-01-15 noon (late, 2.5 transit days), SHP-D in exception, SHP-E delivered the day after,
  planned that day at midnight (on time: same day), no POD signer, SHP-F cancelled (left out);
* invoices: INV-S1 495.00 + 49.50 fuel, inside tolerance (auto-approved, billed as billed);
  INV-S2 520.00 on SHP-B, a case approved partially at 495.00 (saved 25.00); INV-S3 520.00
  on SHP-C, a case disputed with the carrier then approved in full by a manager (as a
  Freight Approver: the rule recorded is "approver"; the bill shows the dispute banner).
"""

import datetime

from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import SHIP_DAY, FreightAuditCommon


@tagged("post_install", "-at_install")
class TestFreightScreens(FreightAuditCommon, AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_freight()
        groups = "freight_audit.group_freight_{}"
        cls.auditor = cls.make_user("fs_auditor", groups.format("auditor"), cls.company)
        cls.approver = cls.make_user("fs_approver", groups.format("approver"), cls.company)
        cls.manager = cls.make_user("fs_manager", groups.format("manager"), cls.company)
        cls.accountant = cls.make_user("fs_accountant", "account.group_account_invoice", cls.company)
        day = datetime.timedelta(days=1)
        cls.make_shipment("SHP-B", 412.5, planned_delivery=SHIP_DAY + day + datetime.timedelta(hours=10))
        cls.make_shipment(
            "SHP-C",
            412.5,
            planned_delivery=datetime.datetime(2026, 1, 15, 12, 0),
            actual_delivery=datetime.datetime(2026, 1, 17, 20, 0),
        )
        cls.make_shipment("SHP-D", 412.5, status="exception")
        cls.make_shipment("SHP-E", 412.5, planned_delivery=datetime.datetime(2026, 1, 16, 0, 0), pod_signer=False)
        cls.make_shipment("SHP-F", 412.5, status="cancelled")

    def setUp(self):
        super().setUp()
        currency = self.currency.name
        self.journal(
            self.fap_backend,
            "freight_invoice_json",
            self.fap_invoice("INV-S1", [("SHP-A", "400", 495.00), ("SHP-A", "FSC", 49.50)], currency=currency),
        )
        self.journal(
            self.fap_backend,
            "freight_invoice_json",
            self.fap_invoice("INV-S2", [("SHP-B", "400", 520.00)], currency=currency),
        )
        self.journal(
            self.fap_backend,
            "freight_invoice_json",
            self.fap_invoice("INV-S3", [("SHP-C", "400", 520.00)], currency=currency),
        )
        self.s1, self.s2, self.s3 = (self.invoices_named(n) for n in ("INV-S1", "INV-S2", "INV-S3"))
        self.s2.case_ids.with_user(self.approver).action_approve_partial()
        case3 = self.s3.case_ids.with_user(self.auditor)
        case3.dispute_text = "Contract rate is 1.20/kg: 495.00."
        case3.action_dispute()
        self.s3.case_ids.with_user(self.manager).action_approve_full()
        self.env.flush_all()

    def test_data_set(self):
        self.assertEqual(
            [(i.state, i.amount_total, i.amount_approved, i.approval_id.rule) for i in self.s1 | self.s2 | self.s3],
            [
                ("billed", 544.50, 544.50, "tolerance"),
                ("billed", 520.00, 495.00, "approver"),
                ("billed", 520.00, 520.00, "approver"),
            ],
        )

    # ------------------------------------------------------------------
    # The vendor bill's Freight Audit tab
    # ------------------------------------------------------------------
    def test_bill_tab_for_an_accountant(self):
        """An accountant without freight rights reads the audit summary on the bill."""
        bill = self.s2.vendor_bill_id.with_user(self.accountant)
        with self.assertRaises(AccessError):
            self.s2.with_user(self.accountant).read(["amount_total"])
        self.assertRecordValues(
            bill,
            [
                {
                    "freight_invoice_name": "INV-S2",
                    "freight_invoice_state": "billed",
                    "freight_audit_status": "exception",
                    "freight_amount_billed": 520.00,
                    "freight_amount_expected": 495.00,
                    "freight_amount_approved": 495.00,
                    "freight_amount_saved": 25.00,
                    "freight_case_text": f"{self.s2.case_ids.name} (Approved)",
                    "freight_approved_by_id": self.approver.id,
                    "freight_approval_rule": "approver",
                    "freight_shipment_refs": "SHP-B",
                    "freight_is_disputed": False,
                    "freight_payment_state": "none",
                }
            ],
        )
        finding = self.s2.finding_ids.filtered(lambda f: f.severity == "error")[:1]
        self.assertTrue(finding)
        self.assertIn(finding.message, bill.freight_findings_text)
        self.assertIn("(blocking): SHP-B 400: ", bill.freight_findings_text)
        self.assertIn("[rule / contract: rate card FFRT road 2026 v1]", bill.freight_findings_text)
        # The shipments as links are for Logistics users: not readable by the accountant.
        with self.assertRaises(AccessError):
            bill.read(["freight_shipment_ids"])
        self.assertEqual(self.s2.vendor_bill_id.freight_shipment_ids.mapped("name"), ["SHP-B"])
        # The bill's views load for the accountant (the restricted field is left out of them).
        form, tree = self.env.ref("account.view_move_form").id, self.env.ref("account.view_invoice_tree").id
        views = self.env["account.move"].with_user(self.accountant).get_views([(form, "form"), (tree, "list")])
        self.assertNotIn("freight_shipment_ids", views["models"]["account.move"]["fields"])
        self.assertIn("freight_amount_saved", views["models"]["account.move"]["fields"])

    def test_bill_of_an_auto_approved_invoice(self):
        bill = self.s1.vendor_bill_id.with_user(self.accountant)
        self.assertRecordValues(
            bill,
            [
                {
                    "freight_amount_billed": 544.50,
                    "freight_amount_approved": 544.50,
                    "freight_amount_saved": 0.0,
                    "freight_case_text": False,
                    "freight_approval_rule": "tolerance",
                    "freight_is_disputed": False,
                }
            ],
        )

    def test_disputed_bill_banner(self):
        bill = self.s3.vendor_bill_id.with_user(self.accountant)
        self.assertTrue(bill.freight_is_disputed)
        self.assertEqual(bill.freight_amount_saved, 0.0)
        # The carrier answers: no longer waiting on the dispute.
        self.s3.case_ids.sudo().carrier_answer_date = datetime.datetime(2026, 2, 1)
        self.assertFalse(bill.freight_is_disputed)

    def test_freight_bills_filter(self):
        bills = (self.s1 | self.s2 | self.s3).vendor_bill_id
        other = self.init_invoice("in_invoice", amounts=[100.0], post=True)
        found = self.env["account.move"].search(
            [("freight_invoice_id", "!=", False), ("id", "in", (bills | other).ids)]
        )
        self.assertEqual(found, bills)
        search_view = self.env.ref("account.view_account_invoice_filter").id
        search = self.env["account.move"].get_views([(search_view, "search")])["views"]["search"]["arch"]
        self.assertIn('name="freight_bills"', search)

    # ------------------------------------------------------------------
    # Freight spend and audit savings
    # ------------------------------------------------------------------
    def spend(self, groupby, user=None):
        report = self.env["freight.spend.report"].with_user(user or self.auditor)
        domain = [("carrier_partner_id", "=", self.carrier_partner.id), ("is_decided", "=", True)]
        return {
            key: (billed, approved, saved, count)
            for key, billed, approved, saved, count in report._read_group(
                domain, [groupby], ["amount_billed:sum", "amount_approved:sum", "amount_saved:sum", "charge_count:sum"]
            )
        }

    def test_spend_by_carrier_month_lane_charge_type(self):
        self.assertEqual(self.spend("carrier_partner_id"), {self.carrier_partner: (1584.50, 1559.50, 25.00, 4)})
        self.assertEqual(self.spend("date:month"), {datetime.date(2026, 1, 1): (1584.50, 1559.50, 25.00, 4)})
        self.assertEqual(self.spend("lane"), {"FR → FR": (1584.50, 1559.50, 25.00, 4)})
        self.assertEqual(
            self.spend("charge_type_id"),
            {self.ct_base: (1535.00, 1510.00, 25.00, 3), self.ct_fuel: (49.50, 49.50, 0.0, 1)},
        )
        self.assertEqual(
            self.spend("approval_rule"),
            {
                "tolerance": (544.50, 544.50, 0.0, 2),
                "approver": (1040.00, 1015.00, 25.00, 2),
            },
        )

    def test_savings_by_finding(self):
        code = self.s2.line_ids.finding_ids.filtered(lambda f: f.severity == "error")[:1].code
        by_finding = self.spend("finding_code")
        self.assertEqual(by_finding[code], (1040.00, 1015.00, 25.00, 2))  # INV-S2 and INV-S3, same finding
        self.assertEqual(sum(saved for _b, _a, saved, _c in by_finding.values()), 25.00)

    def test_dispute_outcomes(self):
        cases = self.env["freight.audit.case"].with_user(self.auditor)
        self.assertEqual(
            dict(cases._read_group([("dispute_date", "!=", False)], ["state"], ["__count"])), {"approved": 1}
        )

    # ------------------------------------------------------------------
    # Carrier scorecards
    # ------------------------------------------------------------------
    def test_scorecard_figures(self):
        card = (
            self.env["freight.carrier.scorecard"]
            .with_user(self.auditor)
            .search([("carrier_partner_id", "=", self.carrier_partner.id)])
        )
        self.assertRecordValues(
            card,
            [
                {
                    "company_id": self.company.id,
                    "shipment_count": 5,  # A to E, the cancelled F left out
                    "delivered_count": 4,  # A, B, C, E
                    "on_time_base_count": 3,  # B, C, E have a plan
                    "on_time_count": 2,  # B, E
                    "on_time_pct": 66.7,
                    "transit_count": 4,
                    "avg_transit_days": 1.38,  # (1 + 1 + 2.5 + 1) / 4 = 1.375
                    "exception_count": 1,  # D
                    "exception_pct": 20.0,
                    "pod_complete_count": 3,  # A, B, C (E has no signer)
                    "pod_complete_pct": 75.0,
                    "invoice_count": 3,
                    "decided_count": 3,
                    "accurate_count": 2,  # S1, S3 approved as billed
                    "accuracy_pct": 66.7,
                    "auto_approved_count": 1,  # S1
                    "auto_approved_pct": 33.3,
                }
            ],
        )
        partner = self.carrier_partner.with_user(self.auditor)
        self.assertEqual(partner.freight_on_time_pct, 66.7)
        self.assertTrue(partner.freight_has_scorecard)
        self.assertEqual(partner.freight_scorecard_ids, card)
        action = partner.action_view_freight_scorecard()
        self.assertEqual(action["domain"], [("carrier_partner_id", "=", self.carrier_partner.id)])

    def test_report_access_and_companies(self):
        for model in ("freight.spend.report", "freight.carrier.scorecard"):
            with self.assertRaises(AccessError):
                self.env[model].with_user(self.accountant).search([])
        company_b = self.env["res.company"].create({"name": "Freight Screens B"})
        auditor_b = self.make_user("fs_auditor_b", "freight_audit.group_freight_auditor", company_b)
        for model in ("freight.spend.report", "freight.carrier.scorecard"):
            self.assertFalse(self.env[model].with_user(auditor_b).search([]))
            self.assertTrue(self.env[model].with_user(self.auditor).search([]))
        # The partner form for a user without freight rights: no scorecard fields.
        partner_form = self.env.ref("base.view_partner_form").id
        fields_b = self.env["res.partner"].with_user(self.accountant).get_views([(partner_form, "form")])
        self.assertNotIn("freight_scorecard_ids", fields_b["models"]["res.partner"]["fields"])
