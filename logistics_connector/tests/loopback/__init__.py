"""Real HTTP servers on 127.0.0.1 that play a TMS (REST and SOAP) and an OAuth2 token endpoint.

Test utilities, importable by any addon's tests::

    from odoo.addons.logistics_connector.tests.loopback import (
        LoopbackCase, OAuthServer, SoapTmsServer, TmsServer,
    )

One server per module: ``server.py`` (:class:`LoopbackServer`, the base: lifecycle, records,
behaviours, auth checks), ``case.py`` (:class:`LoopbackCase`), ``tms_rest.py``
(:class:`TmsServer`), ``soap_tms.py`` (:class:`SoapTmsServer` and its WSDL), ``oauth.py``
(:class:`OAuthServer`), ``bookings.py`` (:class:`BookingServer`, the base of both TMS servers,
and the bookings they share). A new server (a carrier platform, a FAP...) subclasses
:class:`LoopbackServer` in a module of its own and is exported here.

Every server listens on an ephemeral port of 127.0.0.1 (``ThreadingHTTPServer`` in a daemon
thread, HTTP/1.1 keep-alive), is a context manager (``with TmsServer() as tms:``) or
``start()``/``stop()``-ed explicitly, and stops itself after ``max_lifetime`` seconds
(600) if a test forgets to. Delays are capped (``max_delay``, 30 s) and cut short by
``stop()``. Bodies above 1 MiB are refused (413).

**Odoo test cases block or slow HTTP.** ``BaseCase`` patches ``requests.Session.send``:
timeouts under 10 s become 10 s and a ``(connect, read)`` tuple timeout raises a
``TypeError``. Put :class:`LoopbackCase` first in the bases: calls to 127.0.0.1/localhost
go through untouched, everything else stays blocked::

    class TestSend(LoopbackCase, TransactionCase):
        @classmethod
        def setUpClass(cls):
            super().setUpClass()
            cls.oauth = cls.start_server(OAuthServer(client_id="odoo", client_secret="s3cret"))
            cls.tms = cls.start_server(TmsServer(oauth=cls.oauth))   # or api_key=/basic=
            cls.soap = cls.start_server(SoapTmsServer(api_key=("X-API-Key", "k")))

        def setUp(self):
            super().setUp()
            self.tms.reset()                      # records, behaviours, bookings

        def test_send(self):
            self.backend.base_url = self.tms.url  # REST API root
            self.soap.wsdl_url                    # http://127.0.0.1:<port>/soap?wsdl
            self.soap.wsdl_bytes()                # the same document, for a WSDL upload
            self.oauth.token_url                  # http://127.0.0.1:<port>/token

Knobs shared by all servers
---------------------------
* ``server.behave(key, statuses=[503, 503, 200], retry_after=1, delay=0.3, times=None,
  method=None, body=None, headers=None, fault=None)``: for requests whose path (SOAP: the
  operation name) matches the glob ``key``: wait ``delay`` seconds (a hang if longer than
  the client's read timeout), then answer the next scripted status (a status below 300
  or ``None`` means "answer normally"), with ``Retry-After`` and ``body`` (a dict as JSON,
  bytes as they are) on scripted errors. A behaviour applies ``times`` times (default: as
  many as ``statuses``, once for a ``fault``, forever for a ``delay`` alone); the first
  matching active behaviour wins. ``fault=("Client", "Unknown carrier")`` makes the SOAP
  server answer a SOAP Fault (HTTP 500); ``statuses=[401]`` forces a token refresh.
* auth the API demands: ``api_key=("X-API-Key", "k")``, ``basic=("user", "pw")``,
  ``oauth=<OAuthServer>`` (a bearer token it issued and did not revoke); constructor
  arguments or attributes; a wrong or missing credential gets 401.
* records: ``server.received(path=None, method=None)`` -> list of :class:`Recorded`
  (``method, path, query, headers, body, json, operation, params``), thread-safe;
  ``server.count(path=None, method=None)``; ``server.connections`` (TCP connections
  accepted: one for many calls shows the session is reused); ``server.auth_failures``.
* ``server.reset()`` forgets records, behaviours and the server's state.

TmsServer (REST, canonical JSON)
--------------------------------
``GET /ping`` -> ``{"status": "ok"}``; ``POST /transport-orders`` -> 201 booking (422 without
``reference``); ``PUT /transport-orders/{id}`` -> 200 booking; ``POST
/transport-orders/{id}/cancel`` -> 200 ``{"booking_id", "reference", "status": "cancelled"}``;
``GET /transport-orders/{id}`` -> 200 booking; ``{id}`` is a booking id or our reference,
unknown ones get 404. A booking is ``{"booking_id": "BK-00001", "reference", "revision",
"status": "booked", "tracking_reference": "TRK-00001", "planned_pickup",
"planned_delivery"}`` plus ``tms.booking_extra`` (e.g. ``{"carrier_scac": "ABCD"}``).
Idempotency: a repeated ``Idempotency-Key`` gets the first answer again (header
``Idempotent-Replayed: true``) and creates nothing; ``tms.creations`` counts bookings
created, ``tms.bookings`` holds them by booking id.

OAuthServer
-----------
``POST /token`` (form ``grant_type=client_credentials``, client id/secret in the form or as
HTTP basic) -> ``{"access_token", "token_type": "Bearer", "expires_in"}``; wrong client ->
401 ``invalid_client``, other grant -> 400 ``unsupported_grant_type``. Knobs:
``expires_in`` (seconds, server side too), ``tokens_issued``, ``current_token``,
``revoke()`` (every token issued so far becomes invalid: the API answers 401),
``is_valid(token)``.

SoapTmsServer (SOAP 1.1, document/literal)
------------------------------------------
``GET /soap?wsdl`` serves :func:`tms_wsdl` with this server's address; ``POST /soap``
answers SubmitTransportOrder, UpdateTransportOrder, CancelTransportOrder, GetBooking and Ping
(same bookings, idempotency and counters as the REST server). ``behave("Submit*",
fault=("Client", "Unknown carrier"))`` answers a SOAP Fault, ``statuses=[503]`` an HTML 503.
Records carry ``operation`` and ``params`` (element name -> text).
"""

from .bookings import BookingServer, BookingStore
from .case import LOOPBACK_HOSTS, LoopbackCase
from .oauth import OAuthServer
from .server import HOST, MAX_BODY, MAX_RECORDS, Answer, Behaviour, LoopbackServer, Recorded, json_answer
from .soap_tms import SOAP_ENV, SOAP_OPERATIONS, TMS_NS, SoapTmsServer, soap_envelope, soap_fault, tms_wsdl
from .tms_rest import TmsServer

__all__ = [
    "HOST",
    "LOOPBACK_HOSTS",
    "MAX_BODY",
    "MAX_RECORDS",
    "SOAP_ENV",
    "SOAP_OPERATIONS",
    "TMS_NS",
    "Answer",
    "Behaviour",
    "BookingServer",
    "BookingStore",
    "LoopbackCase",
    "LoopbackServer",
    "OAuthServer",
    "Recorded",
    "SoapTmsServer",
    "TmsServer",
    "json_answer",
    "soap_envelope",
    "soap_fault",
    "tms_wsdl",
]
