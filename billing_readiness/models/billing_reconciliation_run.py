"""The reconciliation report of a period: Odoo's own figures and what the TMS/FAP backends report."""

import logging
from datetime import datetime, time, timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from odoo.addons.logistics_connector.services.exceptions import LogisticsError

from ..services import reconciliation
from ..services.reconciliation_api import ReconciliationApi

_logger = logging.getLogger(__name__)

RUN_KINDS = [("daily", "Daily"), ("period_end", "Period End"), ("custom", "Custom Period")]
OPEN_CASE_STATES = ("open", "in_review", "disputed")
GROUP_BILLING_MANAGER = "billing_readiness.group_billing_manager"


class BillingReconciliationRun(models.Model):
    _name = "billing.reconciliation.run"
    _description = "Billing Reconciliation"
    _inherit = ["mail.thread"]
    _order = "date_to desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    kind = fields.Selection(RUN_KINDS, required=True, default="custom")
    date_from = fields.Date(required=True)
    date_to = fields.Date(required=True)
    backend_ids = fields.Many2many("logistics.backend", string="Backends Compared", check_company=True)
    line_ids = fields.One2many("billing.reconciliation.line", "run_id", string="Lines")
    difference_count = fields.Integer(compute="_compute_counts", store=True)
    error_count = fields.Integer(compute="_compute_counts", store=True)
    user_id = fields.Many2one("res.users", default=lambda self: self.env.user, readonly=True)

    @api.depends("kind", "date_from", "date_to", "company_id.name")
    def _compute_name(self):
        labels = dict(RUN_KINDS)
        for run in self:
            run.name = _(
                "%(kind)s reconciliation %(start)s - %(end)s (%(company)s)",
                kind=labels.get(run.kind, ""),
                start=run.date_from,
                end=run.date_to,
                company=run.company_id.name,
            )

    @api.depends("line_ids.line_type")
    def _compute_counts(self):
        for run in self:
            run.difference_count = len(run.line_ids.filtered(lambda line: line.line_type == "difference"))
            run.error_count = len(run.line_ids.filtered(lambda line: line.line_type == "error"))

    # ------------------------------------------------------------------
    # Building
    # ------------------------------------------------------------------
    @api.model
    def _check_run_allowed(self, company, backends):
        """Before any call to a backend with its credentials: the caller runs reconciliations
        (Billing Manager) for ``company``, one of their companies, and may read each backend,
        which belongs to that company. The crons run in superuser mode."""
        if self.env.su:
            return
        if not self.env.user.has_group(GROUP_BILLING_MANAGER):
            raise AccessError(_("Only a Billing Manager may run a billing reconciliation."))
        if company not in self.env.user.company_ids:
            raise AccessError(
                _("You cannot run a billing reconciliation for the company %(company)s.", company=company.name)
            )
        backends.check_access("read")
        foreign = backends.sudo().filtered(lambda backend: backend.company_id != company)
        if foreign:
            raise AccessError(
                _(
                    "The backends %(backends)s do not belong to the company %(company)s.",
                    backends=", ".join(foreign.mapped("name")),
                    company=company.name,
                )
            )

    @api.model
    def _run(self, company, date_from, date_to, kind="custom", backends=None):
        """Create and fill a reconciliation run for ``company`` and the period (dates inclusive)."""
        if backends is None:
            backends = self.env["logistics.backend"].search(
                [("company_id", "=", company.id), ("kind", "in", ("tms", "fap")), ("active", "=", True)]
            )
        self._check_run_allowed(company, backends)
        run = self.create(
            {
                "company_id": company.id,
                "kind": kind,
                "date_from": date_from,
                "date_to": date_to,
                "backend_ids": [fields.Command.set(backends.ids)],
            }
        )
        run._fill()
        return run

    def _period_bounds(self):
        """Naive UTC datetimes: start of ``date_from``, start of the day after ``date_to``."""
        self.ensure_one()
        return datetime.combine(self.date_from, time.min), datetime.combine(self.date_to + timedelta(days=1), time.min)

    def _fill(self):
        self.ensure_one()
        if not self.env.su:
            self.check_access("write")
        self._check_run_allowed(self.company_id, self.backend_ids)
        # The run compares every record of its company (carrier invoices, accruals, bills):
        # once the Billing Manager is checked, it reads them in superuser mode, restricted to
        # the run's company by each section's domain, so no freight group is needed as well.
        run_sudo = self.sudo()
        run_sudo.line_ids.unlink()
        builder = _LineBuilder(run_sudo)
        run_sudo._section_customer(builder)
        run_sudo._section_carrier(builder)
        run_sudo._section_accruals(builder)
        for backend in run_sudo.backend_ids:
            try:
                api = ReconciliationApi(backend.sudo()._get_client())
                if backend.kind == "tms":
                    run_sudo._section_tms(builder, backend, api)
                elif backend.kind == "fap":
                    run_sudo._section_fap(builder, backend, api)
            except (LogisticsError, ValueError) as error:
                _logger.info("Reconciliation: backend %s could not report: %s", backend.code, error)
                builder.add(
                    "tms" if backend.kind == "tms" else "fap",
                    _("%(backend)s could not report: %(error)s", backend=backend.name, error=error),
                    line_type="error",
                    backend_id=backend.id,
                )
        builder.flush()
        return True

    # Customer billing -------------------------------------------------
    def _section_customer(self, builder):
        start, end = self._period_bounds()
        Shipment = self.env["logistics.shipment"]
        delivered = Shipment.search(
            [
                ("company_id", "=", self.company_id.id),
                ("direction", "=", "outbound"),
                ("status", "=", "delivered"),
                ("actual_delivery", ">=", start),
                ("actual_delivery", "<", end),
                ("sale_id", "!=", False),
            ]
        )
        orders = delivered.sale_id
        invoiced_orders = orders.filtered(
            lambda o: o.invoice_ids.filtered(lambda m: m.state != "cancel" and m.move_type == "out_invoice")
        )
        not_invoiced = delivered.filtered(lambda s: s.sale_id not in invoiced_orders)
        builder.add(
            "customer",
            _("Outbound shipments delivered"),
            odoo_value=len(delivered),
            shipment_ids=delivered.ids,
        )
        builder.add(
            "customer",
            _("Delivered shipments invoiced to the customer"),
            odoo_value=len(delivered) - len(not_invoiced),
            backend_value=len(delivered),
            shipment_ids=(delivered - not_invoiced).ids,
            sale_order_ids=invoiced_orders.ids,
        )
        states = dict(self.env["sale.order"]._fields["billing_readiness_state"]._description_selection(self.env))
        for order, shipments in not_invoiced.grouped("sale_id").items():
            reasons = ", ".join(order.billing_hold_reason_ids.mapped("display_name"))
            builder.add(
                "customer",
                _(
                    "Delivered, not invoiced: %(order)s (%(state)s)",
                    order=order.name,
                    state=states.get(order.billing_readiness_state),
                ),
                line_type="difference",
                reference=order.name,
                odoo_status=order.billing_readiness_state,
                odoo_value=order.amount_untaxed,
                note=reasons,
                shipment_ids=shipments.ids,
                sale_order_ids=order.ids,
            )
        # Customer invoices of the period whose shipments are not delivered.
        moves = self.env["account.move"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("move_type", "=", "out_invoice"),
                ("state", "!=", "cancel"),
                ("invoice_date", ">=", self.date_from),
                ("invoice_date", "<=", self.date_to),
            ]
        )
        for move in moves:
            move_orders = move.line_ids.sale_line_ids.order_id
            pending = move_orders.logistics_shipment_ids.filtered(
                lambda s: s.direction == "outbound" and s.status not in ("delivered", "cancelled")
            )
            if pending:
                builder.add(
                    "customer",
                    _("Invoiced before delivery: %(invoice)s", invoice=move.name or move.display_name),
                    line_type="difference",
                    reference=move.name,
                    odoo_status=move.state,
                    odoo_value=move.amount_untaxed,
                    note=", ".join(pending.mapped("name")),
                    shipment_ids=pending.ids,
                    sale_order_ids=move_orders.ids,
                    move_ids=move.ids,
                )

    # Carrier invoices -------------------------------------------------
    def _section_carrier(self, builder):
        invoices = self.env["freight.invoice"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("invoice_date", ">=", self.date_from),
                ("invoice_date", "<=", self.date_to),
                ("is_duplicate", "=", False),
                ("state", "!=", "cancel"),
            ]
        )
        approved = invoices.filtered(lambda i: i.state in ("approved", "billed"))
        billed = invoices.filtered(lambda i: i.vendor_bill_id and i.vendor_bill_id.state == "posted")
        paid = billed.filtered(lambda i: i.vendor_bill_id.payment_state in ("paid", "in_payment", "reversed"))
        builder.add(
            "carrier",
            _("Carrier invoices received"),
            odoo_value=sum(invoices.mapped("amount_total")),
            count=len(invoices),
            freight_invoice_ids=invoices.ids,
        )
        builder.add(
            "carrier",
            _("Approved"),
            odoo_value=sum(approved.mapped("amount_approved")),
            count=len(approved),
            freight_invoice_ids=approved.ids,
        )
        builder.add(
            "carrier",
            _("Billed (posted vendor bills)"),
            odoo_value=sum(billed.mapped("vendor_bill_id.amount_untaxed")),
            count=len(billed),
            freight_invoice_ids=billed.ids,
            move_ids=billed.vendor_bill_id.ids,
        )
        builder.add(
            "carrier",
            _("Paid"),
            odoo_value=sum(paid.mapped("vendor_bill_id.amount_untaxed")),
            count=len(paid),
            freight_invoice_ids=paid.ids,
            move_ids=paid.vendor_bill_id.ids,
        )
        for invoice in invoices - approved:
            if invoice.state == "rejected":
                continue
            cases = invoice.case_ids.filtered(lambda c: c.state in OPEN_CASE_STATES)
            builder.add(
                "carrier",
                _("Received, not approved: %(invoice)s", invoice=invoice.display_name),
                line_type="difference",
                reference=invoice.name,
                odoo_status=invoice.state,
                odoo_value=invoice.amount_total,
                note=", ".join(cases.mapped("name")),
                freight_invoice_ids=invoice.ids,
                case_ids=cases.ids,
                shipment_ids=invoice.line_ids.shipment_id.ids,
            )
        for invoice in approved.filtered(lambda i: not i.vendor_bill_id or i.vendor_bill_id.state != "posted"):
            builder.add(
                "carrier",
                _("Approved, not billed: %(invoice)s", invoice=invoice.display_name),
                line_type="difference",
                reference=invoice.name,
                odoo_status=invoice.state,
                odoo_value=invoice.amount_approved,
                note=invoice.posting_error or "",
                freight_invoice_ids=invoice.ids,
                move_ids=invoice.vendor_bill_id.ids,
            )
        for invoice in (billed - paid).filtered(lambda i: i.fap_payment_state == "paid"):
            builder.add(
                "carrier",
                _("Paid by the FAP, bill not paid in Odoo: %(invoice)s", invoice=invoice.display_name),
                line_type="difference",
                reference=invoice.name,
                odoo_status=invoice.vendor_bill_id.payment_state,
                backend_status="paid",
                odoo_value=invoice.vendor_bill_id.amount_residual,
                freight_invoice_ids=invoice.ids,
                move_ids=invoice.vendor_bill_id.ids,
            )

    # Accruals ---------------------------------------------------------
    def _section_accruals(self, builder):
        accruals = self.env["freight.accrual"].search(
            [("company_id", "=", self.company_id.id), ("state", "=", "posted"), ("period_date", "<=", self.date_to)]
        )
        builder.add(
            "accrual",
            _("Open freight accruals"),
            odoo_value=sum(accruals.mapped("amount")),
            count=len(accruals),
            accrual_ids=accruals.ids,
            shipment_ids=accruals.shipment_id.ids,
        )
        stale = accruals.filtered(
            lambda a: any(
                line.invoice_id.vendor_bill_id.state == "posted" for line in a.shipment_id.freight_invoice_line_ids
            )
        )
        for accrual in stale:
            builder.add(
                "accrual",
                _("Accrual still open, the shipment is billed: %(shipment)s", shipment=accrual.shipment_id.name),
                line_type="difference",
                reference=accrual.shipment_id.name,
                odoo_value=accrual.amount,
                accrual_ids=accrual.ids,
                shipment_ids=accrual.shipment_id.ids,
                freight_invoice_ids=accrual.shipment_id.freight_invoice_line_ids.invoice_id.ids,
            )

    # Backends ---------------------------------------------------------
    def _section_tms(self, builder, backend, api):
        remote = api.list_shipment_statuses(self.date_from, self.date_to)
        start, end = self._period_bounds()
        shipments = self.env["logistics.shipment"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("backend_id", "=", backend.id),
                "|",
                "&",
                ("actual_delivery", ">=", start),
                ("actual_delivery", "<", end),
                ("name", "in", [str(r.get("reference") or "") for r in remote]),
            ]
        )
        refs = self.env["logistics.shipment.ref"].search(
            [("backend_id", "=", backend.id), ("external_id", "in", [str(r.get("shipment_id") or "") for r in remote])]
        )
        shipments |= refs.shipment_id
        external = {}
        for ref in shipments.ref_ids.filtered(lambda r: r.backend_id == backend):
            external.setdefault(ref.shipment_id.id, []).append(ref.external_id)
        odoo = {s.name: (s.id, s.status, external.get(s.id, [])) for s in shipments}
        delivered = {
            s.name
            for s in shipments
            if s.status == "delivered" and s.actual_delivery and start <= s.actual_delivery < end
        }
        differences = reconciliation.compare_shipments(odoo, remote, delivered)
        builder.add(
            "tms",
            _("%(backend)s: shipments reported", backend=backend.name),
            odoo_value=len(delivered),
            backend_value=len(remote),
            backend_id=backend.id,
        )
        for diff in differences:
            builder.add_difference("tms", backend, diff, shipment_ids=[diff.odoo_id] if diff.odoo_id else [])

    def _section_fap(self, builder, backend, api):
        remote = api.list_invoice_statuses(self.date_from, self.date_to)
        invoices = self.env["freight.invoice"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("backend_id", "=", backend.id),
                ("is_duplicate", "=", False),
                "|",
                "&",
                ("invoice_date", ">=", self.date_from),
                ("invoice_date", "<=", self.date_to),
                ("external_id", "in", [str(r.get("id") or "") for r in remote]),
            ]
        )
        odoo = {
            (inv.external_id or inv.name): {
                "id": inv.id,
                "number": inv.name,
                "state": inv.state,
                "amount": inv.amount_total,
                "paid": inv.vendor_bill_id.payment_state in ("paid", "in_payment", "reversed"),
            }
            for inv in invoices
        }
        differences = reconciliation.compare_invoices(odoo, remote)
        builder.add(
            "fap",
            _("%(backend)s: carrier invoices reported", backend=backend.name),
            odoo_value=len(invoices),
            backend_value=len(remote),
            backend_id=backend.id,
        )
        for diff in differences:
            builder.add_difference("fap", backend, diff, freight_invoice_ids=[diff.odoo_id] if diff.odoo_id else [])

    # ------------------------------------------------------------------
    # Scheduled runs and actions
    # ------------------------------------------------------------------
    @api.model
    def _cron_daily(self):
        """Yesterday's reconciliation for every company that has shipments."""
        day = fields.Date.context_today(self) - timedelta(days=1)
        for company in self._companies_with_shipments():
            self.with_company(company)._run(company, day, day, kind="daily")
        return True

    @api.model
    def _cron_period_end(self):
        """Last month's reconciliation (run on the first days of the month)."""
        today = fields.Date.context_today(self)
        end = today.replace(day=1) - timedelta(days=1)
        for company in self._companies_with_shipments():
            self.with_company(company)._run(company, end.replace(day=1), end, kind="period_end")
        return True

    @api.model
    def _companies_with_shipments(self):
        groups = self.env["logistics.shipment"].sudo()._read_group([], ["company_id"], ["__count"])
        return self.env["res.company"].browse([company.id for company, _count in groups])

    def action_refresh(self):
        for run in self:
            run._fill()
        return True

    def action_open_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("billing_readiness.billing_reconciliation_line_action")
        action["domain"] = [("run_id", "=", self.id)]
        action["context"] = {"search_default_differences": 1}
        return action

    def action_print(self):
        return self.env.ref("billing_readiness.action_report_billing_reconciliation").report_action(self)


