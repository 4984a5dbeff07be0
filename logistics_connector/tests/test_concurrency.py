import psycopg2.errors

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestConcurrentProcessing(TransactionCase):
    """Two workers (two cursors, two threads) drain the same queue: each message is done once."""

    N = 40

    def _committed_setup(self):
        # The workers use their own connections, so the data must be committed:
        # it is created through a separate cursor here and deleted in cleanup.
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            backend = env["logistics.backend"].create(
                {"name": "Concurrency TMS", "code": "concurrency-tms", "kind": "tms", "environment": "production"}
            )
            carrier_product = env["product.product"].create({"name": "Concurrency freight", "type": "service"})
            carrier = env["delivery.carrier"].create({"name": "Concurrency carrier", "product_id": carrier_product.id})
            env["logistics.code.mapping"].create(
                {"backend_id": backend.id, "mapping_type": "carrier", "external_code": "CONC", "carrier_id": carrier.id}
            )
            shipments = env["logistics.shipment"].create([{"backend_id": backend.id} for _i in range(self.N)])
            messages, _dups = env["logistics.message"]._journal_many(
                [
                    {
                        "backend_id": backend.id,
                        "direction": "inbound",
                        "message_type": "booking_confirmation",
                        "payload": {
                            "booking_id": f"C-{i}",
                            "reference": s.name,
                            "carrier_scac": "CONC",
                            "tracking_reference": f"CT-{i}",
                        },
                        "idempotency_key": f"conc-{i}",
                    }
                    for i, s in enumerate(shipments)
                ]
            )
            ids = {
                "backend": backend.id,
                "carrier": carrier.id,
                "product": carrier_product.product_tmpl_id.id,
                "shipments": shipments.ids,
                "messages": messages.ids,
            }
        self.addCleanup(self._committed_cleanup, ids)
        return ids

    def _committed_cleanup(self, ids):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            messages = env["logistics.message"].search([("backend_id", "=", ids["backend"])])
            env["logistics.message.link"].search([("message_id", "in", messages.ids)]).unlink()
            messages.unlink()
            env["logistics.shipment"].browse(ids["shipments"]).unlink()
            env["logistics.code.mapping"].search([("backend_id", "=", ids["backend"])]).unlink()
            env["logistics.backend"].browse(ids["backend"]).unlink()
            env["delivery.carrier"].browse(ids["carrier"]).unlink()
            env["product.template"].browse(ids["product"]).unlink()

    def test_two_workers_process_each_message_exactly_once(self):
        """Two cursors (two database connections, as two Odoo workers have) drain one queue.

        The workers are interleaved in this thread rather than run in threads: while the
        test framework loads the registry it holds the registry lock, so another thread
        could not even build an environment. Interleaving is also deterministic: worker 2
        always claims while worker 1 still holds its claimed rows uncommitted, which is
        exactly the race ``FOR UPDATE SKIP LOCKED`` must settle.
        """
        ids = self._committed_setup()
        processed = {"w1": [], "w2": []}
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            workers = {
                "w1": api.Environment(cr1, SUPERUSER_ID, {})["logistics.message"],
                "w2": api.Environment(cr2, SUPERUSER_ID, {})["logistics.message"],
            }
            while True:
                batch1 = workers["w1"]._claim(5, ids=ids["messages"])
                # worker 1 has not committed: its rows are locked, worker 2 must skip them
                batch2 = workers["w2"]._claim(5, ids=ids["messages"])
                self.assertFalse(set(batch1.ids) & set(batch2.ids), "two workers claimed the same message")
                if not batch1 and not batch2:
                    break
                for name, batch, cr in (("w1", batch1, cr1), ("w2", batch2, cr2)):
                    batch._process_claimed()
                    processed[name] += batch.ids
                    # The cron runner commits after each batch; this worker plays it, on its own
                    # cursor, so the other worker sees the outcome (the test's cursor is untouched).
                    cr.commit()  # pylint: disable=invalid-commit
        self.assertTrue(processed["w1"] and processed["w2"], "both workers must have had work")
        self.assertEqual(len(processed["w1"]) + len(processed["w2"]), self.N)
        self.assertEqual(set(processed["w1"]) | set(processed["w2"]), set(ids["messages"]))
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            messages = env["logistics.message"].browse(ids["messages"])
            self.assertEqual(set(messages.mapped("state")), {"done"})
            self.assertEqual(set(messages.mapped("attempts")), {1}, "a message was processed twice")
            links = env["logistics.message.link"].search_count([("message_id", "in", ids["messages"])])
            self.assertEqual(links, self.N)
            refs = env["logistics.shipment.ref"].search_count([("shipment_id", "in", ids["shipments"])])
            self.assertEqual(refs, self.N)


@tagged("post_install", "-at_install")
class TestConcurrentJournal(TransactionCase):
    """Two requests journal the same idempotency key at once: one message, one duplicate."""

    def test_same_key_from_two_transactions(self):
        with self.registry.cursor() as cr:
            backend = api.Environment(cr, SUPERUSER_ID, {})["logistics.backend"].create(
                {
                    "name": "Concurrent journal",
                    "code": "concurrent-journal",
                    "kind": "carrier",
                    "environment": "production",
                }
            )
            backend_id = backend.id
        self.addCleanup(self._cleanup, backend_id)
        vals = {
            "backend_id": backend_id,
            "direction": "inbound",
            "message_type": "booking_confirmation",
            "payload": {"booking_id": "SAME"},
            "idempotency_key": "booking:SAME",
        }
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            journal1 = api.Environment(cr1, SUPERUSER_ID, {})["logistics.message"]
            journal2 = api.Environment(cr2, SUPERUSER_ID, {})["logistics.message"]
            cr2.execute("SELECT 1")  # request 2 has its snapshot before request 1 commits
            first, duplicates = journal1._journal_many([vals])
            self.assertEqual(duplicates, [False])
            # Request 1 ends: its message is stored.
            cr1.commit()  # pylint: disable=invalid-commit
            # Request 2 cannot see that row, the unique key does: a serialization failure,
            # which Odoo's retry of the request (or of the cron job) replays on a new snapshot.
            with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.errors.SerializationFailure):
                journal2._journal_many([vals])
            cr2.rollback()
            again, duplicates = journal2._journal_many([vals])
            self.assertFalse(again)
            self.assertEqual(duplicates[0].id, first.id)
            cr2.commit()  # pylint: disable=invalid-commit
        with self.registry.cursor() as cr:
            rows = api.Environment(cr, SUPERUSER_ID, {})["logistics.message"].search([("backend_id", "=", backend_id)])
            self.assertEqual(sorted(rows.mapped("state")), ["duplicate", "received"])
            self.assertEqual(rows.filtered(lambda m: m.state == "duplicate").duplicate_of_id.id, first.id)

    def _cleanup(self, backend_id):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            messages = env["logistics.message"].search([("backend_id", "=", backend_id)])
            messages.filtered("duplicate_of_id").unlink()
            messages.exists().unlink()
            env["logistics.backend"].browse(backend_id).unlink()
