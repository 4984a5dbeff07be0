"""Database-free tests of the contract book (services/contracts.py): the one set of contracts the
audit and the accruals rate with."""

from datetime import date

from odoo.tests import BaseCase, tagged

from ..services import contracts, rating


def _card(card_id, carrier="ACME"):
    return rating.RateCard(id=card_id, carrier=carrier, currency="EUR", rate=10, name=f"card {card_id}")


def _schedule(schedule_id, carrier=None):
    return rating.FuelSchedule(id=schedule_id, carrier=carrier, periods=((None, None, 5),), name=f"s{schedule_id}")


@tagged("post_install", "-at_install")
class TestContractBook(BaseCase):
    def test_index_for_latest_on_or_before(self):
        values = ((date(2026, 1, 1), 2.5), (date(2026, 2, 1), 2.7), (None, 9.9), (date(2026, 3, 1), 3.0))
        self.assertEqual(contracts.index_for(values, date(2026, 2, 15)), 2.7)
        self.assertEqual(contracts.index_for(values, date(2026, 2, 1)), 2.7)
        self.assertIsNone(contracts.index_for(values, date(2025, 12, 31)))
        self.assertEqual(contracts.index_for(values, None), 3.0, "no day: the latest published")
        self.assertIsNone(contracts.index_for((), date(2026, 1, 1)))
        same_day = ((date(2026, 1, 1), 1.0), (date(2026, 1, 1), 2.0))
        self.assertEqual(contracts.index_for(same_day, date(2026, 1, 2)), 1.0, "of two the same day, the first")

    def test_by_company_and_carrier(self):
        book = contracts.ContractBook(
            rate_cards=[
                contracts.ContractEntry(1, company=1, carrier=10, contract=_card(1), currency=7),
                contracts.ContractEntry(2, company=2, carrier=10, contract=_card(2), currency=8),
                contracts.ContractEntry(3, company=1, carrier=11, contract=_card(3, "BETA"), currency=7),
            ],
            fuel_schedules=[
                contracts.ContractEntry(20, company=1, carrier=None, contract=_schedule(20)),
                contracts.ContractEntry(21, company=1, carrier=10, contract=_schedule(21, "ACME")),
                contracts.ContractEntry(22, company=1, carrier=11, contract=_schedule(22, "BETA")),
                contracts.ContractEntry(23, company=2, carrier=None, contract=_schedule(23)),
            ],
        )
        self.assertEqual([card.id for card in book.rate_cards(1, 10)], [1])
        self.assertEqual([card.id for card in book.rate_cards(2, 10)], [2])
        self.assertEqual(book.rate_cards(2, 11), [])
        # own and generic, in the records' order
        self.assertEqual([s.id for s in book.fuel_schedules(1, 10)], [20, 21])
        self.assertEqual([s.id for s in book.fuel_schedules(1, False)], [20], "no carrier: generic only")
        self.assertEqual(book.card_currency(2), 8)

    def test_fuel_index(self):
        january, february = date(2026, 1, 1), date(2026, 2, 1)
        book = contracts.ContractBook(
            fuel_schedules=[
                contracts.ContractEntry(20, company=1, carrier=None, contract=_schedule(20)),
                contracts.ContractEntry(
                    21, company=1, carrier=10, contract=_schedule(21, "ACME"), index_values=((february, 3.1),)
                ),
                contracts.ContractEntry(
                    22, company=1, carrier=None, contract=_schedule(22), index_values=((january, 2.9),)
                ),
            ],
        )
        self.assertEqual(book.index_for(22, date(2026, 1, 15)), 2.9)
        self.assertIsNone(book.index_for(20, date(2026, 1, 15)))
        self.assertIsNone(book.index_for(99, date(2026, 1, 15)))
        # the first of the carrier's schedules that publishes an index, even with none in force yet
        self.assertIsNone(book.published_fuel_index(1, 10, date(2026, 1, 15)))
        self.assertEqual(book.published_fuel_index(1, 10, date(2026, 2, 15)), 3.1)
        self.assertEqual(book.published_fuel_index(1, 11, date(2026, 1, 15)), 2.9)

    def test_conversion_error_raised_when_asked(self):
        error = rating.ContractError("rate card broken v1: a rate is required")
        book = contracts.ContractBook(
            rate_cards=[
                contracts.ContractEntry(1, company=1, carrier=10, contract=_card(1)),
                contracts.ContractEntry(2, company=1, carrier=10, contract=error),
                contracts.ContractEntry(3, company=1, carrier=11, contract=_card(3, "BETA")),
            ],
        )
        with self.assertRaisesRegex(rating.ContractError, "a rate is required"):
            book.rate_cards(1, 10)
        self.assertEqual([card.id for card in book.rate_cards(1, 11)], [3], "other carriers are not affected")
