"""The mixin that lets an Odoo test case call the loopback servers (see the package documentation)."""

from urllib.parse import urlsplit

import requests

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

try:  # the unpatched requests.Session.send (Odoo's BaseCase patches it while tests run)
    from odoo.tests.common import _super_send
except ImportError:  # pragma: no cover - outside Odoo
    _super_send = requests.Session.send


class LoopbackCase:
    """Mixin for Odoo test cases (first in the bases): HTTP to 127.0.0.1 keeps its own timeouts.

    Odoo's ``BaseCase._request_handler`` raises timeouts under 10 s to 10 s and fails on
    ``(connect, read)`` tuples; calls to other hosts stay blocked as Odoo wants.
    """

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        if urlsplit(r.url).hostname in LOOPBACK_HOSTS:
            return _super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)

    @classmethod
    def start_server(cls, server):
        """Start ``server`` for the whole class; it is stopped by a class cleanup."""
        server.start()
        cls.addClassCleanup(server.stop)
        return server
