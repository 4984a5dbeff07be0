"""Lanes of the journal: every message belongs to one (events, invoices, transport orders,
payments and disputes, acknowledgments), so that a flood in one lane never delays another by
more than one batch.

- The lane of a message comes from its type (``_message_type_lanes``, extended by each addon
  for its own types, as ``_message_type_groups``), unless its backend puts all its messages in
  one lane (``logistics.backend.journal_lane``). It is stored on the message when it is
  journaled: by the fast insert (``logistics_message_insert.py``, inside its one SQL insert,
  as ``company_id``) or by ``create`` (below).
- The journal's cron claims per lane (``_claim_lanes``): the lanes that have ready work share
  the run's batch size equally, each within its capacity
  (``logistics_connector.lane_capacity.<lane>``, default the batch size). One lane alone gets
  the whole batch; with an invoice waiting behind a flood of events, the next run claims the
  invoice next to its share of events. Claiming itself (``FOR UPDATE SKIP LOCKED``, the order
  per sequence key) is ``_claim``'s, lane by lane.
"""

import json

from odoo import api, fields, models
from odoo.tools import SQL

from .logistics_backend_lanes import LANES

# A message type no addon gives a lane to goes with the events (the bulk lane).
DEFAULT_LANE = "events"
LANE_CAPACITY_PARAM = "logistics_connector.lane_capacity.%s"


class LogisticsMessage(models.Model):
    # One class per concern of logistics.message, each in its own file (see
    # logistics_message.py): lanes here.
    _inherit = "logistics.message"  # pylint: disable=consider-merging-classes-inherited
    _guarded_fields = dict.fromkeys(("lane",))

    lane = fields.Selection(
        LANES,
        readonly=True,
        help="The processing lane: each lane gets its share of every run of the journal's cron, so a "
        "flood in one lane never delays another by more than one batch. Given by the message type, "
        "or by the backend (Journal Lane).",
    )

    def init(self):
        # The queue's index per lane: logistics_message.py.
        super().init()
        # Messages journaled before lanes existed (or of a module installed since): their lane
        # from their type, as far as the addons loaded so far declare it (each addon that
        # extends the journal runs this again with its own types).
        type_lanes = self._message_type_lanes()
        if type_lanes:
            self.env.cr.execute(
                SQL(
                    "UPDATE logistics_message SET lane = (%s)::jsonb ->> message_type"
                    " WHERE lane IS NULL AND message_type IN %s",
                    json.dumps(type_lanes),
                    tuple(type_lanes),
                )
            )

    @api.model
    def _message_type_lanes(self):
        """``{message_type: lane}``: the lane of each message type (a type not listed goes to
        :data:`DEFAULT_LANE`). An addon that adds message types gives them their lane with
        ``super()``, as for :meth:`_message_type_groups`::

            def _message_type_lanes(self):
                return dict(super()._message_type_lanes(), my_type="invoices")

        A backend whose Journal Lane is set puts all its messages in that lane instead."""
        return {
            "transport_order": "transport",
            "transport_update": "transport",
            "transport_cancel": "transport",
            "booking_confirmation": "transport",
            "x12_997": "acks",
        }

    @api.model
    def _journal_lane(self, backend_id, message_type):
        """The lane of a message of ``message_type`` journaled for ``backend_id`` (the fast
        insert computes the same: in its SQL for one row, ``_journal_lane_sql``; from the
        backends read once for several, ``_journal_backend_columns``)."""
        backend = self.env["logistics.backend"].sudo().browse(backend_id)
        return self._journal_lane_of(backend.journal_lane if backend else False, message_type)

    @api.model
    def _journal_lane_of(self, backend_lane, message_type):
        """The lane rule: the backend's Journal Lane (``backend_lane``), else the type's lane,
        else the default one."""
        return backend_lane or self._message_type_lanes().get(message_type, DEFAULT_LANE)

    @api.model
    def _journal_lane_sql(self, backend_id, message_type):
        """The lane as an SQL expression of the insert of one row: the backend's Journal Lane,
        or the type's (no query of its own: it is part of the row's INSERT)."""
        return SQL(
            "COALESCE((SELECT journal_lane FROM logistics_backend WHERE id = %s), %s)",
            backend_id,
            self._message_type_lanes().get(message_type, DEFAULT_LANE),
        )

    @api.model_create_multi
    def create(self, vals_list):
        """A message created with ``create`` (the plain path of the journal, RPC) gets its
        lane as the fast insert gives it."""
        for vals in vals_list:
            if not vals.get("lane") and vals.get("backend_id") and vals.get("message_type"):
                vals["lane"] = self._journal_lane(vals["backend_id"], vals["message_type"])
        return super().create(vals_list)

    # ------------------------------------------------------------------
    # Claiming per lane
    # ------------------------------------------------------------------
    @api.model
    def _lane_capacity(self, lane, batch_size):
        """How many messages of ``lane`` one run claims at most: the system parameter
        ``logistics_connector.lane_capacity.<lane>``, or the batch size (read from the
        registry's cache of parameters: no query)."""
        value = self.env["ir.config_parameter"].sudo().get_param(LANE_CAPACITY_PARAM % lane)
        try:
            capacity = int(value) if value else batch_size
        except ValueError:
            capacity = batch_size
        return max(capacity, 1)

    @api.model
    def _ready_lanes(self):
        """The lanes that have ready messages (one query, one index probe per lane); ``None``
        stands for messages without a lane (rows written outside the journal). What this
        transaction changed is flushed first (a requeue, a replay), as ``_claim`` does."""
        self.env.flush_all()
        ready = SQL(
            "(m.state IN ('received', 'queued') OR (m.state = 'failed' AND m.next_attempt_at IS NOT NULL"
            " AND m.next_attempt_at <= %s))",
            fields.Datetime.now(),
        )
        probes = [
            SQL(
                "SELECT %s::varchar WHERE EXISTS (SELECT 1 FROM logistics_message m WHERE m.lane = %s AND %s)",
                lane,
                lane,
                ready,
            )
            for lane, _label in LANES
        ]
        probes.append(
            SQL(
                "SELECT NULL::varchar WHERE EXISTS (SELECT 1 FROM logistics_message m WHERE m.lane IS NULL AND %s)",
                ready,
            )
        )
        self.env.cr.execute(SQL(" UNION ALL ").join(probes))
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _claim_lanes(self, batch_size):
        """Claim one run's messages, lane by lane: the lanes with ready work share
        ``batch_size`` equally (at least one message each), each within its capacity
        (:meth:`_lane_capacity`). A lane that needs less than its share leaves it unused, so a
        run with several lanes stays about one batch long. Returns the claimed messages in the
        order of their ids."""
        lanes = self._ready_lanes()
        if not lanes:
            return self.browse()
        share = max(batch_size // len(lanes), 1)
        claimed = []
        for lane in lanes:
            limit = min(share, self._lane_capacity(lane, batch_size)) if lane else share
            claimed += self._claim(limit, lane=lane).ids
        return self.browse(sorted(claimed))
