"""Bookings of the loopback TMS, shared by its REST and SOAP servers (:class:`BookingServer`)."""

import itertools
import threading

from .server import LoopbackServer


class BookingStore:
    """Bookings shared by the REST and SOAP servers, with idempotency keys."""

    def __init__(self):
        self.bookings = {}
        self.creations = 0
        self._by_key = {}
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def find(self, external_id):
        with self._lock:
            booking = self.bookings.get(external_id)
            if booking is None:
                booking = next((b for b in self.bookings.values() if b["reference"] == external_id), None)
            return dict(booking) if booking else None

    def replay(self, key):
        with self._lock:
            return self._by_key.get(key) if key else None

    def remember(self, key, answer):
        if key:
            with self._lock:
                self._by_key.setdefault(key, answer)

    def book(self, payload, extra=None):
        with self._lock:
            number = next(self._numbers)
            booking = {
                "booking_id": f"BK-{number:05d}",
                "reference": payload.get("reference"),
                "revision": payload.get("revision"),
                "status": "booked",
                "tracking_reference": f"TRK-{number:05d}",
                "planned_pickup": payload.get("planned_pickup"),
                "planned_delivery": payload.get("planned_delivery"),
                **(extra or {}),
            }
            self.bookings[booking["booking_id"]] = booking
            self.creations += 1
            return dict(booking)

    def update(self, external_id, payload):
        with self._lock:
            booking = self.bookings.get(external_id) or next(
                (b for b in self.bookings.values() if b["reference"] == external_id), None
            )
            if booking is None:
                return None
            for key in ("revision", "planned_pickup", "planned_delivery"):
                if payload.get(key) is not None:
                    booking[key] = payload[key]
            return dict(booking)

    def cancel(self, external_id):
        with self._lock:
            booking = self.bookings.get(external_id) or next(
                (b for b in self.bookings.values() if b["reference"] == external_id), None
            )
            if booking is None:
                return None
            booking["status"] = "cancelled"
            return dict(booking)


class BookingServer(LoopbackServer):
    """The base of the TMS servers: their bookings (``booking_extra`` is added to each)."""

    def __init__(self, *args, booking_extra=None, **kwargs):
        self.booking_extra = dict(booking_extra or {})
        super().__init__(*args, **kwargs)

    def _reset_state(self):
        self.store = BookingStore()

    @property
    def creations(self):
        return self.store.creations

    @property
    def bookings(self):
        return dict(self.store.bookings)
