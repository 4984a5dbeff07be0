from . import (
    logistics_backend,
    logistics_message,
    logistics_shipment,
    logistics_shipment_event,
    logistics_shipment_notification,
    logistics_shipment_ref,
    res_company,
    sale_order,
    stock_picking,
)
