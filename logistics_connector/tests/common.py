from odoo import fields


class LogisticsCommon:
    """Shared setup: a company's TMS backend, a carrier with its mapping, a shipment."""

    @classmethod
    def setup_logistics(cls):
        env = cls.env
        cls.company = env.company
        cls.company.logistics_environment = "production"
        cls.backend = env["logistics.backend"].create(
            {
                "name": "Acme TMS",
                "code": "acme-tms",
                "kind": "tms",
                "environment": "production",
                "base_url": "http://127.0.0.1:9/api",
                "auth_type": "api_key",
                "api_key": "test-key-123",
                "retry_base_delay": 60,
                "max_attempts": 3,
            }
        )
        cls.carrier_product = env["product.product"].create({"name": "Road freight", "type": "service"})
        cls.carrier = env["delivery.carrier"].create(
            {"name": "Fast Freight", "product_id": cls.carrier_product.id, "delivery_type": "fixed"}
        )
        cls.carrier_partner = env["res.partner"].create({"name": "Fast Freight Inc.", "is_company": True})
        cls.customer = env["res.partner"].create(
            {"name": "Customer One", "street": "1 Main St", "city": "Lyon", "zip": "69001"}
        )
        cls.shipment = env["logistics.shipment"].create(
            {
                "backend_id": cls.backend.id,
                "partner_id": cls.customer.id,
                "destination_partner_id": cls.customer.id,
                "origin_partner_id": cls.company.partner_id.id,
                "weight": 120.0,
            }
        )

    @classmethod
    def map_carrier(cls, code="FFRT", backend=None):
        return cls.env["logistics.code.mapping"].create(
            {
                "backend_id": (backend or cls.backend).id,
                "mapping_type": "carrier",
                "external_code": code,
                "carrier_id": cls.carrier.id,
                "carrier_partner_id": cls.carrier_partner.id,
            }
        )

    def journal_booking(self, booking_id="BK-1", scac="FFRT", shipment=None, key=None, **extra):
        shipment = shipment or self.shipment
        payload = {
            "booking_id": booking_id,
            "reference": shipment.name,
            "carrier_scac": scac,
            "tracking_reference": f"TRK-{booking_id}",
            "planned_pickup": "2026-11-23T08:00:00+01:00",
            "planned_delivery": "2026-11-24T17:30:00Z",
        }
        payload.update(extra)
        messages, duplicates = self.env["logistics.message"]._journal_many(
            [
                {
                    "backend_id": self.backend.id,
                    "direction": "inbound",
                    "message_type": "booking_confirmation",
                    "payload": payload,
                    "idempotency_key": key or f"booking:{booking_id}",
                    "source": "test",
                }
            ]
        )
        return messages, duplicates

    @staticmethod
    def now():
        return fields.Datetime.now()
