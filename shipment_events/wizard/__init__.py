from . import shipment_event_upload
