"""Plain-Python services of the connector (no ORM): clients, errors, EDI tools."""
