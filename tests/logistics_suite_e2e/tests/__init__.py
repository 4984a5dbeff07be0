from . import (
    test_docker_compose,
    test_freight_vat,
    test_freight_vat_credits,
    test_journal_lanes,
    test_permission_matrix,
    test_scenario,
    test_scenario_fap_paid,
    test_suite_installed,
    test_tour,
    test_tour_billing,
    test_tour_customer,
    test_tour_finance,
)
