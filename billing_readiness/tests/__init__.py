from . import (
    test_concurrency,
    test_figures,
    test_install,
    test_invoicing,
    test_override,
    test_readiness,
    test_reconciliation,
    test_reconciliation_currencies,
    test_security,
    test_services,
    test_sweep_queries,
)
