"""Fuzzing the X12 214 reader with Hypothesis (random bytes, mutations of valid 214
interchanges): only ParseError may come out, and the 997 of what was read can be built."""

from odoo.tests import BaseCase, tagged

from odoo.addons.logistics_connector.services import x12
from odoo.addons.logistics_connector.tests.x12_fuzz import fuzz

from ..formats import x12_214
from .test_x12_214 import GOOD


@tagged("post_install", "-at_install")
class TestX12_214Fuzz(BaseCase):
    def test_214_reader_only_raises_parse_error(self):
        def read(data):
            for read in x12_214.read_214(data):
                for event in read.values:
                    x12_214.to_canonical(event)
                if read.interchange.groups:
                    x12.build_997(read.interchange, read.results, control_number=1)

        fuzz(self, read, [GOOD, GOOD.replace("~", "\n")], max_examples=300)
