"""*Forget this contact*: a partner's personal data erased from the logistics records, the
financial records left intact.

``action_logistics_forget`` (Logistics Managers only, checked here on the server) erases, in the
caller's companies:

- the journal payloads that mention the partner (messages of the partner's shipments, and
  payloads that contain its name, e-mail, phone or street), by the journal's redaction rules
  (``logistics.message._redact_personal_data``: every personal field replaced by its hash),
  and the partner's own values wherever they stand (a name in a free text too);
- what the addons add with ``_logistics_forget_personal_data`` (``shipment_events``: POD
  signers and documents of milestones and shipments).

Vendor bills, carrier invoices, audit cases and their amounts are not touched. A note on the
partner says who forgot it and when, and how many records were erased, nothing of the data.
"""

from markupsafe import Markup

from odoo import _, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from .logistics_message import MANAGER_GROUP

# Values shorter than this are not searched in payloads (too many false matches).
MIN_SEARCHED_LENGTH = 5


class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    def action_logistics_forget(self):
        """Erase these partners' personal data from shipment events, PODs and journal payloads."""
        if not self.env.su and not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(_("Only Logistics Managers may forget a contact's logistics data."))
        self.check_access("read")
        company_ids = self.env.user.company_ids.ids
        for partner in self:
            counts = (
                partner.sudo().with_context(logistics_forget_company_ids=company_ids)._logistics_forget_personal_data()
            )
            lines = [_("Logistics personal data forgotten by %s.", self.env.user.name)]
            lines += [f"{label}: {count}" for label, count in counts.items()]
            partner.sudo().message_post(
                body=Markup("<br/>").join(lines),
                author_id=self.env.user.partner_id.id,
                subtype_xmlid="mail.mt_note",
            )
        return True

    def _logistics_forget_companies(self):
        return self.env.context.get("logistics_forget_company_ids") or self.env.user.company_ids.ids

    def _logistics_forget_shipments(self):
        """The shipments of this partner (customer, origin or destination) in the companies."""
        self.ensure_one()
        return (
            self.env["logistics.shipment"]
            .sudo()
            .search(
                [
                    ("company_id", "in", self._logistics_forget_companies()),
                    "|",
                    "|",
                    ("partner_id", "=", self.id),
                    ("origin_partner_id", "=", self.id),
                    ("destination_partner_id", "=", self.id),
                ]
            )
        )

    def _logistics_forget_values(self):
        """The partner's values looked for in payloads (name, e-mail, phones, street)."""
        self.ensure_one()
        values = {self.name, self.email, self.phone, getattr(self, "mobile", None), self.street}
        return sorted(value.strip() for value in values if value and len(value.strip()) >= MIN_SEARCHED_LENGTH)

    def _logistics_forget_messages(self):
        """Journal messages that mention this partner: linked to its shipments, or whose payload
        (stored inline) holds one of its values."""
        self.ensure_one()
        Message = self.env["logistics.message"].sudo()
        shipments = self._logistics_forget_shipments()
        messages = Message.search([("shipment_ids", "in", shipments.ids)]) if shipments else Message
        values = self._logistics_forget_values()
        if values:
            patterns = [
                "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%" for value in values
            ]
            Message.flush_model(["payload", "company_id"])
            self.env.cr.execute(
                SQL(
                    "SELECT id FROM logistics_message WHERE company_id = ANY(%s) AND payload ILIKE ANY(%s)",
                    self._logistics_forget_companies(),
                    patterns,
                )
            )
            messages |= Message.browse([row[0] for row in self.env.cr.fetchall()])
        return messages

    def _logistics_forget_personal_data(self):
        """Erase this partner's personal data (superuser); returns ``{label: count}``. Addons
        extend it with ``super()`` for their records."""
        self.ensure_one()
        messages = self._logistics_forget_messages()
        messages._redact_personal_data(values=self._logistics_forget_values())
        return {_("Journal messages redacted"): len(messages)}
