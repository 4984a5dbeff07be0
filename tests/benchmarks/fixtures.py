"""The data every figure works on, created once in the throw-away database (no demo data).

A carrier backend that posts webhooks (its secret is known to the load generator), an
integration user for the JSON-RPC baseline, shipments to receive events for, and the
freight contract of ``freight_audit/tests/common.py`` (rate card per kg with weight breaks,
a fuel schedule, tolerances) with five charge types, so that every benchmark invoice is
inside tolerance and goes all the way to a posted vendor bill. Built with the addons' fixture
factories (``freight_audit/tests/factories.py``, ``logistics_connector/tests/factories.py``), as
their tests and the browser tour build theirs.
"""

import datetime
import importlib.util
import secrets
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WEBHOOK_CODE = "benchcarrier"
EASYPOST_CODE = "benchcarrier-easypost"  # figure 9: the same carrier's shipments, through EasyPost
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


def load_factories(addon):
    """``<addon>/tests/factories.py``, loaded by its path: importing the addon's ``tests``
    package would import Odoo's test framework, which logs an error outside test mode. Call
    it once the driver has loaded Odoo (the factories import ``odoo``)."""
    name = f"bench_factories_{addon}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / addon / "tests" / "factories.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module
    return sys.modules[name]


def tracking_ref(index):
    return f"BENCH-TRK-{index:06d}"


def setup_all(env, invoices):
    """Create everything; returns what the load generators need (plain values)."""
    factories = load_factories("freight_audit")
    make_backend = load_factories("logistics_connector").make_backend
    company = env.company
    france = env.ref("base.fr")
    factories.place_company_in_lyon(company, france)
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
    backend = make_backend(
        env, "Bench Carrier Platform", WEBHOOK_CODE, "carrier", webhook_secret=secret, auto_send_transport_orders=False
    )
    easypost = make_backend(
        env,
        "Bench EasyPost Account",
        EASYPOST_CODE,
        "carrier",
        webhook_secret=secret,
        platform="easypost",
        auto_send_transport_orders=False,
    )
    customer = factories.make_customer(env, "Bench Customer", france)
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
        "easypost_backend_id": easypost.id,
        "company_id": company.id,
        "integrator_login": INTEGRATOR_LOGIN,
        "integrator_password": password,
        "integrator_uid": integrator.id,
        "event_shipment_ids": shipments.ids,
        **freight,
    }


def setup_freight(env, company, france, customer, carrier, invoices):
    """The FAP backend, five charge types (an account and a product each), the contract and
    ``invoices`` delivered shipments, built with freight_audit's fixture factories (as its
    tests and the browser tour build theirs)."""
    factories = load_factories("freight_audit")

    fap = factories.make_fap_backend(env, "Bench FAP", FAP_CODE, http_max_retries=0)
    factories.map_carrier(env, fap, "BNCH", carrier)
    charge_types = {}
    for index, (code, type_code, name, kind, authorisation, cap, _amount) in enumerate(CHARGES):
        account = factories.make_expense_account(env, company, f"Bench {name}", f"6199{index:02d}")
        product = factories.make_cost_product(env, f"Bench {name}")
        vals = {}
        if authorisation:
            vals["authorisation"] = authorisation
        if cap:
            vals["authorised_amount"] = cap
        charge_types[code] = factories.make_charge_type(env, name, type_code, kind, product, account, **vals)
    factories.map_charge_codes(env, fap, charge_types)
    schedule = factories.make_fuel_schedule(env, carrier, "Bench fuel 2026")
    factories.make_rate_card(env, carrier, "Bench road 2026", france, company.currency_id, fuel_schedule=schedule)
    factories.set_freight_policy(company)
    journal = env["account.journal"].search([("type", "=", "purchase"), ("company_id", "=", company.id)], limit=1)
    shipments = env["logistics.shipment"].create(
        [
            factories.shipment_vals(
                f"BENCH-FRT-{index:06d}",
                invoice_weight(index),
                carrier,
                company,
                customer,
                SHIP_DAY,
                tracking_ref=f"BENCH-FTRK-{index:06d}",
            )
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
