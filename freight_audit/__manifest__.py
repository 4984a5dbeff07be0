{
    "name": "Freight Audit",
    "summary": "Carrier freight invoices audited against contracted rates, audit cases, and posting to accounting",
    "version": "18.0.1.0.0",
    "category": "Inventory/Delivery",
    "license": "LGPL-3",
    "author": "Logistics-Finance Suite",
    "website": "https://example.com/logistics-finance-suite",
    "depends": ["logistics_connector", "stock_landed_costs"],
    "data": [
        "security/ir.model.access.csv",
        "views/menus.xml",
    ],
    "demo": [],
    "installable": True,
}
