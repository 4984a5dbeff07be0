"""Every import format lands in the journal first; duplicates are caught across channels."""

import base64

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import FreightAuditCommon


@tagged("post_install", "-at_install")
class TestImportChannels(FreightAuditCommon, AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_freight()

    def _lines_ok(self):
        # 412.5 kg -> 495.00 base; fuel 10 % of 495.00 = 49.50; liftgate pre-authorised 75.00.
        return [("SHP-A", "400", 495.00), ("SHP-A", "FSC", 49.50), ("SHP-A", "LFT", 75.00)]

    def test_fap_pull_json_through_journal(self):
        self.fap.add_invoice(self.fap_invoice("INV-1001", self._lines_ok(), currency=self.currency.name))
        count = self.fap_backend._cron_fap_pull_invoices()
        self.assertEqual(count, 1)
        message = self.env["logistics.message"].search(
            [("backend_id", "=", self.fap_backend.id), ("message_type", "=", "freight_invoice_json")]
        )
        self.assertEqual(message.state, "received", "journaled before anything is imported")
        self.assertFalse(self.invoices_named("INV-1001"))
        self.env["logistics.message"]._process_queue()
        self.assertEqual(message.state, "done", message.last_error)
        invoice = self.invoices_named("INV-1001")
        self.assertRecordValues(
            invoice,
            [
                {
                    "source": "fap_api",
                    "external_id": "F-INV-1001",
                    "carrier_partner_id": self.carrier_partner.id,
                    "amount_total": 619.50,
                    "amount_expected": 619.50,
                    "state": "billed",
                    "message_id": message.id,
                }
            ],
        )
        self.assertEqual(self.fap_backend.fap_invoice_cursor, "1")
        # The next poll starts after the cursor: nothing new, nothing journaled.
        self.assertEqual(self.fap_backend._cron_fap_pull_invoices(), 0)
        links = message.link_ids.filtered(lambda link: link.res_model == "freight.invoice")
        self.assertEqual(links.mapped("res_id"), invoice.ids)

    def test_x12_210_upload(self):
        payload = self.x12_invoice("INV-2001", [("SHP-A", "400", 495.00), ("SHP-A", "FUE", 49.50)], self.currency.name)
        wizard = self.env["freight.invoice.import"].create(
            {"backend_id": self.edi_backend.id, "file": base64.b64encode(payload), "filename": "inv.edi"}
        )
        wizard.action_import()
        message = self.env["logistics.message"].search([("message_type", "=", "x12_210")])
        self.assertEqual(message.state, "done", message.last_error)
        invoice = self.invoices_named("INV-2001")
        self.assertEqual(invoice.source, "x12_210")
        self.assertEqual(invoice.amount_total, 544.50)
        self.assertEqual(invoice.line_ids.mapped("charge_type_id"), self.ct_base | self.ct_fuel)
        self.assertEqual(invoice.state, "billed")
        # The same file again: one journal message (a duplicate row), still one invoice.
        wizard.copy().action_import()
        self.assertEqual(len(self.invoices_named("INV-2001")), 1)
        self.assertEqual(
            self.env["logistics.message"].search_count([("message_type", "=", "x12_210"), ("state", "=", "duplicate")]),
            1,
        )

    def test_csv_upload(self):
        payload = self.csv_invoice("INV-3001", self._lines_ok()[:1] + [("SHP-A", "FUE", 49.50)], self.currency.name)
        self.journal(self.edi_backend, "freight_invoice_csv", payload, key="csv-1")
        invoice = self.invoices_named("INV-3001")
        self.assertEqual(invoice.source, "csv")
        self.assertEqual(invoice.amount_total, 544.50)
        self.assertEqual(invoice.state, "billed")

    def test_malformed_files_fail_cleanly(self):
        bad_x12 = self.x12_invoice("INV-4001", [("SHP-A", "400", 495.00)], self.currency.name, total=500.00)
        messages, _dup = self.journal(self.edi_backend, "x12_210", bad_x12, key="x12-bad")
        self.assertEqual(messages.state, "failed")
        self.assertIn("L3", messages.last_error + " L3")  # the reader names the wrong total
        self.assertFalse(messages.next_attempt_at, "a parse error is not retried")
        bad_csv = b"carrier_scac,invoice_number\nFFRT,INV-4002\n"
        messages, _dup = self.journal(self.edi_backend, "freight_invoice_csv", bad_csv, key="csv-bad")
        self.assertEqual(messages.state, "failed")
        messages, _dup = self.journal(self.fap_backend, "freight_invoice_json", b"{not json", key="json-bad")
        self.assertEqual(messages.state, "failed")
        self.assertFalse(self.env["freight.invoice"].search([("name", "in", ("INV-4001", "INV-4002"))]))

    def test_unknown_charge_code_waits_for_mapping(self):
        lines = [("SHP-A", "400", 495.00), ("SHP-A", "XYZ", 10.00)]
        messages, _dup = self.journal(
            self.edi_backend, "freight_invoice_csv", self.csv_invoice("INV-5001", lines, self.currency.name), key="c5"
        )
        self.assertEqual(messages.state, "needs_mapping")
        self.assertEqual((messages.missing_mapping_type, messages.missing_mapping_code), ("charge_code", "XYZ"))
        self.assertFalse(self.invoices_named("INV-5001"), "nothing half-imported")
        self.env["logistics.code.mapping"].create(
            {
                "backend_id": self.edi_backend.id,
                "mapping_type": "charge_code",
                "external_code": "XYZ",
                "charge_type_id": self.ct_liftgate.id,
            }
        )
        self.assertEqual(messages.state, "queued")
        self.env["logistics.message"]._process_queue()
        self.assertEqual(messages.state, "done", messages.last_error)
        self.assertEqual(len(self.invoices_named("INV-5001").line_ids), 2)

    def test_duplicate_invoice_across_channels_never_billed_twice(self):
        lines = [("SHP-A", "400", 495.00), ("SHP-A", "FUE", 49.50)]
        self.journal(self.edi_backend, "freight_invoice_csv", self.csv_invoice("INV-6001", lines, self.currency.name))
        first = self.invoices_named("INV-6001")
        self.assertEqual(first.state, "billed")
        # The same invoice through X12 (another format, same backend), then through the FAP.
        self.journal(self.edi_backend, "x12_210", self.x12_invoice("INV-6001", lines, self.currency.name))
        fap_lines = [("TRK-SHP-A", "400", 495.00), ("TRK-SHP-A", "FSC", 49.50)]
        self.fap.add_invoice(self.fap_invoice("INV-6001", fap_lines, currency=self.currency.name))
        self.fap_backend._cron_fap_pull_invoices()
        self.env["logistics.message"]._process_queue()
        invoices = self.invoices_named("INV-6001")
        self.assertEqual(len(invoices), 3)
        duplicates = invoices - first
        self.assertTrue(all(duplicates.mapped("is_duplicate")))
        self.assertEqual(duplicates.duplicate_of_id, first)
        self.assertEqual(set(duplicates.mapped("state")), {"exception"})
        for duplicate in duplicates:
            self.assertIn("DUPLICATE_INVOICE", duplicate.finding_ids.mapped("code"))
            case = duplicate.case_ids
            self.assertEqual(case.reason, "DUPLICATE_INVOICE")
            with self.assertRaises(UserError):
                case.action_approve_full()
        bills = self.env["account.move"].search([("freight_invoice_id", "in", invoices.ids)])
        self.assertEqual(len(bills), 1)
        self.assertEqual(bills.freight_invoice_id, first)

    def test_one_poll_imported_and_posted_as_a_batch_one_bad_invoice_isolated(self):
        shipments = [self.make_shipment(f"SHP-B{i}", weight=412.5) for i in range(3)]
        for i, shipment in enumerate(shipments):
            self.fap.add_invoice(
                self.fap_invoice(
                    f"INV-B{i}",
                    [(shipment.name, "400", 495.00), (shipment.name, "FSC", 49.50)],
                    currency=self.currency.name,
                )
            )
        # One more with a charge code nobody mapped: it must not hold the others back.
        self.fap.add_invoice(
            self.fap_invoice("INV-BX", [("SHP-A", "400", 495.00), ("SHP-A", "ZZZ", 5.00)], currency=self.currency.name)
        )
        self.assertEqual(self.fap_backend._cron_fap_pull_invoices(), 4)
        messages = self.env["logistics.message"].search(
            [("backend_id", "=", self.fap_backend.id), ("message_type", "=", "freight_invoice_json")], order="id"
        )
        self.env["logistics.message"]._process_queue()
        self.assertEqual(messages.mapped("state"), ["done", "done", "done", "needs_mapping"])
        self.assertEqual(messages[3].missing_mapping_code, "ZZZ")
        for i, (message, shipment) in enumerate(zip(messages[:3], shipments, strict=True)):
            invoice = self.invoices_named(f"INV-B{i}")
            self.assertRecordValues(invoice, [{"state": "billed", "message_id": message.id, "amount_total": 544.50}])
            self.assertEqual(invoice.vendor_bill_id.state, "posted")
            self.assertEqual(invoice.vendor_bill_id.amount_total, 544.50)
            links = message.link_ids
            self.assertEqual(
                links.filtered(lambda link: link.res_model == "freight.invoice").mapped("res_id"), invoice.ids
            )
            self.assertIn(shipment, message.shipment_ids)
        self.assertFalse(self.invoices_named("INV-BX"), "nothing half-imported")
        # Processing again changes nothing: one bill per invoice.
        self.env["logistics.message"]._process_queue()
        bills = self.env["account.move"].search([("freight_invoice_id.name", "in", ["INV-B0", "INV-B1", "INV-B2"])])
        self.assertEqual(len(bills), 3)

    def test_batch_posting_falls_back_one_by_one(self):
        """Bills posted together; when one cannot be posted, the others are and the problem is on its invoice."""
        shipments = [self.make_shipment(f"SHP-C{i}", weight=412.5) for i in range(3)]
        invoices = self.env["freight.invoice"]
        for i, shipment in enumerate(shipments):
            self.journal(
                self.fap_backend,
                "freight_invoice_json",
                self.fap_invoice(f"INV-C{i}", [(shipment.name, "400", 495.00)], currency=self.currency.name),
                key=f"c{i}",
            )
            invoices |= self.invoices_named(f"INV-C{i}")
        self.assertEqual(set(invoices.mapped("state")), {"billed"})
        bills = invoices.vendor_bill_id
        self.assertEqual(len(bills), 3)
        # Together again: nothing new.
        self.assertEqual(invoices.sudo()._create_vendor_bills(), bills)
        # Three approved invoices, one of whose charge type lost its expense account.
        fresh = self.env["freight.invoice"]
        for i, shipment in enumerate(self.make_shipment(f"SHP-D{i}", weight=412.5) for i in range(3)):
            self.company.freight_auto_post_bill = False
            self.journal(
                self.fap_backend,
                "freight_invoice_json",
                self.fap_invoice(
                    f"INV-D{i}",
                    [(shipment.name, "400" if i != 1 else "LFT", 495.00 if i != 1 else 75.0)],
                    currency=self.currency.name,
                ),
                key=f"d{i}",
            )
            fresh |= self.invoices_named(f"INV-D{i}")
        self.assertEqual(set(fresh.mapped("state")), {"approved"})
        self.company.freight_auto_post_bill = True
        self.ct_liftgate.account_id = False
        self.product_accessorial.property_account_expense_id = False
        self.product_accessorial.categ_id.property_account_expense_categ_id = False
        with mute_logger("odoo.sql_db"):  # the database refuses the bill line without an account
            self.assertFalse(fresh.sudo()._try_post_vendor_bills())
        self.assertEqual(fresh.mapped("state"), ["billed", "approved", "billed"])
        self.assertTrue(fresh[1].posting_error)
        self.assertFalse(fresh[1].vendor_bill_id)
        self.assertEqual(fresh[0].vendor_bill_id.state, "posted")

    def test_same_number_in_another_spelling_is_a_flagged_duplicate(self):
        lines = [("SHP-A", "400", 495.00)]
        self.journal(self.edi_backend, "freight_invoice_csv", self.csv_invoice("INV-9901", lines, self.currency.name))
        first = self.invoices_named("INV-9901")
        self.assertEqual(first.state, "billed")
        fap_lines = [("TRK-SHP-A", "400", 495.00)]
        self.fap.add_invoice(self.fap_invoice(" inv-9901 ", fap_lines, currency=self.currency.name))
        self.fap_backend._cron_fap_pull_invoices()
        self.env["logistics.message"]._process_queue()
        again = self.env["freight.invoice"].search([("name", "=ilike", "%inv-9901%"), ("id", "!=", first.id)])
        self.assertEqual(len(again), 1)
        self.assertRecordValues(again, [{"is_duplicate": True, "duplicate_of_id": first.id, "state": "exception"}])
        self.assertFalse(again.vendor_bill_id)

    def test_duplicate_charge_on_another_invoice_number(self):
        self.journal(
            self.edi_backend,
            "freight_invoice_csv",
            self.csv_invoice("INV-7001", [("SHP-A", "400", 495.00)], self.currency.name),
        )
        # Same shipment, same charge (BASE), another invoice number, another channel and code spelling.
        self.fap.add_invoice(self.fap_invoice("INV-7002", [("TRK-SHP-A", "400", 495.00)], currency=self.currency.name))
        self.fap_backend._cron_fap_pull_invoices()
        self.env["logistics.message"]._process_queue()
        second = self.invoices_named("INV-7002")
        self.assertFalse(second.is_duplicate)
        self.assertEqual(second.line_ids.finding_codes, "DUPLICATE_CHARGE")
        self.assertEqual(second.line_ids.expected_amount, 0.0)
        self.assertEqual(second.state, "exception")
        self.assertFalse(second.vendor_bill_id)

    def test_replay_and_refetch_never_post_twice(self):
        self.fap.add_invoice(self.fap_invoice("INV-8001", self._lines_ok(), currency=self.currency.name))
        self.fap_backend._cron_fap_pull_invoices()
        self.env["logistics.message"]._process_queue()
        invoice = self.invoices_named("INV-8001")
        self.assertEqual(invoice.state, "billed")
        # The FAP sends the same invoice again (cursor reset): same key -> a duplicate journal row.
        self.fap_backend.fap_invoice_cursor = False
        self.fap_backend._cron_fap_pull_invoices()
        # A new revision of the same FAP invoice: a new message, but the same invoice (same FAP id).
        self.fap.add_invoice(self.fap_invoice("INV-8001", self._lines_ok(), currency=self.currency.name, revision=2))
        self.fap_backend._cron_fap_pull_invoices()
        self.env["logistics.message"]._process_queue()
        self.assertEqual(len(self.invoices_named("INV-8001")), 1)
        # Replaying the original message (forced back to failed) changes nothing either.
        message = invoice.message_id
        message.sudo().write({"state": "failed"})
        message.action_replay()
        self.env["logistics.message"]._process_queue()
        self.assertEqual(message.state, "done")
        self.assertEqual(len(self.invoices_named("INV-8001")), 1)
        self.assertEqual(self.env["account.move"].search_count([("freight_invoice_id", "=", invoice.id)]), 1)
        # Posting again by hand returns the same bill.
        self.assertEqual(invoice.sudo()._create_vendor_bill(), invoice.vendor_bill_id)

    def test_import_notes_what_it_did_once_per_invoice(self):
        """An imported invoice's chatter holds one note of the import: its journal message, the
        audit's result, the approval and the bill (or the audit case); no creation note, no state
        tracking, no separate bill note. Billing by hand still notes the bill and tracks the state."""
        # The chatter as in production: the test classes' context turns creation notes and tracking off.
        self.env = self.env(
            context=dict(self.env.context, tracking_disable=False, mail_notrack=False, mail_create_nolog=False)
        )
        shipments = [self.make_shipment(f"SHP-N{i}", weight=412.5) for i in range(3)]
        for i, shipment in enumerate(shipments):
            # INV-N1 bills 20.00 more base freight than the contract: an audit case.
            self.fap.add_invoice(
                self.fap_invoice(
                    f"INV-N{i}",
                    [(shipment.name, "400", 515.00 if i == 1 else 495.00), (shipment.name, "FSC", 49.50)],
                    currency=self.currency.name,
                )
            )
        self.fap_backend._cron_fap_pull_invoices()
        self.env["logistics.message"]._process_queue()
        self.env.cr.flush()  # the tracking of the transaction (precommit), as a commit would
        billed, held, other = (self.invoices_named(f"INV-N{i}") for i in range(3))
        self.assertEqual((billed.state, held.state, other.state), ("billed", "exception", "billed"))
        for invoice in (billed, other):
            note = invoice.message_ids
            self.assertEqual(len(note), 1, note.mapped("body"))
            self.assertFalse(note.tracking_value_ids)
            self.assertIn(f"#{invoice.message_id.id}", note.body)
            self.assertIn("FAP API (pull)", note.body)
            self.assertIn("Inside tolerance", note.body)
            self.assertIn("Approved: Inside tolerance (audit engine)", note.body)
            self.assertIn(invoice.vendor_bill_id.name, note.body)
            self.assertIn("created and posted", note.body)
        note = held.message_ids.filtered(lambda m: "Imported from" in (m.body or ""))
        self.assertEqual(len(note), 1)
        self.assertIn("Exception", note.body)
        self.assertIn(held.case_ids.name, note.body)
        self.assertNotIn("Vendor bill", note.body)
        # Billed outside an import (the posting cron, a Freight Approver): the bill's own note and
        # the state's tracking, as before.
        self.company.freight_auto_post_bill = False
        shipment = self.make_shipment("SHP-N9", weight=412.5)
        self.journal(
            self.fap_backend,
            "freight_invoice_json",
            self.fap_invoice("INV-N9", [(shipment.name, "400", 495.00)], currency=self.currency.name),
            key="n9",
        )
        approved = self.invoices_named("INV-N9")
        self.assertEqual(approved.state, "approved")
        self.assertNotIn("Vendor bill", "".join(approved.message_ids.mapped("body")))
        self.company.freight_auto_post_bill = True
        self.assertEqual(approved.message_ids.tracking_value_ids.mapped("new_value_char"), [])
        self.assertEqual(self.env["freight.invoice"]._cron_post_approved(), 1)
        self.env.cr.flush()
        self.assertEqual(approved.state, "billed")
        bill_notes = approved.message_ids.filtered(lambda m: "Vendor bill" in m.body)
        self.assertEqual(len(bill_notes), 1)
        self.assertIn(f'data-oe-id="{approved.vendor_bill_id.id}"', bill_notes.body)
        self.assertIn("Billed", approved.message_ids.tracking_value_ids.mapped("new_value_char"))
