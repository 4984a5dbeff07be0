"""Plain-Python services of freight audit (no ORM): rating, tolerances, the audit engine, the FAP API client."""
