from psycopg2 import IntegrityError

from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestBackend(TransactionCase):
    def test_code_unique_per_company(self):
        Backend = self.env["logistics.backend"]
        Backend.create({"name": "TMS A", "code": "tms-a", "kind": "tms"})
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                Backend.create({"name": "TMS A again", "code": "tms-a", "kind": "tms"})
