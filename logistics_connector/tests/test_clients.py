import logging
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta

import requests

from odoo.tests import BaseCase, tagged

from odoo.addons.logistics_connector.services import auth as auth_mod
from odoo.addons.logistics_connector.services.clients import (
    LogisticsClient,
    RestLogisticsClient,
    SoapLogisticsClient,
    make_client,
)
from odoo.addons.logistics_connector.services.exceptions import PermanentError, RemoteError, RetryableError
from odoo.addons.logistics_connector.services.rest_client import RestClient, parse_retry_after
from odoo.addons.logistics_connector.services.soap_client import SoapClient

from .loopback import LoopbackCase, OAuthServer, SoapTmsServer, TmsServer

API_KEY = "k-3f9a-secret-api-key"
PASSWORD = "pw-7c1e-secret-password"
CLIENT_SECRET = "cs-88d2-secret-client"
SERVICES_LOGGER = "odoo.addons.logistics_connector.services"

PAYLOAD = {
    "reference": "SHP/2024/0001",
    "revision": 1,
    "carrier": "Fast Freight",
    "planned_pickup": "2024-06-03 08:00:00",
    "planned_delivery": "2024-06-04 17:30:00",
    "weight_kg": 120.5,
}


class Sleeps(list):
    """A sleep function that sleeps for real and remembers how long it was asked to."""

    def __call__(self, seconds):
        self.append(seconds)
        time.sleep(seconds)


class RecordingSession(requests.Session):
    """A session that remembers the timeout of every request."""

    def __init__(self):
        super().__init__()
        self.timeouts = []

    def request(self, method, url, *args, **kwargs):
        self.timeouts.append(kwargs.get("timeout"))
        return super().request(method, url, *args, **kwargs)


class DictCache:
    """A token cache like the backend's (shared by several auth objects)."""

    def __init__(self):
        self.value = None
        self.writes = []

    def get(self):
        return self.value

    def set(self, token, expires_at):
        self.writes.append(expires_at)
        self.value = (token, expires_at) if token else None

    def clear(self):
        self.value = None


class Clock:
    def __init__(self):
        self.now = datetime(2024, 6, 1, 12, 0, 0)

    def __call__(self):
        return self.now


