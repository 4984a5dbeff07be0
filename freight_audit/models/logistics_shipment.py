import logging
from collections import defaultdict
from decimal import Decimal

from odoo import fields, models

from ..services import rating
from ..services.audit_inputs import ShipmentFacts

_logger = logging.getLogger(__name__)


def _address(partner):
    return rating.Address(partner.country_id.code or "", partner.state_id.code or "", partner.zip or "")


class LogisticsShipment(models.Model):
    """Freight audit reads the canonical shipment fields; it never writes them."""

    _inherit = "logistics.shipment"

    freight_invoice_line_ids = fields.One2many("freight.invoice.line", "shipment_id", string="Carrier Charges")
    freight_accrual_ids = fields.One2many("freight.accrual", "shipment_id", string="Freight Accruals")

    def _freight_ship_date(self):
        self.ensure_one()
        moment = self.actual_pickup or self.planned_pickup or self.actual_delivery or self.create_date
        return fields.Date.to_date(moment) if moment else None

    def _freight_has_pod(self):
        """Complete proof of delivery: shipment_events' verdict when installed, else signer and time."""
        self.ensure_one()
        if "pod_complete" in self._fields:
            return bool(self.pod_complete)
        return bool(self.pod_signer and self.pod_time)

    def _freight_facts(self):
        """{shipment id: ShipmentFacts} for the audit engine (the reference is our shipment name)."""
        facts = {}
        for shipment in self:
            facts[shipment.id] = ShipmentFacts(
                ref=shipment.name,
                found=True,
                delivered=shipment.status == "delivered",
                pod_complete=shipment._freight_has_pod(),
                actual_weight_kg=Decimal(str(shipment.weight)) if shipment.weight else None,
                pallets=Decimal(shipment.pallet_count) if shipment.pallet_count else None,
                km=Decimal(str(shipment.distance_km)) if shipment.distance_km else None,
                ship_date=shipment._freight_ship_date(),
                origin=_address(shipment.origin_partner_id),
                dest=_address(shipment.destination_partner_id),
                service_level=shipment.service_level or None,
            )
        return facts

    def _freight_analytic_distribution(self):
        """{shipment id: analytic distribution} from the shipment's origin: the sale order's lines,
        else the purchase order's lines (weighted by their subtotals)."""
        result = {}
        for shipment in self:
            lines = shipment.sale_id.order_line.filtered(lambda line: not line.display_type)
            if not any(lines.mapped("analytic_distribution")):
                lines = shipment.purchase_id.order_line.filtered(lambda line: not line.display_type)
            weights = defaultdict(float)
            total = sum(abs(line.price_subtotal) for line in lines if line.analytic_distribution) or 0.0
            for line in lines:
                if not line.analytic_distribution:
                    continue
                share = abs(line.price_subtotal) / total if total else 1.0 / len(lines)
                for key, percent in line.analytic_distribution.items():
                    weights[key] += percent * share
            result[shipment.id] = {key: round(value, 2) for key, value in weights.items() if value}
        return result

    def _freight_expected_amounts(self):
        """{shipment id: {amount, currency, explanation, rate_card_id}} from the carrier's rate cards
        (base freight and fuel surcharge), for accruals. The amount is 0 when nothing rates it.
        The contracts come from the loader the audit uses (``freight.rate.card._freight_contract_book``)."""
        result = {}
        book = self.env["freight.rate.card"].sudo()._freight_contract_book(self.company_id, self.carrier_partner_id)
        for shipment in self:
            company_id, carrier = shipment.company_id.id, shipment.carrier_partner_id
            key = carrier._freight_carrier_key()
            ship_date = shipment._freight_ship_date()
            try:
                card, reason = rating.select_rate_card(
                    book.rate_cards(company_id, carrier.id),
                    key,
                    shipment.service_level or None,
                    ship_date,
                    _address(shipment.origin_partner_id),
                    _address(shipment.destination_partner_id),
                )
                if card is None:
                    result[shipment.id] = {"amount": 0.0, "explanation": reason}
                    continue
                facts = shipment._freight_facts()[shipment.id]
                base, text = rating.expected_base(
                    card, weight_kg=facts.actual_weight_kg, pallets=facts.pallets, km=facts.km
                )
                amount, words = base, [reason, text]
                schedule = rating.find_fuel_schedule(
                    book.fuel_schedules(company_id, carrier.id), key, card.fuel_schedule_id
                )
                if schedule is not None:
                    index = book.index_for(schedule.id, ship_date)
                    fuel, _percent, fuel_text = rating.expected_fuel(
                        schedule, base, 0, ship_date, Decimal(str(index)) if index is not None else None, card.decimals
                    )
                    amount += fuel
                    words.append(fuel_text)
            except (rating.ContractError, rating.RatingError) as error:
                result[shipment.id] = {"amount": 0.0, "explanation": str(error)}
                continue
            result[shipment.id] = {
                "amount": float(amount),
                "currency": self.env["res.currency"].browse(book.card_currency(card.id)),
                "explanation": "; ".join(words) + f"; accrued {rating.fmt_money(amount, card.decimals)}",
                "rate_card_id": card.id,
            }
        return result
