"""Rate cards: which card prices a shipment, and the contracted base freight.

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

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .amounts import (
    DEFAULT_DECIMALS,
    TIMES,
    ZERO,
    ContractError,
    RatingError,
    fmt_money,
    fmt_num,
    fmt_rate,
    period_text,
    quantize,
    same_code,
    to_decimal,
)
from .lanes import Address, Lane

BASES = ("shipment", "kg", "pallet", "km")


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
    pool = [card for card in cards if same_code(card.carrier, carrier) and same_code(card.customer, customer)]
    if not pool:
        return None, f"No rate card for carrier {carrier}" + (f" and customer {customer}" if customer else "")
    valid = [card for card in pool if card.valid_on(ship_date)]
    if not valid:
        known = ", ".join(f"{card.label} {period_text(card.date_from, card.date_to)}" for card in pool)
        return None, f"No rate card of carrier {carrier} is valid on {ship_date} ({known})"
    served = [card for card in valid if not card.service_level or same_code(card.service_level, service_level)]
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
        f"valid {period_text(best.date_from, best.date_to)}"
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
