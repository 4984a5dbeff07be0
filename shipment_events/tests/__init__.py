from . import test_event_format, test_events, test_install
from . import test_x12_214
