"""The loopback TMS speaking the canonical JSON API (REST)."""

from urllib.parse import unquote

from .bookings import BookingServer
from .server import Answer, json_answer


class TmsServer(BookingServer):
    """A TMS speaking the canonical JSON API (see the module documentation)."""

    name = "tms"

    def _is_public(self, record):
        return False

    def _route(self, record):
        segments = [unquote(s) for s in record.raw_path.strip("/").split("/") if s]
        method = record.method
        if segments == ["ping"] and method in ("GET", "HEAD"):
            return json_answer(200, {"status": "ok", "service": "loopback-tms"})
        if not segments or segments[0] != "transport-orders" or len(segments) > 3:
            return super()._route(record)
        key = record.headers.get("Idempotency-Key")
        if method in ("POST", "PUT") and key:
            replayed = self.store.replay(key)
            if replayed:
                return Answer(replayed.status, replayed.body, replayed.content_type, {"Idempotent-Replayed": "true"})
        answer = self._transport_orders(method, segments[1:], record)
        if key and method in ("POST", "PUT") and answer.status < 500:
            self.store.remember(key, answer)
        return answer

    def _transport_orders(self, method, rest, record):
        payload = record.json if isinstance(record.json, dict) else {}
        if not rest:
            if method != "POST":
                return json_answer(405, {"error": "method not allowed"})
            if not payload.get("reference"):
                return json_answer(422, {"error": "reference is required"})
            return json_answer(201, self.store.book(payload, self.booking_extra))
        external_id = rest[0]
        if len(rest) == 2:
            if rest[1] != "cancel" or method != "POST":
                return super()._route(record)
            booking = self.store.cancel(external_id)
            if not booking:
                return json_answer(404, {"error": f"unknown transport order {external_id}"})
            return json_answer(
                200, {"booking_id": booking["booking_id"], "reference": booking["reference"], "status": "cancelled"}
            )
        if method == "GET":
            booking = self.store.find(external_id)
        elif method == "PUT":
            booking = self.store.update(external_id, payload)
        else:
            return json_answer(405, {"error": "method not allowed"})
        if not booking:
            return json_answer(404, {"error": f"unknown transport order {external_id}"})
        return json_answer(200, booking)
