"""The one interface backends use to talk to a TMS, whatever the protocol.

``make_client("rest" | "soap", **settings)`` returns a :class:`LogisticsClient`:
a :class:`RestLogisticsClient` (a :class:`~.rest_client.RestClient`) speaking our
canonical JSON API, or a :class:`SoapLogisticsClient` (a :class:`~.soap_client.SoapClient`)
speaking our own WSDL. Endpoint paths and operation names are class attributes, so a
subclass (or a small monkey-patch in a customer addon) adapts them to a given TMS.

Every answer is a JSON-serialisable dict in the canonical shape (keys absent when the
TMS did not say)::

    {"booking_id": "BK-00001", "reference": "SHP/2024/0001", "status": "booked",
     "tracking_reference": "TRK-1", "planned_pickup": "2024-06-01T08:00:00",
     "planned_delivery": "...", "carrier_scac": "ABCD", "_status": 201}

``_status`` is the HTTP status of the answer.
"""

import abc
import json
from urllib.parse import quote

from .exceptions import PermanentError
from .rest_client import RestClient
from .soap_client import SoapClient, to_json_safe


class LogisticsClient(abc.ABC):
    """What a TMS backend can do. All methods raise the suite's errors:

    :class:`~.exceptions.RetryableError` (timeout, connection, 429, 5xx: try again later),
    :class:`~.exceptions.RemoteError` (refused: 4xx, SOAP client fault),
    :class:`~.exceptions.PermanentError` (configuration or input is wrong).
    """

    @abc.abstractmethod
    def send_transport_order(self, payload, idempotency_key=None):
        """Create a transport order from the canonical payload; the booking (canonical dict)."""

    @abc.abstractmethod
    def update_transport_order(self, external_id, payload, idempotency_key=None):
        """Change the transport order ``external_id`` (booking id or our reference)."""

    @abc.abstractmethod
    def cancel_transport_order(self, external_id, payload=None, idempotency_key=None):
        """Cancel the transport order ``external_id``; ``payload`` may hold a ``reason``."""

    @abc.abstractmethod
    def get_booking(self, external_id):
        """The booking of ``external_id`` (booking id or our shipment reference)."""

    @abc.abstractmethod
    def ping(self):
        """A short text from the TMS saying it is there (``"ok"``)."""

    def ping_status(self):
        """Ping, and return only the HTTP status of the answer (None when unknown): what a
        person is shown of a connection test (never the body, which could be anything)."""
        self.ping()

    def list_shipment_statuses(self, date_from, date_to):
        """Shipments the TMS knows for the period (dates inclusive): dicts with reference,
        shipment_id, status, delivered_at. Only the REST API has this report."""
        raise PermanentError("This backend's protocol cannot report statuses for a period (REST only).")


def _compact(values):
    return {key: value for key, value in values.items() if value not in (None, "")}


class RestLogisticsClient(RestClient, LogisticsClient):
    """The canonical JSON API::

    POST /transport-orders               -> 201 booking
    PUT  /transport-orders/{id}          -> 200 booking
    POST /transport-orders/{id}/cancel   -> 200 {"booking_id", "status": "cancelled"}
    GET  /transport-orders/{id}          -> 200 booking
    GET  /ping                           -> 200 {"status": "ok"}
    GET  /reconciliation/shipments?from=<date>&to=<date>[&cursor=<c>]
        -> 200 {"shipments": [{"reference": "SHP-1", "shipment_id": "BK-1", "status": "delivered",
                               "delivered_at": "2026-01-16T10:00:00Z"}], "cursor": null}

    Dates are ``YYYY-MM-DD``; a ``cursor`` in the answer asks for the next page.
    """

    transport_orders_path = "/transport-orders"
    transport_order_path = "/transport-orders/{id}"
    cancel_path = "/transport-orders/{id}/cancel"
    ping_path = "/ping"
    shipment_statuses_path = "/reconciliation/shipments"

    def _path(self, template, external_id):
        if not external_id:
            raise PermanentError("A transport order id is required.")
        return template.format(id=quote(str(external_id), safe=""))

    @staticmethod
    def _answer(response):
        body = response.json_body
        if body is None:
            answer = {}
        elif isinstance(body, dict):
            answer = dict(body)
        else:
            answer = {"data": body}
        answer["_status"] = response.status_code
        return answer

    def send_transport_order(self, payload, idempotency_key=None):
        return self._answer(self.post(self.transport_orders_path, json=payload, idempotency_key=idempotency_key))

    def update_transport_order(self, external_id, payload, idempotency_key=None):
        path = self._path(self.transport_order_path, external_id)
        return self._answer(self.put(path, json=payload, idempotency_key=idempotency_key))

    def cancel_transport_order(self, external_id, payload=None, idempotency_key=None):
        path = self._path(self.cancel_path, external_id)
        return self._answer(self.post(path, json=payload or {}, idempotency_key=idempotency_key))

    def get_booking(self, external_id):
        return self._answer(self.get(self._path(self.transport_order_path, external_id)))

    def ping_status(self):
        return self.get(self.ping_path).status_code

    def list_shipment_statuses(self, date_from, date_to):
        params = {"from": date_from.isoformat(), "to": date_to.isoformat()}
        return self.get_pages(self.shipment_statuses_path, "shipments", params=params)

    def ping(self):
        response = self.get(self.ping_path)
        body = response.json_body
        if isinstance(body, dict):
            return str(body.get("status") or body.get("message") or "ok")
        return (response.text or "").strip()[:200] or "ok"


