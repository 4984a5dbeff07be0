"""The inbound 997 reader against the real published 997 samples of ``../shared/corpus/x12_997``
(every fact of each ``<file>.expected.json``); left out when the corpus is missing (see x12_corpus.py)."""

from odoo.tests import tagged

from odoo.addons.logistics_connector.services import x12

from .x12_corpus import CorpusCase, compare, corpus_missing, project_997

if not corpus_missing(__name__):

    @tagged("post_install", "-at_install", "x12_corpus")
    class TestX12Corpus997(CorpusCase):
        kind = "x12_997"

        def check_file(self, path, data, expected):
            read = x12.read_997(data)
            self.assertEqual(len(read.acknowledgments), expected["transaction_count"])
            compare(self, expected["expected"], project_997(read))
            self.assertFalse(read.acknowledgments[0].sets[0].accepted)

        def test_every_997_sample(self):
            self.check_corpus()
