"""The X12 210 reader against the real published samples of ``../shared/corpus/x12_210``
(every fact of each ``<file>.expected.json``); left out when the corpus is missing."""

from odoo.tests import tagged

from odoo.addons.logistics_connector.tests.x12_corpus import CorpusCase, compare, corpus_missing, project_210

from ..formats import x12_210

if not corpus_missing(__name__):

    @tagged("post_install", "-at_install", "x12_corpus")
    class TestX12Corpus210(CorpusCase):
        kind = "x12_210"

        def check_file(self, path, data, expected):
            reads = x12_210.read_210_interchanges(data)
            self.assertEqual([r.messages for read in reads for r in read.results if not r.accepted], [])
            self.check_envelope([read.interchange for read in reads], expected)
            compare(self, expected["expected"], project_210(reads))
            self.assertEqual(len(x12_210.parse_210(data)), expected["expected"]["invoice_count"])

        def test_every_210_sample(self):
            self.check_corpus()
