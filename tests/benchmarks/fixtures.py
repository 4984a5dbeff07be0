"""The data every figure works on, created once in the throw-away database (no demo data).

A carrier backend that posts webhooks (its secret is known to the load generator), an
integration user for the JSON-RPC baseline, shipments to receive events for, and the
freight contract of ``freight_audit/tests/common.py`` (rate card per kg with weight breaks,
a fuel schedule, tolerances) with five charge types, so that every benchmark invoice is
inside tolerance and goes all the way to a posted vendor bill.
"""

import datetime
import secrets

WEBHOOK_CODE = "benchcarrier"
FAP_CODE = "benchfap"
INTEGRATOR_LOGIN = "bench.integrator"
SHIP_DAY = datetime.datetime(2026, 1, 15, 8, 0)
EVENT_SHIPMENTS = 1000  # shipments the events of figures 1-3 refer to
# FAP charge code -> (charge type code, name, kind, authorisation, authorised amount, billed amount)
CHARGES = [
    ("400", "BASE", "Base freight", "base", False, 0.0, None),
    ("FSC", "FUEL", "Fuel surcharge", "fuel", False, 0.0, None),
    ("LFT", "LFT", "Liftgate", "accessorial", "pre_authorised", 0.0, 75.0),
    ("DET", "DET", "Detention", "accessorial", "up_to_amount", 100.0, 80.0),
    ("RDL", "RDL", "Re-delivery", "accessorial", "pre_authorised", 0.0, 60.0),
]


def tracking_ref(index):
    return f"BENCH-TRK-{index:06d}"


def setup_all(env, invoices):
    """Create everything; returns what the load generators need (plain values)."""
    company = env.company
    france = env.ref("base.fr")
    company.partner_id.write({"country_id": france.id, "zip": "69001", "city": "Lyon"})
    secret = secrets.token_urlsafe(32)
    password = secrets.token_urlsafe(16)
    manager_group = env.ref("logistics_connector.group_logistics_manager")
    integrator = env["res.users"].create(
        {
            "name": "Bench Integrator",
            "login": INTEGRATOR_LOGIN,
            "password": password,
            "groups_id": [(6, 0, [env.ref("base.group_user").id, manager_group.id])],
        }
    )
    backend = env["logistics.backend"].create(
        {
            "name": "Bench Carrier Platform",
            "code": WEBHOOK_CODE,
            "kind": "carrier",
            "environment": "production",
            "auth_type": "none",
            "webhook_secret": secret,
            "auto_send_transport_orders": False,
        }
    )
    customer = env["res.partner"].create(
        {"name": "Bench Customer", "country_id": france.id, "zip": "75001", "city": "Paris"}
    )
    carrier = env["res.partner"].create({"name": "Bench Freight Inc.", "is_company": True})
    shipments = env["logistics.shipment"].create(
        [
            {
                "name": f"BENCH-SHP-{index:06d}",
                "tracking_ref": tracking_ref(index),
                "partner_id": customer.id,
                "carrier_partner_id": carrier.id,
                "status": "booked",
            }
            for index in range(EVENT_SHIPMENTS)
        ]
    )
    freight = setup_freight(env, company, france, customer, carrier, invoices)
    return {
        "secret": secret,
        "backend_id": backend.id,
        "company_id": company.id,
        "integrator_login": INTEGRATOR_LOGIN,
        "integrator_password": password,
        "integrator_uid": integrator.id,
        "event_shipment_ids": shipments.ids,
        **freight,
    }


