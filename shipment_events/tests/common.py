import base64
import json
from datetime import timedelta

from odoo import fields

from odoo.addons.logistics_connector.controllers.webhook_intake import http_answer
from odoo.addons.logistics_connector.tests.common import LogisticsCommon

# The company settings the events tests start from: production, a POD needs its signer and
# time (not a document), no customer notification.
SHIPMENT_EVENT_SETTINGS = {
    "logistics_environment": "production",
    "shipment_pod_require_signer": True,
    "shipment_pod_require_time": True,
    "shipment_pod_require_document": False,
    "shipment_notify_shipped": False,
    "shipment_notify_out_for_delivery": False,
    "shipment_notify_delayed": False,
    "shipment_notify_delivered": False,
}


class ShipmentEventsCommon(LogisticsCommon):
    """The events tests' mixin, on the connector's: a carrier backend with webhook secrets, a
    customer, a shipment; factories of carrier backends and helpers to receive events."""

    SECRET = "whsec-current-0123456789"
    OLD_SECRET = "whsec-previous-9876543210"

    @classmethod
    def set_shipment_event_settings(cls, company=None, **extra):
        (company or cls.company).write({**SHIPMENT_EVENT_SETTINGS, **extra})

    @classmethod
    def make_carrier_backend(cls, name, code, secret, **vals):
        """A production carrier platform posting signed webhooks with ``secret``."""
        return cls.make_backend(name, code, "carrier", webhook_secret=secret, **vals)

    @classmethod
    def setup_shipment_events(cls):
        env = cls.env
        cls.company = env.company
        cls.set_shipment_event_settings()
        cls.backend = cls.make_carrier_backend(
            "Fast Carrier Platform", "fastcarrier", cls.SECRET, auto_send_transport_orders=False
        )
        cls.customer = env["res.partner"].create(
            {"name": "Customer Events", "email": "customer.events@example.com", "city": "Lyon"}
        )
        cls.salesman = env["res.users"].create(
            {
                "name": "Sam Sales",
                "login": "sam.sales.events",
                "email": "sam@example.com",
                "groups_id": [fields.Command.set([env.ref("sales_team.group_sale_salesman").id])],
            }
        )
        cls.product = env["product.product"].create({"name": "Widget", "type": "consu"})
        cls.sale = env["sale.order"].create(
            {
                "partner_id": cls.customer.id,
                "user_id": cls.salesman.id,
                "order_line": [fields.Command.create({"product_id": cls.product.id, "product_uom_qty": 1})],
            }
        )
        cls.shipment = env["logistics.shipment"].create(
            {
                "partner_id": cls.customer.id,
                "sale_id": cls.sale.id,
                "tracking_ref": "PRO-1001",
                "bill_of_lading": "BOL-1001",
                "status": "booked",
            }
        )
        cls.env["logistics.code.mapping"].create(
            [
                {"backend_id": cls.backend.id, "mapping_type": "status", "external_code": code, "status": status}
                for code, status in (("PU", "picked_up"), ("IT", "in_transit"), ("DL", "delivered"), ("DY", "delayed"))
            ]
        )

    @classmethod
    def setup_company_b(cls, code="fastcarrier-b", secret="whsec-company-b", **backend_vals):
        """A second company with its own production carrier backend and shipment (PRO-B-1)."""
        env = cls.env
        cls.company_b = env["res.company"].create(
            {"name": f"Company B ({code})", "logistics_environment": "production"}
        )
        cls.backend_b = cls.make_carrier_backend("B carrier", code, secret, company_id=cls.company_b.id, **backend_vals)
        cls.shipment_b = env["logistics.shipment"].create(
            {"company_id": cls.company_b.id, "tracking_ref": "PRO-B-1", "status": "in_transit"}
        )

    # ------------------------------------------------------------------
    def make_event(self, status="in_transit", minutes=0, ref="PRO-1001", **extra):
        """A canonical JSON event at a fixed base time + ``minutes``."""
        base = fields.Datetime.from_string("2026-11-20 08:00:00") + timedelta(minutes=minutes)
        event = {
            "tracking_ref": ref,
            "status": status,
            "event_time": base.strftime("%Y-%m-%dT%H:%M:%S") + "+00:00",
            "location": {"city": "Lyon", "country": "FR"},
        }
        event.update(extra)
        return {k: v for k, v in event.items() if v is not None}

    def receive(self, events, source="webhook 127.0.0.1", backend=None):
        """Journal events as the webhook does (single event or batch); returns (status, answer)
        as the webhook answers them."""
        body = events if isinstance(events, dict) else {"events": events}
        result = self.env["logistics.message"]._webhook_receive_json(
            backend or self.backend, json.dumps(body).encode(), source
        )
        return http_answer(result)

    def process(self):
        return self.env["logistics.message"]._process_queue()

    def events_of(self, shipment=None):
        return self.env["logistics.shipment.event"].search(
            [("shipment_id", "=", (shipment or self.shipment).id)], order="event_time, id"
        )

    @staticmethod
    def x12_214(statuses, control=101, pro="PRO-1001", extra_set=None):
        """An X12 214 interchange: one set, one LX loop per (code, reason, CCYYMMDD, HHMM, time code, city)."""
        isa = "ISA*00*{:<10}*00*{:<10}*02*{:<15}*ZZ*{:<15}*261120*0800*U*00401*{:09d}*0*P*>~".format(
            "", "", "FASTCARR", "OURCOMPANY", control
        )
        body = [f"B10*{pro}*SHIP-778*FSTC", "L11*BOL-1001*BM"]
        for index, (code, reason, day, clock, time_code, city) in enumerate(statuses, start=1):
            body += [f"LX*{index}", f"AT7*{code}*{reason}***{day}*{clock}*{time_code}".rstrip("*"), f"MS1*{city}**FR"]
        sets = [body] + ([extra_set] if extra_set else [])
        segments = [isa, f"GS*QM*FASTCARR*OURCOMPANY*20261120*0800*{control}*X*004010~"]
        for number, set_body in enumerate(sets, start=1):
            segments.append(f"ST*214*{number:04d}~")
            segments += [segment + "~" for segment in set_body]
            segments.append(f"SE*{len(set_body) + 2}*{number:04d}~")
        segments += [f"GE*{len(sets)}*{control}~", f"IEA*1*{control:09d}~"]
        return "\n".join(segments).encode()

    @staticmethod
    def pdf_base64():
        return base64.b64encode(b"%PDF-1.4 signed proof of delivery").decode()
