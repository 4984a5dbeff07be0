from . import (
    test_docker_compose,
    test_forget_contact,
    test_freight_vat,
    test_freight_vat_credits,
    test_journal_lanes,
    test_permission_matrix,
    test_runbook,
    test_scenario,
    test_scenario_fap_paid,
    test_suite_installed,
    test_tour,
)
