"""Database-free tests of audit tolerances (services/tolerance.py), both sides of each boundary."""

# The hand-worked arithmetic uses the multiplication sign on purpose.
# ruff: noqa: RUF003

from decimal import Decimal as D

from odoo.tests import BaseCase, tagged

from ..services.rating import ContractError
from ..services.tolerance import Tolerance, within


@tagged("post_install", "-at_install")
class TestTolerance(BaseCase):
    def assertInside(self, expected, billed, tolerance, inside, accepted=None):
        check = within(D(expected), D(billed), tolerance)
        self.assertEqual(check.inside, inside, check.explanation)
        self.assertEqual(check.accepted, inside if accepted is None else accepted, check.explanation)
        return check

    def test_percent_only_both_sides(self):
        two_percent = Tolerance(percent=2)
        # expected 500.00 × 2 % = 10.00
        for billed, inside in (("510.00", True), ("510.01", False), ("490.00", True)):
            with self.subTest(billed=billed):
                self.assertInside("500.00", billed, two_percent, inside)
        # 489.99 is 10.01 under: outside, but an undercharge is accepted (and still reported)
        check = self.assertInside("500.00", "489.99", two_percent, False, accepted=True)
        self.assertEqual((check.direction, check.variance, check.limit), ("under", D("-10.01"), D("10.00")))
        self.assertEqual(
            check.explanation,
            "billed 489.99 vs expected 500.00: variance -10.01, outside tolerance 2 % = 10.00 (limit 10.00); "
            "undercharge accepted",
        )
        strict = Tolerance(percent=2, accept_undercharge=False)
        self.assertInside("500.00", "489.99", strict, False, accepted=False)
        self.assertInside("500.00", "490.00", strict, True)

    def test_absolute_only(self):
        five = Tolerance(abs_amount="5.00")
        # variance +5.00 = 5.00 inside; +5.01 outside
        self.assertInside("1000.00", "1005.00", five, True)
        check = self.assertInside("1000.00", "1005.01", five, False)
        self.assertEqual(
            check.explanation, "billed 1005.01 vs expected 1000.00: variance +5.01, outside tolerance 5.00 (limit 5.00)"
        )
        self.assertInside("1000.00", "995.00", Tolerance(abs_amount="5.00", accept_undercharge=False), True)
        self.assertInside("1000.00", "994.99", Tolerance(abs_amount="5.00", accept_undercharge=False), False)

    def test_either_takes_the_larger_limit(self):
        either = Tolerance(abs_amount="5.00", percent=2, mode="either")
        # expected 500.00: 2 % = 10.00 > 5.00, so the limit is 10.00
        self.assertInside("500.00", "510.00", either, True)
        self.assertInside("500.00", "510.01", either, False)
        # expected 100.00: 2 % = 2.00 < 5.00, so the limit is 5.00
        self.assertInside("100.00", "105.00", either, True)
        self.assertInside("100.00", "105.01", either, False)

    def test_both_takes_the_smaller_limit(self):
        both = Tolerance(abs_amount="5.00", percent=2, mode="both")
        # expected 500.00: min(5.00, 10.00) = 5.00
        self.assertInside("500.00", "505.00", both, True)
        check = self.assertInside("500.00", "505.01", both, False)
        self.assertEqual(
            check.explanation,
            "billed 505.01 vs expected 500.00: variance +5.01, outside tolerance 5.00 and 2 % = 10.00 (limit 5.00)",
        )
        # expected 100.00: min(5.00, 2.00) = 2.00
        self.assertInside("100.00", "102.00", both, True)
        self.assertInside("100.00", "102.01", both, False)
        # a limit not set is ignored in "both" mode: only 2 % = 2.00 counts
        self.assertInside("100.00", "102.00", Tolerance(percent=2, mode="both"), True)
        self.assertInside("100.00", "102.01", Tolerance(percent=2, mode="both"), False)

    def test_percent_limit_is_rounded_half_up(self):
        one_percent = Tolerance(percent=1)
        # expected 100.50 × 1 % = 1.005 -> 1.01 (half-up): 101.51 is +1.01 inside, 101.52 is +1.02 outside
        self.assertInside("100.50", "101.51", one_percent, True)
        self.assertInside("100.50", "101.52", one_percent, False)
        # expected 333.33 × 1 % = 3.3333 -> 3.33: 336.66 is +3.33 inside, 336.67 is +3.34 outside
        self.assertInside("333.33", "336.66", one_percent, True)
        self.assertInside("333.33", "336.67", one_percent, False)

    def test_no_tolerance_means_exact(self):
        exact = Tolerance(accept_undercharge=False)
        self.assertInside("100.00", "100.00", exact, True)
        self.assertInside("100.00", "100.01", exact, False)
        self.assertInside("100.00", "99.99", exact, False)
        # expected 0.00: 2 % of 0.00 is 0.00, only 0.00 is inside
        self.assertInside("0.00", "0.00", Tolerance(percent=2), True)
        self.assertInside("0.00", "0.01", Tolerance(percent=2), False)
        self.assertEqual(within(D("100.00"), D("100.00"), exact).direction, "exact")

    def test_bad_tolerances_are_refused(self):
        for values in ({"percent": -1}, {"abs_amount": "x"}, {"mode": "any"}):
            with self.subTest(values=values), self.assertRaises(ContractError):
                Tolerance(**values)
        self.assertEqual(Tolerance(abs_amount=5, percent=2).describe(), "tolerance 5.00 or 2 %")
        self.assertEqual(Tolerance(abs_amount=5, percent=2, mode="both").describe(), "tolerance 5.00 and 2 %")
