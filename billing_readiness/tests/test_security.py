"""Security of billing readiness (issue 12), each finding as the attacker's calls over RPC.

Company A is the test company (its rule, customer, products, journals); company B has its own
Billing Manager and Logistics User, and its own readiness rule. Only public methods are
called as the users (create, write, read, search_read, action_*); the scheduled jobs run as
the cron does (superuser).
"""

import datetime

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tests.common import JsonRpcException

from .common import DELIVERY, BillingReadinessCommon
from .recon_server import ReconciliationServer

BILLING_FIELDS = [
    "billing_readiness_state",
    "billing_hold_reason_ids",
    "billing_waived_reason_ids",
    "billing_manual_hold",
    "billing_manual_hold_note",
    "billing_invoice_error",
    "billing_invoice_error_time",
    "billing_auto_invoice",
    "billing_pod_missing",
    "billing_delivery_time",
    "billing_ready_time",
    "billing_invoiced_time",
    "billing_wait_until",
    "billing_ready_lag_hours",
    "billing_invoice_lag_hours",
]


class BillingSecurityCommon(BillingReadinessCommon):
    @classmethod
    def setup_security(cls):
        cls.setup_billing()
        env = cls.env
        cls.company_a = cls.company
        cls.company_b = env["res.company"].create({"name": "Billing Company B", "currency_id": cls.currency.id})
        cls.rule_b = env["billing.readiness.rule"]._company_rule(cls.company_b)
        # Billing Managers who also read carrier invoices (the reconciliation lists them).
        billing = env.ref("billing_readiness.group_billing_manager") | env.ref("freight_audit.group_freight_auditor")
        logistics = env.ref("logistics_connector.group_logistics_user")
        logistics_manager = env.ref("logistics_connector.group_logistics_manager")
        salesman = env.ref("sales_team.group_sale_salesman_all_leads")
        cls.billing_a = cls.make_user("billing.a", billing, cls.company_a)
        cls.billing_b = cls.make_user("billing.b", billing, cls.company_b)
        cls.billing_ab = cls.make_user("billing.ab", billing, cls.company_b, cls.company_a)
        cls.logistics_b = cls.make_user("logistics.b", logistics, cls.company_b)
        cls.logistics_manager_a = cls.make_user("logistics.manager.a", logistics_manager, cls.company_a)
        cls.salesman_a = cls.make_user("salesman.a", salesman, cls.company_a)
        cls.portal = env["res.users"].create(
            {
                "name": "Customer One (portal)",
                "login": "billing.portal",
                "email": "billing.portal@example.com",
                "partner_id": cls.customer.id,
                "company_id": cls.company_a.id,
                "company_ids": [Command.set(cls.company_a.ids)],
                "groups_id": [Command.set([env.ref("base.group_portal").id])],
            }
        )

    @classmethod
    def make_user(cls, login, groups, company, *other_companies):
        return cls.env["res.users"].create(
            {
                "name": login,
                "login": login,
                "email": f"{login}@example.com",
                "company_id": company.id,
                "company_ids": [Command.set([company.id, *(c.id for c in other_companies)])],
                "groups_id": [Command.set(groups.ids)],
            }
        )

    def ready_order(self):
        order, shipment = self.make_order()
        self.deliver(shipment)
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "ready")
        return order, shipment


