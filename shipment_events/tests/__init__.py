from . import test_events, test_install
