"""The reconciliation never adds two currencies together: one set of carrier figures per currency."""

import datetime

from odoo.tests import TransactionCase, tagged

from .common import BillingReadinessCommon

MARCH = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))


@tagged("post_install", "-at_install")
class TestReconciliationCurrencies(BillingReadinessCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_billing()
        code = "USD" if cls.currency.name != "USD" else "EUR"
        cls.other = cls.env["res.currency"].with_context(active_test=False).search([("name", "=", code)])
        cls.other.active = True
        cls.env["res.currency.rate"].create(
            {"currency_id": cls.other.id, "name": "2026-01-01", "rate": 2.0, "company_id": cls.company.id}
        )
        cls.shipment_x = cls.make_shipment("SHP-X", weight=412.5)

    def _fap_import(self, number, lines, currency):
        data = self.fap_invoice(number, lines, currency=currency.name, invoice_date="2026-03-10")
        self.journal(self.fap_backend, "freight_invoice_json", data, key=f"fx-{number}")
        return self.invoices_named(number)

    def test_one_line_per_currency(self):
        ours = self._fap_import("CUR-1", [("SHP-A", "400", 495.00, 412.5), ("SHP-A", "FSC", 49.50)], self.currency)
        self.assertEqual(ours.state, "billed")
        # In the other currency against a rate card in the company's: an audit case.
        theirs = self._fap_import("CUR-2", [("SHP-X", "400", 990.00, 412.5)], self.other)
        self.assertEqual(theirs.state, "exception")
        run = self.env["billing.reconciliation.run"]._run(self.company, *MARCH, backends=self.env["logistics.backend"])
        carrier = run.line_ids.filtered(lambda line: line.section == "carrier" and line.line_type == "summary")

        def figure(name, currency):
            line = carrier.filtered(lambda x: x.name == name and x.currency_id == currency)
            self.assertEqual(len(line), 1, f"{name} {currency.name}")
            return line

        self.assertRecordValues(
            figure("Carrier invoices received", self.currency), [{"record_count": 1, "odoo_value": 544.50}]
        )
        self.assertRecordValues(
            figure("Carrier invoices received", self.other), [{"record_count": 1, "odoo_value": 990.00}]
        )
        self.assertRecordValues(figure("Approved", self.currency), [{"record_count": 1, "odoo_value": 544.50}])
        self.assertRecordValues(figure("Approved", self.other), [{"record_count": 0, "odoo_value": 0.0}])
        self.assertRecordValues(
            figure("Billed (posted vendor bills)", self.currency), [{"record_count": 1, "odoo_value": 544.50}]
        )
        # Every amount line says its currency; no line holds 544.50 + 990.00.
        self.assertFalse(carrier.filtered(lambda line: not line.currency_id))
        self.assertNotIn(1534.50, run.line_ids.mapped("odoo_value"))
        pending = run.line_ids.filtered(lambda line: line.section == "carrier" and line.reference == "CUR-2")
        self.assertRecordValues(
            pending, [{"line_type": "difference", "currency_id": self.other.id, "odoo_value": 990.0}]
        )
