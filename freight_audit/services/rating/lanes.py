"""Addresses and lanes: where a rate card applies.

A lane has an origin and a destination side. Each side may restrict the country,
the state (``"TX"`` or ``"US-TX"``) and the postal code (prefixes such as ``"75"`` or
inclusive ranges such as ``("75000", "75999")``). An empty restriction means "any".
A side matches an address when every restriction given is met. Specificity of a
side: postal code 3, state 2, country 1, any 0; the lane's specificity is the sum
of both sides (0 to 6).
"""

import re
from dataclasses import dataclass

from .amounts import ContractError

SPECIFICITY_POSTAL = 3
SPECIFICITY_STATE = 2
SPECIFICITY_COUNTRY = 1
SPECIFICITY_ANY = 0


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
