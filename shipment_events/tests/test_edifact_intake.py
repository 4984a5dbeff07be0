"""IFTSTA interchanges through the milestone webhook (``application/edifact``: real HTTP
requests) and the upload wizard, and what they leave in the database: the journal keyed by
UNB sender/recipient/reference, the answers (202, 401, 200 duplicate, 400 kept as failed),
the warnings kept on the message, the milestones applied through the status mappings."""

import base64
from datetime import datetime
from unittest.mock import patch

from odoo.tests import HttpCase, tagged

from .common import ShipmentEventsCommon
from .test_edifact_iftsta import D04A, D96A, body, interchange
from .test_webhook import TestWebhook


@tagged("post_install", "-at_install")
class TestEdifactIntake(ShipmentEventsCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_shipment_events()
        cls.url = f"/logistics/webhook/{cls.backend.code}"

    post = TestWebhook.post
    signature = staticmethod(TestWebhook.signature)
    messages = TestWebhook.messages
    assert_refused = TestWebhook.assert_refused

    def test_202_journaled_keyed_by_unb_then_processed_and_200_duplicate(self):
        data = interchange((D04A, body(status="13", date="202611200810")), (D96A, body(status="21")), control="IC7")
        response = self.post(data, content_type="application/edifact")
        self.assertEqual(response.status_code, 202, response.text)
        answer = response.json()
        self.assertEqual(answer["status"], "accepted")
        self.assertEqual(answer["events"], 2)
        self.assertEqual(answer["interchange"], {"sender": "CARRIER", "recipient": "OURCOMPANY", "reference": "IC7"})
        message = self.env["logistics.message"].browse(answer["message_ids"])
        self.assertRecordValues(
            message,
            [
                {
                    "message_type": "edifact_iftsta",
                    "state": "received",
                    "idempotency_key": "edifact:CARRIER:OURCOMPANY:IC7",
                    "content_type": "application/edifact",
                    "intake_warnings": False,
                }
            ],
        )
        self.assertEqual(message._get_payload_bytes(), data)
        again = self.post(data, content_type="application/edifact")
        self.assertEqual(again.status_code, 200, again.text)
        self.assertEqual(again.json()["status"], "duplicate")
        self.assertEqual(again.json()["message_ids"], message.ids)
        self.process()
        self.assertEqual(message.state, "done")
        events = self.events_of()
        # the Rec 24 defaults: 13 collection completed, 21 delivery completed
        self.assertEqual(events.mapped("status"), ["picked_up", "delivered"])
        self.assertEqual(events.mapped("external_code"), ["13", "21"])
        self.assertEqual(events[0].location_country, "FR")
        self.assertEqual(events[0].location_name, "FRLYS")
        self.assertEqual(events[0].ref_bill_of_lading, "BOL-1001")
        self.assertEqual(events[0].channel, "webhook")
        self.assertEqual(self.shipment.status, "delivered")

    def test_401_bad_or_missing_signature_nothing_stored(self):
        data = interchange((D04A, body()))
        bad = self.post(data, secret="not-the-secret", content_type="application/edifact")
        self.assert_refused(bad, 401, "signature")
        missing = self.post(data, secret=False, content_type="application/edifact")
        self.assertEqual(missing.status_code, 401, missing.text)
        self.assertFalse(self.messages())

    def test_400_malformed_kept_as_failed(self):
        data = b"UNH+1+IFTSTA:D:04A:UN'BGM+23+X+9'"
        answer = self.assert_refused(self.post(data, content_type="application/edifact"), 400, "malformed EDIFACT")
        message = self.messages()
        self.assertRecordValues(message, [{"state": "failed", "message_type": "edifact_iftsta"}])
        self.assertEqual(message.ids, answer["message_ids"])
        self.assertEqual(message._get_payload_bytes(), data)
        # every status with an impossible date: refused too, kept as failed
        data = interchange((D04A, body(date="202611481040")), control="IC9")
        answer = self.assert_refused(self.post(data, content_type="application/edifact"), 400, "no readable status")
        self.assertIn("202611481040", answer["error"])
        self.assertEqual(self.messages()[-1].state, "failed")

    def test_partial_impossible_date_and_unz_mismatch_reported_on_the_message(self):
        data = interchange(
            (D04A, body(date="202611481040", cni="PRO-X")), (D04A, body(status="21")), control="IC8", unz_count=5
        )
        response = self.post(data, content_type="application/edifact")
        self.assertEqual(response.status_code, 202, response.text)
        answer = response.json()
        self.assertEqual(answer["status"], "partial")
        self.assertEqual(answer["events"], 1)
        self.assertEqual([r["reference"] for r in answer["rejected_messages"]], ["1"])
        message = self.env["logistics.message"].browse(answer["message_ids"])
        self.assertIn("UNZ counts 5 messages, 2 sent", message.intake_warnings)
        self.assertIn("message 1, status 21: DTM 334", message.intake_warnings)
        self.process()
        self.assertEqual(message.state, "done")
        self.assertEqual(self.events_of().mapped("status"), ["delivered"])

    def test_unmapped_carrier_code_needs_mapping(self):
        data = interchange((D04A, ["CNI+1+PRO-1001", "STS+1+I::87:DELIVERED", "DTM+78:202611201040:203"]))
        response = self.post(data, content_type="application/edifact")
        self.assertEqual(response.status_code, 202, response.text)
        self.process()
        message = self.messages()
        self.assertRecordValues(message, [{"state": "needs_mapping", "missing_mapping_code": "I"}])
        self.env["logistics.code.mapping"].create(
            {"backend_id": self.backend.id, "mapping_type": "status", "external_code": "I", "status": "delivered"}
        )
        # creating the mapping queues the message again
        self.process()
        self.assertEqual(message.state, "done")
        self.assertEqual(self.shipment.status, "delivered")

    def test_upload_wizard_detects_edifact(self):
        data = interchange((D04A, body(status="24", date="202611201040?+01", fmt="303")), control="UP1")
        wizard = self.env["shipment.event.upload"].create(
            {"backend_id": self.backend.id, "file": base64.b64encode(data), "filename": "status.txt"}
        )
        self.assertEqual(wizard._detect_format(data), "edifact")
        result = wizard._upload()
        self.assertEqual(result.status, "accepted")
        message = self.env["logistics.message"].browse(result.message_ids)
        self.assertRecordValues(message, [{"message_type": "edifact_iftsta", "source": "file status.txt"}])
        self.assertEqual(wizard._upload().status, "duplicate")
        self.process()
        [event] = self.events_of()
        self.assertEqual(event.status, "in_transit")
        self.assertEqual(event.event_time, datetime(2026, 11, 20, 9, 40))
        self.assertEqual(event.event_tz, "+01:00")
        self.assertEqual(event.channel, "file")

    def test_default_rec24_mappings_shipped(self):
        from ..formats.edifact_iftsta import DEFAULT_STATUS_MAP

        defaults = self.env["logistics.code.mapping"].search(
            [("backend_id", "=", False), ("mapping_type", "=", "status"), ("description", "like", "Rec 24")]
        )
        self.assertEqual({m.external_code: m.status for m in defaults}, DEFAULT_STATUS_MAP)

    def test_503_keeps_the_edifact_body_as_edifact(self):
        Message = self.registry["logistics.message"]
        data = interchange((D04A, body(status="21")), control="IC503")
        with (
            patch.object(Message, "_webhook_receive_edifact", autospec=True, side_effect=ZeroDivisionError("a bug")),
            self.assertLogs("odoo.addons.shipment_events.controllers.webhook", level="ERROR"),
        ):
            response = self.post(data, content_type="application/edifact")
        self.assertEqual(response.status_code, 503, response.text)
        message = self.messages()
        self.assertRecordValues(
            message,
            [{"message_type": "edifact_iftsta", "content_type": "application/edifact", "state": "received"}],
        )
        self.assertEqual(message._get_payload_bytes(), data)
        self.process()
        self.assertEqual(message.state, "done")
        self.assertEqual(self.events_of().mapped("status"), ["delivered"])
