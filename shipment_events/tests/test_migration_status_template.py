"""The 18.0.1.2.0 migration: the status e-mail of a database installed before the portal link
gets the shipped body again, unless someone edited it (then it is left and the log says so)."""

from datetime import timedelta

from odoo.tests import TransactionCase, tagged

from odoo.addons.logistics_connector.tests.common import load_migration

OLD_BODY = "<div><p>Dear customer, your shipment <strong>SHP/0001</strong> is now in transit.</p></div>"


def _load_migration():
    return load_migration(__file__, "18.0.1.2.0", "post-migrate")


@tagged("post_install", "-at_install")
class TestStatusTemplateMigration(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.migration = _load_migration()
        cls.template = cls.env.ref("shipment_events.mail_template_shipment_status")

    def _as_installed_before(self, edited_after=None):
        """The template as a database installed before 18.0.1.1.0 holds it."""
        self.template.with_context(lang="en_US").body_html = OLD_BODY
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE mail_template SET write_date = create_date + %s WHERE id = %s",
            [edited_after or timedelta(0), self.template.id],
        )
        self.template.invalidate_recordset()
        self.assertNotIn("get_portal_url", self.template.body_html)

    def _xmlid_row(self):
        return self.env["ir.model.data"].search(
            [("module", "=", "shipment_events"), ("name", "=", "mail_template_shipment_status")]
        )

    def test_unedited_template_gets_the_portal_link(self):
        self._as_installed_before()
        template_id = self.template.id
        self.migration.migrate(self.env.cr, "18.0.1.1.0")
        self.template.invalidate_recordset()
        body = self.template.with_context(lang="en_US").body_html
        self.assertIn("object.get_portal_url()", body)
        self.assertIn("Follow your shipment", body)
        self.assertNotIn("is now in transit", body)
        # The same record, still protected from later updates.
        self.assertEqual(self.env.ref("shipment_events.mail_template_shipment_status").id, template_id)
        self.assertTrue(self._xmlid_row().noupdate)

    def test_edited_template_is_left_as_it_is(self):
        self._as_installed_before(edited_after=timedelta(days=3))
        stored = self.template.with_context(lang="en_US").body_html
        with self.assertLogs("shipment_events_migration_18_0_1_2_0", "WARNING") as logs:
            self.migration.migrate(self.env.cr, "18.0.1.1.0")
        self.assertIn("left as it is", logs.output[0])
        self.template.invalidate_recordset()
        self.assertEqual(self.template.with_context(lang="en_US").body_html, stored)
        self.assertIn("is now in transit", stored)

    def test_new_installation_and_current_body_are_not_touched(self):
        before = self.template.body_html
        write_date = self.template.write_date
        self.migration.migrate(self.env.cr, None)
        self.assertFalse(self.migration.refresh_status_template(self.env))
        self.template.invalidate_recordset()
        self.assertEqual(self.template.body_html, before)
        self.assertEqual(self.template.write_date, write_date)
