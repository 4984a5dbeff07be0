from . import test_docker_compose, test_scenario, test_suite_installed, test_tour
from . import test_permission_matrix
