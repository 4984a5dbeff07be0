"""What the load generator sends: signed webhook requests and JSON-RPC calls, prepared in Python
(wrk's LuaJIT has no HMAC) just before each time-bounded run."""

import hashlib
import hmac
import json
import time
import unicodedata
from datetime import datetime, timedelta

from fixtures import EASYPOST_CODE, EVENT_SHIPMENTS, WEBHOOK_CODE, tracking_ref

WEBHOOK_PATH = f"/logistics/webhook/{WEBHOOK_CODE}"
EASYPOST_PATH = f"/logistics/webhook/{EASYPOST_CODE}"
FLOOR_PATH = "/logistics/bench/journal-floor"  # addons/logistics_bench_floor
BASE_TIME = datetime(2026, 3, 2, 6, 0)
CITIES = ["Lyon", "Dijon", "Paris", "Lille", "Reims", "Metz", "Nancy", "Tours"]


def sign(secret, timestamp, body):
    """The documented scheme (logistics_connector/services/signature.py), written independently:
    hex HMAC-SHA256 of "<timestamp>." + raw body."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body.encode(), hashlib.sha256).hexdigest()


def signed_headers(secret, body, timestamp=None):
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        "X-Logistics-Timestamp": str(timestamp),
        "X-Logistics-Signature": "v1=" + sign(secret, timestamp, body),
    }


def event(prefix, number):
    """A distinct canonical event (its own event id, time and shipment)."""
    return {
        "event_id": f"{prefix}-{number}",
        "tracking_ref": tracking_ref(number % EVENT_SHIPMENTS),
        "status": "in_transit",
        "event_time": (BASE_TIME + timedelta(seconds=number)).strftime("%Y-%m-%dT%H:%M:%S") + "+00:00",
        "location": {"city": CITIES[number % len(CITIES)], "country": "FR"},
    }


def dumps(data):
    return json.dumps(data, separators=(",", ":"))


def single_event_requests(secret, prefix, count, path=WEBHOOK_PATH):
    """``count`` webhook requests of one event each, signed now (to ``path``)."""
    timestamp = int(time.time())
    requests = []
    for number in range(count):
        body = dumps(event(prefix, number))
        requests.append(("POST", path, signed_headers(secret, body, timestamp), body))
    return requests


def batch_requests(secret, prefix, batches, size):
    """``batches`` webhook requests of ``size`` events each, signed now."""
    timestamp = int(time.time())
    requests = []
    for batch in range(batches):
        events = [event(prefix, batch * size + number) for number in range(size)]
        body = dumps({"events": events})
        requests.append(("POST", WEBHOOK_PATH, signed_headers(secret, body, timestamp), body))
    return requests


def rpc_create_requests(db, data, prefix, count):
    """JSON-RPC ``execute_kw(..., 'logistics.shipment.event', 'create', [vals])``, one event per call,
    as a middleware would push the same events with Odoo's standard external API."""
    shipment_ids = data["event_shipment_ids"]
    requests = []
    for number in range(count):
        source = event(prefix, number)
        vals = {
            "company_id": data["company_id"],
            "backend_id": data["backend_id"],
            "shipment_id": shipment_ids[number % len(shipment_ids)],
            "status": source["status"],
            "event_time": source["event_time"][:19].replace("T", " "),
            "event_tz": "+00:00",
            "event_ref": source["event_id"],
            "ref_tracking": source["tracking_ref"],
            "location_city": source["location"]["city"],
            "location_country": source["location"]["country"],
            "identity": f"rpc:{source['event_id']}",
        }
        body = dumps(
            {
                "jsonrpc": "2.0",
                "method": "call",
                "id": number,
                "params": {
                    "service": "object",
                    "method": "execute_kw",
                    "args": [
                        db,
                        data["integrator_uid"],
                        data["integrator_password"],
                        "logistics.shipment.event",
                        "create",
                        [vals],
                    ],
                },
            }
        )
        requests.append(("POST", "/jsonrpc", {"Content-Type": "application/json"}, body))
    return requests


def easypost_event(prefix, number):
    """A distinct EasyPost ``tracker.updated`` Event with one tracking detail: the same milestone
    as :func:`event` (its shipment, time and city), as EasyPost posts it."""
    source = event(prefix, number)
    updated = source["event_time"].replace("+00:00", "Z")
    return {
        "object": "Event",
        "id": f"evt_{prefix}_{number}",
        "description": "tracker.updated",
        "mode": "production",
        "status": "pending",
        "created_at": updated,
        "updated_at": updated,
        "result": {
            "object": "Tracker",
            "id": f"trk_{prefix}_{number}",
            "mode": "production",
            "tracking_code": source["tracking_ref"],
            "status": "in_transit",
            "status_detail": "arrived_at_facility",
            "updated_at": updated,
            "carrier": "FedEx",
            "est_delivery_date": None,
            "tracking_details": [
                {
                    "object": "TrackingDetail",
                    "message": "Arrived at FedEx location",
                    "status": "in_transit",
                    "status_detail": "arrived_at_facility",
                    "datetime": updated,
                    "source": "FedEx",
                    "tracking_location": {
                        "object": "TrackingLocation",
                        "city": source["location"]["city"],
                        "state": None,
                        "country": "FR",
                        "zip": None,
                    },
                }
            ],
        },
    }


def easypost_requests(secret, prefix, count):
    """``count`` EasyPost webhook requests of one tracker update each, signed as EasyPost signs
    (``X-Hmac-Signature``: hex HMAC-SHA256 of the body with the NFKD-normalised secret)."""
    key = unicodedata.normalize("NFKD", secret).encode()
    requests = []
    for number in range(count):
        body = dumps(easypost_event(prefix, number))
        digest = hmac.new(key, body.encode(), hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-Hmac-Signature": f"hmac-sha256-hex={digest}"}
        requests.append(("POST", EASYPOST_PATH, headers, body))
    return requests
