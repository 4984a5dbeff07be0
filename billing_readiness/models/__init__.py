# ruff: noqa: I001
# Order matters: the SQL views of the reports (billing_*_report) are created by their init(),
# which Odoo runs model by model in this order; the sale.order columns they read must exist.
from . import billing_readiness_rule
from . import billing_hold_reason
from . import billing_readiness_dirty
from . import sale_order
from . import sale_order_readiness
from . import sale_order_invoicing
from . import sale_order_manual_invoicing
from . import sale_order_line
from . import logistics_shipment
from . import logistics_shipment_event
from . import freight_audit_case
from . import freight_invoice
from . import freight_invoice_line
from . import account_move
from . import res_partner
from . import res_company
from . import stock_picking
from . import billing_reconciliation_run
from . import billing_reconciliation_run_sections
from . import billing_reconciliation_run_backends
from . import billing_reconciliation_run_fap_payments
from . import billing_reconciliation_line
from . import billing_readiness_report
from . import billing_hold_report
