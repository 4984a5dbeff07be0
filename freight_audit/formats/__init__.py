"""Plain-Python readers of carrier invoice formats (no ORM): X12 210, CSV, FAP JSON."""
