from . import test_event_format, test_events, test_install
