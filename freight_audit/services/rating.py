"""Contract rating: lanes, rate cards, fuel surcharge schedules and charge rules.

Plain Python (no ORM, no Odoo import besides the suite's error hierarchy) so that the
freight audit can be unit-tested without a database. The Odoo models
(``freight.rate.card`` and friends) build these dataclasses and call the functions.

Money is :class:`decimal.Decimal` throughout. Each computed amount is rounded once, at
the end, half-up to the currency's decimals (``decimals``, 2 by default); intermediate
figures (and the comparisons between them) are kept exact.

Lanes
    A lane has an origin and a destination side. Each side may restrict the country,
    the state (``"TX"`` or ``"US-TX"``) and the postal code (prefixes such as ``"75"`` or
    inclusive ranges such as ``("75000", "75999")``). An empty restriction means "any".
    A side matches an address when every restriction given is met. Specificity of a
    side: postal code 3, state 2, country 1, any 0; the lane's specificity is the sum
    of both sides (0 to 6).

Rate cards
    ``basis`` says what is counted: ``shipment``, ``kg``, ``pallet`` or ``km``;
    ``rate`` is the price of one unit. Per-kg cards may instead carry weight breaks
    ``[(min_kg, rate_per_kg), ...]``: the rate of the highest break whose minimum is at
    most the weight applies to the whole weight (LTL weight-break rating). With the
    deficit-weight rule, the shipment is also rated as if it weighed the minimum of
    each higher break, and the cheapest of these charges applies. A weight below the
    lowest break is rated as if it weighed that break's minimum. The minimum charge is
    applied last. A card without lanes applies to every lane (specificity 0). A card
    with a ``customer`` is a selling card (customer rebilling), ignored when rating
    carrier invoices.
"""

import itertools
import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from odoo.addons.logistics_connector.services.exceptions import PermanentError

BASES = ("shipment", "kg", "pallet", "km")
CHARGE_KINDS = ("base", "fuel", "accessorial", "tax")
AUTHORISATIONS = ("pre_authorised", "up_to_amount", "needs_approval")
FUEL_APPLIES_TO = ("base", "base_and_accessorials")
ACCESSORIAL_STATUSES = ("ok", "needs_approval", "over_limit")
DEFAULT_DECIMALS = 2
TIMES = "\N{MULTIPLICATION SIGN}"
ZERO = Decimal(0)
HUNDRED = Decimal(100)

SPECIFICITY_POSTAL = 3
SPECIFICITY_STATE = 2
SPECIFICITY_COUNTRY = 1
SPECIFICITY_ANY = 0


class ContractError(PermanentError):
    """A contract (rate card, lane, fuel schedule, charge rule) is incomplete or inconsistent."""


class RatingError(PermanentError):
    """A shipment cannot be rated: a figure that the contract needs is missing."""


# ----------------------------------------------------------------------
# Numbers
# ----------------------------------------------------------------------
def to_decimal(value, name="value", error=ContractError, allow_none=False):
    """``value`` (Decimal, int, str, float) as a finite Decimal; floats go through their repr."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if allow_none:
            return None
        raise error(f"{name} is required")
    if isinstance(value, bool):
        raise error(f"{name} must be a number, not {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise error(f"{name} {value!r} is not a number")
    else:
        raise error(f"{name} must be a number, not {type(value).__name__}")
    if not result.is_finite():
        raise error(f"{name} {value!r} is not a finite number")
    return result


def quantize(amount, decimals=DEFAULT_DECIMALS):
    """``amount`` rounded half-up to ``decimals`` places (the only rounding of an amount)."""
    return amount.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def fmt_money(amount, decimals=DEFAULT_DECIMALS):
    """``495.00``: an amount as shown in explanations (rounded for display only)."""
    return f"{quantize(amount, decimals):f}"


def fmt_num(value):
    """``412.5``, ``250``: a quantity without trailing zeros."""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def fmt_rate(rate, decimals=DEFAULT_DECIMALS):
    """``1.20``, ``0.0875``: a unit rate with at least ``decimals`` places, no noise."""
    places = max(decimals, -rate.normalize().as_tuple().exponent)
    return f"{rate:.{places}f}"


def _same(a, b):
    """Equality of codes: case and surrounding blanks do not matter for strings."""
    if isinstance(a, str) and isinstance(b, str):
        return a.strip().casefold() == b.strip().casefold()
    return a == b


def _codes(value, name):
    """A tuple of upper-case codes from a tuple/list or a comma/blank separated string."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = re.split(r"[,\s]+", value)
    try:
        items = [str(item).strip().upper() for item in value]
    except TypeError:
        raise ContractError(f"{name} must be a list of codes, not {value!r}")
    return tuple(item for item in items if item)


