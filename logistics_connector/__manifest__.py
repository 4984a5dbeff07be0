{
    "name": "Logistics Connector",
    "summary": "Backends (TMS, FAP, carriers), canonical shipments, code mappings, "
    "the integration journal and outbound transport orders",
    "version": "18.0.1.0.0",
    "category": "Inventory/Delivery",
    "license": "LGPL-3",
    "author": "Logistics-Finance Suite",
    "website": "https://example.com/logistics-finance-suite",
    "depends": ["sale_stock", "stock_delivery", "purchase_stock", "account", "mail"],
    "external_dependencies": {"python": ["requests", "zeep"]},
    "data": [
        "security/logistics_security.xml",
        "security/ir.model.access.csv",
        "views/logistics_backend_views.xml",
        "views/menus.xml",
    ],
    "demo": [],
    "application": True,
    "installable": True,
}
