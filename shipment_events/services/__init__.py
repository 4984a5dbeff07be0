"""Plain-Python services of shipment events (no ORM): the canonical JSON event."""
