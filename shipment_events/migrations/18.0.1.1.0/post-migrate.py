"""18.0.1.1.0: the 997s we send take their ISA/GS control numbers from the connector's
sequence (``logistics_connector.x12_997``, since the connector journals every 997). On a
database that sent 997s with this addon's former sequence (``shipment_events.x12_997``), the
connector's goes on from where that one stopped, so a partner never sees a control number
again; the former sequence is then removed."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    Sequence = env["ir.sequence"].with_context(active_test=False)
    former = Sequence.search([("code", "=", "shipment_events.x12_997")])
    current = Sequence.search([("code", "=", "logistics_connector.x12_997")], limit=1)
    if not former or not current:
        return
    following = max(former.mapped("number_next_actual") + [current.number_next_actual])
    current.number_next = following
    former.unlink()
