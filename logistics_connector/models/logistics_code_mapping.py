from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.osv import expression

from ..services.status import SHIPMENT_STATUSES

MAPPING_TYPES = [
    ("carrier", "Carrier (SCAC / name)"),
    ("service_level", "Service level"),
    ("status", "Status code"),
    ("charge_code", "Charge code"),
    ("uom", "Unit of measure"),
]


class LogisticsCodeMapping(models.Model):
    """External code -> internal value, per backend (or a shipped default without backend).

    The shipped defaults (no backend, hence no company) apply to every company: record rules
    let everyone read them and only system administrators create, change or delete them;
    Logistics Managers manage the mappings of their companies' backends.
    """

    _name = "logistics.code.mapping"
    _description = "Logistics Code Mapping"
    _order = "backend_id, mapping_type, external_code"
    _rec_name = "external_code"
    _check_company_auto = True

    backend_id = fields.Many2one(
        "logistics.backend",
        ondelete="cascade",
        index=True,
        help="Leave empty for a default that applies to every backend without its own mapping.",
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    mapping_type = fields.Selection(MAPPING_TYPES, required=True, index=True)
    external_code = fields.Char(required=True, index=True)
    description = fields.Char()
    active = fields.Boolean(default=True)
    carrier_id = fields.Many2one("delivery.carrier", ondelete="restrict", check_company=True)
    carrier_partner_id = fields.Many2one(
        "res.partner", string="Carrier Partner", ondelete="restrict", check_company=True
    )
    service_level = fields.Char()
    status = fields.Selection(SHIPMENT_STATUSES, string="Canonical Status")
    uom_id = fields.Many2one("uom.uom", string="Unit of Measure", ondelete="restrict")

    _sql_constraints = [
        (
            "code_uniq",
            "unique NULLS NOT DISTINCT (backend_id, mapping_type, external_code)",
            "This external code is already mapped for this backend.",
        ),
    ]

    @api.constrains("mapping_type", "carrier_id", "carrier_partner_id", "service_level", "status", "uom_id")
    def _check_target(self):
        required = {
            "carrier": ("carrier_id", "carrier_partner_id"),
            "service_level": ("service_level",),
            "status": ("status",),
            "uom": ("uom_id",),
        }
        for mapping in self:
            names = required.get(mapping.mapping_type)
            if names and not any(mapping[name] for name in names):
                raise ValidationError(
                    _(
                        "The %(type)s mapping of code %(code)s has no internal value.",
                        type=mapping.mapping_type,
                        code=mapping.external_code,
                    )
                )

    def write(self, vals):
        result = super().write(vals)
        self._requeue_waiting_messages()
        return result

    @api.model_create_multi
    def create(self, vals_list):
        mappings = super().create(vals_list)
        mappings._requeue_waiting_messages()
        return mappings

    def _requeue_waiting_messages(self):
        """Messages parked in 'needs mapping' for these codes go back to the queue."""
        if not self:
            return
        domains = []
        for mapping in self:
            domain = [
                ("missing_mapping_type", "=", mapping.mapping_type),
                ("missing_mapping_code", "=", mapping.external_code),
            ]
            if mapping.backend_id:
                domain.append(("backend_id", "=", mapping.backend_id.id))
            domains.append(domain)
        waiting = (
            self.env["logistics.message"]
            .sudo()
            .search(expression.AND([[("state", "=", "needs_mapping")], expression.OR(domains)]))
        )
        if waiting:
            waiting._requeue()
