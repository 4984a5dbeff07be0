from odoo.tests import BaseCase, tagged

from odoo.addons.logistics_connector.services.exceptions import NeedsMappingError, ParseError, PermanentError


@tagged("post_install", "-at_install")
class TestExceptions(BaseCase):
    def test_messages_name_the_problem(self):
        error = NeedsMappingError("status", "X9", "Acme TMS")
        self.assertEqual(str(error), "No status mapping for code 'X9' on backend Acme TMS")
        parse = ParseError("AT7 segment has no status code", where="segment 12")
        self.assertIsInstance(parse, PermanentError)
        self.assertEqual(str(parse), "AT7 segment has no status code (segment 12)")