def _norm_zip(value):
    return re.sub(r"[\s-]+", "", str(value or "")).upper()


def _period_text(date_from, date_to):
    if date_from and date_to:
        return f"{date_from}..{date_to}"
    if date_from:
        return f"from {date_from}"
    if date_to:
        return f"until {date_to}"
    return "always"


# ----------------------------------------------------------------------
# Addresses and lanes
# ----------------------------------------------------------------------
@dataclass(frozen=True)
class Address:
    """The part of an address that lanes look at. ``from_value`` also takes a dict
    with the keys ``country``, ``state`` and ``zip`` (as in the canonical transport order)."""

    country: str = ""
    state: str = ""
    zip: str = ""

    def __post_init__(self):
        country = str(self.country or "").strip().upper()
        state = str(self.state or "").strip().upper()
        if country and state.startswith(country + "-"):
            state = state[len(country) + 1 :]
        object.__setattr__(self, "country", country)
        object.__setattr__(self, "state", state)
        object.__setattr__(self, "zip", _norm_zip(self.zip))

    @classmethod
    def from_value(cls, value):
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if isinstance(value, dict):
            return cls(value.get("country") or "", value.get("state") or "", value.get("zip") or "")
        raise ContractError(f"An address must be a dict or an Address, not {type(value).__name__}")

    def __str__(self):
        parts = [self.country, self.state, self.zip]
        return " ".join(part for part in parts if part) or "(no address)"


def _zip_ranges(value, name):
    if value is None:
        return ()
    if isinstance(value, str):
        value = [item.split("..") for item in re.split(r"[,\s]+", value) if item]
    ranges = []
    for item in value:
        try:
            low, high = (_norm_zip(bound) for bound in item)
        except (TypeError, ValueError):
            raise ContractError(f"{name}: {item!r} is not a (low, high) postal code range")
        if not low or len(low) != len(high) or low > high:
            raise ContractError(f"{name}: {item!r} needs two bounds of the same length, low ≤ high")
        ranges.append((low, high))
    return tuple(ranges)


