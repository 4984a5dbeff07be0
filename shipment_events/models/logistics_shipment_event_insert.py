"""Creating milestones in bulk, a concurrent worker's identical milestone skipped.

This reproduces no ORM internals: the events are written by plain ORM ``create()`` (one call
for the whole batch, in a savepoint). When the batch fails on the unique identity
(``identity_uniq``: another worker stored the same milestone after this one's snapshot),
they are created again one by one, each in its own savepoint, and the ones that conflict are
skipped. Kept apart from the model so the journal's own fast insert
(``logistics_connector/models/logistics_message_insert.py``) and this one are found alike.
"""

import logging

import psycopg2

from odoo import api, models
from odoo.tools import mute_logger

_logger = logging.getLogger(__name__)


class LogisticsShipmentEvent(models.Model):
    # One class per concern of logistics.shipment.event, each in its own file (see
    # logistics_shipment_event.py).
    _inherit = "logistics.shipment.event"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _create_skipping_conflicts(self, vals_list):
        """Create events; an identity stored meanwhile by a concurrent worker is skipped."""
        Event = self.sudo()
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                return Event.create(vals_list)
        except psycopg2.IntegrityError:
            _logger.info("Concurrent insert of shipment events; creating one by one")
        created = Event.browse()
        for vals in vals_list:
            try:
                with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                    created |= Event.create(vals)
            except psycopg2.IntegrityError:
                continue
        return created