class ClientsCommon(LoopbackCase, BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.oauth = cls.start_server(OAuthServer(client_id="odoo-client", client_secret=CLIENT_SECRET))
        cls.tms = cls.start_server(TmsServer())
        cls.soap = cls.start_server(SoapTmsServer())

    def setUp(self):
        super().setUp()
        for server in (self.oauth, self.tms, self.soap):
            server.reset()
            server.api_key = server.basic = server.oauth = None
        self.oauth.expires_in = 3600

    def track(self, closable):
        """Close the client's connections after the test."""
        self.addCleanup(closable.close)
        return closable

    def rest(self, auth=None, **kwargs):
        kwargs.setdefault("timeout", (1.0, 2.0))
        kwargs.setdefault("backoff_base", 0.01)
        kwargs.setdefault("max_retry_after", 2)
        return self.track(RestLogisticsClient(self.tms.url, auth=auth, **kwargs))

    def soap_client(self, auth=None, wsdl=None, **kwargs):
        kwargs.setdefault("timeout", (1.0, 2.0))
        kwargs.setdefault("backoff_base", 0.01)
        return self.track(SoapLogisticsClient(wsdl or self.soap.wsdl_url, auth=auth, **kwargs))

    def oauth2(self, **kwargs):
        kwargs.setdefault("timeout", (1.0, 2.0))
        auth = auth_mod.OAuth2ClientCredentials(self.oauth.token_url, "odoo-client", CLIENT_SECRET, **kwargs)
        return self.track(auth)


@tagged("post_install", "-at_install")
class TestAuth(ClientsCommon):
    def test_no_auth(self):
        self.assertEqual(self.rest(auth_mod.NoAuth()).ping(), "ok")
        self.assertNotIn("Authorization", self.tms.received("/ping")[0].headers)

    def test_api_key(self):
        self.tms.api_key = ("X-Api-Key", API_KEY)
        client = self.rest(auth_mod.ApiKeyAuth("X-Api-Key", API_KEY))
        self.assertEqual(client.ping(), "ok")
        self.assertEqual(self.tms.received("/ping")[0].headers["X-Api-Key"], API_KEY)

        with self.assertRaises(RemoteError) as caught:
            self.rest(auth_mod.ApiKeyAuth("X-Api-Key", "wrong-key")).ping()
        self.assertEqual(caught.exception.status_code, 401)
        self.assertIn("missing or wrong X-Api-Key", str(caught.exception))
        self.assertEqual(self.tms.count("/ping"), 2, "a 401 with a static key is not retried")

    def test_basic(self):
        self.tms.basic = ("odoo", PASSWORD)
        self.assertEqual(self.rest(auth_mod.BasicAuth("odoo", PASSWORD)).ping(), "ok")
        self.assertTrue(self.tms.received("/ping")[0].headers["Authorization"].startswith("Basic "))
        with self.assertRaises(RemoteError) as caught:
            self.rest(auth_mod.BasicAuth("odoo", "wrong")).ping()
        self.assertEqual(caught.exception.status_code, 401)
        self.assertEqual(self.tms.auth_failures, 1)

    def test_oauth2_one_token_for_many_calls(self):
        self.tms.oauth = self.oauth
        auth = self.oauth2()
        client = self.rest(auth)
        for _i in range(3):
            self.assertEqual(client.ping(), "ok")
        client.send_transport_order(PAYLOAD)
        self.assertEqual(self.oauth.tokens_issued, 1)
        self.assertEqual(self.oauth.count("/token"), 1)
        token_request = self.oauth.received("/token")[0]
        self.assertIn(b"grant_type=client_credentials", token_request.body)
        self.assertIn(b"client_id=odoo-client", token_request.body)
        authorizations = {r.headers["Authorization"] for r in self.tms.received()}
        self.assertEqual(authorizations, {"Bearer " + self.oauth.current_token})
        self.assertEqual(auth.tokens_fetched, 1)

    def test_oauth2_client_auth_basic_and_scope(self):
        self.tms.oauth = self.oauth
        client = self.rest(self.oauth2(client_auth="basic", scope="tms.write"))
        self.assertEqual(client.ping(), "ok")
        token_request = self.oauth.received("/token")[0]
        self.assertTrue(token_request.headers["Authorization"].startswith("Basic "))
        self.assertNotIn(b"client_secret", token_request.body)
        self.assertIn(b"scope=tms.write", token_request.body)

    def test_oauth2_refresh_on_expiry(self):
        self.tms.oauth = self.oauth
        clock = Clock()
        cache = DictCache()
        client = self.rest(self.oauth2(clock=clock, token_cache=cache))
        client.ping()
        # Cached until expires_in (3600 s) minus the safety margin (60 s).
        self.assertEqual(cache.value[1], datetime(2024, 6, 1, 12, 59, 0))
        clock.now += timedelta(minutes=58, seconds=59)
        client.ping()
        self.assertEqual(self.oauth.tokens_issued, 1)
        clock.now += timedelta(seconds=1)
        client.ping()
        self.assertEqual(self.oauth.tokens_issued, 2)
        first, second = (r.headers["Authorization"] for r in self.tms.received("/ping")[1:])
        self.assertNotEqual(first, second)
        self.assertEqual(cache.writes, [datetime(2024, 6, 1, 12, 59, 0), datetime(2024, 6, 1, 13, 58, 0)])

    def test_oauth2_short_lived_token_margin(self):
        """A token of 10 s is used for 5 s (the margin is at most half the lifetime)."""
        self.tms.oauth = self.oauth
        self.oauth.expires_in = 10
        clock = Clock()
        cache = DictCache()
        self.rest(self.oauth2(clock=clock, token_cache=cache)).ping()
        self.assertEqual(cache.value[1], datetime(2024, 6, 1, 12, 0, 5))

    def test_oauth2_refresh_on_401(self):
        self.tms.oauth = self.oauth
        client = self.rest(self.oauth2())
        client.ping()
        self.oauth.revoke()
        self.assertEqual(client.send_transport_order(PAYLOAD)["booking_id"], "BK-00001")
        self.assertEqual(self.oauth.tokens_issued, 2)
        posts = self.tms.received("/transport-orders", "POST")
        self.assertEqual(len(posts), 2)
        self.assertNotEqual(posts[0].headers["Authorization"], posts[1].headers["Authorization"])
        self.assertEqual(self.tms.auth_failures, 1)
        self.assertEqual(self.tms.creations, 1)

    def test_oauth2_refreshes_once_only(self):
        """An API that keeps answering 401 gets one fresh token, then the call fails."""
        self.tms.oauth = self.oauth
        self.tms.behave("/ping", statuses=[401, 401, 401])
        with self.assertRaises(RemoteError) as caught:
            self.rest(self.oauth2()).ping()
        self.assertEqual(caught.exception.status_code, 401)
        self.assertEqual(self.tms.count("/ping"), 2)
        self.assertEqual(self.oauth.tokens_issued, 2)

    def test_oauth2_shared_cache(self):
        """The cache is pluggable: a second auth object (another worker) reuses the stored token."""
        self.tms.oauth = self.oauth
        cache = DictCache()
        self.rest(self.oauth2(token_cache=cache)).ping()
        self.rest(self.oauth2(token_cache=cache)).ping()
        self.assertEqual(self.oauth.tokens_issued, 1)
        self.assertEqual(len(cache.writes), 1)

    def test_oauth2_aware_and_epoch_expiry_from_cache(self):
        self.tms.oauth = self.oauth
        token = self.oauth2().get_token()
        for expires_at in (datetime.now(UTC) + timedelta(hours=1), time.time() + 3600):
            with self.subTest(expires_at=expires_at):
                cache = DictCache()
                cache.value = (token, expires_at)
                self.rest(self.oauth2(token_cache=cache)).ping()
                self.assertEqual(self.oauth.tokens_issued, 1)

    def test_oauth2_wrong_secret(self):
        auth = self.track(
            auth_mod.OAuth2ClientCredentials(self.oauth.token_url, "odoo-client", "bad-secret-value", timeout=1)
        )
        with self.assertRaises(RemoteError) as caught:
            self.rest(auth).ping()
        self.assertEqual(caught.exception.status_code, 401)
        self.assertIn("invalid_client", str(caught.exception))
        self.assertNotIn("bad-secret-value", str(caught.exception))
        self.assertEqual(self.tms.count(), 0)

    def test_oauth2_token_endpoint_down(self):
        self.oauth.behave("/token", statuses=[503])
        with self.assertRaises(RetryableError) as caught:
            self.rest(self.oauth2()).ping()
        self.assertEqual(caught.exception.status_code, 503)
        self.oauth.behave("/token", delay=3)
        with self.assertRaises(RetryableError) as caught:
            self.rest(self.oauth2(timeout=(0.5, 0.3))).ping()
        self.assertIn("timed out", str(caught.exception))

    def test_secrets_never_in_repr_errors_or_logs(self):
        auths = [
            auth_mod.ApiKeyAuth("X-Api-Key", API_KEY),
            auth_mod.BasicAuth("odoo", PASSWORD),
            self.oauth2(),
        ]
        secrets = [API_KEY, PASSWORD, CLIENT_SECRET]
        for auth in auths:
            for text in (str(auth), repr(auth), repr(self.rest(auth)), repr(self.soap_client(auth))):
                for secret in secrets:
                    self.assertNotIn(secret, text)
        self.tms.oauth = self.oauth
        # The remote echoes a secret in its error: the error message and body are redacted.
        with self.assertLogs(SERVICES_LOGGER, level="DEBUG") as logs:
            client = self.rest(auths[2])
            client.ping()
            token = self.oauth.current_token
            self.tms.behave("/ping", statuses=[503, 400], body={"error": f"bad token {token} / {CLIENT_SECRET}"})
            with self.assertRaises(RemoteError) as caught:
                client.ping()
            self.oauth.revoke()
            client.ping()
        error_texts = [str(caught.exception), repr(caught.exception), caught.exception.body]
        self.assertIn("bad token *** / ***", str(caught.exception))
        for text in error_texts + logs.output:
            for secret in [*secrets, token, self.oauth.current_token]:
                self.assertNotIn(secret, text)
        # Basic credentials echoed back are redacted as well.
        self.tms.behave("/ping", statuses=[403], body={"error": f"user odoo:{PASSWORD} refused"})
        with self.assertRaises(RemoteError) as caught:
            self.rest(auths[1]).ping()
        self.assertNotIn(PASSWORD, str(caught.exception) + caught.exception.body)


@tagged("post_install", "-at_install")
class TestRestClient(ClientsCommon):
    def test_success_and_canonical_calls(self):
        self.tms.booking_extra = {"carrier_scac": "FFRT"}
        client = self.rest()
        self.assertIsInstance(client, LogisticsClient)
        booking = client.send_transport_order(PAYLOAD, idempotency_key="to:SHP/2024/0001:1")
        self.assertEqual(
            booking,
            {
                "booking_id": "BK-00001",
                "reference": "SHP/2024/0001",
                "revision": 1,
                "status": "booked",
                "tracking_reference": "TRK-00001",
                "planned_pickup": "2024-06-03 08:00:00",
                "planned_delivery": "2024-06-04 17:30:00",
                "carrier_scac": "FFRT",
                "_status": 201,
            },
        )
        received = self.tms.received("/transport-orders", "POST")[0]
        self.assertEqual(received.json, PAYLOAD)
        self.assertEqual(received.headers["Idempotency-Key"], "to:SHP/2024/0001:1")
        self.assertEqual(received.headers["Accept"], "application/json")
        self.assertTrue(received.headers["User-Agent"].startswith("odoo-logistics-connector/18.0"))

        updated = client.update_transport_order("BK-00001", dict(PAYLOAD, revision=2), idempotency_key="u1")
        self.assertEqual((updated["revision"], updated["_status"]), (2, 200))
        # The shipment reference finds the booking too (the booking poll uses it).
        self.assertEqual(client.get_booking("SHP/2024/0001")["booking_id"], "BK-00001")
        self.assertEqual(self.tms.received("/transport-orders/*", "GET")[0].path, "/transport-orders/SHP/2024/0001")
        cancelled = client.cancel_transport_order("BK-00001", {"reason": "cancelled in Odoo"}, idempotency_key="c1")
        self.assertEqual(
            cancelled, {"booking_id": "BK-00001", "reference": "SHP/2024/0001", "status": "cancelled", "_status": 200}
        )
        self.assertEqual(
            self.tms.received("/transport-orders/BK-00001/cancel")[0].json, {"reason": "cancelled in Odoo"}
        )
        self.assertEqual(client.get_booking("BK-00001")["status"], "cancelled")

    def test_low_level_request(self):
        response = self.track(RestClient(self.tms.url + "/", timeout=2)).request("GET", "ping", params={"deep": "1"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json_body, {"status": "ok", "service": "loopback-tms"})
        self.assertEqual(response.attempts, 1)
        self.assertGreater(response.elapsed, 0)
        self.assertEqual(self.tms.received("/ping")[0].query, {"deep": "1"})

    def test_session_reused_and_timeout_always_passed(self):
        self.tms.oauth = self.oauth
        session = self.track(RecordingSession())
        token_session = self.track(RecordingSession())
        client = self.rest(self.oauth2(session=token_session), session=session, timeout=(1.5, 2.5))
        for _i in range(3):
            client.ping()
        self.assertEqual(self.tms.connections, 1)
        self.assertEqual(session.timeouts, [(1.5, 2.5)] * 3)
        self.assertEqual(token_session.timeouts, [(1.0, 2.0)])

    def test_idempotency_key_creates_one_booking(self):
        client = self.rest()
        first = client.send_transport_order(PAYLOAD, idempotency_key="same-key")
        again = client.send_transport_order(PAYLOAD, idempotency_key="same-key")
        self.assertEqual(first, again)
        self.assertEqual(self.tms.creations, 1)
        self.assertEqual(self.tms.received("/transport-orders")[1].headers["Idempotency-Key"], "same-key")
        other = client.send_transport_order(PAYLOAD, idempotency_key="other-key")
        self.assertEqual(other["booking_id"], "BK-00002")
        self.assertEqual(self.tms.creations, 2)

    def test_retry_after_5xx_is_idempotent(self):
        """A 502 after the booking was created: the retry with the same key books nothing new."""
        client = self.rest()
        client.send_transport_order(PAYLOAD, idempotency_key="k1")
        self.tms.behave("/transport-orders", statuses=[502])
        self.assertEqual(client.send_transport_order(PAYLOAD, idempotency_key="k1")["booking_id"], "BK-00001")
        self.assertEqual(self.tms.creations, 1)

    def test_4xx_not_retried(self):
        client = self.rest()
        with self.assertRaises(RemoteError) as caught:
            client.send_transport_order({"carrier": "x"})
        error = caught.exception
        self.assertEqual(error.status_code, 422)
        self.assertIn("reference is required", error.body)
        self.assertEqual(
            str(error),
            f"POST {self.tms.url}/transport-orders refused: HTTP 422: " '{"error": "reference is required"}',
        )
        self.assertEqual(self.tms.count("/transport-orders"), 1)
        with self.assertRaises(RemoteError) as caught:
            client.get_booking("BK-99999")
        self.assertEqual(caught.exception.status_code, 404)
        self.assertEqual(self.tms.count("/transport-orders/BK-99999"), 1)

    def test_long_error_body_is_cut(self):
        self.tms.behave("/ping", statuses=[400], body={"error": "x" * 5000})
        with self.assertRaises(RemoteError) as caught:
            self.rest().ping()
        self.assertLess(len(str(caught.exception)), 400)
        self.assertEqual(len(caught.exception.body), 2000)

    def test_5xx_then_success(self):
        self.tms.behave("/transport-orders", statuses=[503, 500, 200])
        sleeps = Sleeps()
        client = self.rest(sleep=sleeps)
        response = client.post("/transport-orders", json=PAYLOAD)
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.attempts, 3)
        self.assertEqual(self.tms.count("/transport-orders"), 3)
        self.assertEqual(self.tms.creations, 1)
        self.assertEqual(len(sleeps), 2)
        # Exponential backoff with jitter: base * 2**n * [0.5, 1].
        self.assertTrue(0.005 <= sleeps[0] <= 0.01 and 0.01 <= sleeps[1] <= 0.02, sleeps)

    def test_429_retry_after_honoured(self):
        self.tms.behave("/ping", statuses=[429], retry_after=1)
        sleeps = Sleeps()
        started = time.monotonic()
        self.assertEqual(self.rest(sleep=sleeps).ping(), "ok")
        self.assertGreaterEqual(time.monotonic() - started, 1.0)
        self.assertEqual(sleeps, [1.0])
        self.assertEqual(self.tms.count("/ping"), 2)

    def test_retry_after_beyond_cap_gives_up_at_once(self):
        self.tms.behave("/ping", statuses=[429], retry_after=120)
        sleeps = Sleeps()
        with self.assertRaises(RetryableError) as caught:
            self.rest(sleep=sleeps, max_retry_after=30).ping()
        self.assertEqual((caught.exception.delay, caught.exception.status_code), (120.0, 429))
        self.assertEqual(sleeps, [])
        self.assertEqual(self.tms.count("/ping"), 1)

    def test_retry_after_http_date(self):
        now = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)
        self.assertEqual(parse_retry_after("Sat, 01 Jun 2024 12:00:07 GMT", now=now), 7.0)
        self.assertEqual(parse_retry_after("Sat, 01 Jun 2024 11:00:00 GMT", now=now), 0.0)
        self.assertEqual(parse_retry_after("5"), 5.0)
        self.assertEqual(parse_retry_after("0.25"), 0.25)
        self.assertIsNone(parse_retry_after("soon"))
        self.assertIsNone(parse_retry_after(None))
        # From a real answer: a date two seconds ahead, waited for.
        when = datetime.now(UTC) + timedelta(seconds=2)
        self.tms.behave("/ping", statuses=[503], retry_after=when.strftime("%a, %d %b %Y %H:%M:%S GMT"))
        sleeps = Sleeps()
        self.assertEqual(self.rest(sleep=sleeps).ping(), "ok")
        self.assertEqual(len(sleeps), 1)
        self.assertTrue(0.5 < sleeps[0] <= 2.0, sleeps)

    def test_retries_exhausted(self):
        self.tms.behave("/transport-orders", statuses=[503, 503, 503], retry_after=0)
        with self.assertRaises(RetryableError) as caught:
            self.rest(max_retries=2).send_transport_order(PAYLOAD)
        error = caught.exception
        self.assertEqual((error.status_code, error.delay), (503, 0.0))
        self.assertEqual(str(error), f"POST {self.tms.url}/transport-orders: HTTP 503 after 3 attempt(s)")
        self.assertEqual(self.tms.count("/transport-orders"), 3)
        self.assertEqual(self.tms.creations, 0)

    def test_no_retries(self):
        self.tms.behave("/ping", statuses=[500, 500])
        with self.assertRaises(RetryableError) as caught:
            self.rest(max_retries=0).ping()
        self.assertEqual((caught.exception.status_code, caught.exception.delay), (500, None))
        self.assertEqual(self.tms.count("/ping"), 1)

    def test_timeout_against_hanging_server(self):
        self.tms.behave("/ping", delay=10)
        started = time.monotonic()
        with self.assertRaises(RetryableError) as caught:
            self.rest(timeout=(0.5, 0.5), max_retries=1).ping()
        self.assertLess(time.monotonic() - started, 3)
        self.assertIsNone(caught.exception.status_code)
        self.assertIn("timed out (timeout connect 0.5 s, read 0.5 s) after 2 attempt(s)", str(caught.exception))
        self.assertEqual(self.tms.count("/ping"), 2)

    def test_slow_but_within_timeout(self):
        self.tms.behave("/ping", delay=0.4)
        response = self.rest(timeout=(1, 2)).get("/ping")
        self.assertEqual(response.status_code, 200)
        self.assertGreaterEqual(response.elapsed, 0.4)
        self.assertEqual(response.attempts, 1)

    def test_connection_refused(self):
        with TmsServer() as gone:
            url = gone.url
        with self.assertRaises(RetryableError) as caught:
            self.track(RestLogisticsClient(url, timeout=1, max_retries=1, backoff_base=0.01)).ping()
        self.assertIn("connection failed (ConnectionError) after 2 attempt(s)", str(caught.exception))
        self.assertIsNone(caught.exception.status_code)

    def test_invalid_url(self):
        with self.assertRaises(PermanentError):
            self.track(RestLogisticsClient("no-scheme.example", timeout=1)).ping()
        with self.assertRaises(PermanentError):
            self.rest().get_booking("")


