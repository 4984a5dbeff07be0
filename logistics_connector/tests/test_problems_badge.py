"""The red badge on Logistics ▸ Integration ▸ Dead Letters & Problems (issue 20 point 2):
the count is the server's, as each user (companies, access rights), and the navbar shows it
(a tour in a real browser)."""

import uuid

from odoo import Command
from odoo.tests import HttpCase, tagged

from .common import LogisticsCommon


@tagged("post_install", "-at_install")
class TestProblemsBadge(LogisticsCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company_a = env["res.company"].create({"name": "Badge Co A"})
        cls.company_b = env["res.company"].create({"name": "Badge Co B"})
        cls.backend_a = cls.make_backend("Badge TMS A", "badge-tms-a", "tms", company_id=cls.company_a.id)
        cls.backend_b = cls.make_backend("Badge TMS B", "badge-tms-b", "tms", company_id=cls.company_b.id)
        Message = env["logistics.message"].sudo()
        states_a = ["failed", "dead", "needs_mapping", "done", "received", "queued", "duplicate"]
        for backend, states in ((cls.backend_a, states_a), (cls.backend_b, ["dead"])):
            Message.create(
                [
                    {
                        "backend_id": backend.id,
                        "direction": "inbound",
                        "message_type": "transport_order",
                        "idempotency_key": uuid.uuid4().hex,
                        "state": state,
                        **Message._payload_vals("{}"),
                    }
                    for state in states
                ]
            )
        manager = "base.group_user,logistics_connector.group_logistics_manager"
        cls.manager_a = cls.make_user("badge_manager_a", manager, cls.company_a)
        cls.manager_b = cls.make_user("badge_manager_b", manager, cls.company_b)
        cls.manager_ab = cls.make_user("badge_manager_ab", manager, cls.company_a)
        cls.manager_ab.company_ids = [Command.set((cls.company_a | cls.company_b).ids)]
        cls.inventory_user = cls.make_user("badge_stock", "base.group_user,stock.group_stock_user", cls.company_a)
        cls.employee = cls.make_user("badge_employee", "base.group_user", cls.company_a)

    def _count(self, user, companies=None):
        env = self.env(user=user)
        if companies:
            env = env(context=dict(env.context, allowed_company_ids=companies.ids))
        return env["logistics.message"].get_problem_badge_count()

    def test_count_per_user_and_company(self):
        self.assertEqual(self._count(self.manager_a), 3)
        self.assertEqual(self._count(self.manager_b), 1)
        # A user of both companies counts the companies selected in the company switcher.
        self.assertEqual(self._count(self.manager_ab, self.company_a), 3)
        self.assertEqual(self._count(self.manager_ab, self.company_a | self.company_b), 4)
        # Read access to the journal's metadata (inventory users) is enough to see the badge.
        self.assertEqual(self._count(self.inventory_user), 3)
        # No access to the journal: no count, no error.
        self.assertEqual(self._count(self.employee), 0)

    def test_count_follows_the_messages(self):
        Message = self.env(user=self.manager_a)["logistics.message"]
        dead = Message.search([("backend_id", "=", self.backend_a.id), ("state", "=", "dead")])
        self.assertEqual(self._count(self.manager_a), 3)
        # Replayed (Logistics Manager): queued again, no longer a problem.
        dead.action_replay()
        self.assertEqual(dead.state, "queued")
        self.assertEqual(self._count(self.manager_a), 2)
        self.assertEqual(self._count(self.manager_b), 1)

    def test_count_over_rpc(self):
        """The navbar's call, as the web client makes it (JSON-RPC call_kw of the user)."""
        self.authenticate("badge_manager_b", "badge_manager_b")
        response = self.make_jsonrpc_request(
            "/web/dataset/call_kw/logistics.message/get_problem_badge_count",
            {"model": "logistics.message", "method": "get_problem_badge_count", "args": [], "kwargs": {}},
        )
        self.assertEqual(response, 1)

    def test_badge_in_the_navbar(self):
        self.start_tour("/odoo", "logistics_problems_badge_tour", login="badge_manager_a")
