{
    "name": "Shipment Events",
    "summary": "Carrier and TMS milestone webhooks, status normalisation, timeline, proof of delivery and exceptions",
    "version": "18.0.1.0.0",
    "category": "Inventory/Delivery",
    "license": "LGPL-3",
    "author": "Logistics-Finance Suite",
    "website": "https://example.com/logistics-finance-suite",
    "depends": ["logistics_connector"],
    "data": [
        "security/ir.model.access.csv",
        "views/menus.xml",
    ],
    "demo": [],
    "installable": True,
}