@tagged("post_install", "-at_install")
class TestSoapClient(ClientsCommon):
    def test_soap_success_from_url(self):
        client = self.soap_client()
        self.assertIsInstance(client, LogisticsClient)
        self.assertEqual(client.ping(), "OK")
        booking = client.send_transport_order(PAYLOAD, idempotency_key="to:1")
        self.assertEqual(
            booking,
            {
                "booking_id": "BK-00001",
                "reference": "SHP/2024/0001",
                "tracking_reference": "TRK-00001",
                "planned_pickup": "2024-06-03T08:00:00",
                "planned_delivery": "2024-06-04T17:30:00",
                "_status": 200,
            },
        )
        submit = self.soap.received("SubmitTransportOrder")[0]
        self.assertEqual(submit.params["ShipmentReference"], "SHP/2024/0001")
        self.assertEqual(submit.params["Carrier"], "Fast Freight")
        self.assertEqual(submit.headers["Idempotency-Key"], "to:1")
        self.assertIn('"weight_kg": 120.5', submit.params["Payload"])
        self.assertEqual(
            client.get_booking("BK-00001"),
            {
                "booking_id": "BK-00001",
                "reference": "SHP/2024/0001",
                "status": "BOOKED",
                "tracking_reference": "TRK-00001",
                "planned_pickup": "2024-06-03T08:00:00",
                "planned_delivery": "2024-06-04T17:30:00",
                "_status": 200,
            },
        )
        updated = client.update_transport_order("BK-00001", dict(PAYLOAD, planned_pickup="2024-06-05 09:00:00"))
        self.assertEqual(updated["planned_pickup"], "2024-06-05T09:00:00")
        cancelled = client.cancel_transport_order("BK-00001", {"reason": "no longer needed"})
        self.assertEqual(cancelled, {"booking_id": "BK-00001", "status": "CANCELLED", "_status": 200})
        self.assertEqual(self.soap.received("CancelTransportOrder")[0].params["Reason"], "no longer needed")
        # The WSDL was loaded once, for all these calls.
        self.assertEqual(self.soap.count("/soap", "GET"), 1)

    def test_call_returns_plain_dicts(self):
        client = self.track(SoapClient(self.soap.wsdl_url, timeout=2))
        self.assertEqual(client.call("Ping"), {"Status": "OK"})
        answer = client.call("SubmitTransportOrder", ShipmentReference="R1", Payload="{}")
        self.assertIs(type(answer), dict)
        self.assertEqual(
            answer,
            {"BookingId": "BK-00001", "TrackingReference": "TRK-00001", "PlannedPickup": None, "PlannedDelivery": None},
        )
        self.assertEqual(
            client.operations(),
            ["CancelTransportOrder", "GetBooking", "Ping", "SubmitTransportOrder", "UpdateTransportOrder"],
        )
        with self.assertRaises(PermanentError):
            client.call("NoSuchOperation")
        with self.assertRaises(PermanentError):
            client.call("GetBooking", NoSuchArgument="x")

    def test_wsdl_from_bytes(self):
        client = self.soap_client(wsdl=self.soap.wsdl_bytes())
        self.assertEqual(client.ping(), "OK")
        self.assertEqual(self.soap.count("/soap", "GET"), 0)
        self.assertEqual(self.soap.count("Ping"), 1)

    def test_wsdl_from_file_with_endpoint(self):
        """A WSDL file whose address is a placeholder, and the endpoint set on the client."""
        wsdl = self.soap.wsdl_bytes().replace(self.soap.address.encode(), b"https://tms.invalid/soap")
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "tms.wsdl")
            with open(path, "wb") as file:
                file.write(wsdl)
            client = self.soap_client(wsdl=path, endpoint=self.soap.address)
            self.assertEqual(client.ping(), "OK")
        self.assertEqual(self.soap.count("Ping"), 1)

    def test_soap_fault_client_is_remote_error(self):
        self.soap.behave("SubmitTransportOrder", fault=("Client", "Unknown carrier XYZ"))
        with self.assertRaises(RemoteError) as caught:
            self.soap_client().send_transport_order(PAYLOAD)
        self.assertEqual(caught.exception.status_code, 500)
        self.assertIn("SOAP Fault soap:Client: Unknown carrier XYZ", str(caught.exception))
        self.assertEqual(self.soap.count("SubmitTransportOrder"), 1)
        # A business fault of the server itself (unknown booking) is a Client fault too.
        with self.assertRaises(RemoteError):
            self.soap_client().get_booking("BK-404")

    def test_soap_fault_server_is_retryable(self):
        self.soap.behave("Ping", fault=("Server", "Database unavailable"))
        with self.assertRaises(RetryableError) as caught:
            self.soap_client().ping()
        self.assertEqual(caught.exception.status_code, 500)
        self.assertIn("Database unavailable", str(caught.exception))
        self.assertEqual(self.soap.count("Ping"), 1, "faults are not retried inside the call")

    def test_soap_503_retried(self):
        self.soap.behave("SubmitTransportOrder", statuses=[503])
        booking = self.soap_client().send_transport_order(PAYLOAD, idempotency_key="k")
        self.assertEqual(booking["booking_id"], "BK-00001")
        self.assertEqual(self.soap.count("SubmitTransportOrder"), 2)
        self.soap.behave("Ping", statuses=[503, 503], retry_after=0)
        with self.assertRaises(RetryableError) as caught:
            self.soap_client(max_retries=1).ping()
        self.assertEqual((caught.exception.status_code, caught.exception.delay), (503, 0.0))
        self.assertEqual(self.soap.count("Ping"), 2)
        # An error page that is well-formed XML but no SOAP envelope is an HTTP error as well.
        self.soap.behave("Ping", statuses=[502], body=b"<html><body>Bad gateway</body></html>")
        self.assertEqual(self.soap_client().ping(), "OK")
        self.assertEqual(self.soap.count("Ping"), 4)
        self.soap.behave("Ping", statuses=[404], body=b"<html><body>No such service</body></html>")
        with self.assertRaises(RemoteError) as caught:
            self.soap_client().ping()
        self.assertEqual(caught.exception.status_code, 404)
        self.assertIn("No such service", str(caught.exception))

    def test_soap_idempotency(self):
        client = self.soap_client()
        first = client.send_transport_order(PAYLOAD, idempotency_key="same")
        self.assertEqual(client.send_transport_order(PAYLOAD, idempotency_key="same"), first)
        self.assertEqual(self.soap.creations, 1)

    def test_soap_auth(self):
        self.soap.api_key = ("X-Api-Key", API_KEY)
        self.assertEqual(self.soap_client(auth_mod.ApiKeyAuth("X-Api-Key", API_KEY)).ping(), "OK")
        with self.assertRaises(RemoteError) as caught:
            self.soap_client(auth_mod.ApiKeyAuth("X-Api-Key", "wrong")).ping()
        self.assertEqual(caught.exception.status_code, 401)
        self.assertNotIn(API_KEY, str(caught.exception))

    def test_soap_oauth2_refresh_on_401(self):
        self.soap.oauth = self.oauth
        client = self.soap_client(self.oauth2())
        self.assertEqual(client.ping(), "OK")
        self.oauth.revoke()
        self.assertEqual(client.ping(), "OK")
        self.assertEqual(self.oauth.tokens_issued, 2)
        self.assertEqual(self.soap.count("Ping"), 3)

    def test_soap_timeout(self):
        self.soap.behave("Ping", delay=10)
        started = time.monotonic()
        with self.assertRaises(RetryableError) as caught:
            self.soap_client(timeout=(0.5, 0.5), max_retries=0).ping()
        self.assertLess(time.monotonic() - started, 2)
        self.assertIn("timed out", str(caught.exception))

    def test_wsdl_errors(self):
        with TmsServer() as gone:
            url = gone.url + "/soap?wsdl"
        with self.assertRaises(RetryableError):
            self.track(SoapClient(url, timeout=1)).call("Ping")
        with self.assertRaises(PermanentError):
            self.track(SoapClient(b"<not-a-wsdl/>", timeout=1)).call("Ping")
        with self.assertRaises(RemoteError) as caught:
            self.track(SoapClient(self.tms.url + "/nowhere?wsdl", timeout=1)).call("Ping")
        self.assertEqual(caught.exception.status_code, 404)


