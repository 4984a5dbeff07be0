from odoo import api, fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    shipment_pod_require_signer = fields.Boolean(string="POD needs a signer", default=True)
    shipment_pod_require_time = fields.Boolean(string="POD needs a time", default=True)
    shipment_pod_require_document = fields.Boolean(string="POD needs a document", default=False)
    shipment_notify_shipped = fields.Boolean(
        string="Notify customer when shipped", help="Picked up or in transit (the first of them)."
    )
    shipment_notify_out_for_delivery = fields.Boolean(string="Notify customer when out for delivery")
    shipment_notify_delayed = fields.Boolean(string="Notify customer when delayed")
    shipment_notify_delivered = fields.Boolean(string="Notify customer when delivered")
    shipment_exception_user_id = fields.Many2one(
        "res.users",
        string="Shipment Exceptions Responsible",
        domain=[("share", "=", False)],
        help="Gets the activities of shipment exceptions when the shipment has no salesperson "
        "and its backend no responsible.",
    )

    def _shipment_notifies(self, key):
        self.ensure_one()
        return bool(self[f"shipment_notify_{key}"])

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        self._shipment_events_webhook_user_companies(companies)
        return companies

    @api.model
    def _shipment_events_webhook_user_companies(self, companies=None):
        """The webhook's technical user belongs to ``companies`` (default: every company): it
        journals for the backends of all companies, and may only read what it journals for."""
        user = self.env.ref("shipment_events.user_webhook", raise_if_not_found=False)
        if not user:
            return
        companies = companies if companies is not None else self.sudo().search([])
        user.sudo().write({"company_ids": [fields.Command.link(company.id) for company in companies]})
