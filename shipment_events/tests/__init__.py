from . import (
    test_event_format,
    test_events,
    test_install,
    test_platform_easypost,
    test_platform_sendcloud_aftership,
    test_platform_shippo,
    test_security,
    test_webhook,
    test_x12_214,
    test_x12_214_corpus,
    test_x12_214_fuzz,
    test_x12_214_variations,
)