@tagged("post_install", "-at_install")
class TestMakeClient(BaseCase):
    def test_make_client(self):
        auth = auth_mod.ApiKeyAuth("X-API-Key", API_KEY)
        rest = make_client(
            "rest", base_url="https://tms.example/api/", wsdl=None, auth=auth, timeout=(5, 30), max_retries=2
        )
        self.assertIsInstance(rest, RestLogisticsClient)
        self.assertEqual((rest.base_url, rest.timeout, rest.max_retries), ("https://tms.example/api", (5, 30), 2))
        self.assertIs(rest.auth, auth)
        soap = make_client("soap", base_url=None, wsdl=b"<wsdl/>", timeout=(5, 30), max_retries=0)
        self.assertIsInstance(soap, SoapLogisticsClient)
        self.assertEqual((soap.timeout, soap.operation_timeout, soap.max_retries), ((5, 30), (5, 30), 0))
        self.assertIsInstance(soap.auth, auth_mod.NoAuth)

    def test_make_client_errors(self):
        with self.assertRaises(PermanentError):
            make_client("ftp", base_url="x")
        with self.assertRaises(PermanentError):
            make_client("rest", base_url=None, wsdl="https://x/?wsdl")
        with self.assertRaises(PermanentError):
            make_client("soap", base_url="https://x", wsdl=None)
        with self.assertRaises(TypeError):
            make_client("rest", base_url="https://x", timout=3)

    def test_paths_are_class_attributes(self):
        class Custom(RestLogisticsClient):
            transport_orders_path = "/v2/orders"

        self.assertEqual(Custom("https://x", timeout=1).url(Custom.transport_orders_path), "https://x/v2/orders")
        self.assertEqual(RestLogisticsClient.cancel_path, "/transport-orders/{id}/cancel")
        self.assertEqual(SoapLogisticsClient.submit_operation, "SubmitTransportOrder")
        logging.getLogger(__name__).debug("paths checked")
