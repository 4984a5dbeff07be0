from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..services import contracts, rating


def _converted(convert):
    """The engine's contract of a record, or the ContractError converting it raised."""
    try:
        return convert()
    except rating.ContractError as error:
        return error


class FreightRateCard(models.Model):
    """One version of a contracted rate card of a carrier (or, with a customer, a selling card)."""

    _name = "freight.rate.card"
    _description = "Freight Rate Card"
    _inherit = ["mail.thread"]
    _order = "carrier_partner_id, date_from desc, version desc"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    version = fields.Integer(default=1, required=True, tracking=True, help="A new version of the contract wins.")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    carrier_partner_id = fields.Many2one(
        "res.partner", string="Carrier", required=True, index=True, tracking=True, check_company=True
    )
    customer_id = fields.Many2one(
        "res.partner",
        string="Customer",
        help="Set for a selling card used to rebill a customer.",
        tracking=True,
        check_company=True,
    )
    currency_id = fields.Many2one(
        "res.currency", required=True, default=lambda self: self.env.company.currency_id, tracking=True
    )
    date_from = fields.Date(string="Valid From", tracking=True)
    date_to = fields.Date(string="Valid To", tracking=True)
    service_level = fields.Char(help="Empty: any service level.", tracking=True)
    basis = fields.Selection(
        [("shipment", "Per shipment"), ("kg", "Per kg"), ("pallet", "Per pallet"), ("km", "Per km")],
        required=True,
        default="shipment",
        tracking=True,
    )
    rate = fields.Float(digits=(16, 4), help="Price of one unit of the basis (not used with weight breaks).")
    minimum_charge = fields.Monetary(tracking=True)
    lane_ids = fields.One2many("freight.rate.card.lane", "card_id", string="Lanes", copy=True)
    break_ids = fields.One2many("freight.rate.card.break", "card_id", string="Weight Breaks", copy=True)
    fuel_schedule_id = fields.Many2one("freight.fuel.schedule", check_company=True)

    @api.constrains("date_from", "date_to", "basis", "rate", "break_ids", "minimum_charge", "currency_id")
    def _check_contract(self):
        for card in self:
            try:
                card._to_rate_card()
            except rating.ContractError as error:
                raise ValidationError(str(error)) from error

    def _to_rate_card(self):
        """The engine's :class:`~..services.rating.RateCard` of this version."""
        self.ensure_one()
        breaks = [(line.min_kg, line.rate) for line in self.break_ids]
        return rating.RateCard(
            id=self.id,
            version=self.version,
            carrier=self.carrier_partner_id._freight_carrier_key() if self.carrier_partner_id else None,
            currency=self.currency_id.name,
            date_from=self.date_from or None,
            date_to=self.date_to or None,
            service_level=self.service_level or None,
            lanes=tuple(lane._to_lane() for lane in self.lane_ids),
            basis=self.basis,
            rate=None if breaks else self.rate,
            weight_breaks=tuple(breaks),
            minimum_charge=self.minimum_charge,
            customer=self.customer_id.id or None,
            fuel_schedule_id=self.fuel_schedule_id.id or None,
            name=self.name,
            decimals=self.currency_id.decimal_places,
        )

    @api.model
    def _freight_contract_book(self, companies, carriers):
        """The one contract loader of the audit and the accruals: the buying rate cards (no
        customer) of ``carriers`` and the fuel schedules of ``carriers`` or of any carrier in
        ``companies``, read and converted once, as a plain :class:`~..services.contracts.ContractBook`.

        Reads as the caller's environment: the audit and the accruals call it in superuser mode,
        after their own checks."""
        cards = self.search(
            [
                ("company_id", "in", companies.ids),
                ("carrier_partner_id", "in", carriers.ids),
                ("customer_id", "=", False),
            ]
        )
        schedules = self.env["freight.fuel.schedule"].search(
            [
                ("company_id", "in", companies.ids),
                "|",
                ("carrier_partner_id", "in", carriers.ids),
                ("carrier_partner_id", "=", False),
            ]
        )
        return contracts.ContractBook(
            rate_cards=[
                contracts.ContractEntry(
                    id=card.id,
                    company=card.company_id.id,
                    carrier=card.carrier_partner_id.id or None,
                    contract=_converted(card._to_rate_card),
                    currency=card.currency_id.id,
                )
                for card in cards
            ],
            fuel_schedules=[
                contracts.ContractEntry(
                    id=schedule.id,
                    company=schedule.company_id.id,
                    carrier=schedule.carrier_partner_id.id or None,
                    contract=_converted(schedule._to_fuel_schedule),
                    index_values=tuple((value.date_from, value.index_value) for value in schedule.index_value_ids),
                )
                for schedule in schedules
            ],
        )

    def action_new_version(self):
        """Copy this card as the next version (the old one keeps the audits that used it)."""
        self.ensure_one()
        copy = self.copy({"version": self.version + 1, "name": self.name})
        return {"type": "ir.actions.act_window", "res_model": self._name, "res_id": copy.id, "view_mode": "form"}

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        if not (default or {}).get("name"):
            for card, vals in zip(self, vals_list, strict=False):
                vals["name"] = _("%s (copy)", card.name)
        return vals_list
