"""The buying contracts of a batch, by company and carrier: what the audit and the accruals rate with.

Plain Python over plain values (no ORM). ``freight.rate.card._freight_contract_book`` is the one
loader: it reads the rate cards and fuel schedules of a set of companies and carriers once,
converts each record once to the rating engine's contract (:class:`~.rating.RateCard`,
:class:`~.rating.FuelSchedule`) and hands them over as :class:`ContractEntry` values. A record
that does not convert is handed over with its :class:`~.rating.ContractError`, raised when that
carrier's contracts are asked for, as converting it at that point would.

The audit (``freight.invoice._audit_context``) and the accruals
(``logistics.shipment._freight_expected_amounts``) then ask the :class:`ContractBook` for one
carrier's rate cards, fuel schedules and published fuel index values.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ContractEntry:
    """One contract record: its id, company id and carrier id (None: any carrier, fuel schedules
    only), the engine's contract or the ContractError its conversion raised, the currency id of a
    rate card, and the published fuel index values ``((date_from, value), ...)`` of a fuel
    schedule, in the records' order."""

    id: int
    company: int
    carrier: int | None
    contract: object
    currency: int | None = None
    index_values: tuple = ()


def index_for(values, day):
    """The published index value in force on ``day``: the latest published on or before it (any
    when ``day`` is None); None when there is none. ``values``: ``((date_from, value), ...)``; of
    two published the same day, the first."""
    latest = None
    for date_from, value in values:
        if date_from and (not day or date_from <= day) and (latest is None or date_from > latest[0]):
            latest = (date_from, value)
    return latest[1] if latest else None


def _contracts(entries):
    """The engine's contracts of ``entries``, in order; the first conversion error is raised."""
    for entry in entries:
        if isinstance(entry.contract, Exception):
            raise entry.contract
    return [entry.contract for entry in entries]


class ContractBook:
    """The rate cards and fuel schedules of a batch, asked for one carrier in one company."""

    def __init__(self, rate_cards=(), fuel_schedules=()):
        self._cards = {}
        for entry in rate_cards:
            self._cards.setdefault((entry.company, entry.carrier), []).append(entry)
        self._schedules = {}
        for entry in fuel_schedules:
            self._schedules.setdefault(entry.company, []).append(entry)
        self._by_id = {entry.id: entry for entry in fuel_schedules}
        self._card_currency = {entry.id: entry.currency for entry in rate_cards}

    def _schedule_entries(self, company, carrier):
        """The carrier's own and the generic fuel schedules of the company, in the records' order."""
        carrier = carrier or None
        return [entry for entry in self._schedules.get(company, ()) if entry.carrier in (carrier, None)]

    def rate_cards(self, company, carrier):
        """The carrier's rate cards in the company (:class:`~.rating.RateCard`)."""
        return _contracts(self._cards.get((company, carrier or None), ()))

    def fuel_schedules(self, company, carrier):
        """The carrier's own and the generic fuel schedules of the company (:class:`~.rating.FuelSchedule`)."""
        return _contracts(self._schedule_entries(company, carrier))

    def card_currency(self, card_id):
        """The currency id of a rate card."""
        return self._card_currency.get(card_id)

    def index_for(self, schedule_id, day):
        """The published fuel index of one fuel schedule in force on ``day`` (see :func:`index_for`)."""
        entry = self._by_id.get(schedule_id)
        return index_for(entry.index_values, day) if entry else None

    def published_fuel_index(self, company, carrier, day):
        """The fuel index in force on ``day`` published on the first of the carrier's fuel schedules
        (own or generic) that publishes index values at all; None when none does."""
        entry = next((entry for entry in self._schedule_entries(company, carrier) if entry.index_values), None)
        return index_for(entry.index_values, day) if entry else None
