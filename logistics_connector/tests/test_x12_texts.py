"""``x12.interchange_texts``: the text of each interchange of a file, to journal them one by one."""

from odoo.tests import BaseCase, tagged

from odoo.addons.logistics_connector.services import x12
from odoo.addons.logistics_connector.services.exceptions import ParseError

from .test_x12 import ONE_GROUP


@tagged("post_install", "-at_install")
class TestX12InterchangeTexts(BaseCase):
    def test_one_interchange_is_the_whole_text(self):
        self.assertEqual(x12.interchange_texts(ONE_GROUP), [ONE_GROUP.strip()])

    def test_concatenated_interchanges_split_and_each_reads_alone(self):
        second = ONE_GROUP.replace("000000101", "000000102")
        data = ("\ufeff" + ONE_GROUP + "\r\n  " + second).encode()
        texts = x12.interchange_texts(data)
        self.assertEqual(len(texts), 2)
        self.assertEqual([t.strip() for t in texts], [ONE_GROUP.strip(), second.strip()])
        controls = [x12.read_interchanges(text)[0].control_number for text in texts]
        self.assertEqual(controls, ["000000101", "000000102"])

    def test_nothing_to_split_is_a_parse_error(self):
        with self.assertRaises(ParseError):
            x12.interchange_texts(b"   ")
