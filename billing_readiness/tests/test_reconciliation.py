"""The reconciliation report on a data set with known differences, against loopback TMS and FAP APIs."""

import datetime

from odoo.tests import TransactionCase, tagged

from .common import DELIVERY, BillingReadinessCommon
from .recon_server import ReconciliationServer

MARCH = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))


@tagged("post_install", "-at_install")
class TestReconciliation(BillingReadinessCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_billing()
        cls.tms_server = cls.start_server(ReconciliationServer(page_size=2))
        cls.fap_server = cls.start_server(ReconciliationServer())
        cls.tms_backend = cls.make_backend(
            "Loopback TMS",
            "recon-tms",
            "tms",
            base_url=cls.tms_server.url,
            http_max_retries=0,
            timeout_read=5,
            auto_send_transport_orders=False,
        )
        # freight_audit's FAP backend, now pointed at the reconciliation loopback.
        cls.fap_backend.base_url = cls.fap_server.url

    def setUp(self):
        super().setUp()
        self.tms_server.reset()
        self.fap_server.reset()

    def build_data_set(self):
        """
        O1/S1 delivered 03-02 with POD, invoiced by the cron        -> agrees
        O2/S2 delivered 03-05 without POD (on hold), not invoiced    -> "delivered, not invoiced"
        O3/S3 in transit, invoiced by hand on 03-04                  -> "invoiced before delivery"
        O4/S4 delivered 03-06, invoiced; the TMS does not report it -> TMS "not reported"
        TMS: S1 delivered, S2 in_transit (Odoo: delivered), S3 in_transit, GHOST-1 unknown in Odoo.
        Carrier invoices: INV-R1 (S1, approved and billed, 575.00), INV-R2 (S2, detention above the cap:
        audit case, 645.00). FAP: INV-R1 approved 575.00 paid (Odoo: bill not paid), INV-R2 disputed
        600.00 (amount differs), INV-R9 unknown in Odoo. An accrual of S1 left open after its bill.
        """
        d = self.data = {}
        for key in ("1", "2", "3", "4"):
            d[f"o{key}"], d[f"s{key}"] = self.make_order(status="in_transit")
        shipments = d["s1"] | d["s2"] | d["s3"] | d["s4"]
        shipments.write({"backend_id": self.tms_backend.id})
        self.deliver(d["s1"], when=DELIVERY)
        self.deliver(d["s2"], when=DELIVERY + datetime.timedelta(days=3), pod=False)
        self.deliver(d["s4"], when=DELIVERY + datetime.timedelta(days=4))
        d["inv1"] = self._fap_import("INV-R1", [(d["s1"].name, "400", 495.00), (d["s1"].name, "DET", 80.00)])
        d["inv2"] = self._fap_import("INV-R2", [(d["s2"].name, "400", 495.00), (d["s2"].name, "DET", 150.00)])
        self.assertEqual(d["inv1"].state, "billed")
        self.assertEqual(d["inv1"].vendor_bill_id.state, "posted")
        self.assertEqual(d["inv2"].state, "exception")
        d["inv1"]._apply_payment_status({"status": "paid", "date": "2026-03-20", "reference": "PAY-1"})
        d["accrual"] = self.env["freight.accrual"].create(
            {
                "shipment_id": d["s1"].id,
                "company_id": self.company.id,
                "carrier_partner_id": self.carrier_partner.id,
                "period_date": "2026-03-31",
                "amount": 544.50,
            }
        )
        self.evaluate()
        self.env["sale.order"]._cron_billing_invoice()
        self.assertTrue(d["o1"].invoice_ids and d["o4"].invoice_ids)
        self.assertFalse(d["o2"].invoice_ids)
        early = d["o3"]._create_invoices()
        early.invoice_date = "2026-03-04"
        early.action_post()
        d["early"] = early
        self.tms_server.shipments = [
            {"reference": d["s1"].name, "status": "delivered", "date": "2026-03-02"},
            {"reference": d["s2"].name, "status": "in_transit", "date": "2026-03-05"},
            {"reference": d["s3"].name, "status": "in_transit", "date": "2026-03-04"},
            {"reference": "GHOST-1", "shipment_id": "BK-999", "status": "delivered", "date": "2026-03-07"},
            {"reference": "APRIL-1", "status": "delivered", "date": "2026-04-02"},
        ]
        self.fap_server.invoices = [
            {
                "id": "F-INV-R1",
                "invoice_number": "INV-R1",
                "status": "approved",
                "amount": "575.00",
                "payment_status": "paid",
                "date": "2026-03-10",
            },
            {
                "id": "F-INV-R2",
                "invoice_number": "INV-R2",
                "status": "disputed",
                "amount": "600.00",
                "payment_status": "open",
                "date": "2026-03-10",
            },
            {
                "id": "F-INV-R9",
                "invoice_number": "INV-R9",
                "status": "approved",
                "amount": "90.00",
                "payment_status": "open",
                "date": "2026-03-11",
            },
        ]

    def _fap_import(self, number, lines):
        self.journal(
            self.fap_backend,
            "freight_invoice_json",
            self.fap_invoice(number, lines, currency=self.currency.name, invoice_date="2026-03-10"),
            key=f"recon-{number}",
        )
        return self.invoices_named(number)

    def run_march(self, backends=None):
        action = (
            self.env["billing.reconciliation.wizard"]
            .create(
                {
                    "kind": "period_end",
                    "date_from": MARCH[0],
                    "date_to": MARCH[1],
                    "company_id": self.company.id,
                    "backend_ids": [(6, 0, (backends or (self.tms_backend | self.fap_backend)).ids)],
                }
            )
            .action_run()
        )
        return self.env["billing.reconciliation.run"].browse(action["res_id"])

    def test_known_differences(self):
        self.build_data_set()
        d = self.data
        run = self.run_march()
        differences = run.line_ids.filtered(lambda line: line.line_type == "difference")
        found = sorted((line.section, line.difference_kind or "", line.reference) for line in differences)
        expected = sorted(
            [
                ("customer", "", d["o2"].name),
                ("customer", "", d["early"].name),
                ("carrier", "", "INV-R2"),
                ("carrier", "", "INV-R1"),
                ("accrual", "", d["s1"].name),
                ("tms", "status_differs", d["s2"].name),
                ("tms", "missing_in_odoo", "GHOST-1"),
                ("tms", "missing_in_backend", d["s4"].name),
                ("fap", "payment_differs", "INV-R1"),
                ("fap", "amount_differs", "INV-R2"),
                ("fap", "missing_in_odoo", "INV-R9"),
            ]
        )
        self.assertEqual(found, expected)
        self.assertEqual(run.difference_count, 11)
        self.assertEqual(run.error_count, 0)

        def line(section, reference, kind=False):
            return differences.filtered(
                lambda x: x.section == section and x.reference == reference and (x.difference_kind or False) == kind
            )

        # Each difference with the records behind it.
        not_invoiced = line("customer", d["o2"].name)
        self.assertEqual(not_invoiced.sale_order_ids, d["o2"])
        self.assertEqual(not_invoiced.shipment_ids, d["s2"])
        self.assertEqual(not_invoiced.odoo_status, "on_hold")
        self.assertIn("POD missing", not_invoiced.note)
        early = line("customer", d["early"].name)
        self.assertEqual(early.move_ids, d["early"])
        self.assertEqual(early.shipment_ids, d["s3"])
        self.assertEqual(line("carrier", "INV-R2").case_ids, d["inv2"].case_ids)
        self.assertEqual(line("carrier", "INV-R1").move_ids, d["inv1"].vendor_bill_id)
        self.assertEqual(line("accrual", d["s1"].name).accrual_ids, d["accrual"])
        status = line("tms", d["s2"].name, "status_differs")
        self.assertRecordValues(
            status, [{"odoo_status": "delivered", "backend_status": "in_transit", "backend_id": self.tms_backend.id}]
        )
        self.assertEqual(status.shipment_ids, d["s2"])
        self.assertEqual(line("tms", d["s4"].name, "missing_in_backend").shipment_ids, d["s4"])
        amount = line("fap", "INV-R2", "amount_differs")
        self.assertRecordValues(amount, [{"odoo_value": 645.0, "backend_value": 600.0, "difference": 45.0}])
        self.assertEqual(amount.freight_invoice_ids, d["inv2"])
        self.assertEqual(line("fap", "INV-R1", "payment_differs").freight_invoice_ids, d["inv1"])

        # The figures.
        figures = {line.name: line for line in run.line_ids.filtered(lambda x: x.line_type == "summary")}
        delivered = figures["Outbound shipments delivered"]
        self.assertEqual(delivered.odoo_value, 3)
        self.assertEqual(delivered.shipment_ids, d["s1"] | d["s2"] | d["s4"])
        invoiced = figures["Delivered shipments invoiced to the customer"]
        self.assertRecordValues(invoiced, [{"odoo_value": 2, "backend_value": 3, "difference": -1}])
        received = figures["Carrier invoices received"]
        self.assertRecordValues(received, [{"record_count": 2, "odoo_value": 1220.0}])
        self.assertRecordValues(figures["Approved"], [{"record_count": 1, "odoo_value": 575.0}])
        self.assertRecordValues(figures["Billed (posted vendor bills)"], [{"record_count": 1, "odoo_value": 575.0}])
        self.assertRecordValues(figures["Paid"], [{"record_count": 0, "odoo_value": 0.0}])
        self.assertRecordValues(figures["Open freight accruals"], [{"record_count": 1, "odoo_value": 544.50}])
        tms = figures["Loopback TMS: shipments reported"]
        self.assertRecordValues(tms, [{"odoo_value": 3, "backend_value": 4}])
        # The TMS answered in pages of two, for the period asked.
        calls = self.tms_server.received("/reconciliation/shipments")
        self.assertEqual(len(calls), 2)
        self.assertEqual((calls[0].query["from"], calls[0].query["to"]), ("2026-03-01", "2026-03-31"))
        self.assertEqual(calls[1].query["cursor"], "2")

        # Exportable: the list export (XLSX in the web client) and the printable report.
        rows = run.line_ids.export_data(["section", "name", "reference", "odoo_value", "backend_value"])["datas"]
        self.assertEqual(len(rows), len(run.line_ids))
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("billing_readiness.action_report_billing_reconciliation", run.ids)[0]
            .decode()
        )
        self.assertIn("GHOST-1", html)
        self.assertIn(d["o2"].name, html)

    def test_backend_error_is_a_line(self):
        self.tms_server.behave("/reconciliation/shipments", statuses=[503])
        run = self.run_march(backends=self.tms_backend)
        errors = run.line_ids.filtered(lambda line: line.line_type == "error")
        self.assertEqual(len(errors), 1)
        self.assertEqual(errors.backend_id, self.tms_backend)
        self.assertIn("503", errors.name)
        self.assertTrue(run.line_ids.filtered(lambda x: x.section == "customer"), "Odoo's own figures are there")

    def test_soap_backends_cannot_report_a_period(self):
        """The period reports are REST endpoints of the TMS and FAP clients: a SOAP backend of
        either kind is an error line of its own, and nothing is asked of anyone."""
        common = {"protocol": "soap", "environment": "production", "auth_type": "none", "http_max_retries": 0}
        tms = self.env["logistics.backend"].create(
            dict(
                common,
                name="SOAP TMS",
                code="recon-soap-tms",
                kind="tms",
                wsdl_url=f"{self.tms_server.url}/tms.wsdl",
                auto_send_transport_orders=False,
            )
        )
        fap = self.env["logistics.backend"].create(
            dict(common, name="SOAP FAP", code="recon-soap-fap", kind="fap", wsdl_url=f"{self.fap_server.url}/fap.wsdl")
        )
        run = self.run_march(backends=tms | fap)
        errors = run.line_ids.filtered(lambda line: line.line_type == "error")
        self.assertRecordValues(
            errors.sorted(lambda line: line.section, reverse=True),
            [{"section": "tms", "backend_id": tms.id}, {"section": "fap", "backend_id": fap.id}],
        )
        for error in errors:
            self.assertIn("cannot report statuses for a period (REST only)", error.name)
        self.assertEqual(self.tms_server.received(), [])
        self.assertEqual(self.fap_server.received(), [])

    def test_daily_run(self):
        order, shipment = self.make_order()
        self.deliver(shipment, when=datetime.datetime(2026, 3, 9, 15, 0))
        self.evaluate()
        run = self.env["billing.reconciliation.run"]._run(
            self.company,
            datetime.date(2026, 3, 9),
            datetime.date(2026, 3, 9),
            kind="daily",
            backends=self.env["logistics.backend"],
        )
        delivered = run.line_ids.filtered(lambda line: line.name == "Outbound shipments delivered")
        self.assertEqual(delivered.shipment_ids, shipment)
        self.assertEqual(
            run.line_ids.filtered(lambda line: line.line_type == "difference").sale_order_ids,
            order,
            "ready, not invoiced yet",
        )
