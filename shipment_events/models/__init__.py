from . import (
    logistics_backend,
    logistics_backend_platform,
    logistics_message,
    logistics_message_edifact,
    logistics_message_platform,
    logistics_shipment,
    logistics_shipment_event,  # the base class of logistics.shipment.event first, then its concerns
    logistics_shipment_event_edifact,
    logistics_shipment_event_exceptions,
    logistics_shipment_event_insert,
    logistics_shipment_event_pod,
    logistics_shipment_notification,
    logistics_shipment_portal,
    logistics_shipment_ref,
    res_company,
    sale_order,
    stock_picking,
)
