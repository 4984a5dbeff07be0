"""Small factories of freight audit data: one way to build freight fixtures.

Plain functions of an ``env`` (no test case, no test framework: only ``odoo`` is imported),
used by :class:`FreightAuditCommon` (``common.py``, the addon's tests and those building on
them), by the browser tour of ``tests/logistics_suite_e2e`` and by the benchmarks' fixtures
(``tests/benchmarks/fixtures.py``, which loads this file by its path: importing the addon's
``tests`` package would import Odoo's test framework, which refuses to be imported outside
test mode).
Each builds one thing the way every caller wants it; what differs between callers (names,
codes, dates) is an argument.

* :func:`place_company_in_lyon`, :func:`make_customer`: the parties of the contract's lane;
* :func:`make_fap_backend`, :func:`map_carrier`, :func:`map_charge_codes`: where invoices come
  from and how their codes read;
* :func:`make_expense_account`, :func:`make_cost_product`, :func:`make_charge_type`: the charge
  types invoices are audited and posted with;
* :func:`make_fuel_schedule`, :func:`make_rate_card`: the contract (:data:`WEIGHT_BREAKS`);
* :func:`set_freight_policy`: the company's audit settings (:data:`FREIGHT_POLICY`);
* :func:`set_accruals`: freight accruals on, with their two accounts;
* :func:`shipment_vals`: a shipment picked up and delivered, ready to be billed.
"""

import datetime

from odoo import Command

