{
    "name": "Billing Readiness",
    "summary": "Invoice readiness rules, holds, scheduled customer invoicing and delivery-to-invoice lag figures",
    "version": "18.0.1.0.0",
    "category": "Inventory/Delivery",
    "license": "LGPL-3",
    "author": "Logistics-Finance Suite",
    "website": "https://example.com/logistics-finance-suite",
    "depends": ["shipment_events", "freight_audit"],
    "data": [
        "security/ir.model.access.csv",
        "views/menus.xml",
    ],
    "demo": [],
    "installable": True,
}
