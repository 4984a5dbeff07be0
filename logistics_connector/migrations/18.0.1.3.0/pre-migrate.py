"""18.0.1.3.0: leaner indexes on the integration journal (``logistics_message``).

Every new journal row and every change of its state writes one entry into each index whose
column it fills. The index of ``backend_id`` is dropped (the unique index on backend_id,
direction, idempotency_key leads with it), and so are the index of ``direction`` (two values)
and the index of ``content_hash`` (random 64-character values no code searches by: the most
costly index of a batch insert); the indexes of ``sequence_key``, ``next_attempt_at``, ``missing_mapping_type`` and
``missing_mapping_code``, columns that are empty on most rows, are dropped here and created
again by Odoo after the update without their NULLs (``index="btree_not_null"``): Odoo creates
a field's index only when none of that name exists, and keeps an index it no longer expects.
"""

import logging

from odoo.tools import SQL

_logger = logging.getLogger(__name__)

DROPPED = (
    "logistics_message__backend_id_index",
    "logistics_message__direction_index",
    "logistics_message__content_hash_index",
)
REBUILT_WITHOUT_NULLS = (
    "logistics_message__sequence_key_index",
    "logistics_message__next_attempt_at_index",
    "logistics_message__missing_mapping_type_index",
    "logistics_message__missing_mapping_code_index",
)


def migrate(cr, version):
    if not version:
        return
    for name in DROPPED + REBUILT_WITHOUT_NULLS:
        cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(name)))
    _logger.info(
        "logistics_message: indexes %s dropped (those without NULLs are created again)",
        ", ".join(DROPPED + REBUILT_WITHOUT_NULLS),
    )
