"""Database-free tests of contract rating (services/rating/), with figures worked by hand."""

# The explanations and the hand-worked arithmetic use the multiplication sign on purpose.
# ruff: noqa: RUF001, RUF003

from datetime import date
from decimal import Decimal as D

from odoo.tests import BaseCase, tagged

from odoo.addons.logistics_connector.services.exceptions import PermanentError

from ..services import rating
from ..services.rating import ChargeRule, FuelSchedule, Lane, RateCard

DE_FR = Lane(origin_countries="DE", dest_countries="FR")
MUNICH = {"country": "DE", "state": "BY", "zip": "80331"}
BERLIN = {"country": "DE", "state": "BE", "zip": "10115"}
LYON = {"country": "FR", "zip": "69001"}
PARIS = {"country": "FR", "zip": "75 001"}


def ltl_card(**extra):
    """Per-kg weight-break card: < 250 kg at 1.50, ≥ 250 at 1.20, ≥ 500 at 0.95, ≥ 1000 at 0.80; minimum 150.00."""
    values = {
        "id": "LTL",
        "carrier": "ACME",
        "currency": "EUR",
        "basis": "kg",
        "lanes": [DE_FR],
        "weight_breaks": [(0, "1.50"), (250, "1.20"), (500, "0.95"), (1000, "0.80")],
        "minimum_charge": "150.00",
    }
    values.update(extra)
    return RateCard(**values)


@tagged("post_install", "-at_install")
class TestLanes(BaseCase):
    def test_country_state_and_postal_matching(self):
        self.assertTrue(DE_FR.matches(MUNICH, LYON))
        self.assertFalse(DE_FR.matches(LYON, MUNICH))
        self.assertFalse(DE_FR.matches({}, LYON), "an address without country does not match a country lane")
        by_state = Lane(origin_states=["DE-BY"], dest_countries=["FR"])
        self.assertTrue(by_state.matches(MUNICH, LYON))
        self.assertFalse(by_state.matches(BERLIN, LYON))
        texas = Lane(origin_states="TX")
        self.assertTrue(texas.matches({"country": "US", "state": "US-TX"}, {}), "US-TX is normalised to TX")
        by_prefix = Lane(origin_zip_prefixes="80, 81", dest_zip_prefixes=["75"])
        self.assertTrue(by_prefix.matches(MUNICH, PARIS), "75 001 is normalised to 75001")
        self.assertFalse(by_prefix.matches(BERLIN, PARIS))
        by_range = Lane(origin_zip_ranges=[("80000", "80999")], dest_zip_ranges="69000..69999")
        self.assertTrue(by_range.matches(MUNICH, LYON))
        self.assertTrue(by_range.matches({"zip": "80999"}, {"zip": "69000"}), "range bounds are inclusive")
        self.assertFalse(by_range.matches({"zip": "81000"}, LYON))
        self.assertFalse(by_range.matches({}, LYON), "an address without a postal code is in no range")
        us_zip4 = Lane(dest_zip_ranges=[("75000", "75999")])
        self.assertTrue(us_zip4.matches({}, {"zip": "75201-1234"}), "ZIP+4: the first five digits are compared")

    def test_specificity_postal_over_state_over_country_over_any(self):
        self.assertEqual(Lane().specificity, 0)
        self.assertEqual(DE_FR.specificity, 1 + 1)
        self.assertEqual(Lane(origin_states="BY", dest_countries="FR").specificity, 2 + 1)
        self.assertEqual(Lane(origin_countries="DE", origin_zip_prefixes="80", dest_countries="FR").specificity, 3 + 1)
        self.assertEqual(Lane(origin_zip_ranges=[("80000", "80999")], dest_zip_prefixes="69").specificity, 3 + 3)

    def test_bad_ranges_are_refused(self):
        for ranges in ([("8", "80999")], [("80999", "80000")], ["80000"]):
            with self.subTest(ranges=ranges), self.assertRaises(rating.ContractError):
                Lane(origin_zip_ranges=ranges)


