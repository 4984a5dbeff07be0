"""Fuel surcharge schedules: the percent by ship date or fuel index, and the contracted surcharge."""

import itertools
from dataclasses import dataclass
from datetime import date

from .amounts import (
    DEFAULT_DECIMALS,
    HUNDRED,
    TIMES,
    ZERO,
    ContractError,
    RatingError,
    fmt_money,
    fmt_num,
    period_text,
    quantize,
    same_code,
    to_decimal,
)

FUEL_APPLIES_TO = ("base", "base_and_accessorials")


@dataclass
class FuelSchedule:
    """Fuel surcharge percentages by ship date (``periods``: ``[(date_from, date_to, percent)]``,
    both ends inclusive, None = open) or by fuel price index (``index_bands``:
    ``[(index_min, index_max, percent)]``, index_min ≤ index < index_max, None max = open).

    ``applies_to``: ``base`` (the base freight) or ``base_and_accessorials``.
    """

    id: object = None
    carrier: object = None
    periods: tuple = ()
    index_bands: tuple = ()
    applies_to: str = "base"
    name: str = ""

    def __post_init__(self):
        label = self.label
        if self.applies_to not in FUEL_APPLIES_TO:
            raise ContractError(f"{label}: applies_to {self.applies_to!r} is not one of {', '.join(FUEL_APPLIES_TO)}")
        periods = []
        for item in self.periods or ():
            try:
                date_from, date_to, percent = item
            except (TypeError, ValueError):
                raise ContractError(f"{label}: period {item!r} is not (date_from, date_to, percent)")
            if date_from and date_to and date_from > date_to:
                raise ContractError(f"{label}: period {period_text(date_from, date_to)} ends before it starts")
            periods.append((date_from, date_to, to_decimal(percent, f"{label}: percent")))
        periods.sort(key=lambda period: period[0] or date.min)
        for (_f1, to1, _p1), (from2, _t2, _p2) in itertools.pairwise(periods):
            if to1 is None or from2 is None or from2 <= to1:
                raise ContractError(f"{label}: fuel periods overlap around {from2}")
        bands = []
        for item in self.index_bands or ():
            try:
                index_min, index_max, percent = item
            except (TypeError, ValueError):
                raise ContractError(f"{label}: index band {item!r} is not (index_min, index_max, percent)")
            index_min = to_decimal(index_min, f"{label}: index_min")
            index_max = to_decimal(index_max, f"{label}: index_max", allow_none=True)
            if index_max is not None and index_max <= index_min:
                raise ContractError(f"{label}: index band {fmt_num(index_min)}..{fmt_num(index_max)} is empty")
            bands.append((index_min, index_max, to_decimal(percent, f"{label}: percent")))
        bands.sort(key=lambda band: band[0])
        for (_m1, max1, _p1), (min2, _x2, _p2) in itertools.pairwise(bands):
            if max1 is None or min2 < max1:
                raise ContractError(f"{label}: fuel index bands overlap at {fmt_num(min2)}")
        if not periods and not bands:
            raise ContractError(f"{label}: periods or index bands are required")
        self.periods, self.index_bands = tuple(periods), tuple(bands)

    @property
    def label(self):
        return f"fuel schedule {self.name or self.id}" if (self.name or self.id) else "fuel schedule"

    def percent_for(self, ship_date, fuel_index=None):
        """``(percent, words)`` for a ship date, by index band when ``fuel_index`` is given and the
        schedule has bands, by period otherwise. Raises :class:`RatingError` when nothing applies."""
        if fuel_index is not None and self.index_bands:
            index = to_decimal(fuel_index, "fuel index", error=RatingError)
            for index_min, index_max, percent in self.index_bands:
                if index_min <= index and (index_max is None or index < index_max):
                    if index_max is None:
                        band = f"≥ {fmt_num(index_min)}"
                    else:
                        band = f"{fmt_num(index_min)}..{fmt_num(index_max)}"
                    return percent, f"fuel index {fmt_num(index)} in band {band}"
            raise RatingError(f"{self.label}: no index band holds fuel index {fmt_num(index)}")
        if self.index_bands and not self.periods:
            raise RatingError(f"{self.label} rates by fuel index; no index is known for {ship_date}")
        if ship_date is None:
            raise RatingError(f"{self.label}: the shipment has no ship date")
        for date_from, date_to, percent in self.periods:
            if (date_from is None or date_from <= ship_date) and (date_to is None or ship_date <= date_to):
                return percent, f"period {period_text(date_from, date_to)}"
        raise RatingError(f"{self.label}: no period covers {ship_date}")


def expected_fuel(schedule, base_amount, accessorial_amount, ship_date, fuel_index=None, decimals=DEFAULT_DECIMALS):
    """Contracted fuel surcharge -> ``(amount, percent, explanation)``.

    The surcharge is ``percent`` of the base freight, plus the accessorials when the
    schedule applies to ``base_and_accessorials``.
    """
    percent, where = schedule.percent_for(ship_date, fuel_index)
    base_amount = to_decimal(base_amount, "base amount", error=RatingError)
    accessorial_amount = to_decimal(accessorial_amount or ZERO, "accessorial amount", error=RatingError)
    if schedule.applies_to == "base_and_accessorials":
        basis = base_amount + accessorial_amount
        basis_text = (
            f"(base {fmt_money(base_amount, decimals)} + accessorials {fmt_money(accessorial_amount, decimals)}"
            f" = {fmt_money(basis, decimals)})"
        )
    else:
        basis = base_amount
        basis_text = f"base {fmt_money(base_amount, decimals)}"
    amount = quantize(basis * percent / HUNDRED, decimals)
    text = f"{fmt_num(percent)} % ({where}) {TIMES} {basis_text} = {fmt_money(amount, decimals)} ({schedule.label})"
    return amount, percent, text


def find_fuel_schedule(schedules, carrier, schedule_id=None):
    """The schedule named by ``schedule_id`` if given, else the carrier's own, else a generic one."""
    if schedule_id is not None:
        return next((schedule for schedule in schedules if schedule.id == schedule_id), None)
    own = [schedule for schedule in schedules if schedule.carrier is not None and same_code(schedule.carrier, carrier)]
    generic = [schedule for schedule in schedules if schedule.carrier is None]
    return (own or generic or [None])[0]
