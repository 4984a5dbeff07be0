"""Customer notifications sent for a shipment: at most one per status (database constraint)."""

import logging

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

NOTIFICATION_STATUSES = [
    ("shipped", "Shipped"),
    ("out_for_delivery", "Out for delivery"),
    ("delayed", "Delayed"),
    ("delivered", "Delivered"),
]


class LogisticsShipmentNotification(models.Model):
    _name = "logistics.shipment.notification"
    _description = "Shipment Customer Notification"
    _order = "id desc"
    _check_company_auto = True

    shipment_id = fields.Many2one("logistics.shipment", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="shipment_id.company_id", store=True)
    status = fields.Selection(NOTIFICATION_STATUSES, required=True, readonly=True)
    event_id = fields.Many2one("logistics.shipment.event", ondelete="set null", readonly=True, check_company=True)
    # mail.mail and mail.message have no company: they follow the shipment they were sent for.
    mail_id = fields.Many2one("mail.mail", string="Email", ondelete="set null", readonly=True)
    mail_message_id = fields.Many2one("mail.message", string="Message", ondelete="set null", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Recipient", readonly=True, check_company=True)

    _sql_constraints = [
        (
            "shipment_status_uniq",
            "unique(shipment_id, status)",
            "The customer was already notified of this status for this shipment.",
        ),
    ]

    @api.model
    def _send(self, candidates):
        """``candidates``: {(shipment_id, status key): event}. Claims each (shipment, status)
        with an INSERT ... ON CONFLICT DO NOTHING first, so that concurrent workers and
        replays never send twice, then renders and queues the emails."""
        shipments = self.env["logistics.shipment"].sudo().browse({key[0] for key in candidates})
        recipients = {s.id: s._notification_recipient() for s in shipments}
        companies = {s.id: s.company_id.id for s in shipments}
        rows = [
            (shipment_id, companies[shipment_id], key, event.id, recipients[shipment_id].id)
            for (shipment_id, key), event in candidates.items()
            if recipients[shipment_id] and recipients[shipment_id].email
        ]
        if not rows:
            return self.browse()
        self.env.flush_all()
        values = SQL(", ").join(
            SQL(
                "(%s, %s, %s, %s, %s, %s, %s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')",
                *row,
                self.env.uid,
                self.env.uid,
            )
            for row in rows
        )
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO logistics_shipment_notification
                       (shipment_id, company_id, status, event_id, partner_id,
                        create_uid, write_uid, create_date, write_date)
                VALUES %s
                ON CONFLICT (shipment_id, status) DO NOTHING
                RETURNING id
                """,
                values,
            )
        )
        notifications = self.sudo().browse([r[0] for r in self.env.cr.fetchall()])
        if not notifications:
            return notifications
        template = self.env.ref("shipment_events.mail_template_shipment_status", raise_if_not_found=False)
        if not template:
            return notifications
        for notification in notifications:
            shipment = notification.shipment_id
            mail_id = template.sudo().send_mail(shipment.id, email_layout_xmlid="mail.mail_notification_light")
            mail = self.env["mail.mail"].sudo().browse(mail_id)
            notification.write({"mail_id": mail_id, "mail_message_id": mail.mail_message_id.id})
            shipment.message_post(
                body=self.env._(
                    "Customer %(partner)s notified: %(status)s.",
                    partner=notification.partner_id.display_name,
                    status=dict(NOTIFICATION_STATUSES)[notification.status],
                ),
                message_type="notification",
                subtype_xmlid="mail.mt_note",
            )
        return notifications
