from odoo import models


class ResPartner(models.Model):
    _inherit = "res.partner"

    def _freight_carrier_key(self):
        """How the audit engine names a carrier: readable and unique (name and id)."""
        self.ensure_one()
        return f"{self.name} [{self.id}]"
