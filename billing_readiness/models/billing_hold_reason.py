from odoo import api, fields, models
from odoo.tools import SQL

from ..services import readiness

REASON_CODES = [
    ("not_delivered", "Not delivered"),
    ("waiting_period", "Waiting period"),
    ("charge_unconfirmed", "Charges not confirmed"),
    ("nothing_to_invoice", "Nothing to invoice"),
    ("pod_missing", "POD missing"),
    ("delivery_not_validated", "Delivery order not validated"),
    ("exception_open", "Open delivery exception"),
    ("audit_case_open", "Open audit case"),
    ("manual", "Manual hold"),
    ("invoice_error", "Invoicing failed"),
]
REASON_KINDS = [("hold", "Hold (needs a person)"), ("wait", "Waiting (facts not in yet)")]


class BillingHoldReason(models.Model):
    """Why an order cannot be invoiced yet: one record per fact, shared by the orders it concerns."""

    _name = "billing.hold.reason"
    _description = "Billing Hold Reason"
    _order = "id desc"
    _check_company_auto = True
    # Records of the evaluation (created in SQL, in superuser mode, with the order's company).
    # No group has write access (security/ir.model.access.csv), the shared ones (no company)
    # included: only the superuser writes them.

    name = fields.Char(required=True, readonly=True)
    key = fields.Char(required=True, readonly=True, index=True)
    code = fields.Selection(REASON_CODES, required=True, readonly=True, index=True)
    kind = fields.Selection(REASON_KINDS, required=True, readonly=True, index=True)
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    shipment_id = fields.Many2one(
        "logistics.shipment", readonly=True, ondelete="cascade", index="btree_not_null", check_company=True
    )
    case_id = fields.Many2one(
        "freight.audit.case", string="Audit Case", readonly=True, ondelete="cascade", check_company=True
    )
    order_id = fields.Many2one(
        "sale.order", readonly=True, ondelete="cascade", index="btree_not_null", check_company=True
    )
    order_ids = fields.Many2many(
        "sale.order",
        "billing_hold_reason_sale_order_rel",
        "reason_id",
        "order_id",
        string="Orders",
        readonly=True,
        check_company=True,
    )
    order_count = fields.Integer(compute="_compute_order_count")

    _sql_constraints = [("key_uniq", "unique(key)", "One reason record per fact.")]

    @api.depends("code", "shipment_id", "case_id", "order_id")
    def _compute_display_name(self):
        labels = {
            "not_delivered": self.env._("Shipment %(shipment)s not delivered yet"),
            "waiting_period": self.env._("Waiting period after delivery of %(order)s"),
            "charge_unconfirmed": self.env._("Rebillable charges of shipment %(shipment)s not confirmed yet"),
            "nothing_to_invoice": self.env._("Nothing invoiceable yet on %(order)s"),
            "pod_missing": self.env._("POD missing for shipment %(shipment)s"),
            "delivery_not_validated": self.env._(
                "Shipment %(shipment)s: carrier reports delivered; delivery order not validated in Odoo"
            ),
            "exception_open": self.env._("Open delivery exception on shipment %(shipment)s"),
            "audit_case_open": self.env._("Audit case %(case)s open"),
            "manual": self.env._("Put on hold manually: %(order)s"),
            "invoice_error": self.env._("Invoicing failed: %(order)s"),
        }
        for reason in self:
            template = labels.get(reason.code)
            if not template:
                reason.display_name = reason.name
                continue
            reason.display_name = template % {
                "shipment": reason.shipment_id.sudo().name or "",
                "case": reason.case_id.sudo().name or "",
                "order": reason.order_id.sudo().name or "",
            }

    def _compute_order_count(self):
        self.env.cr.execute(
            SQL(
                "SELECT reason_id, count(*) FROM billing_hold_reason_sale_order_rel"
                " WHERE reason_id IN %s GROUP BY reason_id",
                tuple(self.ids) or (0,),
            )
        )
        counts = dict(self.env.cr.fetchall())
        for reason in self:
            reason.order_count = counts.get(reason.id, 0)

    @api.model
    def _ids_for(self, reasons, company_by_key, created=None):
        """{key: id} of the reason records of ``reasons`` (readiness.Reason), created when missing.

        ``created``, a list, receives the keys of the records this call inserted (a fact seen
        for the first time: what the evaluation reacts to once, e.g. with an activity).

        Two queries at most when records are missing (one when all exist): concurrent
        sweeps insert the same key safely (``ON CONFLICT DO NOTHING``).
        """
        wanted = {r.key: r for r in reasons}
        if not wanted:
            return {}
        self.env.cr.execute(SQL("SELECT key, id FROM billing_hold_reason WHERE key = ANY(%s)", list(wanted)))
        found = dict(self.env.cr.fetchall())
        missing = [r for key, r in wanted.items() if key not in found]
        if missing:
            rows = [
                SQL(
                    "(%s, %s, %s, %s, %s, %s, %s, %s, %s, (now() at time zone 'UTC'), %s, (now() at time zone 'UTC'))",
                    r.label,
                    r.key,
                    r.code,
                    readiness.REASONS[r.code][0],
                    company_by_key.get(r.key),
                    r.shipment_id,
                    r.case_id,
                    r.order_id,
                    self.env.uid,
                    self.env.uid,
                )
                for r in missing
            ]
            self.env.cr.execute(
                SQL(
                    "INSERT INTO billing_hold_reason (name, key, code, kind, company_id, shipment_id, case_id,"
                    " order_id, create_uid, create_date, write_uid, write_date) VALUES %s"
                    " ON CONFLICT (key) DO NOTHING RETURNING key, id",
                    SQL(", ").join(rows),
                )
            )
            inserted = dict(self.env.cr.fetchall())
            found.update(inserted)
            if created is not None:
                created.extend(inserted)
            still = [r.key for r in missing if r.key not in found]
            if still:  # inserted meanwhile by a concurrent sweep
                self.env.cr.execute(SQL("SELECT key, id FROM billing_hold_reason WHERE key = ANY(%s)", still))
                found.update(dict(self.env.cr.fetchall()))
        return found

    def action_open_orders(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("billing_readiness.sale_order_billing_action")
        action["domain"] = [("billing_hold_reason_ids", "in", self.ids)]
        action["context"] = {}
        return action

    def _schedule_delivery_activities(self):
        """One *Validate Delivery Order* activity per open delivery order of these reasons' shipments.

        Called once per fact, when its reason record is created (the key is unique): a sweep
        that finds the same fact again schedules nothing. Superuser mode (the evaluation's);
        the activities of a batch are created together.
        """
        pickings = self.filtered(lambda r: r.code == "delivery_not_validated").shipment_id.picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing" and p.state not in ("done", "cancel")
        )
        if not pickings:
            return self.env["mail.activity"]
        activity_type = self.env.ref("billing_readiness.mail_activity_type_validate_delivery")
        model_id = self.env["ir.model"]._get_id("stock.picking")
        deadline = activity_type._get_date_deadline()
        admin = self.env.ref("base.user_admin", raise_if_not_found=False)
        vals_list = []
        for picking in pickings.sudo():
            shipment = picking.logistics_shipment_id
            user = (
                picking.user_id
                or picking.sale_id.user_id
                or shipment.sale_id.user_id
                or picking.company_id.shipment_exception_user_id
                or admin
            )
            if user and (user.share or not user.active):
                user = admin
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": picking.id,
                    "activity_type_id": activity_type.id,
                    "automated": True,
                    "date_deadline": deadline,
                    "user_id": user.id if user else self.env.uid,
                    "summary": self.env._("Carrier reports delivered: validate %(picking)s", picking=picking.name),
                    "note": self.env._(
                        "The carrier reports shipment %(shipment)s delivered, but delivery order %(picking)s is not "
                        "validated in Odoo: the goods still count as on hand, and order %(order)s is held for "
                        "billing until it is validated.",
                        shipment=shipment.name,
                        picking=picking.name,
                        order=picking.sale_id.name or shipment.sale_id.name or "",
                    ),
                }
            )
        return self.env["mail.activity"].sudo().create(vals_list)
