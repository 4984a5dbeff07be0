"""Fuzzing the tolerant X12 envelope reader and the inbound 997 reader with Hypothesis
(random bytes, mutations of valid interchanges): only ParseError may come out."""

from odoo.tests import BaseCase, tagged

from odoo.addons.logistics_connector.services import x12

from .test_x12 import TWO_GROUPS
from .x12_fuzz import fuzz

ACK = (
    "ISA*00*          *00*          *ZZ*SHIPPER01      *ZZ*CARRIER01      *260122*0730*U*00401*000000077*0*P*>~"
    "GS*FA*SHIPPERGS*ABCDGS*20260122*0730*77*X*004010~ST*997*0001~AK1*IM*5001~AK2*210*0001~AK5*A~"
    "AK2*210*0002~AK3*L1*4**8~AK4*4*58*6*100.00~AK5*R*5~AK9*P*2*2*1~SE*9*0001~GE*1*77~IEA*1*000000077~"
)


@tagged("post_install", "-at_install")
class TestX12Fuzz(BaseCase):
    def test_envelope_reader_only_raises_parse_error(self):
        def read(data):
            for interchange in x12.read_interchanges(data):
                if interchange.groups:
                    x12.build_997(interchange, control_number=1)

        fuzz(self, read, [TWO_GROUPS, TWO_GROUPS.replace("~", "~\r\n  ")], max_examples=250)

    def test_strict_envelope_reader_only_raises_parse_error(self):
        fuzz(self, lambda data: x12.read_interchanges(data, strict=True), [TWO_GROUPS], max_examples=100)

    def test_inbound_997_reader_only_raises_parse_error(self):
        fuzz(self, x12.read_997, [ACK, ACK[ACK.index("ST*") : ACK.index("GE*")]], max_examples=200)
