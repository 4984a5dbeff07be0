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
from urllib.parse import urlsplit

from odoo import Command, fields

from .fap_server import LoopbackFap

try:  # the unpatched requests.Session.send (Odoo's BaseCase blocks other hosts while tests run)
    from odoo.tests.common import _super_send
except ImportError:  # pragma: no cover
    import requests

    _super_send = requests.Session.send

SHIP_DAY = datetime.datetime(2026, 1, 15, 8, 0)
INVOICE_DAY = datetime.date(2026, 1, 20)


class FreightAuditCommon:
    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        """HTTP to the loopback FAP keeps its (connect, read) timeouts; other hosts stay blocked."""
        if urlsplit(r.url).hostname == "127.0.0.1":
            return _super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)

    @classmethod
    def setup_freight(cls):
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
        cls.fap = LoopbackFap().start()
        cls.addClassCleanup(cls.fap.stop)
        cls.france = env.ref("base.fr")
        cls.carrier_partner = env["res.partner"].create({"name": "Fast Freight Inc.", "is_company": True})
        cls.company.partner_id.write({"country_id": cls.france.id, "zip": "69001", "city": "Lyon"})
        cls.customer = env["res.partner"].create(
            {"name": "Customer One", "country_id": cls.france.id, "zip": "75001", "city": "Paris"}
        )
        cls.fap_backend = env["logistics.backend"].create(
            {
                "name": "Loopback FAP",
                "code": "fap",
                "kind": "fap",
                "environment": "production",
                "base_url": cls.fap.url,
                "auth_type": "none",
                "http_max_retries": 0,
                "timeout_read": 5,
            }
        )
        cls.edi_backend = env["logistics.backend"].create(
            {"name": "Carrier EDI", "code": "edi", "kind": "carrier", "environment": "production", "auth_type": "none"}
        )
        Account = env["account.account"]
        cls.account_freight = Account.create(
            {
                "name": "Freight In",
                "code": "610100",
                "account_type": "expense",
                "company_ids": [Command.link(cls.company.id)],
            }
        )
        cls.account_fuel = Account.create(
            {
                "name": "Fuel Surcharges",
                "code": "610200",
                "account_type": "expense",
                "company_ids": [Command.link(cls.company.id)],
            }
        )
        cls.account_accessorial = Account.create(
            {
                "name": "Accessorials",
                "code": "610300",
                "account_type": "expense",
                "company_ids": [Command.link(cls.company.id)],
            }
        )
        Product = env["product.product"]
        cls.product_freight = Product.create({"name": "Freight", "type": "service", "landed_cost_ok": True})
        cls.product_fuel = Product.create({"name": "Fuel surcharge", "type": "service", "landed_cost_ok": True})
        cls.product_accessorial = Product.create({"name": "Accessorial", "type": "service", "landed_cost_ok": True})
        cls.product_rebill = Product.create(
            {"name": "Detention (rebilled)", "type": "service", "sale_ok": True, "invoice_policy": "order"}
        )
        ChargeType = env["freight.charge.type"]
        cls.ct_base = ChargeType.create(
            {
                "name": "Base freight",
                "code": "BASE",
                "kind": "base",
                "product_id": cls.product_freight.id,
                "account_id": cls.account_freight.id,
            }
        )
        cls.ct_fuel = ChargeType.create(
            {
                "name": "Fuel surcharge",
                "code": "FUEL",
                "kind": "fuel",
                "product_id": cls.product_fuel.id,
                "account_id": cls.account_fuel.id,
            }
        )
        cls.ct_liftgate = ChargeType.create(
            {
                "name": "Liftgate",
                "code": "LFT",
                "kind": "accessorial",
                "authorisation": "pre_authorised",
                "product_id": cls.product_accessorial.id,
                "account_id": cls.account_accessorial.id,
            }
        )
        cls.ct_detention = ChargeType.create(
            {
                "name": "Detention",
                "code": "DET",
                "kind": "accessorial",
                "authorisation": "up_to_amount",
                "authorised_amount": 100.0,
                "is_rebillable": True,
                "rebill_product_id": cls.product_rebill.id,
                "product_id": cls.product_accessorial.id,
                "account_id": cls.account_accessorial.id,
            }
        )
        cls.ct_residential = ChargeType.create(
            {
                "name": "Residential delivery",
                "code": "RES",
                "kind": "accessorial",
                "authorisation": "needs_approval",
                "product_id": cls.product_accessorial.id,
                "account_id": cls.account_accessorial.id,
            }
        )
        Mapping = env["logistics.code.mapping"]
        for backend in (cls.fap_backend, cls.edi_backend):
            Mapping.create(
                {
                    "backend_id": backend.id,
                    "mapping_type": "carrier",
                    "external_code": "FFRT",
                    "carrier_partner_id": cls.carrier_partner.id,
                }
            )
        codes = {
            cls.fap_backend: {"400": cls.ct_base, "FSC": cls.ct_fuel, "LFT": cls.ct_liftgate, "DET": cls.ct_detention},
            cls.edi_backend: {
                "400": cls.ct_base,
                "FUE": cls.ct_fuel,
                "LFT": cls.ct_liftgate,
                "DET": cls.ct_detention,
                "RES": cls.ct_residential,
            },
        }
        Mapping.create(
            [
                {
                    "backend_id": backend.id,
                    "mapping_type": "charge_code",
                    "external_code": code,
                    "charge_type_id": charge_type.id,
                }
                for backend, mapping in codes.items()
                for code, charge_type in mapping.items()
            ]
        )
        cls.fuel_schedule = env["freight.fuel.schedule"].create(
            {
                "name": "FFRT fuel 2026",
                "carrier_partner_id": cls.carrier_partner.id,
                "line_ids": [
                    Command.create(
                        {"kind": "period", "date_from": "2026-01-01", "date_to": "2026-06-30", "percent": 10.0}
                    ),
                    Command.create(
                        {"kind": "period", "date_from": "2026-07-01", "date_to": "2026-12-31", "percent": 12.0}
                    ),
                ],
            }
        )
        cls.rate_card = env["freight.rate.card"].create(
            {
                "name": "FFRT road 2026",
                "carrier_partner_id": cls.carrier_partner.id,
                "currency_id": cls.currency.id,
                "date_from": "2026-01-01",
                "date_to": "2026-12-31",
                "basis": "kg",
                "minimum_charge": 150.0,
                "fuel_schedule_id": cls.fuel_schedule.id,
                "lane_ids": [
                    Command.create(
                        {
                            "name": "Lyon -> France",
                            "origin_country_ids": [Command.set(cls.france.ids)],
                            "origin_zip_prefixes": "69",
                            "dest_country_ids": [Command.set(cls.france.ids)],
                        }
                    )
                ],
                "break_ids": [
                    Command.create({"min_kg": 0, "rate": 1.50}),
                    Command.create({"min_kg": 250, "rate": 1.20}),
                    Command.create({"min_kg": 500, "rate": 1.00}),
                ],
            }
        )
        cls.company.write(
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
        # 412.5 kg: 412.5 x 1.20 = 495.00 (break >= 250), deficit 500 x 1.00 = 500.00 is not cheaper.
        cls.shipment = cls.make_shipment("SHP-A", weight=412.5)

    def setUp(self):
        super().setUp()
        self.fap.reset()  # the loopback server lives for the class; the database rolls back per test

    @classmethod
    def make_shipment(cls, reference, weight, status="delivered", **extra):
        vals = {
            "name": reference,
            "tracking_ref": f"TRK-{reference}",
            "carrier_partner_id": cls.carrier_partner.id,
            "origin_partner_id": cls.company.partner_id.id,
            "destination_partner_id": cls.customer.id,
            "partner_id": cls.customer.id,
            "weight": weight,
            "actual_pickup": SHIP_DAY,
            "status": status,
            "pod_signer": "J. Doe",
            "pod_time": SHIP_DAY + datetime.timedelta(days=1),
        }
        if status == "delivered":
            vals["actual_delivery"] = SHIP_DAY + datetime.timedelta(days=1)
        vals.update(extra)
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
