"""Fuzzing the X12 210 reader with Hypothesis (random bytes, mutations of valid 210
interchanges): only ParseError may come out, and the 997 of what was read can be built."""

from odoo.tests import BaseCase, tagged

from odoo.addons.logistics_connector.services import x12
from odoo.addons.logistics_connector.tests.x12_fuzz import fuzz

from ..formats import x12_210
from .test_x12_210 import GOOD


@tagged("post_install", "-at_install")
class TestX12_210Fuzz(BaseCase):
    def test_210_reader_only_raises_parse_error(self):
        def read(data):
            for read in x12_210.read_210_interchanges(data):
                if read.interchange.groups:
                    x12.build_997(read.interchange, read.results, control_number=1)
            x12_210.parse_210(data)

        fuzz(self, read, [GOOD, GOOD.replace("~", "|\r\n")], max_examples=300)