def setup_freight(env, company, france, customer, carrier, invoices):
    Account = env["account.account"]
    Product = env["product.product"]
    fap = env["logistics.backend"].create(
        {
            "name": "Bench FAP",
            "code": FAP_CODE,
            "kind": "fap",
            "environment": "production",
            "base_url": "http://127.0.0.1:9",
            "auth_type": "none",
            "http_max_retries": 0,
        }
    )
    Mapping = env["logistics.code.mapping"]
    Mapping.create(
        {"backend_id": fap.id, "mapping_type": "carrier", "external_code": "BNCH", "carrier_partner_id": carrier.id}
    )
    charge_types = {}
    for index, (code, type_code, name, kind, authorisation, cap, _amount) in enumerate(CHARGES):
        account = Account.create(
            {
                "name": f"Bench {name}",
                "code": f"6199{index:02d}",
                "account_type": "expense",
                "company_ids": [(4, company.id)],
            }
        )
        product = Product.create({"name": f"Bench {name}", "type": "service", "landed_cost_ok": True})
        vals = {
            "name": name,
            "code": type_code,
            "kind": kind,
            "product_id": product.id,
            "account_id": account.id,
        }
        if authorisation:
            vals["authorisation"] = authorisation
        if cap:
            vals["authorised_amount"] = cap
        charge_types[code] = env["freight.charge.type"].create(vals)
    Mapping.create(
        [
            {"backend_id": fap.id, "mapping_type": "charge_code", "external_code": code, "charge_type_id": ct.id}
            for code, ct in charge_types.items()
        ]
    )
    schedule = env["freight.fuel.schedule"].create(
        {
            "name": "Bench fuel 2026",
            "carrier_partner_id": carrier.id,
            "line_ids": [
                (0, 0, {"kind": "period", "date_from": "2026-01-01", "date_to": "2026-06-30", "percent": 10.0}),
                (0, 0, {"kind": "period", "date_from": "2026-07-01", "date_to": "2026-12-31", "percent": 12.0}),
            ],
        }
    )
    env["freight.rate.card"].create(
        {
            "name": "Bench road 2026",
            "carrier_partner_id": carrier.id,
            "currency_id": company.currency_id.id,
            "date_from": "2026-01-01",
            "date_to": "2026-12-31",
            "basis": "kg",
            "minimum_charge": 150.0,
            "fuel_schedule_id": schedule.id,
            "lane_ids": [
                (
                    0,
                    0,
                    {
                        "name": "Lyon -> France",
                        "origin_country_ids": [(6, 0, france.ids)],
                        "origin_zip_prefixes": "69",
                        "dest_country_ids": [(6, 0, france.ids)],
                    },
                )
            ],
            "break_ids": [
                (0, 0, {"min_kg": 0, "rate": 1.50}),
                (0, 0, {"min_kg": 250, "rate": 1.20}),
                (0, 0, {"min_kg": 500, "rate": 1.00}),
            ],
        }
    )
    company.write(
        {
            "freight_require_delivered": True,
            "freight_require_pod": False,
            "freight_tolerance_mode": "either",
            "freight_line_tolerance_abs": 5.0,
            "freight_line_tolerance_percent": 1.0,
            "freight_total_tolerance_abs": 5.0,
            "freight_total_tolerance_percent": 1.0,
            "freight_weight_tolerance_percent": 2.0,
            "freight_auto_post_bill": True,
            "freight_approval_threshold": 0.0,
        }
    )
    journal = env["account.journal"].search([("type", "=", "purchase"), ("company_id", "=", company.id)], limit=1)
    shipments = env["logistics.shipment"].create(
        [
            {
                "name": f"BENCH-FRT-{index:06d}",
                "tracking_ref": f"BENCH-FTRK-{index:06d}",
                "carrier_partner_id": carrier.id,
                "origin_partner_id": company.partner_id.id,
                "destination_partner_id": customer.id,
                "partner_id": customer.id,
                "weight": invoice_weight(index),
                "actual_pickup": SHIP_DAY,
                "actual_delivery": SHIP_DAY + datetime.timedelta(days=1),
                "status": "delivered",
                "pod_signer": "J. Doe",
                "pod_time": SHIP_DAY + datetime.timedelta(days=1),
            }
            for index in range(invoices)
        ]
    )
    return {
        "fap_backend_id": fap.id,
        "carrier_partner_id": carrier.id,
        "purchase_journal_id": journal.id,
        "freight_shipment_names": shipments.mapped("name"),
        "charge_lines": [
            {
                "code": code,
                "product_id": charge_types[code].product_id.id,
                "account_id": charge_types[code].account_id.id,
                "name": charge_types[code].name,
            }
            for code, *_rest in CHARGES
        ],
    }


def invoice_weight(index):
    """300 to 399 kg: the 250 kg break (1.20/kg), above the minimum charge, and below the
    417 kg where rating 500 kg at the next break (1.00/kg) becomes cheaper."""
    return 300.0 + index % 100


def invoice_amounts(index):
    """The five charges of invoice ``index`` as the contract rates them (so the audit approves)."""
    base = round(invoice_weight(index) * 1.20, 2)
    fuel = round(base * 0.10, 2)
    amounts = {"400": base, "FSC": fuel}
    for code, *_rest, billed in CHARGES:
        if billed is not None:
            amounts[code] = billed
    return [(code, amounts[code]) for code, *_rest in CHARGES]
