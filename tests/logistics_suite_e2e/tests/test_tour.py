"""Browser tour of the suite: a shipment's timeline, an audit case approved, its vendor bill.

The data is built here (the test database has no demo data), with freight_audit's fixture
factories (``freight_audit/tests/factories.py``): a shipment delivered through
milestones processed by the journal, a carrier invoice received from the FAP through the
journal whose base freight exceeds the contract (an open audit case), and an approver who
created none of it (freight_audit's segregation of duties). Needs Chromium (Debian's
``chromium`` package, installed by ``.ci/run``); Odoo skips browser tests without it.
"""

from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.freight_audit.tests import factories
from odoo.addons.logistics_connector.tests.factories import make_backend


@tagged("post_install", "-at_install")
class TestLogisticsSuiteTour(HttpCase):
    def setUp(self):
        super().setUp()
        env = self.env
        self.company = env.company
        france = env.ref("base.fr")
        factories.place_company_in_lyon(self.company, france)
        factories.set_freight_policy(self.company)
        self.carrier = env["res.partner"].create({"name": "Tour Freight Co.", "is_company": True})
        customer = factories.make_customer(env, "Tour Customer", france)
        self.carrier_backend = make_backend(env, "Tour carrier", "tour-carrier", "carrier")
        fap = factories.make_fap_backend(env, "Tour FAP", "tour-fap")
        account = factories.make_expense_account(env, self.company, "Tour freight", "619100")
        product = env["product.product"].create({"name": "Tour freight", "type": "service"})
        base = factories.make_charge_type(env, "Tour base freight", "TOURBASE", "base", product, account)
        factories.map_carrier(env, fap, "TOUR", self.carrier)
        factories.map_charge_codes(env, fap, {"400": base})
        today = fields.Date.today()
        factories.make_rate_card(
            env,
            self.carrier,
            "Tour road contract",
            france,
            self.company.currency_id,
            date_from=today - timedelta(days=30),
            date_to=today + timedelta(days=30),
        )
        # 412.5 kg at 1.20 = 495.00 by contract.
        self.shipment = env["logistics.shipment"].create(
            {
                "name": "SHP-TOUR-1",
                "tracking_ref": "TRK-TOUR-1",
                "carrier_partner_id": self.carrier.id,
                "partner_id": customer.id,
                "origin_partner_id": self.company.partner_id.id,
                "destination_partner_id": customer.id,
                "weight": 412.5,
            }
        )
        Message = env["logistics.message"]
        now = fields.Datetime.now().replace(microsecond=0)

        def stamp(hours_ago):
            return (now - timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")

        Message._journal_canonical_events(
            self.carrier_backend,
            [
                {
                    "tracking_ref": "TRK-TOUR-1",
                    "status": "picked_up",
                    "event_time": stamp(30),
                    "location": {"city": "Lyon", "country": "FR"},
                },
                {
                    "tracking_ref": "TRK-TOUR-1",
                    "status": "in_transit",
                    "event_time": stamp(20),
                    "location": {"city": "Macon", "country": "FR"},
                },
                {
                    "tracking_ref": "TRK-TOUR-1",
                    "status": "delivered",
                    "event_time": stamp(5),
                    "location": {"city": "Paris", "country": "FR"},
                    "pod": {"signer": "C. Dupont", "time": stamp(5)},
                },
            ],
            source="webhook 127.0.0.1 (test)",
        )
        Message._process_queue()
        Message._journal_many(
            [
                {
                    "backend_id": fap.id,
                    "direction": "inbound",
                    "message_type": "freight_invoice_json",
                    "idempotency_key": "fap-invoice:TOUR-1",
                    "source": "webhook 127.0.0.1 (test)",
                    "payload": {
                        "id": "TOUR-1",
                        "carrier_scac": "TOUR",
                        "invoice_number": "TOUR-INV-1",
                        "invoice_date": fields.Date.to_string(today),
                        "currency": self.company.currency_id.name,
                        "total": "560.00",
                        "lines": [{"shipment_reference": "TRK-TOUR-1", "charge_code": "400", "amount": "560.00"}],
                    },
                }
            ]
        )
        Message._process_queue()
        self.invoice = env["freight.invoice"].search([("name", "=", "TOUR-INV-1")])
        self.case = self.invoice.case_ids
        self.approver = new_test_user(
            env,
            login="tour_approver",
            name="Tour Approver",
            groups="base.group_user,freight_audit.group_freight_approver,account.group_account_invoice",
        )

    def test_timeline_approval_and_vendor_bill(self):
        # What the tour starts from: a delivered shipment with its milestones, an open case.
        self.assertEqual(self.shipment.status, "delivered")
        self.assertEqual(len(self.shipment.event_ids), 3)
        self.assertRecordValues(self.invoice, [{"state": "exception", "amount_expected": 495.0}])
        self.assertRecordValues(self.case, [{"state": "open", "reason": "RATE_VARIANCE"}])
        self.assertFalse(self.invoice.vendor_bill_id)
        self.assertNotIn(self.approver, self.case.edited_by_ids | self.case.create_uid)

        self.start_tour("/odoo", "logistics_suite_tour", login="tour_approver")

        self.env.invalidate_all()
        self.assertRecordValues(
            self.case,
            [
                {
                    "state": "approved",
                    "approval_type": "full",
                    "amount_approved": 560.0,
                    "approved_by_id": self.approver.id,
                }
            ],
        )
        bill = self.invoice.vendor_bill_id
        self.assertEqual(self.invoice.state, "billed")
        self.assertRecordValues(
            bill,
            [
                {
                    "move_type": "in_invoice",
                    "state": "posted",
                    "partner_id": self.carrier.id,
                    "amount_total": 560.0,
                    "ref": "TOUR-INV-1",
                    "freight_invoice_id": self.invoice.id,
                }
            ],
        )
