"""The sections of a reconciliation run from what the backends report for the period: the
TMS's shipments (its client, ``logistics_connector/services/clients.py``) and the FAP's carrier
invoices (``freight_audit/services/fap_api.py``), compared by ``services/reconciliation.py``."""

from odoo import _, models

from ..services import reconciliation


class BillingReconciliationRun(models.Model):
    _inherit = "billing.reconciliation.run"  # pylint: disable=consider-merging-classes-inherited

    def _section_tms(self, builder, backend, client):
        """``client``: the TMS client of the backend (``logistics_connector/services/clients.py``)."""
        remote = client.list_shipment_statuses(self.date_from, self.date_to)
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

    def _section_fap(self, builder, backend, fap_api):
        """``fap_api``: the backend's ``freight_audit/services/fap_api.FapApi``."""
        remote = fap_api.list_invoice_statuses(self.date_from, self.date_to)
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
            # The amounts of a difference are in its invoice's currency (unknown for an invoice missing in Odoo).
            builder.add_difference(
                "fap",
                backend,
                diff,
                freight_invoice_ids=[diff.odoo_id] if diff.odoo_id else [],
                currency_id=invoices.browse(diff.odoo_id).currency_id.id if diff.odoo_id else None,
            )
