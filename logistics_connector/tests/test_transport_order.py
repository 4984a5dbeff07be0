"""Outbound transport orders through the journal to a TMS played by real HTTP servers on 127.0.0.1."""

import base64
import time
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from .common import LogisticsCommon
from .loopback import LoopbackCase, OAuthServer, SoapTmsServer, TmsServer

API_KEY = "test-key-123"


@tagged("post_install", "-at_install")
class TestTransportOrders(LoopbackCase, LogisticsCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_logistics()
        cls.map_carrier("FFRT")
        cls.oauth = cls.start_server(OAuthServer(client_id="odoo", client_secret="oauth-s3cret"))
        cls.tms = cls.start_server(TmsServer(booking_extra={"carrier_scac": "FFRT"}))
        cls.soap = cls.start_server(SoapTmsServer(booking_extra={"carrier_scac": "FFRT"}))
        cls.Message = cls.env["logistics.message"]
        cls.backend.write({"timeout_connect": 2.0, "timeout_read": 5.0, "http_max_retries": 0})

    def setUp(self):
        super().setUp()
        for server in (self.tms, self.soap, self.oauth):
            server.reset()
        self.tms.api_key = self.tms.basic = self.tms.oauth = None
        self.soap.api_key = self.soap.basic = self.soap.oauth = None

    # helpers -----------------------------------------------------------
    def _use_rest(self, auth="api_key"):
        self.backend.write({"protocol": "rest", "base_url": self.tms.url, "auth_type": auth})
        if auth == "api_key":
            self.tms.api_key = ("X-API-Key", API_KEY)
        elif auth == "basic":
            self.backend.write({"username": "odoo", "password": "basic-pw"})
            self.tms.basic = ("odoo", "basic-pw")
        elif auth == "oauth2":
            self.backend.write(
                {
                    "oauth_token_url": self.oauth.token_url,
                    "oauth_client_id": "odoo",
                    "oauth_client_secret": "oauth-s3cret",
                    "oauth_access_token": False,
                    "oauth_token_expires_at": False,
                }
            )
            self.tms.oauth = self.oauth

    def _new_shipments(self, count=1):
        return self.env["logistics.shipment"].create(
            [
                {
                    "backend_id": self.backend.id,
                    "partner_id": self.customer.id,
                    "destination_partner_id": self.customer.id,
                    "origin_partner_id": self.company.partner_id.id,
                    "weight": 100.0 + i,
                }
                for i in range(count)
            ]
        )

    def _make_due(self, messages):
        """Let the retry time of failed messages pass (the retry delay itself is tested in test_journal)."""
        messages.filtered(lambda m: m.state == "failed").write(
            {"next_attempt_at": fields.Datetime.now() - timedelta(seconds=1)}
        )

    # REST, one authentication each ------------------------------------
    def test_rest_api_key_send_and_synchronous_booking(self):
        self._use_rest("api_key")
        shipment = self._new_shipments()
        message = shipment._queue_transport_order()
        self.assertEqual(shipment.tms_state, "queued")
        self.assertEqual(self.Message._process_queue(), 1)
        self.assertRecordValues(message, [{"state": "done", "attempts": 1, "http_status": 201}])
        self.assertRecordValues(
            shipment,
            [{"tms_state": "booked", "status": "booked", "carrier_id": self.carrier.id, "tracking_ref": "TRK-00001"}],
        )
        self.assertEqual(shipment._get_external_ref(self.backend, "booking"), "BK-00001")
        [request] = self.tms.received("/transport-orders", "POST")
        self.assertEqual(request.headers["X-API-Key"], API_KEY)
        self.assertEqual(request.headers["Idempotency-Key"], message.idempotency_key)
        self.assertEqual(request.json["reference"], shipment.name)
        # The secret is never copied into the journal.
        for text in (message.payload, message.response_payload, message.last_error or ""):
            self.assertNotIn(API_KEY, text or "")
        self.assertIn(shipment, message.shipment_ids)

    def test_rest_basic_update_then_cancel_in_order(self):
        self._use_rest("basic")
        shipment = self._new_shipments()
        shipment._queue_transport_order()
        shipment.weight = 250.0
        shipment.action_send_update()
        shipment.action_cancel()
        # All three are queued before anything is sent; they go out in order.
        self.assertEqual(self.Message._process_queue(limit=10), 3)
        calls = [(r.method, r.path) for r in self.tms.received()]
        self.assertEqual(
            calls,
            [
                ("POST", "/transport-orders"),
                ("PUT", "/transport-orders/BK-00001"),
                ("POST", "/transport-orders/BK-00001/cancel"),
            ],
        )
        self.assertEqual(self.tms.received(method="PUT")[0].json["weight_kg"], 250.0)
        self.assertEqual(self.tms.bookings["BK-00001"]["status"], "cancelled")
        self.assertRecordValues(shipment, [{"status": "cancelled", "tms_state": "cancelled"}])
        self.assertEqual(set(shipment.journal_message_ids.mapped("state")), {"done"})
        self.assertEqual(self.tms.auth_failures, 0)

    def test_wrong_credentials_are_a_readable_failure(self):
        self._use_rest("api_key")
        self.tms.api_key = ("X-API-Key", "another-key")
        shipment = self._new_shipments()
        message = shipment._queue_transport_order()
        self.Message._process_queue()
        self.assertIn(message.state, ("failed", "dead"))
        self.assertIn("401", message.last_error)
        self.assertNotIn(API_KEY, message.last_error)
        self.assertEqual(self.tms.creations, 0)

    def test_oauth2_token_cached_then_refreshed_after_revocation(self):
        self._use_rest("oauth2")
        shipments = self._new_shipments(3)
        shipments[:2]._queue_transport_order()
        self.assertEqual(self.Message._process_queue(), 2)
        self.assertEqual(self.oauth.tokens_issued, 1, "one token for both calls")
        self.assertTrue(self.backend.sudo().oauth_access_token)
        # The TMS stops accepting the token: the client fetches a new one once and goes on.
        self.oauth.revoke()
        shipments[2]._queue_transport_order()
        self.assertEqual(self.Message._process_queue(), 1)
        self.assertEqual(self.oauth.tokens_issued, 2)
        self.assertEqual(set(shipments.mapped("tms_state")), {"booked"})
        self.assertEqual(self.tms.creations, 3)
        self.assertEqual(self.backend.sudo().oauth_access_token, self.oauth.current_token)

    # SOAP --------------------------------------------------------------
    def test_soap_send_with_wsdl_url_and_with_uploaded_wsdl(self):
        self.backend.write({"protocol": "soap", "wsdl_url": self.soap.wsdl_url, "auth_type": "none"})
        first, second = self._new_shipments(2)
        first._queue_transport_order()
        self.assertEqual(self.Message._process_queue(), 1)
        self.assertEqual(first.tms_state, "booked")
        self.assertEqual(first._get_external_ref(self.backend, "booking"), "BK-00001")
        self.assertEqual(self.soap.count("SubmitTransportOrder", "POST"), 1)
        # The same TMS with its WSDL uploaded as a file.
        self.backend.write({"wsdl_url": False, "wsdl_file": base64.b64encode(self.soap.wsdl_bytes())})
        second._queue_transport_order()
        self.assertEqual(self.Message._process_queue(), 1)
        self.assertEqual(second.tms_state, "booked")
        self.assertEqual(self.soap.creations, 2)

    def test_soap_fault_is_kept_readable(self):
        self.backend.write({"protocol": "soap", "wsdl_url": self.soap.wsdl_url, "auth_type": "none"})
        self.soap.behave("Submit*", fault=("Client", "Unknown carrier"))
        shipment = self._new_shipments()
        message = shipment._queue_transport_order()
        self.Message._process_queue()
        self.assertIn(message.state, ("failed", "dead"))
        self.assertIn("Unknown carrier", message.last_error)
        self.assertEqual(shipment.tms_state, "queued")

    # Outage and recovery -------------------------------------------------
    def test_tms_outage_nothing_lost_nothing_twice_drained_in_order(self):
        self._use_rest("api_key")
        self.backend.max_attempts = 10
        shipments = self._new_shipments(3)
        shipments._queue_transport_order()
        shipments[0].weight = 300.0
        update = shipments[0].action_send_update()
        self.assertTrue(update)
        self.tms.behave("/transport-orders*", statuses=[503] * 50, retry_after=120)
        messages = shipments.journal_message_ids
        self.assertEqual(len(messages), 4)
        # Two rounds during the outage.
        for _round in range(2):
            self.Message._process_queue(limit=10)
            self.assertEqual(self.tms.creations, 0)
            orders = messages.filtered(lambda m: m.message_type == "transport_order")
            self.assertEqual(set(orders.mapped("state")), {"failed"})
            self.assertTrue(all(m.next_attempt_at > fields.Datetime.now() for m in orders))
            self.assertIn("503", orders[0].last_error)
            # The update waits behind its transport order, it is not even tried.
            self.assertEqual(messages.filtered(lambda m: m.message_type == "transport_update").attempts, 0)
            self._make_due(messages)
        self.assertEqual(set(messages.filtered(lambda m: m.message_type == "transport_order").mapped("attempts")), {2})
        # Recovery: everything goes out once, the update after its order.
        self.tms.clear_behaviours()
        self.Message._process_queue(limit=10)
        self.assertEqual(set(messages.mapped("state")), {"done"})
        self.assertEqual(self.tms.creations, 3)
        puts = [r.path for r in self.tms.received(method="PUT")]
        self.assertEqual(puts, [f"/transport-orders/{shipments[0]._get_external_ref(self.backend, 'booking')}"])
        # The update of shipment 1 went out after shipment 1's successful transport order.
        first_booked = [
            r for r in self.tms.received() if r.method == "POST" and r.json.get("reference") == shipments[0].name
        ]
        put = self.tms.received(method="PUT")[0]
        self.assertLess(self.tms.received().index(first_booked[-1]), self.tms.received().index(put))
        self.assertEqual(set(shipments.mapped("tms_state")), {"booked"})

    def test_answer_lost_then_retried_creates_one_booking(self):
        """The TMS booked it but the answer never arrived: the retry carries the same idempotency key."""
        self._use_rest("api_key")
        self.backend.timeout_read = 0.5
        self.tms.behave("/transport-orders", delay=1.5, times=1, method="POST")
        shipment = self._new_shipments()
        message = shipment._queue_transport_order()
        self.Message._process_queue()
        self.assertEqual(message.state, "failed")
        self.assertEqual(shipment.tms_state, "queued")
        # Wait until the TMS has finished the request it was slow to answer.
        deadline = fields.Datetime.now() + timedelta(seconds=10)
        while self.tms.creations == 0 and fields.Datetime.now() < deadline:
            time.sleep(0.1)
        self.assertEqual(self.tms.creations, 1)
        self._make_due(message)
        self.Message._process_queue()
        self.assertEqual(message.state, "done")
        self.assertEqual(self.tms.creations, 1, "the retry must not book twice")
        self.assertEqual(shipment.tms_state, "booked")
        self.assertEqual(len(self.tms.received("/transport-orders", "POST")), 2)

    def test_dead_after_max_attempts_then_replay_sends_once(self):
        self._use_rest("api_key")
        self.backend.max_attempts = 2
        self.tms.behave("/transport-orders", statuses=[503, 503])
        shipment = self._new_shipments()
        message = shipment._queue_transport_order()
        self.Message._process_queue()
        self._make_due(message)
        self.Message._process_queue()
        self.assertEqual(message.state, "dead")
        self.assertEqual(message.attempts, 2)
        message.action_replay()
        self.Message._process_queue()
        self.assertEqual(message.state, "done")
        self.assertEqual(self.tms.creations, 1)
        # A finished transport order can not be replayed: it could book twice.
        with self.assertRaisesRegex(UserError, "can be replayed"):
            message.action_replay()
        self.assertEqual(self.tms.creations, 1)
        self.assertEqual(shipment._get_external_ref(self.backend, "booking"), "BK-00001")

    # Test connection ---------------------------------------------------
    def test_test_connection_reports_in_plain_words(self):
        self._use_rest("api_key")
        action = self.backend.action_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertTrue(self.backend.last_test_ok)
        self.assertIn("Connection OK", self.backend.last_test_result)
        self.backend.base_url = "http://127.0.0.1:9/api"  # nothing listens on the discard port
        action = self.backend.action_test_connection()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertFalse(self.backend.last_test_ok)
        self.assertIn("Connection failed", self.backend.last_test_result)
        self.assertNotIn(API_KEY, self.backend.last_test_result)

    def test_polling_picks_up_a_booking_made_later(self):
        """A TMS that books asynchronously: the poll cron journals the confirmation, the queue applies it."""
        self._use_rest("api_key")
        shipment = self._new_shipments()
        # Sent, but the TMS confirmed nothing synchronously; it books a little later.
        shipment.write({"status": "tendered", "tms_state": "sent"})
        self.tms.store.book({"reference": shipment.name}, self.tms.booking_extra)
        self.assertEqual(self.env["logistics.shipment"]._cron_poll_bookings(), 1)
        self.Message._process_queue()
        self.assertEqual(shipment.tms_state, "booked")
        self.assertEqual(shipment.status, "booked")
        # A second poll journals nothing new (same booking, same idempotency key).
        self.assertEqual(self.env["logistics.shipment"]._cron_poll_bookings(), 0)
