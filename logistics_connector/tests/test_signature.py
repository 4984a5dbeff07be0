from datetime import datetime

from odoo.tests import BaseCase, tagged

from odoo.addons.logistics_connector.services.exceptions import PermanentError
from odoo.addons.logistics_connector.services.signature import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    parse_signature_header,
    sign,
    signature_headers,
    verify,
    webhook_secrets,
)

SECRET = "whsec_test"
OLD_SECRET = "whsec_previous"
BODY = b'{"event":"picked_up"}'
NOW = 1718000000
# HMAC-SHA256("whsec_test", b'1718000000.{"event":"picked_up"}'), computed independently.
KNOWN_DIGEST = "e03211e9b049cd2a1354be2aa2eef95426fa7e082bd274ba39b7f36826344c83"


@tagged("post_install", "-at_install")
class TestSignature(BaseCase):
    def assert_refused(self, reason_fragment, *args, **kwargs):
        kwargs.setdefault("now", NOW)
        with self.assertRaises(SignatureError) as caught:
            verify(*args, **kwargs)
        self.assertIn(reason_fragment, caught.exception.reason)
        self.assertEqual(str(caught.exception), caught.exception.reason)
        return caught.exception

    def test_sign_known_vector(self):
        self.assertEqual(sign(SECRET, NOW, BODY), KNOWN_DIGEST)
        self.assertEqual(sign(SECRET.encode(), str(NOW), BODY.decode()), KNOWN_DIGEST)

    def test_good_signature_separate_headers(self):
        self.assertEqual(verify([SECRET], str(NOW), "v1=" + KNOWN_DIGEST, BODY, now=NOW), 0)
        # Bare hex, upper case hex and a timestamp at the edge of the tolerance are accepted.
        self.assertEqual(verify([SECRET], str(NOW), KNOWN_DIGEST.upper(), BODY, now=NOW + 300), 0)

    def test_good_signature_combined_header(self):
        header = f"t={NOW},v1={KNOWN_DIGEST}"
        self.assertEqual(verify([SECRET], None, header, BODY, now=NOW + 10), 0)
        # Several v1 values (a sender signing with two secrets) and unknown schemes.
        other = sign("another", NOW, BODY)
        self.assertEqual(verify([SECRET], "", f"t={NOW}, v0=abc, v1={other}, v1={KNOWN_DIGEST}", BODY, now=NOW), 0)

    def test_signature_headers_helper(self):
        headers = signature_headers(SECRET, BODY, timestamp=NOW)
        self.assertEqual(headers, {TIMESTAMP_HEADER: "1718000000", SIGNATURE_HEADER: "v1=" + KNOWN_DIGEST})
        combined = signature_headers(SECRET, BODY, timestamp=NOW, combined=True)
        self.assertEqual(combined, {SIGNATURE_HEADER: f"t=1718000000,v1={KNOWN_DIGEST}"})
        self.assertEqual(parse_signature_header(combined[SIGNATURE_HEADER]), ("1718000000", [KNOWN_DIGEST]))

    def test_rotated_second_secret(self):
        digest = sign(OLD_SECRET, NOW, BODY)
        self.assertEqual(verify([SECRET, OLD_SECRET], str(NOW), "v1=" + digest, BODY, now=NOW), 1)
        self.assertEqual(verify([SECRET, OLD_SECRET], str(NOW), "v1=" + KNOWN_DIGEST, BODY, now=NOW), 0)
        # Empty secrets (no previous secret configured) are skipped, bytes secrets work.
        self.assertEqual(verify([None, "", OLD_SECRET.encode()], str(NOW), digest, BODY, now=NOW), 2)
        self.assert_refused("bad signature", [SECRET], str(NOW), "v1=" + digest, BODY)

    def test_stale_timestamp(self):
        error = self.assert_refused("too old", [SECRET], str(NOW), "v1=" + KNOWN_DIGEST, BODY, now=NOW + 301)
        self.assertIsInstance(error, PermanentError)
        self.assertEqual(error.reason, "timestamp is too old (more than 300 s)")
        # The tolerance is the caller's.
        self.assertEqual(verify([SECRET], str(NOW), KNOWN_DIGEST, BODY, now=NOW + 900, tolerance=900), 0)

    def test_future_timestamp(self):
        error = self.assert_refused("future", [SECRET], str(NOW), "v1=" + KNOWN_DIGEST, BODY, now=NOW - 301)
        self.assertEqual(error.reason, "timestamp is in the future (more than 300 s)")

    def test_tampered_body(self):
        for body in (BODY + b" ", b'{"event":"delivered"}', b""):
            with self.subTest(body=body):
                error = self.assert_refused("bad signature", [SECRET], str(NOW), "v1=" + KNOWN_DIGEST, body)
                self.assertEqual(error.reason, "bad signature")

    def test_tampered_timestamp(self):
        # The timestamp is signed: moving it (within the tolerance) breaks the signature.
        self.assert_refused("bad signature", [SECRET], str(NOW + 1), "v1=" + KNOWN_DIGEST, BODY)
        self.assert_refused("differ", [SECRET], str(NOW + 1), f"t={NOW},v1={KNOWN_DIGEST}", BODY)

    def test_missing_headers(self):
        self.assertEqual(
            self.assert_refused("missing", [SECRET], str(NOW), None, BODY).reason,
            "missing signature",
        )
        self.assert_refused("missing signature", [SECRET], str(NOW), "   ", BODY)
        self.assert_refused("missing signature (no v1= value)", [SECRET], str(NOW), "v0=abc", BODY)
        self.assertEqual(
            self.assert_refused("timestamp", [SECRET], None, "v1=" + KNOWN_DIGEST, BODY).reason,
            "missing timestamp",
        )
        self.assert_refused("missing timestamp", [SECRET], "", "v1=" + KNOWN_DIGEST, BODY)

    def test_non_numeric_timestamp(self):
        for timestamp in ("not-a-time", "1.7e9", "-1718000000", "1718000000.5"):
            with self.subTest(timestamp=timestamp):
                error = self.assert_refused("not a number", [SECRET], timestamp, "v1=" + KNOWN_DIGEST, BODY)
                self.assertEqual(error.reason, "timestamp is not a number of seconds")

    def test_malformed_signature(self):
        self.assert_refused("malformed signature", [SECRET], str(NOW), "v1=xyz", BODY)
        self.assert_refused("malformed signature", [SECRET], str(NOW), "v1=" + KNOWN_DIGEST[:-2], BODY)
        self.assert_refused("malformed signature header", [SECRET], str(NOW), f"t={NOW},garbage", BODY)

    def test_no_secret_configured(self):
        self.assert_refused("no webhook secret", [], str(NOW), "v1=" + KNOWN_DIGEST, BODY)
        self.assert_refused("no webhook secret", [None, ""], str(NOW), "v1=" + KNOWN_DIGEST, BODY)

    def test_secret_not_in_errors(self):
        error = self.assert_refused("bad signature", ["s3cr3t-value"], str(NOW), "v1=" + KNOWN_DIGEST, BODY)
        self.assertNotIn("s3cr3t-value", str(error))
        self.assertNotIn("s3cr3t-value", repr(error))

    def test_webhook_secrets_rotation_window(self):
        """The previous secret is valid, after the current one, only until its window ends."""
        now = datetime(2026, 11, 20, 12, 0)
        self.assertEqual(webhook_secrets(SECRET, OLD_SECRET, datetime(2026, 11, 20, 12, 1), now), [SECRET, OLD_SECRET])
        self.assertEqual(webhook_secrets(SECRET, OLD_SECRET, now, now), [SECRET], "the window ends at its time")
        self.assertEqual(webhook_secrets(SECRET, OLD_SECRET, None, now), [SECRET])
        self.assertEqual(webhook_secrets(None, OLD_SECRET, datetime(2026, 11, 21), now), [OLD_SECRET])
        self.assertEqual(webhook_secrets(None, None, None, now), [])
        # Without ``now``, the current time (naive UTC): a window that ended in 2000 is over.
        self.assertEqual(webhook_secrets(SECRET, OLD_SECRET, datetime(2000, 1, 1)), [SECRET])
        self.assertEqual(webhook_secrets(SECRET, OLD_SECRET, datetime(2999, 1, 1)), [SECRET, OLD_SECRET])
