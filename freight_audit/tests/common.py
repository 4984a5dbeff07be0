"""Shared setup of the freight audit tests: carrier, backends, charge types, contracts, shipments.

The contract every test works with (hand-worked figures in the tests refer to it):

* rate card "FFRT road 2026" v1, per kg with weight breaks: from 0 kg 1.50/kg, from 250 kg
  1.20/kg, from 500 kg 1.00/kg; minimum charge 150.00; valid 2026; lane FR 69* -> FR;
* fuel schedule: 10 % of the base freight from 2026-01-01 to 2026-06-30, 12 % after;
* tolerances (company defaults): line 5.00 or 1 % (the larger), invoice 5.00 or 1 %;
* charge types: BASE (base), FUEL (fuel), LFT liftgate (pre-authorised), DET detention
  (authorised up to 100.00, rebillable), RES residential (needs approval).
"""

import datetime

from odoo import fields

from odoo.addons.logistics_connector.tests.common import LogisticsCommon
from odoo.addons.logistics_connector.tests.loopback import LoopbackCase

from . import factories
from .fap_server import LoopbackFap

SHIP_DAY = datetime.datetime(2026, 1, 15, 8, 0)
INVOICE_DAY = datetime.date(2026, 1, 20)


class FreightAuditCommon(LoopbackCase, LogisticsCommon):
    """The freight audit tests' mixin, on the connector's (and its loopback servers: HTTP to
    127.0.0.1 keeps its timeouts). :meth:`setup_freight` builds the contract above from the
    small factories of ``factories.py``, one step a method."""

    @classmethod
    def setup_freight(cls):
        cls.setup_freight_parties()
        cls.setup_freight_backends()
        cls.setup_charge_types()
        cls.setup_contract()
        # 412.5 kg: 412.5 x 1.20 = 495.00 (break >= 250), deficit 500 x 1.00 = 500.00 is not cheaper.
        cls.shipment = cls.make_shipment("SHP-A", weight=412.5)

    @classmethod
    def setup_freight_parties(cls):
        """The company (its currency, a freight manager's groups for the test user, in Lyon),
        the carrier's partner and a customer in Paris."""
        env = cls.env
        cls.company = env.company
        cls.currency = cls.company.currency_id
        cls.env.user.groups_id |= (
            env.ref("freight_audit.group_freight_manager")
            | env.ref("logistics_connector.group_logistics_manager")
            | env.ref("sales_team.group_sale_manager")
            | env.ref("purchase.group_purchase_manager")
            | env.ref("stock.group_stock_manager")
        )
        cls.fap = cls.start_server(LoopbackFap())
        cls.france = env.ref("base.fr")
        cls.carrier_partner = env["res.partner"].create({"name": "Fast Freight Inc.", "is_company": True})
        factories.place_company_in_lyon(cls.company, cls.france)
        cls.customer = factories.make_customer(env, "Customer One", cls.france)

    @classmethod
    def setup_freight_backends(cls):
        """The loopback FAP's backend and the carrier's EDI backend."""
        cls.fap_backend = factories.make_fap_backend(
            cls.env, "Loopback FAP", "fap", base_url=cls.fap.url, http_max_retries=0, timeout_read=5
        )
        cls.edi_backend = cls.make_backend("Carrier EDI", "edi", "carrier")

    @classmethod
    def setup_charge_types(cls):
        """Three expense accounts, four products and the five charge types, mapped from both
        backends' charge codes (the carrier is FFRT on both)."""
        env, company = cls.env, cls.company
        cls.account_freight = factories.make_expense_account(env, company, "Freight In", "610100")
        cls.account_fuel = factories.make_expense_account(env, company, "Fuel Surcharges", "610200")
        cls.account_accessorial = factories.make_expense_account(env, company, "Accessorials", "610300")
        cls.product_freight = factories.make_cost_product(env, "Freight")
        cls.product_fuel = factories.make_cost_product(env, "Fuel surcharge")
        cls.product_accessorial = factories.make_cost_product(env, "Accessorial")
        cls.product_rebill = env["product.product"].create(
            {"name": "Detention (rebilled)", "type": "service", "sale_ok": True, "invoice_policy": "order"}
        )
        accessorial = (cls.product_accessorial, cls.account_accessorial)
        cls.ct_base = factories.make_charge_type(
            env, "Base freight", "BASE", "base", cls.product_freight, cls.account_freight
        )
        cls.ct_fuel = factories.make_charge_type(
            env, "Fuel surcharge", "FUEL", "fuel", cls.product_fuel, cls.account_fuel
        )
        cls.ct_liftgate = factories.make_charge_type(
            env, "Liftgate", "LFT", "accessorial", *accessorial, authorisation="pre_authorised"
        )
        cls.ct_detention = factories.make_charge_type(
            env,
            "Detention",
            "DET",
            "accessorial",
            *accessorial,
            authorisation="up_to_amount",
            authorised_amount=100.0,
            is_rebillable=True,
            rebill_product_id=cls.product_rebill.id,
        )
        cls.ct_residential = factories.make_charge_type(
            env, "Residential delivery", "RES", "accessorial", *accessorial, authorisation="needs_approval"
        )
        factories.map_carrier(env, cls.fap_backend | cls.edi_backend, "FFRT", cls.carrier_partner)
        factories.map_charge_codes(
            env,
            cls.fap_backend,
            {"400": cls.ct_base, "FSC": cls.ct_fuel, "LFT": cls.ct_liftgate, "DET": cls.ct_detention},
        )
        factories.map_charge_codes(
            env,
            cls.edi_backend,
            {
                "400": cls.ct_base,
                "FUE": cls.ct_fuel,
                "LFT": cls.ct_liftgate,
                "DET": cls.ct_detention,
                "RES": cls.ct_residential,
            },
        )

    @classmethod
    def setup_contract(cls):
        """The fuel schedule, the rate card and the company's tolerances (module docstring)."""
        env = cls.env
        cls.fuel_schedule = factories.make_fuel_schedule(env, cls.carrier_partner, "FFRT fuel 2026")
        cls.rate_card = factories.make_rate_card(
            env, cls.carrier_partner, "FFRT road 2026", cls.france, cls.currency, fuel_schedule=cls.fuel_schedule
        )
        factories.set_freight_policy(cls.company)

    @classmethod
    def setup_accruals(cls, journal):
        """Freight accruals on, posted in ``journal``."""
        cls.accrual_expense, cls.accrued_liabilities = factories.set_accruals(cls.env, cls.company, journal)

    def setUp(self):
        super().setUp()
        self.fap.reset()  # the loopback server lives for the class; the database rolls back per test

    @classmethod
    def make_shipment(cls, reference, weight, status="delivered", **extra):
        vals = factories.shipment_vals(
            reference, weight, cls.carrier_partner, cls.company, cls.customer, SHIP_DAY, status=status, **extra
        )
        # Status and proof of delivery are set by the shipment's transitions only: test data in sudo.
        return cls.env["logistics.shipment"].sudo().create(vals).sudo(False)

    # ------------------------------------------------------------------
    # Invoices in the three formats
    # ------------------------------------------------------------------
    @staticmethod
    def fap_invoice(number, lines, total=None, fap_id=None, currency=None, **extra):
        """A FAP JSON invoice; ``lines``: (shipment ref, charge code, amount[, billed weight])."""
        data = {
            "id": fap_id or f"F-{number}",
            "revision": 1,
            "carrier_scac": "FFRT",
            "invoice_number": number,
            "invoice_date": "2026-01-20",
            "due_date": "2026-02-19",
            "currency": currency,
            "total": total if total is not None else f"{sum(line[2] for line in lines):.2f}",
            "lines": [
                {
                    "shipment_reference": line[0],
                    "charge_code": line[1],
                    "amount": f"{line[2]:.2f}",
                    "billed_weight_kg": line[3] if len(line) > 3 else None,
                }
                for line in lines
            ],
        }
        data.update(extra)
        return data

    @staticmethod
    def csv_invoice(number, lines, currency, total=None):
        total = total if total is not None else sum(line[2] for line in lines)
        rows = ["carrier_scac,invoice_number,invoice_date,currency,invoice_total,shipment_reference,charge_code,amount"]
        rows += [
            f"FFRT,{number},2026-01-20,{currency},{total:.2f},{ref},{code},{amount:.2f}" for ref, code, amount in lines
        ]
        return ("\n".join(rows) + "\n").encode()

    @staticmethod
    def x12_invoice(number, lines, currency, total=None, control=7):
        """An X12 210 interchange of one invoice; amounts are N2 (cents)."""
        total = total if total is not None else sum(line[2] for line in lines)
        isa = (
            "ISA*00*          *00*          *ZZ*FFRTEDI        *ZZ*SHIPPER01      *260120*1100*U*00401*"
            f"{control:09d}*0*P*>~"
        )
        segments = [
            f"B3**{number}*{lines[0][0]}*PP**20260120*{round(total * 100)}**20260116**FFRT",
            f"C3*{currency}",
        ]
        for index, (ref, code, amount) in enumerate(lines, start=1):
            segments += [f"LX*{index}", f"N9*BM*{ref}", f"L1*{index}***{round(amount * 100)}****{code}"]
        segments.append(f"L3*****{round(total * 100)}")
        body = "".join(f"{s}~" for s in ["ST*210*0001", *segments, f"SE*{len(segments) + 2}*0001"])
        return (
            isa
            + f"GS*IM*FFRTGS*SHIPPERGS*20260120*1100*{control}*X*004010~"
            + body
            + f"GE*1*{control}~IEA*1*{control:09d}~"
        ).encode()

    def journal(self, backend, message_type, payload, key=None, source="test"):
        messages, duplicates = self.env["logistics.message"]._journal_many(
            [
                {
                    "backend_id": backend.id,
                    "direction": "inbound",
                    "message_type": message_type,
                    "payload": payload,
                    "idempotency_key": key,
                    "source": source,
                }
            ]
        )
        self.env["logistics.message"]._process_queue()
        return messages, duplicates

    def invoices_named(self, number):
        return self.env["freight.invoice"].search([("name", "=", number)], order="id")

    @staticmethod
    def today():
        return fields.Date.today()
