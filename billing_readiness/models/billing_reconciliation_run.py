"""The reconciliation report of a period: Odoo's own figures and what the TMS/FAP backends report.

This file holds the run (fields, who may run it, filling it, the crons and actions) and the
builder of its lines. The sections are in their own files (``_inherit``):
``billing_reconciliation_run_sections.py`` (Odoo's own figures: customer billing, carrier
invoices, accruals), ``billing_reconciliation_run_fap_payments.py`` (payments through the FAP)
and ``billing_reconciliation_run_backends.py`` (what the TMS and FAP report).
"""

import logging
from datetime import datetime, time, timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from odoo.addons.logistics_connector.services import privacy
from odoo.addons.logistics_connector.services.exceptions import LogisticsError

_logger = logging.getLogger(__name__)

RUN_KINDS = [("daily", "Daily"), ("period_end", "Period End"), ("custom", "Custom Period")]
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
        run_sudo._section_fap_payments(builder)  # billing_reconciliation_run_fap_payments.py
        for backend in run_sudo.backend_ids:
            try:
                if backend.kind == "tms":
                    run_sudo._section_tms(builder, backend, backend.sudo()._get_client())
                elif backend.kind == "fap":
                    run_sudo._section_fap(builder, backend, backend.sudo()._freight_fap_api())
            except (LogisticsError, ValueError) as error:
                _logger.info(
                    "Reconciliation: backend %s could not report: %s", backend.code, privacy.safe_error_text(error)
                )
                builder.add(
                    "tms" if backend.kind == "tms" else "fap",
                    _("%(backend)s could not report: %(error)s", backend=backend.name, error=error),
                    line_type="error",
                    backend_id=backend.id,
                )
        builder.flush()
        return True

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
