from . import (
    test_backend,
    test_clients,
    test_concurrency,
    test_exceptions,
    test_journal,
    test_security,
    test_shipment,
    test_signature,
    test_status_rules,
    test_transport_order,
    test_x12,
)