@tagged("post_install", "-at_install")
class TestSelectRateCard(BaseCase):
    def test_most_specific_lane_then_newest_version(self):
        country = ltl_card(id="COUNTRY")
        munich = ltl_card(id="MUC", lanes=[DE_FR, Lane(origin_zip_prefixes="80", dest_countries="FR")])
        munich_v2 = ltl_card(id="MUC", version=2, lanes=munich.lanes)
        cards = [country, munich, munich_v2]
        card, reason = rating.select_rate_card(cards, "acme", None, date(2026, 1, 15), MUNICH, LYON)
        # MUC's postal lane scores 3 + 1 = 4 against COUNTRY's 1 + 1 = 2; version 2 beats version 1.
        self.assertIs(card, munich_v2)
        self.assertEqual(
            reason,
            "rate card MUC v2: lane 80* → FR (specificity 4) matches DE BY 80331 → FR 69001, valid always; "
            "preferred over rate card MUC v1, rate card COUNTRY v1",
        )
        # From Berlin only the country lanes match (2 = 2): the newest version wins again.
        card, _reason = rating.select_rate_card(cards, "ACME", None, date(2026, 1, 15), BERLIN, LYON)
        self.assertIs(card, munich_v2)

    def test_validity_dates_are_inclusive(self):
        jan = ltl_card(id="JAN", date_from=date(2026, 1, 1), date_to=date(2026, 1, 31))
        for day, expected in ((date(2026, 1, 1), jan), (date(2026, 1, 31), jan), (date(2026, 2, 1), None)):
            with self.subTest(day=day):
                self.assertIs(rating.select_rate_card([jan], "ACME", None, day, MUNICH, LYON)[0], expected)
        _card, reason = rating.select_rate_card([jan], "ACME", None, date(2025, 12, 31), MUNICH, LYON)
        self.assertIn("No rate card of carrier ACME is valid on 2025-12-31", reason)
        self.assertIn("rate card JAN v1 2026-01-01..2026-01-31", reason)

    def test_service_level_exact_over_generic(self):
        generic = ltl_card(id="ANY")
        express = ltl_card(id="EXP", service_level="EXPRESS")
        self.assertIs(
            rating.select_rate_card([generic, express], "ACME", "express", date(2026, 1, 1), MUNICH, LYON)[0], express
        )
        self.assertIs(
            rating.select_rate_card([generic, express], "ACME", "STANDARD", date(2026, 1, 1), MUNICH, LYON)[0], generic
        )
        card, reason = rating.select_rate_card([express], "ACME", "STANDARD", date(2026, 1, 1), MUNICH, LYON)
        self.assertIsNone(card)
        self.assertIn("serves service level STANDARD", reason)

    def test_reasons_when_nothing_fits(self):
        cards = [ltl_card()]
        cases = [
            ("OTHER", MUNICH, LYON, "No rate card for carrier OTHER"),
            ("ACME", LYON, MUNICH, "No lane of rate card LTL v1 matches FR 69001 → DE BY 80331"),
        ]
        for carrier, origin, dest, reason in cases:
            with self.subTest(reason=reason):
                self.assertEqual(
                    rating.select_rate_card(cards, carrier, None, date(2026, 1, 1), origin, dest), (None, reason)
                )

    def test_two_cards_tied_are_ambiguous(self):
        card, reason = rating.select_rate_card(
            [ltl_card(id="A"), ltl_card(id="B")], "ACME", None, date(2026, 1, 1), MUNICH, LYON
        )
        self.assertIsNone(card)
        self.assertIn("Ambiguous: rate card A v1 and rate card B v1", reason)

    def test_customer_cards_are_for_rebilling_only(self):
        selling = ltl_card(id="SELL", customer="CUST-1")
        self.assertIsNone(rating.select_rate_card([selling], "ACME", None, date(2026, 1, 1), MUNICH, LYON)[0])
        self.assertIs(
            rating.select_rate_card([selling], "ACME", None, date(2026, 1, 1), MUNICH, LYON, customer="CUST-1")[0],
            selling,
        )