@tagged("post_install", "-at_install")
class TestBillingSecurity(BillingSecurityCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_security()

    # ------------------------------------------------------------------
    # M2: Invoice Now, hold, release on another company's orders
    # ------------------------------------------------------------------
    def test_m2_other_company_manager_refused(self):
        order, _shipment = self.ready_order()
        attacker = self.billing_b
        as_attacker = order.with_user(attacker)
        with self.assertRaises(AccessError):
            as_attacker.action_billing_invoice_now()
        with self.assertRaises(AccessError):
            as_attacker.action_billing_hold()
        with self.assertRaises(AccessError):
            as_attacker.action_billing_release()
        with self.assertRaises(AccessError):
            as_attacker.action_billing_recompute()
        for mode in ("hold", "release"):
            with self.assertRaises(AccessError):
                wizard = (
                    self.env["billing.hold.wizard"]
                    .with_user(attacker)
                    .create({"mode": mode, "order_ids": [Command.set(order.ids)], "reason": "cross-company"})
                )
                wizard.action_apply()
        # An RPC client sending A in its allowed companies is refused as well.
        with self.assertRaises(AccessError):
            order.with_user(attacker).with_context(
                allowed_company_ids=[self.company_b.id, self.company_a.id]
            ).action_billing_invoice_now()
        order.invalidate_recordset()
        self.assertFalse(order.invoice_ids, "no invoice for A's order")
        self.assertEqual(order.billing_readiness_state, "ready")
        self.assertFalse(order.billing_manual_hold)
        self.assertFalse(order.message_ids.filtered(lambda m: "cross-company" in (m.body or "")))

    def test_m2_non_manager_refused(self):
        order, _shipment = self.ready_order()
        with self.assertRaises(AccessError):
            order.with_user(self.salesman_a).action_billing_invoice_now()
        with self.assertRaises(AccessError):
            order.with_user(self.salesman_a).action_billing_hold()
        self.assertFalse(order.invoice_ids)

    def test_m2_own_company_manager_uses_the_order_company_rule(self):
        """A manager of A and B, working in B, invoices A's order with A's rule, in A."""
        self.rule.write({"auto_invoice": False, "auto_post": True})
        self.rule_b.write({"auto_invoice": False, "auto_post": False})
        order, _shipment = self.ready_order()
        order.with_user(self.billing_ab).with_context(
            allowed_company_ids=[self.company_b.id, self.company_a.id]
        ).action_billing_invoice_now()
        self.assertEqual(order.billing_readiness_state, "invoiced")
        self.assertEqual(order.invoice_ids.company_id, self.company_a)
        self.assertEqual(order.invoice_ids.state, "posted", "A's rule posts the invoices")
        # The manager of A alone: hold, release and Invoice Now work.
        other, _shipment = self.ready_order()
        as_manager = other.with_user(self.billing_a)
        action = as_manager.action_billing_hold()
        self.env["billing.hold.wizard"].with_user(self.billing_a).with_context(**action["context"]).create(
            {"reason": "Customer disputes the price"}
        ).action_apply()
        self.assertEqual(other.billing_readiness_state, "on_hold")
        action = as_manager.action_billing_release()
        self.env["billing.hold.wizard"].with_user(self.billing_a).with_context(**action["context"]).create(
            {"reason": "Agreed"}
        ).action_apply()
        self.assertEqual(other.billing_readiness_state, "ready")
        as_manager.action_billing_invoice_now()
        self.assertEqual(other.invoice_ids.company_id, self.company_a)

    # ------------------------------------------------------------------
    # C1 (billing part): a shipment of another company does not make A's order invoiceable
    # ------------------------------------------------------------------
    def test_c1_foreign_shipment_ignored_by_evaluation_and_cron(self):
        order, _none = self.make_order(shipments=0)
        _other, shipment = self.make_order()
        self.deliver(shipment)
        # The state the injection left behind: a delivered shipment of company B carrying A's
        # order (the ORM now refuses to link them, hence SQL).
        self.env.cr.execute(
            "UPDATE logistics_shipment SET company_id = %s, sale_id = %s WHERE id = %s",
            [self.company_b.id, order.id, shipment.id],
        )
        self.env.invalidate_all()
        self.env["billing.readiness.dirty"]._mark_orders(order.ids)
        # The attacker of B cannot have A's order evaluated or invoiced.
        with self.assertRaises(AccessError):
            order.with_user(self.logistics_b).action_billing_recompute()
        with self.assertRaises(AccessError):
            order.with_user(self.billing_b).action_billing_invoice_now()
        # The crons (superuser) evaluate A's order with A's facts only.
        self.env["sale.order"]._cron_billing_sweep()
        self.env["sale.order"]._cron_billing_invoice()
        self.assertNotIn(order.billing_readiness_state, ("ready", "invoiced"))
        self.assertFalse(order.invoice_ids)
        self.assertFalse(shipment.billing_invoiced)

    def test_c1_foreign_carrier_invoice_ignored_by_evaluation(self):
        """A rebillable charge counts only on a carrier invoice and a shipment of the order's company."""
        order, shipments = self.make_order(shipments=2)
        self.deliver(shipments)
        invoice = self.env["freight.invoice"].create(
            {
                "name": "INV-C1-CHARGE",
                "carrier_partner_id": self.carrier_partner.id,
                "invoice_date": DELIVERY.date(),
                "amount_total": 80.0,
                "line_ids": [
                    Command.create(
                        {
                            "shipment_reference": shipments[0].name,
                            "shipment_id": shipments[0].id,
                            "charge_code": "DET",
                            "charge_type_id": self.ct_detention.id,
                            "amount": 80.0,
                        }
                    )
                ],
            }
        )
        self.evaluate()
        # In A, its detention (not audited yet) keeps A's order waiting.
        self.assertEqual(order.billing_readiness_state, "waiting")
        self.assertEqual(self.reasons(order), ["charge_unconfirmed"])

        def reevaluate(query, params):
            # The states an injection would leave behind (the ORM refuses them), hence SQL.
            self.env.cr.execute(query, params)
            self.env.invalidate_all()
            self.env["billing.readiness.dirty"]._mark_orders(order.ids)
            self.evaluate()

        # The invoice in company B, on A's shipment: it does not count.
        reevaluate("UPDATE freight_invoice SET company_id = %s WHERE id = %s", [self.company_b.id, invoice.id])
        self.assertEqual(order.billing_readiness_state, "ready")
        # Its charge on a shipment of company B carrying A's order: neither.
        reevaluate("UPDATE logistics_shipment SET company_id = %s WHERE id = %s", [self.company_b.id, shipments[1].id])
        reevaluate(
            "UPDATE freight_invoice_line SET shipment_id = %s WHERE invoice_id = %s", [shipments[1].id, invoice.id]
        )
        self.assertEqual(order.billing_readiness_state, "ready")
        self.assertFalse(order.billing_hold_reason_ids)

    def test_c1_cron_invoices_each_order_with_its_company_rule(self):
        """The invoicing cron (superuser, current company A) posts B's invoice in B by B's rule."""
        env = self.env
        env["account.chart.template"].try_loading("generic_coa", self.company_b, install_demo=False)
        self.rule.write({"auto_post": False})
        self.rule_b.write({"auto_post": True})
        order_a, shipment_a = self.make_order()
        order_b = (
            env["sale.order"]
            .with_company(self.company_b)
            .create(
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company_b.id,
                    "order_line": [Command.create({"product_id": self.product.id, "product_uom_qty": 1.0})],
                }
            )
        )
        order_b.action_confirm()
        shipment_b = (
            env["logistics.shipment"]
            .with_company(self.company_b)
            .create(
                {
                    "name": "BR-B-0001",
                    "tracking_ref": "TRK-BR-B-0001",
                    "company_id": self.company_b.id,
                    "sale_id": order_b.id,
                    "partner_id": self.customer.id,
                    "carrier_partner_id": self.carrier_partner.id,
                    "origin_partner_id": self.company_b.partner_id.id,
                    "destination_partner_id": self.customer.id,
                    "weight": 100.0,
                    "actual_pickup": DELIVERY - datetime.timedelta(days=1),
                    "status": "in_transit",
                }
            )
        )
        self.deliver(shipment_a | shipment_b)
        env["sale.order"]._billing_process_dirty()
        self.assertEqual((order_a | order_b).mapped("billing_readiness_state"), ["ready", "ready"])
        env["sale.order"]._cron_billing_invoice()
        self.assertEqual(order_a.invoice_ids.company_id, self.company_a)
        self.assertEqual(order_a.invoice_ids.state, "draft", "A's rule does not post")
        self.assertEqual(order_b.invoice_ids.company_id, self.company_b)
        self.assertEqual(order_b.invoice_ids.state, "posted", "B's rule posts")
        self.assertEqual(order_b.invoice_ids.journal_id.company_id, self.company_b)

    def test_c1_own_delivery_invoiced_in_own_company(self):
        order, shipment = self.make_order()
        self.deliver(shipment)
        self.env["sale.order"]._billing_process_dirty()
        self.env["sale.order"]._cron_billing_invoice()
        self.assertEqual(order.billing_readiness_state, "invoiced")
        self.assertEqual(order.invoice_ids.company_id, self.company_a)
        self.assertTrue(shipment.billing_invoiced)

    # ------------------------------------------------------------------
    # L5: the portal customer does not see the internal billing fields
    # ------------------------------------------------------------------
    def test_l5_portal_cannot_read_internal_billing_fields(self):
        order, shipment = self.make_order()
        self.deliver(shipment, pod=False)
        self.evaluate()
        order.with_user(self.billing_a).action_billing_hold()
        self.env["billing.hold.wizard"].with_user(self.billing_a).create(
            {"mode": "hold", "order_ids": [Command.set(order.ids)], "reason": "Internal: customer credit"}
        ).action_apply()
        self.assertTrue(order.billing_manual_hold)
        as_portal = order.with_user(self.portal)
        # The portal reads its own order's ordinary fields.
        self.assertEqual(as_portal.read(["name", "amount_total"])[0]["name"], order.name)
        self.assertEqual(
            self.env["sale.order"].with_user(self.portal).search_read([("id", "=", order.id)], ["name"]),
            [{"id": order.id, "name": order.name}],
        )
        for name in BILLING_FIELDS:
            with self.assertRaises(AccessError, msg=name):
                as_portal.read([name])
            with self.assertRaises(AccessError, msg=name):
                self.env["sale.order"].with_user(self.portal).search_read([("id", "=", order.id)], [name])
        self.assertFalse(set(BILLING_FIELDS) & set(self.env["sale.order"].with_user(self.portal).fields_get()))
        self.assertNotIn("billing_rule_ids", self.env["res.partner"].with_user(self.portal).fields_get())
        # Nor act on them.
        with self.assertRaises(AccessError):
            as_portal.action_billing_recompute()
        with self.assertRaises(AccessError):
            as_portal.write({"billing_manual_hold": False})
        self.assertTrue(order.billing_manual_hold)
        self.assertEqual(order.billing_manual_hold_note, "Internal: customer credit")
        # Internal users keep reading them.
        values = order.with_user(self.salesman_a).read(["billing_readiness_state", "billing_manual_hold_note"])[0]
        self.assertEqual(values["billing_readiness_state"], "on_hold")

    # ------------------------------------------------------------------
    # Rules 1/3: hold and readiness fields change only through their methods
    # ------------------------------------------------------------------
    def test_guarded_fields_refused_on_write_and_create(self):
        order, shipment = self.make_order()
        self.deliver(shipment, pod=False)
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "on_hold")
        for user in (self.salesman_a, self.billing_a):
            for vals in (
                {"billing_readiness_state": "ready"},
                {"billing_hold_reason_ids": [Command.clear()]},
                {"billing_waived_reason_ids": [Command.set(order.billing_hold_reason_ids.ids)]},
                {"billing_manual_hold": True},
                {"billing_invoice_error": False},
                {"billing_auto_invoice": True},
            ):
                with self.assertRaises(AccessError, msg=(user.login, vals)) as caught:
                    order.with_user(user).write(vals)
                self.assertIn(order._fields[next(iter(vals))].string, str(caught.exception))
        with self.assertRaises(AccessError):
            self.env["sale.order"].with_user(self.salesman_a).create(
                {
                    "partner_id": self.customer.id,
                    "billing_readiness_state": "ready",
                    "order_line": [Command.create({"product_id": self.product.id, "product_uom_qty": 1})],
                }
            )
        self.assertEqual(order.billing_readiness_state, "on_hold")
        self.assertEqual(self.reasons(order), ["pod_missing"])
        # Ordinary fields are still written; the release goes through its method.
        order.with_user(self.salesman_a).write({"client_order_ref": "PO-42"})
        self.env["billing.hold.wizard"].with_user(self.billing_a).create(
            {"mode": "release", "order_ids": [Command.set(order.ids)], "reason": "Receipt confirmed by mail"}
        ).action_apply()
        self.assertEqual(order.billing_readiness_state, "ready")

    def test_guarded_shipment_billing_invoiced(self):
        order, shipment = self.ready_order()
        order.with_user(self.billing_a).action_billing_invoice_now()
        self.assertTrue(shipment.billing_invoiced)
        with self.assertRaises(AccessError) as caught:
            shipment.with_user(self.logistics_manager_a).write({"billing_invoiced": False})
        self.assertIn(shipment._fields["billing_invoiced"].string, str(caught.exception))
        self.assertTrue(shipment.billing_invoiced)
        # Merged with what the other addons guard on shipments, not in their place.
        guarded = type(self.env["logistics.shipment"])._guarded_fields
        for cls in type(self.env["logistics.shipment"]).__mro__[1:]:
            for name in cls.__dict__.get("_guarded_fields") or {}:
                self.assertIn(name, guarded)

    # ------------------------------------------------------------------
    # Rules, hold reasons: company isolation and shared records
    # ------------------------------------------------------------------
    def test_rules_and_reasons_company_isolation(self):
        Rule = self.env["billing.readiness.rule"]
        with self.assertRaises(AccessError):
            Rule.with_user(self.billing_b).create({"company_id": self.company_a.id, "partner_id": self.customer.id})
        with self.assertRaises(AccessError):
            self.rule.with_user(self.billing_b).write({"auto_post": True})
        self.assertFalse(self.rule.auto_post)
        self.assertFalse(Rule.with_user(self.billing_b).search([("company_id", "=", self.company_a.id)]))
        partner_b = self.env["res.partner"].create({"name": "Customer of B", "company_id": self.company_b.id})
        with self.assertRaises(UserError):
            Rule.with_user(self.billing_a).create({"company_id": self.company_a.id, "partner_id": partner_b.id})
        # Hold reasons are records of the evaluation: nobody writes them, shared ones included.
        order, shipment = self.make_order()
        self.deliver(shipment, pod=False)
        self.evaluate()
        reason = order.billing_hold_reason_ids
        self.assertEqual(reason.company_id, self.company_a)
        shared = (
            self.env["billing.hold.reason"]
            .sudo()
            .create({"name": "Shared", "key": "shared-test", "code": "manual", "kind": "hold"})
        )
        for user in (self.billing_a, self.billing_b):
            with self.assertRaises(AccessError):
                shared.with_user(user).write({"name": "changed"})
        with self.assertRaises(AccessError):
            reason.with_user(self.billing_a).write({"order_ids": [Command.clear()]})
        self.assertFalse(reason.with_user(self.billing_b).search([("id", "=", reason.id)]))
        self.assertEqual(order.billing_hold_reason_ids, reason)


