# The mixin first: logistics_code_mapping imports logistics_shipment, whose model inherits it.
from . import logistics_guarded_mixin

# isort: split
from . import (
    delivery_carrier,
    ir_http,
    logistics_backend,
    logistics_backend_alert,
    logistics_backend_client,
    logistics_backend_lanes,
    logistics_backend_secrets,
    logistics_backend_webhook,
    logistics_backend_x12,
    logistics_code_mapping,
    logistics_message,
    logistics_message_insert,
    logistics_message_journal,
    logistics_message_lanes,
    logistics_message_link,
    logistics_message_processing,
    logistics_message_x12,
    logistics_shipment,
    logistics_shipment_leg,
    logistics_shipment_ref,
    logistics_shipment_tracking,
    logistics_shipment_transport,
    purchase_order,
    res_company,
    res_company_alerts,
    sale_order,
    stock_move,
    stock_picking,
)
