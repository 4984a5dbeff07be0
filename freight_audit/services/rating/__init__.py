"""Contract rating: lanes, rate cards, fuel surcharge schedules and charge rules.

Plain Python (no ORM, no Odoo import besides the suite's error hierarchy) so that the
freight audit can be unit-tested without a database. The Odoo models
(``freight.rate.card`` and friends) build these dataclasses and call the functions.

One module per concern:

* ``amounts.py``: the errors (:class:`ContractError`, :class:`RatingError`), Decimal
  conversion, the one rounding of an amount (half-up to the currency's decimals) and display;
* ``lanes.py``: addresses and lanes (matching and specificity);
* ``rate_cards.py``: rate cards, choosing the card of a shipment, the base freight
  (weight breaks, deficit weight, minimum charge);
* ``fuel.py``: fuel surcharge schedules (by period or fuel index band) and the surcharge;
* ``charges.py``: charge rules and the check of a billed accessorial.

The names below are the engine's public interface, used as ``rating.<name>`` by the models,
the audit engine and many tests; import them from here.
"""

from .amounts import (
    DEFAULT_DECIMALS,
    HUNDRED,
    ZERO,
    ContractError,
    RatingError,
    fmt_money,
    fmt_num,
    quantize,
    to_decimal,
)
from .charges import CHARGE_KINDS, AccessorialResult, ChargeRule, evaluate_accessorial, find_charge_rule
from .fuel import FuelSchedule, expected_fuel, find_fuel_schedule
from .lanes import Address, Lane
from .rate_cards import RateCard, expected_base, select_rate_card

__all__ = [
    "CHARGE_KINDS",
    "DEFAULT_DECIMALS",
    "HUNDRED",
    "ZERO",
    "AccessorialResult",
    "Address",
    "ChargeRule",
    "ContractError",
    "FuelSchedule",
    "Lane",
    "RateCard",
    "RatingError",
    "evaluate_accessorial",
    "expected_base",
    "expected_fuel",
    "find_charge_rule",
    "find_fuel_schedule",
    "fmt_money",
    "fmt_num",
    "quantize",
    "select_rate_card",
    "to_decimal",
]
