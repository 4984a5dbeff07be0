"""Browser tour of finance's path: a reconciliation run from the wizard, its differences, and
their export to XLSX.

The data is built with billing_readiness's test mixin and its loopback reconciliation server
(real HTTP on 127.0.0.1) as the company's TMS, for yesterday (the wizard's default period):

* order 1 delivered with its POD and invoiced by the scheduled invoicing: it agrees;
* order 2 delivered without POD (on hold), not invoiced: *delivered, not invoiced*;
* the TMS reports shipment 2 still in transit (*status differs*) and a shipment GHOST-TOUR
  that Odoo does not know (*missing in Odoo*).

The tour, as a Billing Manager allowed to export, runs the reconciliation, opens the
differences, and exports them to XLSX through the list's export dialog. The test checks the run
and its lines in the database, then downloads ``/web/export/xlsx`` for those lines with that
user's session (the request the dialog makes) and reads the file with openpyxl.
"""

import datetime
import io
import json

import openpyxl

from odoo import fields, http
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.billing_readiness.tests.common import BillingReadinessCommon
from odoo.addons.billing_readiness.tests.recon_server import ReconciliationServer

CUSTOMER_SECTION = "Delivered vs invoiced to customers"
EXPORTED = [
    ("section", "Section"),
    ("line_type", "Type"),
    ("name", "Description"),
    ("reference", "Reference"),
    ("odoo_status", "Odoo Status"),
    ("backend_status", "Backend Status"),
]


@tagged("post_install", "-at_install")
class TestFinanceTour(BillingReadinessCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_billing()
        env = cls.env
        cls.tms_server = cls.start_server(ReconciliationServer())
        cls.fap_server = cls.start_server(ReconciliationServer())
        cls.tms_backend = cls.make_backend(
            "Tour TMS",
            "tour-recon-tms",
            "tms",
            base_url=cls.tms_server.url,
            http_max_retries=0,
            timeout_read=5,
            auto_send_transport_orders=False,
        )
        # freight_audit's FAP backend answers from a loopback with nothing to report.
        cls.fap_backend.base_url = cls.fap_server.url
        cls.yesterday = fields.Date.context_today(env["res.users"]) - datetime.timedelta(days=1)
        noon = datetime.datetime.combine(cls.yesterday, datetime.time(12, 0))
        cls.o1, cls.s1 = cls.make_order(status="in_transit")
        cls.o2, cls.s2 = cls.make_order(status="in_transit")
        (cls.s1 | cls.s2).write({"backend_id": cls.tms_backend.id, "actual_pickup": noon - datetime.timedelta(days=1)})
        cls.deliver(cls.s1, when=noon)
        cls.deliver(cls.s2, when=noon, pod=False)
        env["sale.order"]._billing_process_dirty()
        env["sale.order"]._cron_billing_invoice()
        day = fields.Date.to_string(cls.yesterday)
        cls.tms_server.shipments = [
            {"reference": cls.s1.name, "status": "delivered", "date": day},
            {"reference": cls.s2.name, "status": "in_transit", "date": day},
            {"reference": "GHOST-TOUR", "shipment_id": "BK-TOUR", "status": "delivered", "date": day},
        ]
        cls.finance = new_test_user(
            env,
            login="tour_finance",
            name="Tour Finance",
            groups="base.group_user,billing_readiness.group_billing_manager,base.group_allow_export",
        )

    def test_reconcile_differences_export(self):
        # What the tour starts from: order 1 invoiced, order 2 on hold, no reconciliation yet.
        self.assertTrue(self.o1.invoice_ids)
        self.assertEqual(self.o2.billing_readiness_state, "on_hold")
        Run = self.env["billing.reconciliation.run"]
        self.assertFalse(Run.search([]))

        self.start_tour("/odoo", "logistics_suite_finance_tour", login="tour_finance")

        self.env.invalidate_all()
        run = Run.search([])
        self.assertEqual(len(run), 1, "the wizard ran one reconciliation")
        self.assertRecordValues(
            run,
            [
                {
                    "kind": "daily",
                    "date_from": self.yesterday,
                    "date_to": self.yesterday,
                    "user_id": self.finance.id,
                    "difference_count": 3,
                    "error_count": 0,
                }
            ],
        )
        self.assertEqual(run.backend_ids, self.tms_backend | self.fap_backend)
        differences = run.line_ids.filtered(lambda line: line.line_type == "difference")
        found = sorted((line.section, line.difference_kind or "", line.reference) for line in differences)
        self.assertEqual(
            found,
            sorted(
                [
                    ("customer", "", self.o2.name),
                    ("tms", "status_differs", self.s2.name),
                    ("tms", "missing_in_odoo", "GHOST-TOUR"),
                ]
            ),
        )
        self.assertTrue(self.tms_server.received("/reconciliation/shipments"), "the TMS was asked for its figures")

        # The export the dialog makes, as the same user: the three differences, one row each.
        self.authenticate("tour_finance", "tour_finance")
        response = self.url_open(
            "/web/export/xlsx",
            data={
                "data": json.dumps(
                    {
                        "import_compat": False,
                        "context": {"lang": "en_US"},
                        "domain": [("run_id", "=", run.id), ("line_type", "in", ("difference", "error"))],
                        "fields": [{"name": name, "label": label} for name, label in EXPORTED],
                        "groupby": [],
                        "ids": False,
                        "model": "billing.reconciliation.line",
                    }
                ),
                "csrf_token": http.Request.csrf_token(self),
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("spreadsheetml", response.headers["Content-Type"])
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(rows[0], tuple(label for _name, label in EXPORTED))
        self.assertEqual(
            sorted((row[0], row[3]) for row in rows[1:]),
            sorted([(CUSTOMER_SECTION, self.o2.name), ("TMS", self.s2.name), ("TMS", "GHOST-TOUR")]),
        )
        self.assertEqual({row[1] for row in rows[1:]}, {"Difference"})