@tagged("post_install", "-at_install")
class TestExpectedBase(BaseCase):
    def test_per_shipment_pallet_and_km(self):
        per_shipment = RateCard(id="FTL", carrier="ACME", currency="EUR", basis="shipment", rate="400")
        # 1 × 400.00 = 400.00
        self.assertEqual(rating.expected_base(per_shipment)[0], D("400.00"))
        # 2 × 400.00 = 800.00
        self.assertEqual(rating.expected_base(per_shipment, shipments=2)[0], D("800.00"))
        per_pallet = RateCard(id="PAL", carrier="ACME", currency="EUR", basis="pallet", rate="85.50")
        amount, text = rating.expected_base(per_pallet, pallets=3)
        # 3 × 85.50 = 256.50
        self.assertEqual(amount, D("256.50"))
        self.assertEqual(text, "3 pallets × 85.50/pallet = 256.50 (rate card PAL v1)")
        per_km = RateCard(id="KM", carrier="ACME", currency="EUR", basis="km", rate="1.35", minimum_charge="100")
        # 412.3 × 1.35 = 412.3 + 144.305 = 556.605 -> 556.61 half-up (half-even would give 556.60)
        self.assertEqual(rating.expected_base(per_km, km="412.3")[0], D("556.61"))
        amount, text = rating.expected_base(per_km, km=50)
        # 50 × 1.35 = 67.50 < minimum 100.00 -> 100.00
        self.assertEqual(amount, D("100.00"))
        self.assertEqual(text, "50 km × 1.35/km = 67.50; minimum 100.00 applied (rate card KM v1)")
        per_kg = RateCard(id="KG", carrier="ACME", currency="EUR", basis="kg", rate="0.0875")
        # 1234.5 × 0.0875 = 108.016875 -> 108.02
        amount, text = rating.expected_base(per_kg, weight_kg="1234.5")
        self.assertEqual(amount, D("108.02"))
        self.assertEqual(text, "1234.5 kg × 0.0875/kg = 108.02 (rate card KG v1)")

    def test_weight_breaks_without_deficit_weight(self):
        card = ltl_card()
        cases = [
            # 412.5 kg falls in the ≥ 250 break: 412.5 × 1.20 = 495.00
            ("412.5", D("495.00")),
            # exactly 250 kg is in the ≥ 250 break: 250 × 1.20 = 300.00
            ("250", D("300.00")),
            # 249.99 kg is still in the ≥ 0 break: 249.99 × 1.50 = 374.985 -> 374.99 half-up
            ("249.99", D("374.99")),
            # 80 × 1.50 = 120.00 < minimum 150.00 -> 150.00
            ("80", D("150.00")),
            # 1200 × 0.80 = 960.00
            ("1200", D("960.00")),
        ]
        for weight, expected in cases:
            with self.subTest(weight=weight):
                self.assertEqual(rating.expected_base(card, weight, use_deficit_weight=False)[0], expected)
        self.assertEqual(
            rating.expected_base(card, "412.5", use_deficit_weight=False)[1],
            "412.5 kg × 1.20/kg (break ≥ 250 kg) = 495.00; minimum 150.00 not applied (rate card LTL v1)",
        )

    def test_weight_breaks_with_deficit_weight(self):
        card = ltl_card()
        cases = [
            # 412.5 × 1.20 = 495.00; at the next break 500 × 0.95 = 475.00 is cheaper -> 475.00
            # (1000 × 0.80 = 800.00 is not)
            ("412.5", D("475.00")),
            # 300 × 1.20 = 360.00; 500 × 0.95 = 475.00 is dearer -> 360.00
            ("300", D("360.00")),
            # 249.99 × 1.50 = 374.985; 250 × 1.20 = 300.00 is cheaper -> 300.00
            ("249.99", D("300.00")),
            # 80 × 1.50 = 120.00; 250 × 1.20 = 300.00 is dearer; minimum 150.00 applies -> 150.00
            ("80", D("150.00")),
            # 900 × 0.95 = 855.00; 1000 × 0.80 = 800.00 is cheaper -> 800.00
            ("900", D("800.00")),
        ]
        for weight, expected in cases:
            with self.subTest(weight=weight):
                self.assertEqual(rating.expected_base(card, weight)[0], expected)
        self.assertEqual(
            rating.expected_base(card, "412.5")[1],
            "412.5 kg × 1.20/kg (break ≥ 250 kg) = 495.00; deficit weight: 500 kg × 0.95/kg (break ≥ 500 kg)"
            " = 475.00 is cheaper, applied; minimum 150.00 not applied (rate card LTL v1)",
        )

    def test_weight_below_the_lowest_break(self):
        card = ltl_card(weight_breaks=[(100, "1.50"), (250, "1.20")], minimum_charge=0)
        amount, text = rating.expected_base(card, 40)
        # rated as 100 kg: 100 × 1.50 = 150.00 (250 × 1.20 = 300.00 is dearer)
        self.assertEqual(amount, D("150.00"))
        self.assertTrue(text.startswith("40 kg is below the lowest break, rated as 100 kg × 1.50/kg"))

    def test_missing_figures_raise(self):
        with self.assertRaisesRegex(rating.RatingError, "rate card LTL v1 rates per kg: the shipment has no weight"):
            rating.expected_base(ltl_card())
        per_pallet = RateCard(id="PAL", carrier="ACME", currency="EUR", basis="pallet", rate="85.50")
        with self.assertRaisesRegex(rating.RatingError, "no pallet count"):
            rating.expected_base(per_pallet, weight_kg=100)
        with self.assertRaisesRegex(rating.RatingError, "negative"):
            rating.expected_base(per_pallet, pallets=-1)

    def test_inconsistent_cards_are_refused(self):
        base = {"id": "X", "carrier": "ACME", "currency": "EUR"}
        cases = [
            ({"basis": "kg"}, "a rate is required"),
            ({"basis": "pallet", "weight_breaks": [(0, 1)]}, "weight breaks need the kg basis"),
            ({"basis": "kg", "rate": 1, "weight_breaks": [(0, 1)]}, "either a rate or weight breaks"),
            ({"basis": "kg", "weight_breaks": [(0, 1), (0, 2)]}, "distinct"),
            ({"basis": "volume", "rate": 1}, "basis 'volume'"),
            ({"basis": "shipment", "rate": "abc"}, "is not a number"),
            ({"basis": "shipment", "rate": 1, "currency": "EURO"}, "ISO 4217"),
            ({"basis": "shipment", "rate": 1, "date_from": date(2026, 2, 1), "date_to": date(2026, 1, 1)}, "after"),
        ]
        for extra, message in cases:
            with self.subTest(message=message), self.assertRaisesRegex(rating.ContractError, message):
                RateCard(**{**base, **extra})
        self.assertTrue(issubclass(rating.ContractError, PermanentError))


