"""Plain-Python services of freight audit (no ORM): rating, tolerances, the audit engine, invoice formats."""
