"""Audit tolerances: when is a billed amount close enough to the expected amount?

Plain Python (no ORM).

Semantics (the SAP TM / Oracle OTM style of "absolute and/or percentage" tolerance):

* ``variance = billed - expected`` (positive: overcharge, negative: undercharge);
* the absolute limit is ``abs_amount``; the percentage limit is ``percent`` % of
  ``|expected|``, rounded half-up to the currency's decimals (it is an amount);
* ``mode="either"`` (default): inside when ``|variance|`` is within the absolute limit
  OR within the percentage limit, i.e. within the larger of the two;
  ``mode="both"``: inside only when within both, i.e. within the smaller of the two;
* a limit left at ``None`` is not set: it is ignored in ``both`` mode and never lets a
  variance in in ``either`` mode; with no limit set only an exact match is inside;
* boundaries are inclusive: a variance exactly equal to the limit is inside;
* undercharges (billed < expected) outside the limits are *accepted* when
  ``accept_undercharge`` is true (the default) but still reported (``direction`` is
  ``"under"`` and ``inside`` is false), so that they can be shown as information.

Example: expected 500.00, 2 % -> limit 10.00; billed 510.00 is inside, 510.01 outside.
"""

from dataclasses import dataclass
from decimal import Decimal

from .rating.amounts import DEFAULT_DECIMALS, HUNDRED, ZERO, ContractError, fmt_money, fmt_num, quantize, to_decimal

MODES = ("either", "both")


@dataclass(frozen=True)
class Tolerance:
    """How far a billed amount may be from the expected one (see the module docstring)."""

    abs_amount: Decimal | None = None
    percent: Decimal | None = None
    mode: str = "either"
    accept_undercharge: bool = True

    def __post_init__(self):
        for name in ("abs_amount", "percent"):
            value = to_decimal(getattr(self, name), f"tolerance {name}", allow_none=True)
            if value is not None and value < 0:
                raise ContractError(f"tolerance {name} cannot be negative")
            object.__setattr__(self, name, value)
        if self.mode not in MODES:
            raise ContractError(f"tolerance mode {self.mode!r} is not one of {', '.join(MODES)}")

    def describe(self, decimals=DEFAULT_DECIMALS):
        parts = []
        if self.abs_amount is not None:
            parts.append(fmt_money(self.abs_amount, decimals))
        if self.percent is not None:
            parts.append(f"{fmt_num(self.percent)} %")
        if not parts:
            return "no tolerance"
        joiner = " or " if self.mode == "either" else " and "
        return "tolerance " + joiner.join(parts)


@dataclass(frozen=True)
class ToleranceCheck:
    """The outcome of :func:`within`.

    ``inside``: the variance is within the tolerance; ``accepted``: inside, or an
    undercharge that the tolerance accepts; ``direction``: ``over``, ``under`` or ``exact``;
    ``limit``: the effective limit (None when no limit is set).
    """

    expected: Decimal
    billed: Decimal
    variance: Decimal
    limit: Decimal | None
    inside: bool
    accepted: bool
    direction: str
    explanation: str


def within(expected, billed, tolerance, decimals=DEFAULT_DECIMALS):
    """Compare ``billed`` with ``expected`` under ``tolerance`` -> :class:`ToleranceCheck`."""
    expected = to_decimal(expected, "expected amount")
    billed = to_decimal(billed, "billed amount")
    variance = billed - expected
    size = abs(variance)
    limits = []
    words = []
    if tolerance.abs_amount is not None:
        limits.append(tolerance.abs_amount)
        words.append(f"{fmt_money(tolerance.abs_amount, decimals)}")
    if tolerance.percent is not None:
        percent_limit = quantize(abs(expected) * tolerance.percent / HUNDRED, decimals)
        limits.append(percent_limit)
        words.append(f"{fmt_num(tolerance.percent)} % = {fmt_money(percent_limit, decimals)}")
    if not limits:
        limit = None
        inside = variance == ZERO
    else:
        limit = max(limits) if tolerance.mode == "either" else min(limits)
        inside = size <= limit
    direction = "over" if variance > 0 else "under" if variance < 0 else "exact"
    accepted = inside or (direction == "under" and tolerance.accept_undercharge)

    shown = f"{'+' if variance > 0 else ''}{fmt_money(variance, decimals)}"
    text = f"billed {fmt_money(billed, decimals)} vs expected {fmt_money(expected, decimals)}: variance {shown}"
    if limit is None:
        text += " (no tolerance)" if not inside else ""
    else:
        joiner = " or " if tolerance.mode == "either" else " and "
        relation = "within" if inside else "outside"
        text += f", {relation} tolerance {joiner.join(words)} (limit {fmt_money(limit, decimals)})"
    if not inside and accepted:
        text += "; undercharge accepted"
    return ToleranceCheck(expected, billed, variance, limit, inside, accepted, direction, text)