@tagged("post_install", "-at_install")
class TestFuel(BaseCase):
    def schedule(self, **extra):
        values = {
            "id": "FSC",
            "periods": [
                (date(2026, 1, 1), date(2026, 1, 31), "12.5"),
                (date(2026, 2, 1), date(2026, 2, 28), "13"),
            ],
            "index_bands": [("3.00", "3.50", "10"), ("3.50", "4.00", "11.5"), ("4.00", None, "13")],
        }
        values.update(extra)
        return FuelSchedule(**values)

    def test_percent_by_period(self):
        schedule = self.schedule()
        amount, percent, text = rating.expected_fuel(schedule, D("475.00"), D("75.00"), date(2026, 1, 31))
        # 12.5 % × 475.00 = 59.375 -> 59.38 half-up; the accessorials are not part of the base
        self.assertEqual((amount, percent), (D("59.38"), D("12.5")))
        self.assertEqual(text, "12.5 % (period 2026-01-01..2026-01-31) × base 475.00 = 59.38 (fuel schedule FSC)")
        # 1 February is in the next period: 13 % × 475.00 = 61.75
        self.assertEqual(rating.expected_fuel(schedule, D("475.00"), 0, date(2026, 2, 1))[0], D("61.75"))
        with self.assertRaisesRegex(rating.RatingError, "no period covers 2026-03-01"):
            rating.expected_fuel(schedule, D("475.00"), 0, date(2026, 3, 1))

    def test_base_and_accessorials(self):
        schedule = self.schedule(applies_to="base_and_accessorials")
        amount, _percent, text = rating.expected_fuel(schedule, D("475.00"), D("75.00"), date(2026, 1, 15))
        # 12.5 % × (475.00 + 75.00 = 550.00) = 68.75
        self.assertEqual(amount, D("68.75"))
        self.assertIn("(base 475.00 + accessorials 75.00 = 550.00) = 68.75", text)

    def test_percent_by_index_band_lower_bound_inclusive(self):
        schedule = self.schedule()
        cases = [
            # 3.499 is in [3.00, 3.50): 10 % × 475.00 = 47.50
            ("3.499", D("10"), D("47.50")),
            # 3.50 is in [3.50, 4.00): 11.5 % × 475.00 = 54.625 -> 54.63
            ("3.50", D("11.5"), D("54.63")),
            # 4.20 is in [4.00, ...): 13 % × 475.00 = 61.75
            ("4.20", D("13"), D("61.75")),
        ]
        for index, percent, amount in cases:
            with self.subTest(index=index):
                result = rating.expected_fuel(schedule, D("475.00"), 0, date(2026, 1, 15), fuel_index=index)
                self.assertEqual(result[:2], (amount, percent))
        self.assertIn("fuel index 3.5 in band 3.5..4", rating.expected_fuel(schedule, 100, 0, None, "3.50")[2])
        with self.assertRaisesRegex(rating.RatingError, "no index band holds fuel index 2.9"):
            rating.expected_fuel(schedule, D("475.00"), 0, date(2026, 1, 15), fuel_index="2.9")
        index_only = self.schedule(periods=())
        with self.assertRaisesRegex(rating.RatingError, "rates by fuel index"):
            rating.expected_fuel(index_only, D("475.00"), 0, date(2026, 1, 15))

    def test_overlaps_are_refused(self):
        with self.assertRaisesRegex(rating.ContractError, "periods overlap"):
            self.schedule(periods=[(date(2026, 1, 1), date(2026, 1, 31), 1), (date(2026, 1, 31), None, 2)])
        with self.assertRaisesRegex(rating.ContractError, "bands overlap"):
            self.schedule(index_bands=[(3, 4, 1), ("3.99", 5, 2)])
        with self.assertRaisesRegex(rating.ContractError, "applies_to"):
            self.schedule(applies_to="everything")

    def test_find_fuel_schedule(self):
        generic = self.schedule(id="ALL")
        own = self.schedule(id="OWN", carrier="ACME")
        self.assertIs(rating.find_fuel_schedule([generic, own], "acme"), own)
        self.assertIs(rating.find_fuel_schedule([generic, own], "OTHER"), generic)
        self.assertIs(rating.find_fuel_schedule([generic, own], "ACME", schedule_id="ALL"), generic)
        self.assertIsNone(rating.find_fuel_schedule([own], "OTHER"))


