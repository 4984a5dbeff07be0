import json

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, tagged

from ..services import privacy
from .common import LogisticsCommon

SECRET = "test-secret"


class TestPrivacyRules(TransactionCase):
    """The plain rules of services/privacy.py, on each payload kind."""

    def test_poison_json_is_masked_as_text_without_blowing_up(self):
        # A body the intake refuses (nested 5,000 deep) is still journaled as failed, its
        # banking references masked as text: the masking reads JSON with the strict reader.
        rules = privacy.json_rules(banking_keys=("iban",))
        body = b'{"iban": "FR7630006000011234567890189", "x": ' + b"[" * 5000 + b"]" * 5000 + b"}"
        masked, count = privacy.mask_banking(body, rules)
        self.assertEqual(count, 1)
        self.assertNotIn(b"FR763000600001123456789", masked)
        self.assertIn(b"0189", masked)

    def test_json_redacted_in_place_and_idempotent(self):
        rules = privacy.json_rules(personal_paths=("destination.name",))
        body = json.dumps(
            {
                "reference": "SHP-1",
                "destination": {"name": "Jane Privacy", "street": "1 Secret Lane", "city": "Lyon"},
                "pod": {"signer": "Jane Privacy", "email": "jane@example.com", "phone": 33612345678},
            }
        ).encode()
        redacted, count = privacy.redact(body, rules, SECRET)
        self.assertEqual(count, 5)
        data = json.loads(redacted)
        self.assertEqual(data["reference"], "SHP-1")
        self.assertEqual(data["destination"]["city"], "Lyon")
        token = privacy.hash_token("Jane Privacy", SECRET)
        self.assertTrue(privacy.is_token(token))
        self.assertEqual(data["destination"]["name"], token)
        self.assertEqual(data["pod"]["signer"], token, "the same value gives the same hash")
        self.assertEqual(data["pod"]["phone"], privacy.hash_token("33612345678", SECRET))
        self.assertNotIn(b"Jane", redacted)
        self.assertNotIn(b"Secret Lane", redacted)
        again, count_again = privacy.redact(redacted, rules, SECRET)
        self.assertEqual((again, count_again), (redacted, 0))
        self.assertNotEqual(privacy.hash_token("Jane Privacy", "another-secret"), token, "salted per database")

    def test_json_not_parseable_redacted_textually(self):
        rules = privacy.json_rules()
        redacted, count = privacy.redact(b'{"email": "jane@example.com", "x": ', rules, SECRET)
        self.assertEqual(count, 1)
        self.assertNotIn(b"jane@", redacted)
        self.assertIn(b'"x": ', redacted)

    def test_x12_elements(self):
        rules = privacy.PayloadRules("x12", personal_elements={"N1": (2,), "N3": (1, 2), "PER": (2, 4)})
        body = (
            b"ISA*00*          *00*          *02*FASTCARR       *ZZ*OURCOMPANY     *261120*0800*U*00401*"
            b"000000101*0*P*>~\n"
            b"N1*CN*Jane Privacy*93*C1~\nN3*1 Secret Lane*Apt 2~\nN4*Lyon**69001*FR~\nPER*IC*Jane*TE*0612345678~\n"
        )
        redacted, count = privacy.redact(body, rules, SECRET)
        self.assertEqual(count, 5)
        text = redacted.decode()
        self.assertIn(f"N1*CN*{privacy.hash_token('Jane Privacy', SECRET)}*93*C1~\n", text)
        self.assertIn("N4*Lyon**69001*FR~", text, "the city and postal code are kept")
        self.assertNotIn("Secret", text)
        self.assertNotIn("0612345678", text)
        self.assertTrue(text.startswith("ISA*00*"), "the envelope is unchanged")
        self.assertEqual(privacy.redact(redacted, rules, SECRET), (redacted, 0))

    def test_edifact_components_and_release(self):
        rules = privacy.PayloadRules(
            "edifact", personal_elements={"NAD": ((4, 1), (5, 1)), "CTA": ((2, 2),), "COM": ((1, 1),)}
        )
        body = (
            b"UNA:+.? 'UNB+UNOC:3+SENDER+RECEIVER+261120:0800+1'"
            b"NAD+CN+ID::87++Jane O?'Privacy+1 Secret Lane+Lyon++69001+FR'CTA+IC+:Jane'COM+0612345678:TE'UNZ+1+1'"
        )
        redacted, count = privacy.redact(body, rules, SECRET)
        self.assertEqual(count, 4)
        text = redacted.decode()
        self.assertIn(f"NAD+CN+ID::87++{privacy.hash_token(chr(74) + 'ane O?' + chr(39) + 'Privacy', SECRET)}+", text)
        self.assertIn("+Lyon++69001+FR'", text)
        self.assertIn(f"COM+{privacy.hash_token('0612345678', SECRET)}:TE'", text)
        self.assertNotIn("Secret", text)
        self.assertEqual(privacy.redact(redacted, rules, SECRET), (redacted, 0))

    def test_csv_columns(self):
        rules = privacy.PayloadRules(
            "csv", personal_columns=frozenset({"contact_name"}), banking_columns=frozenset({"iban"})
        )
        body = b"invoice_number,amount,contact_name,iban\nINV-1,10.00,Jane Privacy,FR7630006000011234567890189\n"
        redacted, count = privacy.redact(body, rules, SECRET)
        self.assertEqual(count, 1)
        self.assertIn(b"INV-1,10.00,", redacted)
        self.assertNotIn(b"Jane", redacted)
        masked, masked_count = privacy.mask_banking(body, rules)
        self.assertEqual(masked_count, 1)
        self.assertIn(b"***********************0189", masked)

    def test_banking_masked_but_last_four(self):
        rules = privacy.json_rules(banking_keys=privacy.COMMON_BANKING_KEYS)
        payload = {"remit_to": {"iban": "DE89 3704 0044 0532 0130 00", "name": "ACME"}, "account_number": 12345678}
        masked, count = privacy.mask_banking(payload, rules)
        self.assertEqual(count, 2)
        self.assertEqual(masked["remit_to"]["iban"], "******************3000")
        self.assertEqual(masked["account_number"], "****5678")
        self.assertEqual(masked["remit_to"]["name"], "ACME")
        self.assertEqual(privacy.mask_banking(masked, rules), (masked, 0), "masking is idempotent")
        text, text_count = privacy.mask_banking(b'{"iban": "DE89370400440532013000", "total": "1.00"', rules)
        self.assertEqual(text_count, 1, "a malformed body is masked too")
        self.assertNotIn(b"DE8937", text)

    def test_safe_log_texts(self):
        value = "Jane " + "Privacy"
        try:
            raise ValueError(f"{value} is not a number")
        except ValueError as error:
            self.assertNotIn("Jane", privacy.safe_traceback(error))
            self.assertIn("ValueError", privacy.safe_traceback(error))
            self.assertEqual(privacy.safe_error_text(error), "ValueError")


