"""The IFTSTA reader against the real published samples of ``../shared/corpus/edifact``
(every fact of each ``<file>.expected.json``); left out when the corpus is missing, as the
X12 corpus tests are (``logistics_connector/tests/x12_corpus.py``).

Source of the sample: jf-tech/omniparser, extensions/omniv21/fileformat/edi/bench_test.go
(``benchInputWithCompAndRelease``), a Posten/Bring parcel status file (D04A, BIG07)."""

from odoo.tests import tagged

from odoo.addons.logistics_connector.tests.x12_corpus import CorpusCase, compare, corpus_missing

from ..formats import edifact_iftsta


def project(interchange, events, results):
    """The facts read, in the shape of the expected JSON."""
    messages = []
    for result in results:
        mine = [event for event in events if event["message_reference"] == result.reference]
        messages.append(
            {
                "unh": result.reference,
                "bgm": result.bgm,
                "document_date_raw": result.document_date_raw,
                "nad_cz": (result.parties.get("CZ") or {}).get("id"),
                "consignment_ref": mine[0]["consignment_number"] if mine else None,
                "unt_segment_count": result.unt_count,
                "events": [
                    {
                        "status_code": event["status_code"],
                        "status_text": event["status_text"],
                        "reasons": event["reasons"],
                        "customer_ref_cu": event["references"].get("CU"),
                        "dtm_qualifier": event["date_qualifier"],
                        "datetime_local": event["event_time"].strftime("%Y-%m-%dT%H:%M"),
                        "postal_code": event["location"].get("postal_code"),
                        "city": event["location"].get("city"),
                        "country": event["location"].get("country"),
                        "package_pci_30": next((p["marks"] for p in event["packages"] if p["qualifier"] == "30"), None),
                    }
                    for event in mine
                ],
            }
        )
    return {
        "interchange": {
            "sender": interchange.sender,
            "sender_qualifier": interchange.sender_qualifier,
            "recipient": interchange.recipient,
            "recipient_qualifier": interchange.recipient_qualifier,
            "date_raw": interchange.date,
            "time": interchange.time,
            "control_reference": interchange.control_reference,
            "unz_message_count": interchange.unz_count,
        },
        "messages": messages,
        "version": f"{results[0].version}:{results[0].association}",
        "message": results[0].message_type,
    }


if not corpus_missing(__name__):

    @tagged("post_install", "-at_install", "x12_corpus")
    class TestEdifactCorpusIftsta(CorpusCase):
        kind = "edifact"

        def check_file(self, path, data, expected):
            interchange, events, results = edifact_iftsta.parse_iftsta(data)
            self.assertTrue(all(result.accepted for result in results))
            wanted = {key: expected[key] for key in ("interchange", "messages", "version", "message")}
            compare(self, wanted, project(interchange, events, results))
            if any("month and day swapped" in quirk for quirk in expected.get("quirks", ())):
                # the impossible document dates are flagged on their messages, not fatal
                self.assertTrue(any("DTM 137" in w for result in results for w in result.warnings))
                self.assertTrue(any("UNB date" in w for w in interchange.warnings))

        def test_every_iftsta_sample(self):
            self.check_corpus()
