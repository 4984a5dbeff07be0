"""Numbers of the rating engine: the errors, Decimal conversion, the one rounding and display.

Money is :class:`decimal.Decimal` throughout. Each computed amount is rounded once, at
the end, half-up to the currency's decimals (``decimals``, 2 by default) by :func:`quantize`;
intermediate figures (and the comparisons between them) are kept exact.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from odoo.addons.logistics_connector.services.exceptions import PermanentError

DEFAULT_DECIMALS = 2
TIMES = "\N{MULTIPLICATION SIGN}"
ZERO = Decimal(0)
HUNDRED = Decimal(100)


class ContractError(PermanentError):
    """A contract (rate card, lane, fuel schedule, charge rule) is incomplete or inconsistent."""


class RatingError(PermanentError):
    """A shipment cannot be rated: a figure that the contract needs is missing."""


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


def same_code(a, b):
    """Equality of codes: case and surrounding blanks do not matter for strings."""
    if isinstance(a, str) and isinstance(b, str):
        return a.strip().casefold() == b.strip().casefold()
    return a == b


def period_text(date_from, date_to):
    if date_from and date_to:
        return f"{date_from}..{date_to}"
    if date_from:
        return f"from {date_from}"
    if date_to:
        return f"until {date_to}"
    return "always"
