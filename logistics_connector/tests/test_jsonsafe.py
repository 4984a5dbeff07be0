"""The suite's one strict JSON reader (services/jsonsafe.py): what it refuses, what it reads as
json.loads does, and the depth scan (exact against a reference, cheap on a 1 MB batch)."""

import json
import logging
import random
import time

from odoo.tests import BaseCase, tagged

from odoo.addons.logistics_connector.services import jsonsafe
from odoo.addons.logistics_connector.services.exceptions import ParseError

_logger = logging.getLogger(__name__)


def reference_depth(value):
    if isinstance(value, dict):
        return 1 + max([reference_depth(item) for item in value.values()] + [0])
    if isinstance(value, list):
        return 1 + max([reference_depth(item) for item in value] + [0])
    return 0


def batch_body(size=1_000_000):
    """A canonical batch of about ``size`` bytes, with quotes, backslashes and brackets in strings."""
    event = {
        "tracking_ref": "PRO-1001",
        "status": "in_transit",
        "event_time": "2026-11-20T08:00:00+00:00",
        "location": {"city": "Lyon", "country": "FR", "lat": 45.76, "lon": 4.84},
        "reason": 'held at "gate [B]" \\ {dock}',
    }
    one = len(json.dumps(event)) + 2
    return json.dumps({"events": [dict(event, event_id=f"E-{i}") for i in range(size // one)]}).encode()


@tagged("post_install", "-at_install")
class TestJsonSafe(BaseCase):
    def assert_refused(self, body, fragment):
        with self.assertRaises(jsonsafe.PayloadError) as caught:
            jsonsafe.loads_strict(body)
        self.assertIsInstance(caught.exception, ParseError, "an intake turns it into a 400")
        self.assertIn(fragment, str(caught.exception))

    def test_refused(self):
        cases = [
            (b"[" * 5000 + b"]" * 5000, "nested deeper than 64 levels"),
            (b'{"a": ' + b"[" * 5000, "nested deeper than 64 levels"),
            (b'{"a":' * 65 + b"1" + b"}" * 65, "nested deeper than 64 levels"),
            (b'{"a": NaN}', "NaN is not a JSON number"),
            (b'{"a": [Infinity]}', "Infinity is not a JSON number"),
            (b'{"a": -Infinity}', "-Infinity is not a JSON number"),
            (b'{"a": ' + b"1" * 100_000 + b"}", "100000 digits is too large"),
            (b'{"a": -' + b"1" * 31 + b"}", "31 digits is too large"),
            (b'{"a": 1e400}', "too large for a float"),
            (b'{"a": -1.5E+309}', "too large for a float"),
            (b'{"a": 0.' + b"1" * 100 + b"}", "characters is too long"),
            (b'{"a": "\xff"}', "not valid UTF-8 (byte 7)"),
            (b'{"a": 1, "b": {"c": 1, "c": 2}}', "'c' appears twice in an object, with different values"),
            (b'{"a": "x\\u0000"}', "NUL character"),
            (b'{"\\udc00": 1}', "lone surrogate"),
            (b'{"a": 1', "not valid JSON"),
            (b"   ", "the body is empty"),
            (b"[1] [2]", "not valid JSON"),
        ]
        for body, fragment in cases:
            with self.subTest(body=body[:30]):
                self.assert_refused(body, fragment)

    def test_read_as_json_loads(self):
        cases = [
            b'{"a": [1, -2, 3.5, 1e10, -0.0, 123456789012345678901234567890, true, false, null]}',
            b'{"emoji": "\\ud83d\\ude00", "text": "caf\xc3\xa9", "escaped": "\\\\u0000 [ { \\" "}',
            b'"just a string"',
            b"[" * 64 + b"]" * 64,
            b'{"a": "' + b"[" * 1000 + b'"}',
            b'{"a": 1e308, "b": 5e-324}',
        ]
        for body in cases:
            with self.subTest(body=body[:30]):
                self.assertEqual(jsonsafe.loads_strict(body), json.loads(body))
        self.assertEqual(jsonsafe.loads_strict(b'\xef\xbb\xbf{"bom": 1}'), {"bom": 1})
        self.assertEqual(jsonsafe.loads_strict('{"text": 1}'), {"text": 1})

    def test_repeated_key_with_the_same_value_is_a_warning(self):
        value, warnings = jsonsafe.loads_checked(b'{"a": {"x": [1]}, "a": {"x": [1]}, "b": 2}')
        self.assertEqual(value, {"a": {"x": [1]}, "b": 2})
        self.assertEqual(warnings, ["key(s) repeated with the same value: 'a'"])
        self.assertEqual(jsonsafe.loads_checked(b'{"a": 1, "b": 2}')[1], [])

    def test_depth_scan_matches_a_reference(self):
        rng = random.Random(18)
        texts = ['a"[{', "\\]", "x\\\\", '"', "}{", 1, None]

        def make(depth):
            if depth == 0:
                return rng.choice(texts)
            if rng.random() < 0.5:
                return [make(depth - 1) for _index in range(rng.randint(0, 2))]
            return {f"k{index}[": make(depth - 1) for index in range(rng.randint(0, 2))}

        for _case in range(800):
            value = make(rng.randint(0, 10))
            raw = json.dumps(value).encode()
            depth = reference_depth(value)
            for limit in (1, 2, 3, 5, 8):
                self.assertEqual(jsonsafe.too_deep(raw, limit), depth > limit, (raw, limit))

    def test_depth_scan_is_cheap_on_a_1mb_batch(self):
        body = batch_body()
        self.assertGreater(len(body), 900_000)
        timings = []
        for _run in range(5):
            start = time.perf_counter()
            self.assertFalse(jsonsafe.too_deep(body))
            timings.append(time.perf_counter() - start)
        start = time.perf_counter()
        json.loads(body)
        plain = time.perf_counter() - start
        best = min(timings)
        _logger.info("depth scan of a %d-byte batch: %.0f us (json.loads: %.0f us)", len(body), best * 1e6, plain * 1e6)
        plain_body = body.replace(b"\\\\", b"/").replace(b'\\"', b"'")  # no escapes: the common case
        start = time.perf_counter()
        self.assertFalse(jsonsafe.too_deep(plain_body))
        _logger.info("depth scan without escapes: %.0f us", (time.perf_counter() - start) * 1e6)
        # Generous (a busy machine): the scan is a fraction of parsing the same body.
        self.assertLess(best, max(plain, 0.05))
