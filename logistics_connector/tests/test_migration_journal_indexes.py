"""The 18.0.1.3.0 migration: leaner indexes on the integration journal. A database installed
before it has plain indexes on backend_id, direction and four mostly-empty columns; after it,
the first two are gone and the four hold no NULLs, as a fresh install has them."""

from odoo.tests import TransactionCase, tagged

from .common import load_migration


def _load_migration():
    return load_migration(__file__, "18.0.1.3.0", "pre-migrate")


NOT_NULL = {
    "logistics_message__sequence_key_index": "sequence_key",
    "logistics_message__next_attempt_at_index": "next_attempt_at",
    "logistics_message__missing_mapping_type_index": "missing_mapping_type",
    "logistics_message__missing_mapping_code_index": "missing_mapping_code",
}
GONE = (
    "logistics_message__backend_id_index",
    "logistics_message__direction_index",
    "logistics_message__content_hash_index",
)


@tagged("post_install", "-at_install")
class TestJournalIndexesMigration(TransactionCase):
    def indexes(self):
        self.env.cr.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'logistics_message'")
        return dict(self.env.cr.fetchall())

    def assert_lean(self, indexes):
        for name in GONE:
            self.assertNotIn(name, indexes)
        for name, column in NOT_NULL.items():
            self.assertIn(name, indexes)
            self.assertIn(f"WHERE ({column} IS NOT NULL)", indexes[name])
        # The unique index that serves the lookups by backend stays.
        self.assertIn("(backend_id, direction, idempotency_key)", indexes["logistics_message_idempotency_uniq"])

    def test_fresh_install_has_the_lean_indexes(self):
        self.assert_lean(self.indexes())

    def test_migration_from_18_0_1_2_0(self):
        cr = self.env.cr
        # The indexes as 18.0.1.2.0 created them (rolled back with the test).
        old = [*NOT_NULL.items(), (GONE[0], "backend_id"), (GONE[1], "direction"), (GONE[2], "content_hash")]
        for name, column in old:
            cr.execute(f'DROP INDEX IF EXISTS "{name}"')
            cr.execute(f'CREATE INDEX "{name}" ON logistics_message ("{column}")')
        self.assertNotIn("WHERE", self.indexes()["logistics_message__next_attempt_at_index"])
        _load_migration().migrate(cr, "18.0.1.2.0")
        indexes = self.indexes()
        for name in (*GONE, *NOT_NULL):
            self.assertNotIn(name, indexes)
        # Odoo's index check after the update creates the expected ones again.
        self.env.registry.check_indexes(cr, ["logistics.message"])
        self.assert_lean(self.indexes())

    def test_migration_does_nothing_on_install(self):
        before = self.indexes()
        _load_migration().migrate(self.env.cr, None)
        self.assertEqual(self.indexes(), before)
