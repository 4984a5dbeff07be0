"""Lanes of the journal, end to end: a flood of milestones queued, then one carrier invoice;
the journal's cron processes the invoice in its first run (its lane gets a share of the
batch), and the milestones in their order in the next runs. Real processing on real
PostgreSQL: the invoice is imported, audited and approved or billed."""

from odoo.tests import TransactionCase, tagged

from odoo.addons.billing_readiness.tests.common import BillingReadinessCommon

FLOOD = 60
BATCH = 20


@tagged("post_install", "-at_install")
class TestJournalLanesFlood(BillingReadinessCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_billing()
        cls.Message = cls.env["logistics.message"]
        cls.env.cr.execute(
            "UPDATE logistics_message SET state = 'done' WHERE state IN ('received', 'queued', 'failed')"
        )

    def flood_of_events(self, shipment, count):
        events = [
            {
                "event_id": f"flood-{index}",
                "tracking_ref": shipment.tracking_ref,
                "status": "in_transit",
                "event_time": f"2026-03-01T{index // 60:02d}:{index % 60:02d}:00+00:00",
                "location": {"city": "Paris", "country": "FR"},
            }
            for index in range(count)
        ]
        self.Message._journal_canonical_events(self.carrier_backend, events, source="test")
        return self.Message.search([("backend_id", "=", self.carrier_backend.id), ("state", "=", "received")])

    def journal_invoice(self, number):
        messages, _dups = self.Message._journal_many(
            [
                {
                    "backend_id": self.fap_backend.id,
                    "direction": "inbound",
                    "message_type": "freight_invoice_json",
                    "payload": self.fap_invoice(
                        number,
                        [("SHP-A", "400", 495.00), ("SHP-A", "FSC", 49.50), ("SHP-A", "LFT", 75.00)],
                        currency=self.currency.name,
                    ),
                    "idempotency_key": f"inv-{number}",
                }
            ]
        )
        return messages

    def test_invoice_behind_a_flood_of_events_is_processed_in_the_first_run(self):
        _order, shipments = self.make_order(shipments=1)
        flood = self.flood_of_events(shipments, FLOOD)
        self.assertEqual(len(flood), FLOOD)
        self.assertEqual(set(flood.mapped("lane")), {"events"})
        message = self.journal_invoice("INV-LANE-1")
        self.assertEqual(message.lane, "invoices")
        self.assertGreater(message.id, max(flood.ids), "queued behind the whole flood")

        processed = self.Message._cron_process_queue(batch_size=BATCH)

        self.Message.invalidate_model(["state"])
        self.assertEqual(message.state, "done")
        invoice = self.invoices_named("INV-LANE-1")
        self.assertEqual(len(invoice), 1)
        self.assertIn(invoice.state, ("approved", "billed"))
        # Two lanes with work: half the batch each; the invoices' lane needed one.
        handled = flood.filtered(lambda m: m.state not in ("received", "queued"))
        self.assertEqual(handled, flood.sorted("id")[: BATCH // 2], "the events' share, in their order")
        self.assertEqual(processed, BATCH // 2 + 1)
        # The events alone then get whole batches.
        self.assertEqual(self.Message._cron_process_queue(batch_size=BATCH), BATCH)
        self.Message._process_queue(limit=BATCH)
        self.Message.invalidate_model(["state"])
        self.assertFalse(flood.filtered(lambda m: m.state in ("received", "queued", "processing")))
        self.assertEqual(len(self.events_of(shipments)), FLOOD)

    def test_events_are_not_delayed_by_a_flood_of_invoices(self):
        """The other way round: the invoices' lane flooded, one milestone gets through."""
        _order, shipments = self.make_order(shipments=1)
        invoices = self.Message.browse()
        for index in range(6):
            invoices |= self.journal_invoice(f"INV-FLOOD-{index}")
        event = self.flood_of_events(shipments, 1)
        self.assertEqual(event.lane, "events")
        self.Message._cron_process_queue(batch_size=4)
        self.Message.invalidate_model(["state"])
        self.assertEqual(event.state, "done")
        self.assertEqual(len(invoices.filtered(lambda m: m.state not in ("received", "queued"))), 2)
