from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class LogisticsCodeMapping(models.Model):
    _inherit = "logistics.code.mapping"

    charge_type_id = fields.Many2one(
        "freight.charge.type", string="Charge Type", ondelete="restrict", index=True, check_company=True
    )

    @api.constrains("mapping_type", "charge_type_id")
    def _check_charge_type(self):
        for mapping in self:
            if mapping.mapping_type == "charge_code" and not mapping.charge_type_id:
                raise ValidationError(_("The charge code mapping %s needs a charge type.", mapping.external_code))