@tagged("post_install", "-at_install")
class TestAccessorials(BaseCase):
    def test_each_authorisation(self):
        pre = ChargeRule("lift", authorisation="pre_authorised")
        capped = ChargeRule("DET", authorisation="up_to_amount", authorised_amount="100.00")
        approval = ChargeRule("HAZ", authorisation="needs_approval")
        cases = [
            (pre, "75.00", "ok", D("75.00")),
            # the cap is inclusive: 100.00 ≤ 100.00 is ok, 100.01 is over by 0.01 and 100.00 is expected
            (capped, "100.00", "ok", D("100.00")),
            (capped, "100.01", "over_limit", D("100.00")),
            (approval, "40.00", "needs_approval", D("0")),
            (None, "40.00", "needs_approval", D("0")),
        ]
        for rule, billed, status, expected in cases:
            with self.subTest(rule=rule and rule.charge_code, billed=billed):
                result = rating.evaluate_accessorial(rule, billed)
                self.assertEqual((result.status, result.expected), (status, expected))
        result = rating.evaluate_accessorial(capped, "130.00")
        self.assertEqual(result.authorised_amount, D("100.00"))
        self.assertEqual(result.explanation, "billed 130.00 > authorised 100.00 by 30.00 (charge rule DET)")
        self.assertEqual(pre.charge_code, "LIFT")

    def test_find_charge_rule_prefers_the_carriers_own(self):
        generic = ChargeRule("DET", authorisation="up_to_amount", authorised_amount=50)
        own = ChargeRule("det", carrier="ACME", authorisation="up_to_amount", authorised_amount=100)
        self.assertIs(rating.find_charge_rule([generic, own], "ACME", " Det "), own)
        self.assertIs(rating.find_charge_rule([generic, own], "OTHER", "DET"), generic)
        self.assertIsNone(rating.find_charge_rule([generic, own], "ACME", "LIFT"))
        with self.assertRaisesRegex(rating.ContractError, "needs an authorised amount"):
            ChargeRule("DET", authorisation="up_to_amount")
        with self.assertRaisesRegex(rating.ContractError, "kind 'surcharge'"):
            ChargeRule("DET", kind="surcharge")