@tagged("post_install", "-at_install")
class TestJournalPrivacy(LogisticsCommon, TransactionCase):
    """The data policy on real journal rows: the cron, the backend's policy, replay."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_logistics()

    def order_message(self, key, name="Jane Privacy", days=40, state="done"):
        payload = {"reference": key, "destination": {"name": name, "street": "1 Secret Lane", "city": "Lyon"}}
        message, _original = self.env["logistics.message"]._journal(
            {
                "backend_id": self.backend.id,
                "direction": "outbound",
                "message_type": "transport_order",
                "idempotency_key": key,
                "payload": payload,
                "state": state,
                "processed_at": fields.Datetime.now(),
            }
        )
        self.env.cr.execute(
            "UPDATE logistics_message SET processed_at = now() at time zone 'UTC' - %s * interval '1 day' "
            "WHERE id = %s",
            [days, message.id],
        )
        message.invalidate_recordset()
        return message

    def test_cron_redacts_old_processed_messages_only(self):
        old = self.order_message("TO-OLD")
        young = self.order_message("TO-YOUNG", days=5)
        failed = self.order_message("TO-FAILED", state="failed")
        self.env["logistics.message"]._cron_redact_personal_data()
        self.assertTrue(old.redacted_at)
        self.assertEqual(old.redacted_count, 2)
        self.assertNotIn("Jane", old.sudo().payload)
        self.assertNotIn("Secret Lane", old.sudo().payload)
        self.assertEqual(json.loads(old.sudo().payload)["destination"]["city"], "Lyon")
        self.assertIn("Jane", young.sudo().payload, "younger than the policy's 30 days")
        self.assertIn("Jane", failed.sudo().payload, "failed messages are kept for replay")
        self.assertFalse(young.redacted_at or failed.redacted_at)
        # Idempotent: a second run changes nothing.
        payload = old.sudo().payload
        stamp = old.redacted_at
        old._redact_personal_data()
        self.assertEqual((old.sudo().payload, old.redacted_at), (payload, stamp))

    def test_backend_and_company_policy(self):
        message = self.order_message("TO-POLICY", days=10)
        self.backend.privacy_policy = "keep"
        self.env["logistics.message"]._cron_redact_personal_data()
        self.assertFalse(message.redacted_at)
        self.backend.write({"privacy_policy": "days", "privacy_redact_days": 7})
        self.env["logistics.message"]._cron_redact_personal_data()
        self.assertTrue(message.redacted_at)
        other = self.order_message("TO-POLICY-2", days=10)
        self.backend.privacy_policy = "company"
        self.backend.company_id.logistics_privacy_redact_days = 5
        self.env["logistics.message"]._cron_redact_personal_data()
        self.assertTrue(other.redacted_at)

    def test_duplicate_still_recognised_and_replay_refused(self):
        message = self.order_message("TO-DUP")
        self.env["logistics.message"]._cron_redact_personal_data()
        self.assertTrue(message.redacted_at)
        _again, original = self.env["logistics.message"]._journal(
            {
                "backend_id": self.backend.id,
                "direction": "outbound",
                "message_type": "transport_order",
                "idempotency_key": "TO-DUP",
                "payload": {"reference": "TO-DUP"},
            }
        )
        self.assertEqual(original, message, "the same key after redaction is still a duplicate")
        message.sudo().write({"state": "dead"})
        with self.assertRaisesRegex(UserError, "redacted"):
            message.action_replay()

    def test_forget_refused_to_non_managers(self):
        user = self.make_user("privacy.user", "base.group_user,logistics_connector.group_logistics_user", self.company)
        partner = self.env["res.partner"].create({"name": "Jane Privacy"})
        with self.assertRaises(AccessError):
            partner.with_user(user).action_logistics_forget()
        manager = self.make_user(
            "privacy.manager", "base.group_user,logistics_connector.group_logistics_manager", self.company
        )
        self.assertTrue(partner.with_user(manager).action_logistics_forget())
        self.assertIn("forgotten by", partner.message_ids[0].body)