class _LineBuilder:
    """Collects the lines of a run and creates them in one ``create``."""

    def __init__(self, run):
        self.run = run
        self.vals_list = []

    def add(self, section, name, line_type="summary", count=None, **values):
        vals = {
            "run_id": self.run.id,
            "sequence": len(self.vals_list) + 1,
            "section": section,
            "line_type": line_type,
            "name": name,
            "record_count": count if count is not None else 0,
        }
        for key in ("shipment_ids", "sale_order_ids", "freight_invoice_ids", "move_ids", "accrual_ids", "case_ids"):
            if values.get(key):
                vals[key] = [fields.Command.set(list(values.pop(key)))]
            else:
                values.pop(key, None)
        if values.get("backend_value") is not None:
            vals["has_comparison"] = True
        for key in ("odoo_value", "backend_value"):
            if values.get(key) is not None:
                vals[key] = values.pop(key)
            else:
                values.pop(key, None)
        vals.update({key: value for key, value in values.items() if value not in (None, "")})
        self.vals_list.append(vals)

    def add_difference(self, section, backend, diff, **records):
        env = self.run.env
        labels = {
            "missing_in_odoo": env._("Reported by %(backend)s, unknown in Odoo: %(ref)s"),
            "missing_in_backend": env._("In Odoo, not reported by %(backend)s: %(ref)s"),
            "status_differs": env._("Status differs with %(backend)s: %(ref)s"),
            "amount_differs": env._("Amount differs with %(backend)s: %(ref)s"),
            "payment_differs": env._("Payment differs with %(backend)s: %(ref)s"),
        }
        self.add(
            section,
            labels[diff.kind] % {"backend": backend.name, "ref": diff.reference},
            line_type="difference",
            difference_kind=diff.kind,
            reference=diff.reference,
            odoo_status=diff.odoo_status,
            backend_status=diff.backend_status,
            odoo_value=diff.odoo_value,
            backend_value=diff.backend_value,
            note=diff.detail,
            backend_id=backend.id,
            **records,
        )

    def flush(self):
        if self.vals_list:
            self.run.env["billing.reconciliation.line"].create(self.vals_list)
        self.vals_list = []