@tagged("post_install", "-at_install")
class TestReconciliationSecurity(BillingSecurityCommon, TransactionCase):
    """The reconciliation calls the TMS/FAP with the backend's credentials: checked before."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_security()
        cls.tms_server = cls.start_server(ReconciliationServer())
        cls.tms_backend = cls.make_backend(
            "Loopback TMS of A",
            "recon-sec-tms",
            "tms",
            base_url=cls.tms_server.url,
            http_max_retries=0,
            timeout_read=5,
            auto_send_transport_orders=False,
        )
        cls.fap_backend.active = False  # only the TMS of A is asked

    def setUp(self):
        super().setUp()
        self.tms_server.reset()

    def wizard(self, user, company, backends):
        return (
            self.env["billing.reconciliation.wizard"]
            .with_user(user)
            .create(
                {
                    "kind": "custom",
                    "date_from": DELIVERY.date(),
                    "date_to": DELIVERY.date() + datetime.timedelta(days=1),
                    "company_id": company.id,
                    "backend_ids": [Command.set(backends.ids)],
                }
            )
        )

    def test_other_company_manager_cannot_call_the_backend(self):
        Run = self.env["billing.reconciliation.run"]
        # For company A: not one of the attacker's companies.
        with self.assertRaises(AccessError):
            self.wizard(self.billing_b, self.company_a, self.tms_backend).action_run()
        # For company B with A's backend: the backend does not belong to B.
        with self.assertRaises(UserError):
            self.wizard(self.billing_b, self.company_b, self.tms_backend).action_run()
        # Straight to the run model over RPC, then refreshed.
        with self.assertRaises(AccessError):
            Run.with_user(self.billing_b).create(
                {
                    "company_id": self.company_a.id,
                    "date_from": DELIVERY.date(),
                    "date_to": DELIVERY.date(),
                    "backend_ids": [Command.set(self.tms_backend.ids)],
                }
            ).action_refresh()
        self.assertEqual(self.tms_server.count(), 0, "no call with A's backend credentials")
        self.assertFalse(Run.search([("company_id", "=", self.company_a.id)]))

    def test_refresh_needs_a_billing_manager_of_the_company(self):
        run = self.wizard(self.billing_a, self.company_a, self.tms_backend).action_run()
        run = self.env["billing.reconciliation.run"].browse(run["res_id"])
        self.assertEqual(run.company_id, self.company_a)
        self.assertEqual(self.tms_server.count("/reconciliation/shipments"), 1, "the legitimate run asks the TMS")
        self.tms_server.reset()
        run.line_ids.unlink()  # nothing to delete first: the refresh would reach the backend call
        logistics_a = self.make_user(
            "logistics.a", self.env.ref("logistics_connector.group_logistics_user"), self.company_a
        )
        for user in (logistics_a, self.billing_b, self.logistics_b):
            with self.assertRaises(AccessError, msg=user.login):
                run.with_user(user).action_refresh()
        self.assertEqual(self.tms_server.count(), 0)
        run.with_user(self.billing_a).action_refresh()
        self.assertEqual(self.tms_server.count("/reconciliation/shipments"), 1)

    def test_billing_manager_without_freight_rights_reconciles(self):
        """The reconciliation lists carrier invoices: a Billing Manager needs no freight group."""
        billing_only = self.make_user(
            "billing.only.a", self.env.ref("billing_readiness.group_billing_manager"), self.company_a
        )
        self.assertFalse(billing_only.has_group("freight_audit.group_freight_auditor"))
        invoice = self.env["freight.invoice"].create(
            {
                "name": "INV-RECON-SEC",
                "carrier_partner_id": self.carrier_partner.id,
                "invoice_date": DELIVERY.date(),
                "amount_total": 495.00,
                "line_ids": [
                    Command.create(
                        {
                            "shipment_reference": "SHP-A",
                            "charge_code": "400",
                            "charge_type_id": self.ct_base.id,
                            "amount": 495.00,
                        }
                    )
                ],
            }
        )
        action = self.wizard(billing_only, self.company_a, self.tms_backend).action_run()
        run = self.env["billing.reconciliation.run"].browse(action["res_id"])
        carrier_lines = run.line_ids.filtered(lambda line: line.section == "carrier")
        self.assertIn(invoice, carrier_lines.freight_invoice_ids, "the run compared the carrier invoice")
        # What the run shows stays within what the Billing Manager may read.
        with self.assertRaises(AccessError):
            invoice.with_user(billing_only).read(["amount_total"])

    def test_lines_check_their_company(self):
        backend_b = self.env["logistics.backend"].create(
            {
                "name": "TMS of B",
                "code": "recon-sec-tms-b",
                "kind": "tms",
                "company_id": self.company_b.id,
                "environment": "production",
                "auth_type": "none",
                "auto_send_transport_orders": False,
            }
        )
        run = self.wizard(self.billing_a, self.company_a, self.tms_backend).action_run()
        run = self.env["billing.reconciliation.run"].browse(run["res_id"])
        with self.assertRaises(UserError):
            self.env["billing.reconciliation.line"].with_user(self.billing_a).create(
                {"run_id": run.id, "section": "tms", "name": "forged", "backend_id": backend_b.id}
            )
        with self.assertRaises(UserError):
            run.with_user(self.billing_a).write({"backend_ids": [Command.link(backend_b.id)]})


@tagged("post_install", "-at_install")
class TestPortalBillingFields(BillingSecurityCommon, HttpCase):
    """L5 over HTTP: the portal order page and the portal's JSON-RPC show no internal billing field."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_security()
        cls.portal.password = "billing-portal-secret"
        cls.order, shipment = cls.make_order()
        cls.deliver(shipment)
        cls.env["sale.order"]._billing_process_dirty()
        cls.env["billing.hold.wizard"].with_user(cls.billing_a).create(
            {"mode": "hold", "order_ids": [Command.set(cls.order.ids)], "reason": "INTERNAL-NOTE-7731"}
        ).action_apply()

    def test_portal_page_and_rpc(self):
        self.assertEqual(self.order.billing_manual_hold_note, "INTERNAL-NOTE-7731")
        self.authenticate(self.portal.login, "billing-portal-secret")
        page = self.url_open(f"/my/orders/{self.order.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.order.name, page.text)
        self.assertNotIn("INTERNAL-NOTE-7731", page.text)

        def call(method, *args, **kwargs):
            return self.make_jsonrpc_request(
                "/web/dataset/call_kw",
                {"model": "sale.order", "method": method, "args": list(args), "kwargs": kwargs},
            )

        self.assertEqual(call("read", self.order.ids, ["name"])[0]["name"], self.order.name)
        for method, args in (
            ("read", [self.order.ids, ["billing_manual_hold_note"]]),
            ("search_read", [[("id", "=", self.order.id)], ["billing_readiness_state", "billing_hold_reason_ids"]]),
            ("action_billing_recompute", [self.order.ids]),
            ("write", [self.order.ids, {"billing_manual_hold": False}]),
        ):
            with self.assertRaises(JsonRpcException, msg=method) as caught:
                call(method, *args)
            self.assertEqual(caught.exception.args[0], "odoo.exceptions.AccessError", method)
        self.assertNotIn("billing_manual_hold_note", call("fields_get"))
        self.order.invalidate_recordset()
        self.assertTrue(self.order.billing_manual_hold)
