"""Plain-Python readers of carrier formats (no ORM): X12 214 shipment status."""
