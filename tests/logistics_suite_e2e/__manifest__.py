{
    "name": "Logistics Suite End-to-End Tests",
    "summary": "Cross-module end-to-end tests of the suite (test-only, never installed in production)",
    "version": "18.0.1.0.0",
    "category": "Hidden/Tests",
    "license": "LGPL-3",
    "author": "Logistics-Finance Suite",
    # l10n_be: the VAT variant of the freight bills runs on Odoo's Belgian chart of accounts
    # (test_freight_vat.py); it is installed with this test addon, never by the suite.
    "depends": ["billing_readiness", "l10n_be"],
    "data": [],
    "assets": {
        "web.assets_tests": [
            "logistics_suite_e2e/static/tests/tours/tour_helpers.js",
            "logistics_suite_e2e/static/tests/tours/logistics_suite_tour.js",
            "logistics_suite_e2e/static/tests/tours/tour_audit.js",
            "logistics_suite_e2e/static/tests/tours/tour_integrator.js",
            "logistics_suite_e2e/static/tests/tours/tour_operations.js",
            "logistics_suite_e2e/static/tests/tours/billing_tour.js",
            "logistics_suite_e2e/static/tests/tours/finance_tour.js",
            "logistics_suite_e2e/static/tests/tours/customer_tour.js",
        ],
    },
    "installable": True,
}