@dataclass(frozen=True)
class Lane:
    """Where a rate card applies. See the module docstring for matching and specificity."""

    origin_countries: tuple = ()
    origin_states: tuple = ()
    origin_zip_prefixes: tuple = ()
    origin_zip_ranges: tuple = ()
    dest_countries: tuple = ()
    dest_states: tuple = ()
    dest_zip_prefixes: tuple = ()
    dest_zip_ranges: tuple = ()
    name: str = ""

    def __post_init__(self):
        for side in ("origin", "dest"):
            for kind in ("countries", "states", "zip_prefixes"):
                attr = f"{side}_{kind}"
                codes = _codes(getattr(self, attr), attr)
                if kind == "zip_prefixes":
                    codes = tuple(_norm_zip(code) for code in codes)
                object.__setattr__(self, attr, codes)
            attr = f"{side}_zip_ranges"
            object.__setattr__(self, attr, _zip_ranges(getattr(self, attr), attr))

    def _side(self, side):
        return (
            getattr(self, f"{side}_countries"),
            getattr(self, f"{side}_states"),
            getattr(self, f"{side}_zip_prefixes"),
            getattr(self, f"{side}_zip_ranges"),
        )

    def side_specificity(self, side):
        """3 postal code, 2 state, 1 country, 0 any (``side`` is ``origin`` or ``dest``)."""
        countries, states, prefixes, ranges = self._side(side)
        if prefixes or ranges:
            return SPECIFICITY_POSTAL
        if states:
            return SPECIFICITY_STATE
        if countries:
            return SPECIFICITY_COUNTRY
        return SPECIFICITY_ANY

    @property
    def specificity(self):
        return self.side_specificity("origin") + self.side_specificity("dest")

    def side_matches(self, side, address):
        address = Address.from_value(address)
        countries, states, prefixes, ranges = self._side(side)
        if countries and address.country not in countries:
            return False
        if states and not any(_state_matches(entry, address) for entry in states):
            return False
        if prefixes or ranges:
            in_prefix = any(address.zip.startswith(prefix) for prefix in prefixes)
            in_range = any(low <= address.zip[: len(low)] <= high for low, high in ranges if address.zip)
            if not (in_prefix or in_range):
                return False
        return True

    def matches(self, origin_address, dest_address):
        """True when the origin and the destination addresses both fall in this lane."""
        return self.side_matches("origin", origin_address) and self.side_matches("dest", dest_address)

    def describe(self):
        return self.name or f"{self._describe_side('origin')} → {self._describe_side('dest')}"

    def _describe_side(self, side):
        countries, states, prefixes, ranges = self._side(side)
        parts = []
        if countries:
            parts.append("/".join(countries))
        if states:
            parts.append("/".join(states))
        zips = [f"{prefix}*" for prefix in prefixes] + [f"{low}-{high}" for low, high in ranges]
        if zips:
            parts.append("/".join(zips))
        return " ".join(parts) or "any"


def _state_matches(entry, address):
    country, _dash, state = entry.rpartition("-")
    if state != address.state:
        return False
    return not country or country == address.country


# ----------------------------------------------------------------------
# Rate cards
# ----------------------------------------------------------------------
@dataclass
class RateCard:
    """One version of a carrier's (or, with ``customer``, a selling) rate card.

    ``rate`` is the price of one unit of ``basis``; per-kg cards may use ``weight_breaks``
    ``[(min_kg, rate_per_kg), ...]`` instead. ``decimals`` are the currency's decimals.
    ``fuel_schedule_id`` optionally names the fuel schedule that goes with the card.
    """

    id: object
    version: int = 1
    carrier: object = None
    currency: str = ""
    date_from: date | None = None
    date_to: date | None = None
    service_level: str | None = None
    lanes: tuple = ()
    basis: str = "shipment"
    rate: Decimal | None = None
    weight_breaks: tuple = ()
    minimum_charge: Decimal = ZERO
    customer: object = None
    fuel_schedule_id: object = None
    name: str = ""
    decimals: int = DEFAULT_DECIMALS

    def __post_init__(self):
        label = self.label
        if self.carrier in (None, ""):
            raise ContractError(f"{label}: the carrier is required")
        self.currency = str(self.currency or "").strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", self.currency):
            raise ContractError(f"{label}: currency {self.currency!r} is not an ISO 4217 code")
        if self.basis not in BASES:
            raise ContractError(f"{label}: basis {self.basis!r} is not one of {', '.join(BASES)}")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ContractError(f"{label}: valid from {self.date_from} after valid to {self.date_to}")
        self.lanes = tuple(self.lanes or ())
        self.rate = to_decimal(self.rate, f"{label}: rate", allow_none=True)
        self.minimum_charge = to_decimal(self.minimum_charge or ZERO, f"{label}: minimum charge")
        breaks = []
        for item in self.weight_breaks or ():
            try:
                min_kg, rate = item
            except (TypeError, ValueError):
                raise ContractError(f"{label}: weight break {item!r} is not a (min_kg, rate_per_kg) pair")
            breaks.append((to_decimal(min_kg, f"{label}: break minimum"), to_decimal(rate, f"{label}: break rate")))
        breaks.sort()
        mins = [min_kg for min_kg, _rate in breaks]
        if len(set(mins)) != len(mins) or any(min_kg < 0 for min_kg in mins):
            raise ContractError(f"{label}: weight break minimums must be distinct and not negative")
        self.weight_breaks = tuple(breaks)
        if breaks and self.basis != "kg":
            raise ContractError(f"{label}: weight breaks need the kg basis")
        if breaks and self.rate is not None:
            raise ContractError(f"{label}: give either a rate or weight breaks, not both")
        if not breaks and self.rate is None:
            raise ContractError(f"{label}: a rate is required")
        if (self.rate is not None and self.rate < 0) or self.minimum_charge < 0:
            raise ContractError(f"{label}: rates and minimum charge cannot be negative")

    @property
    def label(self):
        return f"rate card {self.name or self.id} v{self.version}"

    def valid_on(self, day):
        return (self.date_from is None or self.date_from <= day) and (self.date_to is None or day <= self.date_to)

    def best_lane(self, origin, dest):
        """The matching lane with the highest specificity (a card without lanes: ``Lane()``), or None."""
        if not self.lanes:
            return Lane()
        matching = [lane for lane in self.lanes if lane.matches(origin, dest)]
        return max(matching, key=lambda lane: lane.specificity, default=None)


