from . import test_suite_installed
