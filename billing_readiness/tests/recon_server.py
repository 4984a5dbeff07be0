"""A loopback TMS/FAP answering the reconciliation endpoints (real HTTP on 127.0.0.1).

Built on logistics_connector's :class:`LoopbackServer` (same lifecycle, records and
behaviours)::

    server = ReconciliationServer(page_size=2).start()
    server.shipments = [{"reference": "SHP-1", "status": "delivered", "date": "2026-03-02"}]
    server.invoices = [{"id": "F-1", "invoice_number": "INV-1", "status": "approved", "amount": "10.00",
                        "date": "2026-03-10"}]

``GET /reconciliation/shipments`` and ``GET /reconciliation/invoices`` answer the items whose
``date`` lies in ``from``..``to`` (inclusive), ``page_size`` at a time with a ``cursor``.
"""

from odoo.addons.logistics_connector.tests.loopback import LoopbackServer, json_answer


class ReconciliationServer(LoopbackServer):
    name = "reconciliation"

    def __init__(self, *args, page_size=None, **kwargs):
        self.page_size = page_size
        super().__init__(*args, **kwargs)

    def _reset_state(self):
        self.shipments = []
        self.invoices = []

    def _route(self, record):
        if record.method == "GET" and record.path in ("/reconciliation/shipments", "/reconciliation/invoices"):
            key = record.path.rsplit("/", 1)[1]
            date_from, date_to = record.query.get("from"), record.query.get("to")
            if not date_from or not date_to:
                return json_answer(400, {"error": "from and to are required"})
            with self._lock:
                items = [
                    {k: v for k, v in item.items() if k != "date"}
                    for item in (self.shipments if key == "shipments" else self.invoices)
                    if date_from <= item.get("date", date_from) <= date_to
                ]
            start = int(record.query.get("cursor") or 0)
            size = self.page_size or len(items) or 1
            page = items[start : start + size]
            cursor = str(start + size) if start + size < len(items) else None
            return json_answer(200, {key: page, "cursor": cursor})
        return super()._route(record)