def select_rate_card(cards, carrier, service_level, ship_date, origin, dest, customer=None):
    """The rate card that prices a shipment -> ``(card, reason)``; ``(None, reason)`` if none.

    Candidates: cards of ``carrier`` (and of ``customer``: None for carrier cost cards),
    valid on ``ship_date`` (both ends inclusive), for ``service_level`` (a card without a
    service level serves any), with a lane matching ``origin`` -> ``dest``. The best has the
    most specific matching lane, then an exact service level over a generic one, then the
    newest version, then the latest start date. Two different cards that tie on all of
    these are ambiguous: nothing is guessed and None is returned.
    """
    origin, dest = Address.from_value(origin), Address.from_value(dest)
    route = f"{origin} → {dest}"
    pool = [card for card in cards if _same(card.carrier, carrier) and _same(card.customer, customer)]
    if not pool:
        return None, f"No rate card for carrier {carrier}" + (f" and customer {customer}" if customer else "")
    valid = [card for card in pool if card.valid_on(ship_date)]
    if not valid:
        known = ", ".join(f"{card.label} {_period_text(card.date_from, card.date_to)}" for card in pool)
        return None, f"No rate card of carrier {carrier} is valid on {ship_date} ({known})"
    served = [card for card in valid if not card.service_level or _same(card.service_level, service_level)]
    if not served:
        return None, f"No rate card of carrier {carrier} valid on {ship_date} serves service level {service_level}"
    ranked = []
    for card in served:
        lane = card.best_lane(origin, dest)
        if lane is not None:
            exact_service = 1 if card.service_level else 0
            key = (lane.specificity, exact_service, card.version, card.date_from or date.min)
            ranked.append((key, card, lane))
    if not ranked:
        labels = ", ".join(card.label for card in served)
        return None, f"No lane of {labels} matches {route}"
    ranked.sort(key=lambda item: item[0], reverse=True)
    best_key, best, lane = ranked[0]
    rivals = [card for key, card, _lane in ranked[1:] if key == best_key and card.id != best.id]
    if rivals:
        return None, (
            f"Ambiguous: {best.label} and {rivals[0].label} match {route} equally "
            f"(lane specificity {lane.specificity}, same service level, version and start date)"
        )
    reason = (
        f"{best.label}: lane {lane.describe()} (specificity {lane.specificity}) matches {route}, "
        f"valid {_period_text(best.date_from, best.date_to)}"
    )
    if len(ranked) > 1:
        reason += f"; preferred over {', '.join(card.label for _key, card, _lane in ranked[1:])}"
    return best, reason


