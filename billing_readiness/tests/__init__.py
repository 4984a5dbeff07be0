from . import (
    test_concurrency,
    test_delivery_done,
    test_figures,
    test_install,
    test_invoicing,
    test_manual_invoicing,
    test_override,
    test_readiness,
    test_reconciliation,
    test_security,
    test_services,
    test_sweep_queries,
)
