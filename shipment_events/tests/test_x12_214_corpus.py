"""The X12 214 reader against the real published samples of ``../shared/corpus/x12_214``
(every fact of each ``<file>.expected.json``); left out when the corpus is missing."""

from odoo.tests import tagged

from odoo.addons.logistics_connector.tests.x12_corpus import CorpusCase, compare, corpus_missing, project_214

from ..formats import x12_214

if not corpus_missing(__name__):

    @tagged("post_install", "-at_install", "x12_corpus")
    class TestX12Corpus214(CorpusCase):
        kind = "x12_214"

        def check_file(self, path, data, expected):
            reads = x12_214.read_214(data)
            self.assertEqual([r.control_number for read in reads for r in read.results if not r.accepted], [])
            self.check_envelope([read.interchange for read in reads], expected)
            compare(self, expected["expected"], project_214(reads, x12_214.FIXED_OFFSETS))

        def test_every_214_sample(self):
            self.check_corpus()