def _quantity(value, name, card):
    if value is None or value == "":
        raise RatingError(f"{card.label} rates per {card.basis}: the shipment has no {name}")
    result = to_decimal(value, name, error=RatingError)
    if result < 0:
        raise RatingError(f"{card.label}: {name} {fmt_num(result)} is negative")
    return result


def _weight_charge(card, weight, use_deficit_weight):
    """Unrounded weight-break charge of ``weight`` kg and the words that explain it."""
    decimals = card.decimals
    breaks = card.weight_breaks
    applicable = [item for item in breaks if item[0] <= weight]
    if applicable:
        index = len(applicable) - 1
        min_kg, rate = applicable[-1]
        rated_weight = weight
        text = f"{fmt_num(weight)} kg {TIMES} {fmt_rate(rate, decimals)}/kg (break ≥ {fmt_num(min_kg)} kg)"
    else:
        index = 0
        min_kg, rate = breaks[0]
        rated_weight = min_kg
        text = (
            f"{fmt_num(weight)} kg is below the lowest break, rated as {fmt_num(min_kg)} kg {TIMES} "
            f"{fmt_rate(rate, decimals)}/kg (break ≥ {fmt_num(min_kg)} kg)"
        )
    amount = rated_weight * rate
    text += f" = {fmt_money(amount, decimals)}"
    if use_deficit_weight:
        best = None
        for next_min, next_rate in breaks[index + 1 :]:
            candidate = next_min * next_rate
            if candidate < amount and (best is None or candidate < best[0]):
                best = (candidate, next_min, next_rate)
        if best:
            candidate, next_min, next_rate = best
            text += (
                f"; deficit weight: {fmt_num(next_min)} kg {TIMES} {fmt_rate(next_rate, decimals)}/kg "
                f"(break ≥ {fmt_num(next_min)} kg) = {fmt_money(candidate, decimals)} is cheaper, applied"
            )
            amount = candidate
        elif index + 1 < len(breaks):
            text += "; deficit weight not cheaper"
    return amount, text


def expected_base(card, weight_kg=None, pallets=None, km=None, shipments=1, use_deficit_weight=True):
    """Contracted base freight -> ``(amount, explanation)``; the explanation reads like
    ``412.5 kg * 1.20/kg (break ≥ 250 kg) = 495.00; minimum 150.00 not applied`` with a multiplication sign.

    Raises :class:`RatingError` when the figure the card's basis needs is missing.
    """
    decimals = card.decimals
    if card.basis == "kg" and card.weight_breaks:
        weight = _quantity(weight_kg, "weight", card)
        amount, text = _weight_charge(card, weight, use_deficit_weight)
    else:
        unit = {"shipment": "shipment", "kg": "kg", "pallet": "pallet", "km": "km"}[card.basis]
        source = {"shipment": shipments, "kg": weight_kg, "pallet": pallets, "km": km}[card.basis]
        name = {"shipment": "shipment count", "kg": "weight", "pallet": "pallet count", "km": "distance"}[card.basis]
        count = _quantity(source, name, card)
        amount = count * card.rate
        counted = f"{fmt_num(count)} {unit}" + ("s" if unit in ("shipment", "pallet") and count != 1 else "")
        text = f"{counted} {TIMES} {fmt_rate(card.rate, decimals)}/{unit} = {fmt_money(amount, decimals)}"
    if card.minimum_charge:
        if amount < card.minimum_charge:
            amount = card.minimum_charge
            text += f"; minimum {fmt_money(card.minimum_charge, decimals)} applied"
        else:
            text += f"; minimum {fmt_money(card.minimum_charge, decimals)} not applied"
    amount = quantize(amount, decimals)
    return amount, f"{text} ({card.label})"


# ----------------------------------------------------------------------
# Fuel surcharge
# ----------------------------------------------------------------------
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
                raise ContractError(f"{label}: period {_period_text(date_from, date_to)} ends before it starts")
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
                return percent, f"period {_period_text(date_from, date_to)}"
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
    own = [schedule for schedule in schedules if schedule.carrier is not None and _same(schedule.carrier, carrier)]
    generic = [schedule for schedule in schedules if schedule.carrier is None]
    return (own or generic or [None])[0]