# Per kg, from <min_kg> kg: 1.50/kg, from 250 kg 1.20/kg, from 500 kg 1.00/kg.
WEIGHT_BREAKS = ((0, 1.50), (250, 1.20), (500, 1.00))
# Fuel: 10 % of the base freight in the first half of 2026, 12 % in the second.
FUEL_PERIODS_2026 = (("2026-01-01", "2026-06-30", 10.0), ("2026-07-01", "2026-12-31", 12.0))
# The company's audit settings: tolerances of 5.00 or 1 % (the larger) per line and per
# invoice, 2 % on billed weights, delivered shipments only, approved invoices post their bill.
FREIGHT_POLICY = {
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


def place_company_in_lyon(company, country):
    """The company ships from Lyon (69001): the origin of the contract's lane."""
    company.partner_id.write({"country_id": country.id, "zip": "69001", "city": "Lyon"})


def make_customer(env, name, country, zip_code="75001", city="Paris"):
    return env["res.partner"].create({"name": name, "country_id": country.id, "zip": zip_code, "city": city})


def set_freight_policy(company, **overrides):
    company.write({**FREIGHT_POLICY, **overrides})


def make_fap_backend(env, name, code, base_url="http://127.0.0.1:9", **vals):
    """A production FAP backend without authentication (a loopback server or nothing at all)."""
    return env["logistics.backend"].create(
        {
            "name": name,
            "code": code,
            "kind": "fap",
            "environment": "production",
            "base_url": base_url,
            "auth_type": "none",
            **vals,
        }
    )


def map_carrier(env, backends, scac, carrier_partner):
    """``scac`` read from each of ``backends`` is ``carrier_partner``."""
    return env["logistics.code.mapping"].create(
        [
            {
                "backend_id": backend.id,
                "mapping_type": "carrier",
                "external_code": scac,
                "carrier_partner_id": carrier_partner.id,
            }
            for backend in backends
        ]
    )


def map_charge_codes(env, backend, charge_types):
    """``charge_types``: {charge code read from ``backend``: freight.charge.type}."""
    return env["logistics.code.mapping"].create(
        [
            {
                "backend_id": backend.id,
                "mapping_type": "charge_code",
                "external_code": code,
                "charge_type_id": charge_type.id,
            }
            for code, charge_type in charge_types.items()
        ]
    )


def make_expense_account(env, company, name, code):
    return env["account.account"].create(
        {"name": name, "code": code, "account_type": "expense", "company_ids": [Command.link(company.id)]}
    )


def make_cost_product(env, name, **vals):
    """A service product that can be a landed cost."""
    return env["product.product"].create({"name": name, "type": "service", "landed_cost_ok": True, **vals})


def make_charge_type(env, name, code, kind, product, account, **vals):
    """``vals``: authorisation, authorised_amount, is_rebillable, rebill_product_id..."""
    return env["freight.charge.type"].create(
        {"name": name, "code": code, "kind": kind, "product_id": product.id, "account_id": account.id, **vals}
    )


def make_fuel_schedule(env, carrier_partner, name, periods=FUEL_PERIODS_2026):
    """``periods``: (date from, date to, percent of the base freight)."""
    return env["freight.fuel.schedule"].create(
        {
            "name": name,
            "carrier_partner_id": carrier_partner.id,
            "line_ids": [
                Command.create({"kind": "period", "date_from": date_from, "date_to": date_to, "percent": percent})
                for date_from, date_to, percent in periods
            ],
        }
    )


def make_rate_card(
    env,
    carrier_partner,
    name,
    country,
    currency,
    date_from="2026-01-01",
    date_to="2026-12-31",
    fuel_schedule=None,
    breaks=WEIGHT_BREAKS,
    minimum_charge=150.0,
):
    """A rate card per kg with weight ``breaks`` ((min kg, rate), ...) on the lane Lyon (69*) ->
    ``country``, from ``country``."""
    vals = {
        "name": name,
        "carrier_partner_id": carrier_partner.id,
        "currency_id": currency.id,
        "date_from": date_from,
        "date_to": date_to,
        "basis": "kg",
        "minimum_charge": minimum_charge,
        "lane_ids": [
            Command.create(
                {
                    "name": "Lyon -> France",
                    "origin_country_ids": [Command.set(country.ids)],
                    "origin_zip_prefixes": "69",
                    "dest_country_ids": [Command.set(country.ids)],
                }
            )
        ],
        "break_ids": [Command.create({"min_kg": min_kg, "rate": rate}) for min_kg, rate in breaks],
    }
    if fuel_schedule:
        vals["fuel_schedule_id"] = fuel_schedule.id
    return env["freight.rate.card"].create(vals)


def set_accruals(env, company, journal):
    """Freight accruals on, posted in ``journal``; returns (expense account, liability account)."""
    expense = env["account.account"].create(
        {"name": "Accrued freight expense", "code": "610900", "account_type": "expense"}
    )
    liability = env["account.account"].create(
        {"name": "Accrued freight", "code": "408100", "account_type": "liability_current"}
    )
    company.write(
        {
            "freight_accrual_enabled": True,
            "freight_accrual_journal_id": journal.id,
            "freight_accrual_expense_account_id": expense.id,
            "freight_accrued_liability_account_id": liability.id,
        }
    )
    return expense, liability


def shipment_vals(
    reference,
    weight,
    carrier_partner,
    company,
    customer,
    picked_up,
    status="delivered",
    tracking_ref=None,
    **extra,
):
    """The values of a shipment picked up at ``picked_up``, signed for (J. Doe) the day after and,
    when ``delivered``, delivered then. Status and proof of delivery are guarded fields: create
    in superuser mode (test data)."""
    day_after = picked_up + datetime.timedelta(days=1)
    vals = {
        "name": reference,
        "tracking_ref": tracking_ref or f"TRK-{reference}",
        "carrier_partner_id": carrier_partner.id,
        "origin_partner_id": company.partner_id.id,
        "destination_partner_id": customer.id,
        "partner_id": customer.id,
        "weight": weight,
        "actual_pickup": picked_up,
        "status": status,
        "pod_signer": "J. Doe",
        "pod_time": day_after,
    }
    if status == "delivered":
        vals["actual_delivery"] = day_after
    vals.update(extra)
    return vals