class SoapLogisticsClient(SoapClient, LogisticsClient):
    """Our own WSDL (document/literal), see ``tests/loopback/soap_tms.py`` for the document::

    SubmitTransportOrder(ShipmentReference, Carrier, Payload)
        -> BookingId, TrackingReference, PlannedPickup, PlannedDelivery
    UpdateTransportOrder(BookingId, Payload) -> same as SubmitTransportOrder
    CancelTransportOrder(BookingId, Reason)  -> Status
    GetBooking(BookingId) -> BookingId, ShipmentReference, Status, TrackingReference,
                             PlannedPickup, PlannedDelivery
    Ping() -> Status

    ``Payload`` is the canonical JSON payload as a string.
    """

    submit_operation = "SubmitTransportOrder"
    update_operation = "UpdateTransportOrder"
    cancel_operation = "CancelTransportOrder"
    get_booking_operation = "GetBooking"
    ping_operation = "Ping"
    # SOAP element -> canonical key
    response_fields = {
        "BookingId": "booking_id",
        "ShipmentReference": "reference",
        "Status": "status",
        "TrackingReference": "tracking_reference",
        "PlannedPickup": "planned_pickup",
        "PlannedDelivery": "planned_delivery",
        "Carrier": "carrier_scac",
    }

    def _canonical(self, result, **extra):
        result = to_json_safe(result)
        answer = {self.response_fields[key]: value for key, value in result.items() if key in self.response_fields}
        answer = _compact({**extra, **answer})
        answer["_status"] = self.transport.last_status_code or 200
        return answer

    @staticmethod
    def _payload_json(payload):
        return json.dumps(payload, sort_keys=True, default=str)

    def send_transport_order(self, payload, idempotency_key=None):
        if not payload.get("reference"):
            raise PermanentError("The transport order payload has no reference.")
        result = self.call(
            self.submit_operation,
            _idempotency_key=idempotency_key,
            ShipmentReference=payload["reference"],
            Carrier=payload.get("carrier") or None,
            Payload=self._payload_json(payload),
        )
        return self._canonical(result, reference=payload["reference"])

    def update_transport_order(self, external_id, payload, idempotency_key=None):
        result = self.call(
            self.update_operation,
            _idempotency_key=idempotency_key,
            BookingId=str(external_id),
            Payload=self._payload_json(payload),
        )
        return self._canonical(result, reference=payload.get("reference"))

    def cancel_transport_order(self, external_id, payload=None, idempotency_key=None):
        result = self.call(
            self.cancel_operation,
            _idempotency_key=idempotency_key,
            BookingId=str(external_id),
            Reason=(payload or {}).get("reason") or None,
        )
        return self._canonical(result, booking_id=str(external_id))

    def get_booking(self, external_id):
        return self._canonical(self.call(self.get_booking_operation, BookingId=str(external_id)))

    def ping(self):
        result = self.call(self.ping_operation)
        return str(result.get("Status") or "ok")

    def ping_status(self):
        self.call(self.ping_operation)
        return self.transport.last_status_code


_REST_SETTINGS = {"base_url", "auth", "timeout", "max_retries", "backoff_base", "max_retry_after", "session"}
_REST_SETTINGS |= {"user_agent", "sleep"}
_SOAP_SETTINGS = _REST_SETTINGS - {"base_url"} | {"wsdl", "endpoint", "wsdl_base_url", "operation_timeout"}
_CLASSES = {"rest": (RestLogisticsClient, _REST_SETTINGS), "soap": (SoapLogisticsClient, _SOAP_SETTINGS)}


def make_client(protocol, **settings):
    """The :class:`LogisticsClient` of ``protocol`` (``"rest"`` or ``"soap"``).

    REST settings: ``base_url`` (required), ``auth``, ``timeout``, ``max_retries``,
    ``backoff_base``, ``max_retry_after``, ``session``, ``user_agent``.
    SOAP settings: ``wsdl`` (required: URL, path or bytes), ``endpoint``, ``wsdl_base_url``,
    ``operation_timeout`` and the same others. Settings of the other protocol (``wsdl`` for
    REST, ``base_url`` for SOAP) are ignored, so a backend can pass all it has; an unknown
    setting is a ``TypeError``.
    """
    try:
        cls, allowed = _CLASSES[protocol]
    except KeyError:
        raise PermanentError(f"Unknown protocol {protocol!r} (expected 'rest' or 'soap').") from None
    known = _REST_SETTINGS | _SOAP_SETTINGS
    unknown = set(settings) - known
    if unknown:
        raise TypeError(f"make_client() got unknown settings: {', '.join(sorted(unknown))}")
    kwargs = {key: value for key, value in settings.items() if key in allowed and value is not None}
    if protocol == "rest" and not kwargs.get("base_url"):
        raise PermanentError("The REST backend has no base URL.")
    if protocol == "soap" and not kwargs.get("wsdl"):
        raise PermanentError("The SOAP backend has no WSDL URL or file.")
    return cls(**kwargs)


__all__ = [
    "LogisticsClient",
    "RestLogisticsClient",
    "SoapLogisticsClient",
    "make_client",
]
