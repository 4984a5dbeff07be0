"""The permission matrix: every sensitive action of the suite, tried over XML-RPC by each group.

Each row of ``MATRIX`` is one action an attacker or a legitimate user can call over RPC (the
findings of the security review are among them: C1, C2, H1 to H4, M1 to M7, L1, L2, L5). For
every role, fresh records are prepared (as superuser, like data a company already has), the
action is called through a real XML-RPC request on Odoo's HTTP server as that role's user,
and the effect is then read back from the database:

* a role in ``allowed`` must succeed and the effect must be there;
* any other role must leave no effect; for rows marked ``must_raise`` the server must also
  answer with a fault (a silent no-op is not enough where money or a shipment's state is
  concerned);
* a role in ``unchecked`` is not judged by that row (what it may do is another row's matter).

Roles: each group of the suite in company A, Odoo's inventory user and a portal customer, a
system administrator of A, and a user of company B holding every role of the suite in B.
"""

import base64
import hashlib
import hmac
import http.server
import json
import logging
import threading
import time
import xmlrpc.client
from collections import namedtuple

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.billing_readiness.tests.common import DELIVERY, BillingReadinessCommon

ROLES = {
    "user_a": "logistics_connector.group_logistics_user",
    "manager_a": "logistics_connector.group_logistics_manager",
    "inventory_a": "stock.group_stock_user",
    "auditor_a": "freight_audit.group_freight_auditor",
    "approver_a": "freight_audit.group_freight_approver",
    "fmanager_a": "freight_audit.group_freight_manager",
    "billing_a": "billing_readiness.group_billing_manager",
    "system_a": "base.group_system,logistics_connector.group_logistics_manager,"
    "freight_audit.group_freight_manager,billing_readiness.group_billing_manager,stock.group_stock_manager,"
    "sales_team.group_sale_manager,account.group_account_manager",
    "portal": "base.group_portal",
    "all_b": "logistics_connector.group_logistics_manager,freight_audit.group_freight_manager,"
    "billing_readiness.group_billing_manager,stock.group_stock_manager,sales_team.group_sale_manager,"
    "account.group_account_manager",
}
FREIGHT_A = {"auditor_a", "approver_a", "fmanager_a", "system_a"}
LOGISTICS_A = {"user_a", "manager_a", "billing_a", "system_a"} | FREIGHT_A

_logger = logging.getLogger(__name__)


Row = namedtuple("Row", "name prepare attempt happened allowed must_raise unchecked")


class _Listener(http.server.ThreadingHTTPServer):
    """A loopback HTTP server that records who called it (the 'attacker's listener')."""

    def __init__(self):
        self.hits = []
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                listener.hits.append({"path": self.path, "headers": dict(self.headers)})
                body = b'{"leak": "BODY-MARKER-7f3a"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_HEAD = _answer

            def log_message(self, *args):
                return

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"


