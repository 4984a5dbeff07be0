from odoo import fields, models

from ..services import rating


class FreightRateCardLane(models.Model):
    """Where a rate card applies: origin and destination zones (country, state, postal codes)."""

    _name = "freight.rate.card.lane"
    _description = "Rate Card Lane"

    card_id = fields.Many2one("freight.rate.card", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="card_id.company_id", store=True, index=True)
    name = fields.Char()
    origin_country_ids = fields.Many2many(
        "res.country", "freight_lane_origin_country_rel", "lane_id", "country_id", string="Origin Countries"
    )
    origin_state_ids = fields.Many2many(
        "res.country.state", "freight_lane_origin_state_rel", "lane_id", "state_id", string="Origin States"
    )
    origin_zip_prefixes = fields.Char(help="Postal code prefixes, comma separated: 75, 69")
    origin_zip_ranges = fields.Char(help="Inclusive postal code ranges, comma separated: 75000..75999")
    dest_country_ids = fields.Many2many(
        "res.country", "freight_lane_dest_country_rel", "lane_id", "country_id", string="Destination Countries"
    )
    dest_state_ids = fields.Many2many(
        "res.country.state", "freight_lane_dest_state_rel", "lane_id", "state_id", string="Destination States"
    )
    dest_zip_prefixes = fields.Char(help="Postal code prefixes, comma separated")
    dest_zip_ranges = fields.Char(help="Inclusive postal code ranges, comma separated: 69000..69999")

    def _to_lane(self):
        self.ensure_one()
        return rating.Lane(
            origin_countries=tuple(self.origin_country_ids.mapped("code")),
            origin_states=tuple(f"{s.country_id.code}-{s.code}" for s in self.origin_state_ids),
            origin_zip_prefixes=self.origin_zip_prefixes or (),
            origin_zip_ranges=self.origin_zip_ranges or (),
            dest_countries=tuple(self.dest_country_ids.mapped("code")),
            dest_states=tuple(f"{s.country_id.code}-{s.code}" for s in self.dest_state_ids),
            dest_zip_prefixes=self.dest_zip_prefixes or (),
            dest_zip_ranges=self.dest_zip_ranges or (),
            name=self.name or "",
        )