# ----------------------------------------------------------------------
# Charge rules (accessorials)
# ----------------------------------------------------------------------
@dataclass
class ChargeRule:
    """What a charge code is and whether it may be paid without approval.

    ``authorisation``: ``pre_authorised`` (any amount), ``up_to_amount`` (at most
    ``authorised_amount`` per invoice line) or ``needs_approval`` (never automatically).
    A rule without ``carrier`` applies to every carrier.
    """

    charge_code: str
    kind: str = "accessorial"
    authorisation: str = "pre_authorised"
    authorised_amount: Decimal | None = None
    rebillable: bool = False
    carrier: object = None
    charge_type: str = ""
    name: str = ""

    def __post_init__(self):
        self.charge_code = str(self.charge_code or "").strip().upper()
        if not self.charge_code:
            raise ContractError("A charge rule needs a charge code")
        label = self.label
        if self.kind not in CHARGE_KINDS:
            raise ContractError(f"{label}: kind {self.kind!r} is not one of {', '.join(CHARGE_KINDS)}")
        if self.authorisation not in AUTHORISATIONS:
            raise ContractError(
                f"{label}: authorisation {self.authorisation!r} is not one of {', '.join(AUTHORISATIONS)}"
            )
        self.authorised_amount = to_decimal(self.authorised_amount, f"{label}: authorised amount", allow_none=True)
        if self.authorisation == "up_to_amount" and (self.authorised_amount is None or self.authorised_amount < 0):
            raise ContractError(f"{label}: up_to_amount needs an authorised amount ≥ 0")

    @property
    def label(self):
        return f"charge rule {self.charge_code}" + (f" ({self.carrier})" if self.carrier is not None else "")


def find_charge_rule(rules, carrier, charge_code):
    """The carrier's own rule for ``charge_code``, else a rule for every carrier, else None."""
    code = str(charge_code or "").strip().upper()
    matching = [rule for rule in rules if rule.charge_code == code]
    own = [rule for rule in matching if rule.carrier is not None and _same(rule.carrier, carrier)]
    generic = [rule for rule in matching if rule.carrier is None]
    return (own or generic or [None])[0]


@dataclass(frozen=True)
class AccessorialResult:
    """``status`` ``ok``, ``needs_approval`` or ``over_limit``; ``expected`` is what may be paid
    without approval (the billed amount, the authorised amount, or zero)."""

    status: str
    billed_amount: Decimal
    authorised_amount: Decimal | None
    expected: Decimal
    explanation: str


def evaluate_accessorial(rule, billed_amount, decimals=DEFAULT_DECIMALS):
    """Check a billed accessorial against its charge rule (``None``: no rule, needs approval).

    An authorised amount is a cap: billed exactly the cap is ok, one cent more is over
    the limit (no tolerance applies to caps).
    """
    billed = to_decimal(billed_amount, "billed amount", error=RatingError)
    shown = fmt_money(billed, decimals)
    if rule is None:
        return AccessorialResult(
            "needs_approval", billed, None, ZERO, f"billed {shown}: no charge rule, the charge needs approval"
        )
    if rule.authorisation == "pre_authorised":
        return AccessorialResult("ok", billed, None, billed, f"billed {shown}: pre-authorised ({rule.label})")
    if rule.authorisation == "needs_approval":
        return AccessorialResult("needs_approval", billed, None, ZERO, f"billed {shown}: needs approval ({rule.label})")
    cap = rule.authorised_amount
    if billed <= cap:
        return AccessorialResult(
            "ok", billed, cap, billed, f"billed {shown} ≤ authorised {fmt_money(cap, decimals)} ({rule.label})"
        )
    return AccessorialResult(
        "over_limit",
        billed,
        cap,
        cap,
        f"billed {shown} > authorised {fmt_money(cap, decimals)} by {fmt_money(billed - cap, decimals)} "
        f"({rule.label})",
    )
