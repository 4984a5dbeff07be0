"""Billing readiness of sale orders: the fields, the change hooks and the manual override.

The concerns of ``sale.order`` in this addon live in one file each:

* this file: the readiness fields (guarded by ``logistics.guarded.mixin``: ``_guarded_fields``
  is declared here only), the cron triggers, the caller checks and the manual override (hold,
  release, evaluate now);
* ``sale_order_readiness.py``: the evaluation in batches (read the facts, evaluate with
  ``services/readiness.py``, write the results) and the sweep;
* ``sale_order_invoicing.py``: the scheduled invoicing, *Invoice Now* and the partial caps;
* ``billing_readiness_dirty.py``: the queue of orders to evaluate.
"""

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..services import readiness

READINESS_STATES = [
    ("not_applicable", "Not Applicable"),
    ("waiting", "Waiting"),
    ("on_hold", "On Hold"),
    ("ready", "Ready to Invoice"),
    ("invoiced", "Invoiced"),
]
GROUP_BILLING_MANAGER = "billing_readiness.group_billing_manager"
GROUP_INTERNAL = "base.group_user"
CRON_TIME_BUDGET = 240  # seconds of work per cron call; the runner commits and calls again


def _hours(start, end):
    if not start or not end:
        return 0.0
    return round(max((end - start).total_seconds(), 0.0) / 3600.0, 2)


