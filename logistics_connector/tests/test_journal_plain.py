"""The journal tests on the switch's path: ORM ``create`` instead of the fast insert
(system parameter ``logistics_connector.journal_plain_create``). The same assertions hold,
but for the fast insert's query count."""

from odoo.tests import tagged

from .test_journal import TestJournal


@tagged("post_install", "-at_install")
class TestJournalPlainCreate(TestJournal):
    allow_inherited_tests_method = True  # Odoo's loader runs only a class's own tests otherwise
    plain_create = True

    def test_plain_path_reports_keys_as_the_fast_path(self):
        """A key journaled already, in the database or earlier in the same rows: None, as
        the fast insert's ON CONFLICT DO NOTHING answers; the other rows are created."""
        first, _dups = self.journal_booking("BK-P")
        row = {
            "backend_id": self.backend.id,
            "direction": "inbound",
            "message_type": "booking_confirmation",
            **self.Message._payload_vals({"booking_id": "BK-P"}),
        }
        ids = self.Message._journal_insert(
            [
                dict(row, idempotency_key=first.idempotency_key),
                dict(row, idempotency_key="plain-new"),
                dict(row, idempotency_key="plain-new"),
                dict(row, idempotency_key=False),
            ]
        )
        self.assertIsNone(ids[0])
        self.assertTrue(ids[1])
        self.assertIsNone(ids[2])
        self.assertTrue(ids[3])
        self.assertEqual(self.Message.browse(ids[1]).company_id, self.backend.company_id)