@tagged("post_install", "-at_install")
class TestPermissionMatrix(BillingReadinessCommon, AccountTestInvoicingCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_billing()
        env = cls.env
        cls.company_b = env["res.company"].create({"name": "Company B (matrix)"})
        cls.users = {}
        cls.passwords = {}
        cls.portal_partner = env["res.partner"].create({"name": "Portal Customer", "email": "portal@example.com"})
        for role, groups in ROLES.items():
            login = f"matrix_{role}"
            password = f"{login}-Pw-2026!"
            vals = {"password": password}
            if role == "all_b":
                vals.update(company_id=cls.company_b.id, company_ids=[Command.set(cls.company_b.ids)])
            else:
                vals.update(company_id=cls.company.id, company_ids=[Command.set(cls.company.ids)])
            if role == "portal":
                vals["partner_id"] = cls.portal_partner.id
            cls.users[role] = new_test_user(env, login=login, groups=groups, **vals)
            cls.passwords[role] = password
        cls.backend_b = env["logistics.backend"].create(
            {"name": "B carrier", "code": "matrix-b", "kind": "carrier", "company_id": cls.company_b.id}
        )
        cls.listener = _Listener()
        threading.Thread(target=cls.listener.serve_forever, daemon=True).start()
        cls.addClassCleanup(cls.listener.server_close)
        cls.addClassCleanup(cls.listener.shutdown)
        cls.board_minutes = env["ir.attachment"].create(
            {
                "name": "board-minutes.pdf",
                "datas": base64.b64encode(b"%PDF-1.4 confidential"),
                "res_model": "res.partner",
                "res_id": cls.company.partner_id.id,
            }
        )
        cls.seq = 0

    # ------------------------------------------------------------------
    # RPC as a role
    # ------------------------------------------------------------------
    def rpc(self, role, model, method, *args, **kwargs):
        user = self.users[role]
        with mute_logger("odoo.http", "odoo.sql_db", "odoo.addons.base.models.ir_rule"):
            return self.xmlrpc_object.execute_kw(
                self.env.cr.dbname, user.id, self.passwords[role], model, method, list(args), kwargs
            )

    def next(self, prefix):
        type(self).seq += 1
        return f"{prefix}-{self.seq:04d}"

    # ------------------------------------------------------------------
    # Fixtures made fresh for every cell (as superuser: data the company already has)
    # ------------------------------------------------------------------
    def _shipment(self, status="in_transit"):
        ref = self.next("MX")
        return self.make_shipment(ref, weight=412.5, status=status, tracking_ref=f"TRK-{ref}")

    def _invoice(self, state_wanted):
        """A carrier invoice of company A through the journal: 'exception' (over the contract) or 'billed'."""
        shipment = self._shipment(status="delivered")
        number = self.next("MXINV")
        amount = 495.0 if state_wanted == "billed" else 795.0
        lines = [(shipment.name, "400", amount), (shipment.name, "FSC", 49.5)]
        self.journal(
            self.fap_backend,
            "freight_invoice_json",
            self.fap_invoice(number, lines, currency=self.currency.name),
            key=number,
        )
        invoice = self.invoices_named(number)
        self.assertEqual(invoice.state, state_wanted, "fixture invoice is not in the wanted state")
        return invoice

    def _message(self, state, message_type="shipment_event", backend=None, payload=None):
        """A journal message of company A, its payload stored as the journal stores payloads."""
        backend = backend or self.edi_backend
        Message = self.env["logistics.message"].sudo()
        payload = payload or json.dumps({"tracking_ref": "NOPE", "status": "in_transit"})
        return Message.create(
            {
                "backend_id": backend.id,
                "direction": "inbound",
                "message_type": message_type,
                "idempotency_key": self.next("mx-key"),
                "state": state,
                **Message._payload_vals(payload),
            }
        )

    def _ready_order(self):
        order, _shipments = self.make_order()
        self.deliver(order.logistics_shipment_ids, when=DELIVERY)
        self.evaluate()
        order.invalidate_recordset()
        self.assertEqual(
            order.billing_readiness_state, "ready", f"fixture order is not ready: {self.reason_names(order)}"
        )
        return order

    def _held_order(self):
        order, _shipments = self.make_order()
        self.deliver(order.logistics_shipment_ids, when=DELIVERY, pod=False)
        self.evaluate()
        order.invalidate_recordset()
        self.assertEqual(order.billing_readiness_state, "on_hold", "fixture order is not on hold")
        return order

    # ------------------------------------------------------------------
    # The rows
    # ------------------------------------------------------------------
    def _rows(self):  # noqa: C901, PLR0915 - the permission matrix as one table of rows
        rows = []

        def row(name, prepare, attempt, happened, allowed=(), must_raise=False, unchecked=()):
            rows.append(Row(name, prepare, attempt, happened, set(allowed), must_raise, set(unchecked)))

        # C1: milestones uploaded onto company A's backend (delivered, with a POD).
        def upload_prepare():
            return {"shipment": self._shipment()}

        def upload_attempt(role, ctx):
            event = {
                "tracking_ref": ctx["shipment"].tracking_ref,
                "status": "delivered",
                "event_time": (DELIVERY).strftime("%Y-%m-%dT%H:%M:%S") + "+00:00",
                "location": {"city": "Paris", "country": "FR"},
                "pod": {"signer": "Mallory", "time": DELIVERY.strftime("%Y-%m-%dT%H:%M:%S") + "+00:00"},
            }
            wizard_id = self.rpc(
                role,
                "shipment.event.upload",
                "create",
                {
                    "backend_id": self.edi_backend.id,
                    "file": base64.b64encode(json.dumps(event).encode()).decode(),
                    "filename": "events.json",
                    "file_format": "json",
                    "process_now": True,
                },
            )
            self.rpc(role, "shipment.event.upload", "action_upload", [wizard_id])

        row(
            "C1 upload milestones to A's backend",
            upload_prepare,
            upload_attempt,
            lambda ctx: ctx["shipment"].status == "delivered" or ctx["shipment"].pod_signer == "Mallory",
            allowed=LOGISTICS_A,
            must_raise=True,
        )

        # C1: a carrier invoice file imported on company A's FAP backend.
        def import_prepare():
            return {"number": self.next("MXIMP")}

        def import_attempt(role, ctx):
            data = self.fap_invoice(ctx["number"], [("SHP-A", "400", 495.0)], currency=self.currency.name)
            wizard_id = self.rpc(
                role,
                "freight.invoice.import",
                "create",
                {
                    "backend_id": self.fap_backend.id,
                    "file": base64.b64encode(json.dumps(data).encode()).decode(),
                    "filename": "invoice.json",
                    "file_format": "json",
                    "process_now": True,
                },
            )
            self.rpc(role, "freight.invoice.import", "action_import", [wizard_id])

        row(
            "C1 import a carrier invoice on A's FAP backend",
            import_prepare,
            import_attempt,
            lambda ctx: bool(self.invoices_named(ctx["number"])),
            allowed=FREIGHT_A,
            must_raise=True,
        )

        # C2: approving, inflating, creating approved, resetting billed, cancelling, billing.
        row(
            "C2 write state=approved on an invoice in audit",
            lambda: {"invoice": self._invoice("exception")},
            lambda role, ctx: self.rpc(role, "freight.invoice", "write", [ctx["invoice"].id], {"state": "approved"}),
            lambda ctx: ctx["invoice"].state != "exception",
            must_raise=True,
        )
        row(
            "C2 write approved_amount on a charge",
            lambda: {"invoice": self._invoice("exception")},
            lambda role, ctx: self.rpc(
                role, "freight.invoice.line", "write", ctx["invoice"].line_ids.ids, {"approved_amount": 9999.0}
            ),
            lambda ctx: any(line.approved_amount == 9999.0 for line in ctx["invoice"].line_ids),
            must_raise=True,
        )

        def create_approved(role, ctx):
            self.rpc(
                role,
                "freight.invoice",
                "create",
                {
                    "name": ctx["number"],
                    "carrier_partner_id": self.carrier_partner.id,
                    "company_id": self.company.id,
                    "amount_total": 25000.0,
                    "state": "approved",
                    "line_ids": [
                        (
                            0,
                            0,
                            {
                                "shipment_reference": "SHP-A",
                                "charge_code": "400",
                                "charge_type_id": self.ct_base.id,
                                "amount": 25000.0,
                                "approved_amount": 25000.0,
                            },
                        )
                    ],
                },
            )

        row(
            "C2 create an invoice already approved",
            lambda: {"number": self.next("MXAPP")},
            create_approved,
            lambda ctx: bool(self.invoices_named(ctx["number"]).filtered(lambda i: i.state != "draft")),
            must_raise=True,
        )
        row(
            "C2 reset a billed invoice to draft and clear its bill",
            lambda: {"invoice": self._invoice("billed")},
            lambda role, ctx: self.rpc(
                role, "freight.invoice", "write", [ctx["invoice"].id], {"state": "draft", "vendor_bill_id": False}
            ),
            lambda ctx: ctx["invoice"].state != "billed" or not ctx["invoice"].vendor_bill_id,
            must_raise=True,
        )
        row(
            "C2 rewrite the amount of a billed charge",
            lambda: {"invoice": self._invoice("billed")},
            lambda role, ctx: self.rpc(
                role, "freight.invoice.line", "write", ctx["invoice"].line_ids[:1].ids, {"amount": 1.0}
            ),
            lambda ctx: ctx["invoice"].line_ids[:1].amount == 1.0,
            must_raise=True,
        )
        row(
            "C2 cancel a billed invoice",
            lambda: {"invoice": self._invoice("billed")},
            lambda role, ctx: self.rpc(role, "freight.invoice", "action_cancel", [ctx["invoice"].id]),
            lambda ctx: ctx["invoice"].state == "cancel",
            must_raise=True,
        )
        row(
            "C2 cancel an invoice in audit (Freight Manager only)",
            lambda: {"invoice": self._invoice("exception")},
            lambda role, ctx: self.rpc(role, "freight.invoice", "action_cancel", [ctx["invoice"].id]),
            lambda ctx: ctx["invoice"].state == "cancel",
            allowed={"fmanager_a", "system_a"},
            must_raise=True,
        )
        row(
            "C2 create a bill for an invoice nobody approved",
            lambda: {"invoice": self._invoice("exception")},
            lambda role, ctx: self.rpc(role, "freight.invoice", "action_create_bill", [ctx["invoice"].id]),
            lambda ctx: bool(ctx["invoice"].vendor_bill_id),
            must_raise=True,
        )

        # H1: any attachment designated as a POD and pulled onto a shipment.
        def pod_attempt(role, ctx):
            shipment = ctx["shipment_b"] if role == "all_b" else ctx["shipment"]
            event_id = self.rpc(
                role,
                "logistics.shipment.event",
                "create",
                {
                    # Unmatched, with the shipment's reference: action_rematch matches it and
                    # attaches its 'POD document' to the shipment.
                    "ref_tracking": shipment.tracking_ref,
                    "company_id": shipment.company_id.id,
                    "identity": self.next("mx-identity"),
                    "backend_id": (self.backend_b if role == "all_b" else self.edi_backend).id,
                    "status": "delivered",
                    "event_time": "2026-03-02 10:00:00",
                    "pod_attachment_id": self.board_minutes.id,
                },
            )
            self.rpc(role, "logistics.shipment.event", "action_rematch", [event_id])

        def pod_prepare():
            shipment_b = (
                self.env["logistics.shipment"]
                .sudo()
                .create(
                    {
                        "name": self.next("MXB"),
                        "tracking_ref": self.next("TRK-MXB"),
                        "company_id": self.company_b.id,
                        "status": "in_transit",
                    }
                )
            )
            return {"shipment": self._shipment(), "shipment_b": shipment_b}

        row(
            "H1 designate another record's attachment as POD",
            pod_prepare,
            pod_attempt,
            lambda ctx: (self.board_minutes.res_model, self.board_minutes.res_id)
            != ("res.partner", self.company.partner_id.id),
        )

        # H2: secrets sent to a URL of the attacker's choosing; response bodies echoed.
        def tms_backend():
            return self.env["logistics.backend"].create(
                {
                    "name": "Matrix TMS",
                    "code": self.next("mx-tms").lower(),
                    "kind": "tms",
                    "environment": "production",
                    "base_url": "https://tms.invalid",
                    "auth_type": "api_key",
                    "api_key": "tms-secret-api-key",
                    "http_max_retries": 0,
                    "timeout_read": 5,
                }
            )

        row(
            "H2 point a backend with secrets at another URL (secrets kept)",
            lambda: {"backend": tms_backend()},
            lambda role, ctx: self.rpc(
                role, "logistics.backend", "write", [ctx["backend"].id], {"base_url": self.listener.url}
            ),
            lambda ctx: ctx["backend"].base_url == self.listener.url and ctx["backend"].sudo().api_key,
            allowed={"system_a"},
        )

        def test_connection_prepare():
            backend = tms_backend()
            backend.base_url = self.listener.url
            self.listener.hits.clear()
            return {"backend": backend}

        def test_connection_happened(ctx):
            # Whoever ran it, the answer's body is never echoed back.
            self.assertNotIn("BODY-MARKER", ctx["backend"].last_test_result or "")
            return bool(self.listener.hits)

        row(
            "H2/L6 Test Connection (calls out with the credentials)",
            test_connection_prepare,
            lambda role, ctx: self.rpc(role, "logistics.backend", "action_test_connection", [ctx["backend"].id]),
            test_connection_happened,
            allowed={"manager_a", "system_a"},
            must_raise=True,
        )

        # H4: contracts across companies.
        row(
            "H4 read company A's rate-card breaks",
            dict,
            lambda role, ctx: ctx.update(
                rows=self.rpc(
                    role,
                    "freight.rate.card.break",
                    "search_read",
                    [("card_id", "=", self.rate_card.id)],
                    fields=["rate"],
                )
            ),
            lambda ctx: bool(ctx.get("rows")),
            allowed=FREIGHT_A,
            unchecked={"user_a", "manager_a", "billing_a", "inventory_a"},
        )
        # Issue 17: freight spend and carrier scorecards are read by the Freight Audit groups of
        # the company only (access rights and company rules of the SQL views).
        row(
            "read company A's carrier scorecards",
            dict,
            lambda role, ctx: ctx.update(
                rows=self.rpc(
                    role,
                    "freight.carrier.scorecard",
                    "search_read",
                    [("carrier_partner_id", "=", self.carrier_partner.id)],
                    fields=["shipment_count"],
                )
            ),
            lambda ctx: bool(ctx.get("rows")),
            allowed=FREIGHT_A,
        )
        row(
            "H4 change company A's rate",
            lambda: {"break": self.rate_card.break_ids[:1], "rate": self.rate_card.break_ids[:1].rate},
            lambda role, ctx: self.rpc(role, "freight.rate.card.break", "write", ctx["break"].ids, {"rate": 12.0}),
            lambda ctx: ctx["break"].rate == 12.0,
            allowed={"fmanager_a", "system_a"},
            must_raise=True,
        )

        # M1: another company's backend with our code.
        row(
            "M1 create a backend with company A's code",
            dict,
            lambda role, ctx: self.rpc(
                role,
                "logistics.backend",
                "create",
                {"name": "Hijack", "code": self.edi_backend.code, "kind": "carrier"},
            ),
            lambda ctx: self.env["logistics.backend"]
            .sudo()
            .with_context(active_test=False)
            .search_count([("code", "=ilike", self.edi_backend.code)])
            > 1,
            must_raise=True,
        )

        # M2: Invoice Now on another company's order.
        row(
            "M2 Invoice Now on company A's ready order",
            lambda: {"order": self._ready_order()},
            lambda role, ctx: self.rpc(role, "sale.order", "action_billing_invoice_now", [ctx["order"].id]),
            lambda ctx: bool(ctx["order"].invoice_ids),
            allowed={"billing_a", "system_a"},
            must_raise=True,
        )

        # Holds block manual invoicing: sale's Create Invoice refuses a held order for everyone;
        # only a Billing Manager of the order's company invoices it anyway, with a reason.
        def invoice_override(role, ctx):
            wizard = self.rpc(
                role,
                "billing.hold.wizard",
                "create",
                {"mode": "invoice", "order_ids": [(6, 0, ctx["order"].ids)], "reason": "matrix override"},
            )
            self.rpc(role, "billing.hold.wizard", "action_apply", [wizard])

        def standard_invoice(role, ctx):
            context = {"active_model": "sale.order", "active_ids": ctx["order"].ids}
            wizard = self.rpc(
                role, "sale.advance.payment.inv", "create", {"advance_payment_method": "delivered"}, context=context
            )
            self.rpc(role, "sale.advance.payment.inv", "create_invoices", [wizard], context=context)

        row(
            "M2 Invoice despite Hold (wizard, with a reason) on company A's held order",
            lambda: {"order": self._held_order()},
            invoice_override,
            lambda ctx: bool(ctx["order"].invoice_ids),
            allowed={"billing_a", "system_a"},
            must_raise=True,
        )
        row(
            "M2 open Invoice despite Hold on company A's held order",
            lambda: {"order": self._held_order()},
            lambda role, ctx: self.rpc(role, "sale.order", "action_billing_invoice_override", [ctx["order"].id]),
            lambda ctx: bool(ctx["order"].invoice_ids),
            must_raise=True,
            unchecked={"billing_a", "system_a"},  # opens the wizard: no effect to see (row above)
        )
        row(
            "M2 standard Create Invoice on company A's held order",
            lambda: {"order": self._held_order()},
            standard_invoice,
            lambda ctx: bool(ctx["order"].invoice_ids),
            must_raise=True,
        )

        # M3: journal replay and processing.
        row(
            "M3 replay a dead milestone message",
            lambda: {"message": self._message("dead")},
            lambda role, ctx: self.rpc(role, "logistics.message", "action_replay", [ctx["message"].id]),
            lambda ctx: ctx["message"].state != "dead",
            allowed={"manager_a", "system_a"},
            must_raise=True,
        )
        row(
            "M3 process a queued milestone message now",
            lambda: {"message": self._message("queued")},
            lambda role, ctx: self.rpc(role, "logistics.message", "action_process_now", [ctx["message"].id]),
            lambda ctx: ctx["message"].state != "queued",
            allowed={"manager_a", "system_a"},
            must_raise=True,
        )

        # M3: the partner's acknowledgment of what we sent is set by processing its 997 only.
        def outbound_997():
            message = self._message("done", message_type="x12_997")
            message.sudo().direction = "outbound"
            return {"message": message}

        row(
            "M3 mark an outbound X12 message accepted by the partner (ack_state)",
            outbound_997,
            lambda role, ctx: self.rpc(
                role, "logistics.message", "write", [ctx["message"].id], {"ack_state": "accepted"}
            ),
            lambda ctx: ctx["message"].sudo().ack_state == "accepted",
            allowed=set(),
            must_raise=True,
        )

        # M4: webhook secret rotation and the validity of a rotated-out secret.
        def secret_backend():
            backend = tms_backend()
            backend.sudo().webhook_secret = "whsec-matrix-0123456789"
            return {"backend": backend}

        row(
            "M4 rotate the webhook secret",
            secret_backend,
            lambda role, ctx: self.rpc(role, "logistics.backend", "action_rotate_webhook_secret", [ctx["backend"].id]),
            lambda ctx: ctx["backend"].sudo().webhook_secret != "whsec-matrix-0123456789",
            allowed={"system_a"},
            must_raise=True,
        )
        row(
            "M4 keep a rotated-out secret valid until 2099",
            secret_backend,
            lambda role, ctx: self.rpc(
                role,
                "logistics.backend",
                "write",
                [ctx["backend"].id],
                {"webhook_secret_previous": "whsec-old", "webhook_secret_previous_until": "2099-01-01 00:00:00"},
            ),
            lambda ctx: bool(ctx["backend"].sudo().webhook_secret_previous_until),
            allowed={"system_a"},
            must_raise=True,
        )

        # M5: a raw carrier-invoice message journaled by someone without freight rights.
        row(
            "M5 create a raw carrier-invoice journal message",
            lambda: {"key": self.next("mx-raw")},
            lambda role, ctx: self.rpc(
                role,
                "logistics.message",
                "create",
                {
                    "backend_id": self.fap_backend.id,
                    "direction": "inbound",
                    "message_type": "freight_invoice_json",
                    "payload": json.dumps(self.fap_invoice("RAW-1", [("SHP-A", "400", 9999.0)])),
                    "idempotency_key": ctx["key"],
                },
            ),
            lambda ctx: bool(self.env["logistics.message"].sudo().search([("idempotency_key", "=", ctx["key"])])),
            allowed={"system_a"},
            must_raise=True,
        )

        # M6: shipment status, TMS state and POD written directly.
        for field, value in (("status", "delivered"), ("tms_state", "cancelled"), ("pod_signer", "Mallory")):
            row(
                f"M6 write a shipment's {field} directly",
                lambda: {"shipment": self._shipment()},
                lambda role, ctx, field=field, value=value: self.rpc(
                    role, "logistics.shipment", "write", [ctx["shipment"].id], {field: value}
                ),
                lambda ctx, field=field, value=value: ctx["shipment"][field] == value,
                must_raise=True,
            )

        # M7: a shipped default mapping (no company) changed by a company's manager.
        def default_mapping():
            mapping = self.env["logistics.code.mapping"].search(
                [("backend_id", "=", False), ("company_id", "=", False), ("mapping_type", "=", "status")], limit=1
            )
            self.assertTrue(mapping, "no shipped default status mapping")
            return {"mapping": mapping, "code": mapping.external_code}

        row(
            "M7 change a shipped default mapping",
            default_mapping,
            lambda role, ctx: self.rpc(
                role, "logistics.code.mapping", "write", ctx["mapping"].ids, {"external_code": "HIJACKED"}
            ),
            lambda ctx: ctx["mapping"].external_code == "HIJACKED",
            allowed={"system_a"},
            must_raise=True,
        )

        # M7 (charge types): a shared charge type (no company) is used by every company's audit.
        def shared_charge_type():
            charge_type = self.env["freight.charge.type"].create(
                {
                    "name": "Shared liftgate",
                    "code": self.next("SHLFT"),
                    "kind": "accessorial",
                    "company_id": False,
                    "product_id": self.product_accessorial.id,
                }
            )
            return {"charge_type": charge_type}

        row(
            "M7 change a shared charge type",
            shared_charge_type,
            lambda role, ctx: self.rpc(
                role, "freight.charge.type", "write", ctx["charge_type"].ids, {"name": "Hijacked liftgate"}
            ),
            lambda ctx: ctx["charge_type"].name == "Hijacked liftgate",
            allowed={"system_a"},
            must_raise=True,
        )

        # L1: a carrier invoice's payload read by users without freight rights.
        row(
            "L1 read a carrier-invoice message's payload",
            lambda: {"message": self._message("done", "freight_invoice_json", self.fap_backend, '{"iban": "X"}')},
            lambda role, ctx: ctx.update(
                rows=self.rpc(role, "logistics.message", "read", [ctx["message"].id], fields=["payload"])
            ),
            lambda ctx: any(r.get("payload") for r in ctx.get("rows") or []),
            allowed={"system_a"},
            unchecked={"auditor_a", "approver_a", "fmanager_a"},
        )

        # Issue 20: Forget this contact erases POD signers and payloads (Logistics Managers only).
        def forget_prepare():
            partner = self.env["res.partner"].create(
                {"name": self.next("Mallory Contact"), "company_id": self.company.id}
            )
            shipment = self._shipment(status="delivered")
            shipment.sudo().write({"partner_id": partner.id, "pod_signer": partner.name})
            return {"partner": partner, "shipment": shipment}

        row(
            "Forget a contact of company A (POD signers, journal payloads)",
            forget_prepare,
            lambda role, ctx: self.rpc(role, "res.partner", "action_logistics_forget", [ctx["partner"].id]),
            lambda ctx: ctx["shipment"].sudo().pod_signer == "[forgotten]",
            allowed={"manager_a", "system_a"},
            must_raise=True,
        )

        # L2: journal links of another company.
        def link_prepare():
            message = self._message("done")
            shipment = self._shipment()
            link = (
                self.env["logistics.message.link"]
                .sudo()
                .create({"message_id": message.id, "res_model": "logistics.shipment", "res_id": shipment.id})
            )
            return {"link": link}

        row(
            "L2 read company A's journal links",
            link_prepare,
            lambda role, ctx: ctx.update(
                rows=self.rpc(
                    role, "logistics.message.link", "search_read", [("id", "=", ctx["link"].id)], fields=["id"]
                )
            ),
            lambda ctx: bool(ctx.get("rows")),
            unchecked=LOGISTICS_A | {"inventory_a"},
        )

        # L5: internal billing fields read by the portal customer.
        def portal_order():
            order, _shipments = self.make_order(partner=self.portal_partner)
            order.sudo().write({"billing_manual_hold": True, "billing_manual_hold_note": "internal: credit check"})
            return {"order": order}

        row(
            "L5 portal reads the internal hold note of its own order",
            portal_order,
            lambda role, ctx: ctx.update(
                rows=self.rpc(role, "sale.order", "read", [ctx["order"].id], fields=["billing_manual_hold_note"])
            ),
            lambda ctx: any(r.get("billing_manual_hold_note") for r in ctx.get("rows") or []),
            unchecked=set(ROLES) - {"portal"},
        )

        # Functional: Download Payload (a payload kept as a file) for a Logistics Manager.
        def payload_message():
            payload = json.dumps({"tracking_ref": "BIG", "note": "y" * (300 * 1024)})
            return {"message": self._message("done", payload=payload), "payload": payload}

        def download(role, ctx):
            action = self.rpc(role, "logistics.message", "action_download_payload", [ctx["message"].id])
            self.authenticate(self.users[role].login, self.passwords[role])
            with mute_logger("odoo.http", "odoo.addons.base.models.ir_attachment"):
                response = self.url_open(action["url"])
            ctx["downloaded"] = response.status_code == 200 and response.content == ctx["payload"].encode()

        row(
            "Download Payload of a milestone message kept as a file",
            payload_message,
            download,
            lambda ctx: ctx.get("downloaded"),
            allowed={"manager_a", "system_a"},
            unchecked={"user_a", "auditor_a", "approver_a", "fmanager_a", "billing_a", "inventory_a"},
        )

        # P1: payment through the FAP (issue 14): the FAP's reports post money, processed or
        # replayed by hand only by who holds both the journal's and the Freight Manager's rights.
        def through_fap():
            partner = self.env["res.partner"].create({"name": self.next("MXFAP")})
            self.company.sudo().write({"freight_payment_mode": "fap", "freight_fap_partner_id": partner.id})

        def paid_prepare():
            through_fap()
            invoice = self._invoice("billed")
            payload = json.dumps({"invoice_id": invoice.external_id, "status": "paid", "reference": "PAY-MX"})
            return {
                "invoice": invoice,
                "message": self._message("queued", "fap_payment_status", self.fap_backend, payload),
            }

        row(
            "P1 process a FAP 'paid' report now (a payment in the FAP clearing journal)",
            paid_prepare,
            lambda role, ctx: self.rpc(role, "logistics.message", "action_process_now", [ctx["message"].id]),
            lambda ctx: bool(ctx["invoice"].fap_payment_id),
            allowed={"system_a"},
            must_raise=True,
        )

        def funding_prepare():
            through_fap()
            name = self.next("MXFR")
            payload = json.dumps({"id": name, "date": "2026-02-15", "amount": "100.00"})
            return {"name": name, "message": self._message("queued", "fap_funding", self.fap_backend, payload)}

        row(
            "P1 process a FAP funding request now (a bill to the FAP)",
            funding_prepare,
            lambda role, ctx: self.rpc(role, "logistics.message", "action_process_now", [ctx["message"].id]),
            lambda ctx: bool(self.env["freight.fap.funding"].sudo().search([("name", "=", ctx["name"])]).bill_id),
            allowed={"system_a"},
            must_raise=True,
        )

        # P2: credit notes (issue 14): posted by the intake, or by a Freight Manager when waiting.
        def credit_prepare():
            invoice = self._invoice("billed")
            credit = (
                self.env["freight.credit.note"]
                .sudo()
                .create(
                    {
                        "origin": "memo",
                        "origin_key": self.next("mx-credit"),
                        "company_id": self.company.id,
                        "carrier_partner_id": invoice.carrier_partner_id.id,
                        "currency_id": invoice.currency_id.id,
                        "invoice_id": invoice.id,
                        "reference": "CM-MX",
                        "amount": 5.0,
                        "allocation": [[self.ct_base.id, 5.0]],
                    }
                )
            )
            return {"invoice": invoice, "credit": credit}

        row(
            "P2 post a waiting credit note (Freight Manager only)",
            credit_prepare,
            lambda role, ctx: self.rpc(role, "freight.credit.note", "action_post", [ctx["credit"].id]),
            lambda ctx: bool(ctx["credit"].move_id),
            allowed={"fmanager_a", "system_a"},
            must_raise=True,
        )
        row(
            "P2 link a bill to a credit by hand",
            credit_prepare,
            lambda role, ctx: self.rpc(
                role,
                "account.move",
                "write",
                ctx["invoice"].vendor_bill_id.ids,
                {"freight_credit_id": ctx["credit"].id},
            ),
            lambda ctx: bool(ctx["invoice"].vendor_bill_id.freight_credit_id),
            must_raise=True,
        )
        row(
            "P2 change the amount of a credit by hand",
            credit_prepare,
            lambda role, ctx: self.rpc(role, "freight.credit.note", "write", [ctx["credit"].id], {"amount": 500.0}),
            lambda ctx: ctx["credit"].amount == 500.0,
            must_raise=True,
        )

        # Issue 20: alerts and the metrics endpoint. A backend's thresholds and responsible are
        # a Logistics Manager's; the company's defaults are a Settings administrator's (Odoo's
        # access to res.company); the metrics token is a system administrator's field.
        def alert_backend():
            return {
                "backend": self.env["logistics.backend"].create(
                    {"name": "Matrix alerts", "code": self.next("mx-alert").lower(), "kind": "carrier"}
                )
            }

        row(
            "I20 set a backend's alert thresholds and responsible",
            alert_backend,
            lambda role, ctx: self.rpc(
                role,
                "logistics.backend",
                "write",
                [ctx["backend"].id],
                {"alert_max_dead": 7, "alert_user_id": self.users[role].id},
            ),
            lambda ctx: ctx["backend"].alert_max_dead == 7,
            allowed={"manager_a", "system_a"},
            must_raise=True,
        )

        def company_alerts_prepare():
            self.company.sudo().write({"logistics_alert_max_dead": 10, "logistics_metrics_token": "matrix-token-0"})
            return {}

        row(
            "I20 set the company's alert defaults",
            company_alerts_prepare,
            lambda role, ctx: self.rpc(
                role, "res.company", "write", self.company.ids, {"logistics_alert_max_dead": 77}
            ),
            lambda ctx: self.company.logistics_alert_max_dead == 77,
            allowed={"system_a"},
            must_raise=True,
        )
        row(
            "I20 set the metrics bearer token",
            company_alerts_prepare,
            lambda role, ctx: self.rpc(
                role, "res.company", "write", self.company.ids, {"logistics_metrics_token": "attacker-token"}
            ),
            lambda ctx: self.company.sudo().logistics_metrics_token == "attacker-token",
            allowed={"system_a"},
            must_raise=True,
        )
        row(
            "I20 read the metrics bearer token",
            company_alerts_prepare,
            lambda role, ctx: ctx.update(
                rows=self.rpc(role, "res.company", "read", self.company.ids, ["logistics_metrics_token"])
            ),
            lambda ctx: bool(ctx.get("rows") and ctx["rows"][0].get("logistics_metrics_token")),
            allowed={"system_a"},
            must_raise=True,
        )
        return rows

    # ------------------------------------------------------------------
    def _cell(self, row, role):
        ctx = row.prepare()
        error = None
        try:
            row.attempt(role, ctx)
        except xmlrpc.client.Fault as fault:
            error = fault.faultString.splitlines()[-1][:160] if fault.faultString else str(fault.faultCode)
        self.env.invalidate_all()
        return error, bool(row.happened(ctx))

    def test_permission_matrix(self):
        """Every row, every role: allowed where it should be, refused (and without effect) otherwise."""
        verdicts = []
        for row in self._rows():
            for role in ROLES:
                if role in row.unchecked:
                    continue
                # Each cell on fresh data: everything it did is rolled back afterwards.
                savepoint = self.env.cr.savepoint()
                try:
                    error, happened = self._cell(row, role)
                finally:
                    savepoint.close(rollback=True)
                self.env.invalidate_all()
                _logger.info("matrix: %s / %s: %s", row.name, role, error or ("done" if happened else "no effect"))
                if role in row.allowed:
                    if error or not happened:
                        verdicts.append(f"{row.name} / {role}: should be allowed, got {error or 'no effect'}")
                elif happened:
                    verdicts.append(f"{row.name} / {role}: should be refused, but it took effect")
                elif row.must_raise and not error:
                    verdicts.append(f"{row.name} / {role}: no effect, but no error either")
        self.assertFalse(verdicts, "permission matrix:\n" + "\n".join(verdicts))

    def test_unknown_and_known_codes_look_the_same(self):
        """L4: without a valid signature, an unknown backend code and a known one get the same 401."""
        body = json.dumps({"tracking_ref": "X", "status": "in_transit"}).encode()
        timestamp = str(int(time.time()))
        signature = "v1=" + hmac.new(b"wrong", f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": "application/json",
            "X-Logistics-Timestamp": timestamp,
            "X-Logistics-Signature": signature,
        }
        answers = []
        with mute_logger("odoo.addons.logistics_connector.controllers.webhook_intake", "odoo.http"):
            for code in (self.carrier_backend.code, "no-such-backend-code"):
                for route in (f"/logistics/webhook/{code}", f"/logistics/freight/{code}/invoices"):
                    response = self.url_open(route, data=body, headers=headers)
                    answers.append((response.status_code, response.text))
        self.assertEqual({status for status, _text in answers}, {401})
        self.assertEqual(answers[0][1], answers[2][1])
        self.assertEqual(answers[1][1], answers[3][1])

    def test_fixture_sanity(self):
        """The fixtures the matrix relies on are what the rows say they are."""
        self.assertEqual(self._invoice("billed").vendor_bill_id.state, "posted")
        self.assertEqual(self.users["all_b"].company_ids, self.company_b)