class SaleOrder(models.Model):
    # logistics.guarded.mixin: the readiness and hold fields change only through the evaluation,
    # hold, release and invoicing methods (which check group, record rules and company first and
    # then write in superuser mode); create/write from RPC, forms or wizards refuse them.
    _name = "sale.order"
    _inherit = ["sale.order", "logistics.guarded.mixin"]
    _guarded_fields = dict.fromkeys(
        (
            "billing_readiness_state",
            "billing_hold_reason_ids",
            "billing_waived_reason_ids",
            "billing_delivery_time",
            "billing_ready_time",
            "billing_invoiced_time",
            "billing_wait_until",
            "billing_ready_lag_hours",
            "billing_invoice_lag_hours",
            "billing_pod_missing",
            "billing_manual_hold",
            "billing_manual_hold_note",
            "billing_auto_invoice",
            "billing_invoice_error",
            "billing_invoice_error_time",
        )
    )

    billing_readiness_state = fields.Selection(
        READINESS_STATES,
        string="Billing Readiness",
        default="not_applicable",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        groups=GROUP_INTERNAL,
    )
    billing_hold_reason_ids = fields.Many2many(
        "billing.hold.reason",
        "billing_hold_reason_sale_order_rel",
        "order_id",
        "reason_id",
        string="Hold Reasons",
        readonly=True,
        copy=False,
        groups=GROUP_INTERNAL,
    )
    billing_waived_reason_ids = fields.Many2many(
        "billing.hold.reason",
        "billing_waived_reason_sale_order_rel",
        "order_id",
        "reason_id",
        string="Released Reasons",
        readonly=True,
        copy=False,
        help="Reasons a Billing Manager released: they no longer hold this order.",
        groups=GROUP_INTERNAL,
    )
    billing_delivery_time = fields.Datetime(
        string="Delivered On",
        readonly=True,
        copy=False,
        help="Delivery of the last shipment the invoice is about.",
        groups=GROUP_INTERNAL,
    )
    billing_ready_time = fields.Datetime(string="Ready Since", readonly=True, copy=False, groups=GROUP_INTERNAL)
    billing_invoiced_time = fields.Datetime(string="Invoiced On", readonly=True, copy=False, groups=GROUP_INTERNAL)
    billing_wait_until = fields.Datetime(string="Waiting Period Ends", readonly=True, copy=False, groups=GROUP_INTERNAL)
    billing_ready_lag_hours = fields.Float(
        string="Delivery to Ready (h)",
        compute="_compute_billing_lags",
        store=True,
        aggregator="avg",
        help="Hours from delivery to readiness (0 until both are known).",
        groups=GROUP_INTERNAL,
    )
    billing_invoice_lag_hours = fields.Float(
        string="Ready to Invoiced (h)",
        compute="_compute_billing_lags",
        store=True,
        aggregator="avg",
        help="Hours from readiness to the customer invoice (0 until both are known).",
        groups=GROUP_INTERNAL,
    )
    billing_pod_missing = fields.Boolean(
        string="Delivered without POD",
        readonly=True,
        copy=False,
        help="A delivered shipment lacks a complete POD.",
        groups=GROUP_INTERNAL,
    )
    billing_manual_hold = fields.Boolean(string="Manual Billing Hold", readonly=True, copy=False, groups=GROUP_INTERNAL)
    billing_manual_hold_note = fields.Char(
        string="Manual Hold Reason", readonly=True, copy=False, groups=GROUP_INTERNAL
    )
    billing_auto_invoice = fields.Boolean(
        string="Invoiced by Schedule",
        readonly=True,
        copy=False,
        help="The customer's rule invoices automatically.",
        groups=GROUP_INTERNAL,
    )
    billing_invoice_error = fields.Text(string="Invoicing Error", readonly=True, copy=False, groups=GROUP_INTERNAL)
    billing_invoice_error_time = fields.Datetime(
        string="Invoicing Failed On", readonly=True, copy=False, groups=GROUP_INTERNAL
    )

    @api.depends("billing_delivery_time", "billing_ready_time", "billing_invoiced_time")
    def _compute_billing_lags(self):
        for order in self:
            order.billing_ready_lag_hours = _hours(order.billing_delivery_time, order.billing_ready_time)
            order.billing_invoice_lag_hours = _hours(order.billing_ready_time, order.billing_invoiced_time)

    def write(self, vals):
        result = super().write(vals)
        if "state" in vals:
            self.env["billing.readiness.dirty"]._mark_orders(self.ids)
        return result

    # ------------------------------------------------------------------
    # Cron triggers
    # ------------------------------------------------------------------
    @api.model
    def _billing_trigger(self, xmlid, at=None):
        """Trigger a cron of this addon, at most once per transaction for 'as soon as possible'."""
        data = self.env.cr.precommit.data
        key = f"billing_readiness.trigger.{xmlid}"
        if at is None:
            if data.get(key):
                return
            data[key] = True
        else:
            earliest = data.get(key + ".at")
            if earliest and earliest <= at:
                return
            data[key + ".at"] = at
        cron = self.env.ref(xmlid, raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger(at)

    # ------------------------------------------------------------------
    # Manual override (Billing Manager)
    # ------------------------------------------------------------------
    # Every public action below (and action_billing_invoice_now, in sale_order_invoicing.py)
    # checks the caller before anything runs in superuser mode: the group, then the ACL and
    # record rules (hence the companies) on the orders designated.
    def _billing_check_manager(self):
        if not self.env.su and not self.env.user.has_group(GROUP_BILLING_MANAGER):
            raise AccessError(_("Only a Billing Manager may hold, release or invoice orders for billing."))

    def _billing_check_orders(self, operation="write"):
        """The caller may ``operation`` these orders (ACL and record rules: own companies only)."""
        if self.env.su:
            return
        if not self.env.user.has_group(GROUP_INTERNAL):
            raise AccessError(_("Only internal users may act on the billing readiness of orders."))
        self.check_access(operation)

    def _billing_hold(self, note):
        """Put these orders on hold for invoicing (the reason goes to the chatter)."""
        self._billing_check_manager()
        self._billing_check_orders("write")
        if not (note or "").strip():
            raise UserError(_("Say why the order is put on hold."))
        orders = self.sudo()
        orders.with_context(tracking_disable=True).write(
            {"billing_manual_hold": True, "billing_manual_hold_note": note.strip()}
        )
        for order in self:
            order.message_post(
                body=_("Billing hold by %(user)s: %(note)s", user=self.env.user.name, note=note),
                subtype_xmlid="mail.mt_note",
            )
        return orders._billing_recompute_readiness()

    def _billing_release(self, note):
        """Release the holds of these orders: their current reasons no longer hold them.

        A manual hold and an invoicing error are cleared; every other current reason is
        waived (a new fact arriving later holds the order again). Kept in the chatter.
        """
        self._billing_check_manager()
        self._billing_check_orders("write")
        if not (note or "").strip():
            raise UserError(_("Say why the hold is released."))
        orders = self.sudo()
        for order in orders:
            reasons = order.billing_hold_reason_ids.filtered(lambda r: r.code not in readiness.NOT_WAIVABLE)
            order.with_context(tracking_disable=True).write(
                {
                    "billing_waived_reason_ids": [fields.Command.link(r.id) for r in reasons],
                    "billing_manual_hold": False,
                    "billing_manual_hold_note": False,
                    "billing_invoice_error": False,
                    "billing_invoice_error_time": False,
                }
            )
            released = ", ".join(order.billing_hold_reason_ids.mapped("display_name")) or _("none")
            order.message_post(
                body=_(
                    "Billing hold released by %(user)s: %(note)s. Released reasons: %(reasons)s",
                    user=self.env.user.name,
                    note=note,
                    reasons=released,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return orders._billing_recompute_readiness()

    def action_billing_hold(self):
        self._billing_check_manager()
        self._billing_check_orders("write")
        return self._billing_wizard_action("hold")

    def action_billing_release(self):
        self._billing_check_manager()
        self._billing_check_orders("write")
        return self._billing_wizard_action("release")

    def _billing_wizard_action(self, mode):
        return {
            "type": "ir.actions.act_window",
            "name": {
                "hold": _("Put on Billing Hold"),
                "release": _("Release Billing Hold"),
                "invoice": _("Invoice despite Billing Hold"),
            }[mode],
            "res_model": "billing.hold.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_mode": mode, "default_order_ids": [fields.Command.set(self.ids)]},
        }

    def action_billing_recompute(self):
        """Evaluate the readiness of these orders now (internal users who can read them)."""
        self._billing_check_orders("read")
        self.sudo()._billing_recompute_readiness()
        return True
