from . import (
    test_audit_case,
    test_audit_engine,
    test_audit_rules,
    test_csv_invoice,
    test_import_channels,
    test_install,
    test_invoice_webhook,
    test_posting,
    test_rating,
    test_security,
    test_tolerance,
    test_x12_210,
)
