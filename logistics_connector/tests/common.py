import importlib.util
import os
import select
import time
import uuid

import psycopg2

from odoo import Command, fields, sql_db
from odoo.tests import new_test_user

from .factories import make_backend


def load_migration(test_file, version, script):
    """The module of an addon's migration script ``migrations/<version>/<script>.py``, loaded from
    the addon of ``test_file`` (a test module's ``__file__``), to call its ``migrate``."""
    addon_dir = os.path.dirname(os.path.dirname(os.path.abspath(test_file)))
    path = os.path.join(addon_dir, "migrations", version, f"{script}.py")
    name = f"{os.path.basename(addon_dir)}_migration_{version.replace('.', '_')}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The channel Odoo's cron runners LISTEN on (odoo/service/server.py): a NOTIFY there wakes them.
CRON_CHANNEL = "cron_trigger"


class CronWakeups:
    """Counts the NOTIFYs that wake the cron workers of this test's database, as they see them.

    A listener on its own connection to the ``postgres`` database (where Odoo's cron runners
    listen). :meth:`count` runs what a commit runs after it (the cursor's postcommit
    callbacks: the test cursor never commits), then returns how many wake-ups for this
    database have arrived so far. A sentinel NOTIFY sent after the callbacks marks the end:
    PostgreSQL delivers notifications in commit order, so everything the callbacks sent is
    in by the time the sentinel is.
    """

    def __init__(self, env, timeout=10.0):
        self.env = env
        self.timeout = timeout
        self.received = 0
        self._conn = None

    def __enter__(self):
        _dbname, info = sql_db.connection_info_for("postgres")
        self._conn = psycopg2.connect(**info)
        self._conn.autocommit = True
        with self._conn.cursor() as cr:
            cr.execute("LISTEN cron_trigger")  # CRON_CHANNEL
        return self

    def __exit__(self, *exc_info):
        self._conn.close()

    def count(self):
        self.env.cr.postcommit.run()
        sentinel = f"sentinel-{uuid.uuid4().hex}"
        with self._conn.cursor() as cr:
            cr.execute("SELECT pg_notify(%s, %s)", [CRON_CHANNEL, sentinel])
        deadline = time.monotonic() + self.timeout
        while True:
            self._conn.poll()
            while self._conn.notifies:
                notify = self._conn.notifies.pop(0)
                if notify.payload == sentinel:
                    return self.received
                if notify.channel == CRON_CHANNEL and notify.payload == self.env.cr.dbname:
                    self.received += 1
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("the listener did not receive its own sentinel NOTIFY")
            select.select([self._conn], [], [], remaining)


class LogisticsCommon:
    """The connector's test mixin, the base of every addon's (see docs/architecture.md, Test fixtures).

    :meth:`setup_logistics` builds a company's TMS backend, a carrier with its product and
    partner, a customer and a shipment; the factories (:meth:`make_backend`, :meth:`make_user`,
    :meth:`map_carrier`) build one thing each, for the addons' mixins and tests.
    """

    @classmethod
    def setup_logistics(cls):
        env = cls.env
        cls.company = env.company
        cls.company.logistics_environment = "production"
        cls.backend = cls.make_backend(
            "Acme TMS",
            "acme-tms",
            "tms",
            base_url="http://127.0.0.1:9/api",
            auth_type="api_key",
            api_key="test-key-123",
            retry_base_delay=60,
            max_attempts=3,
        )
        cls.carrier, cls.carrier_product = cls.make_delivery_carrier()
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
    def make_backend(cls, name, code, kind, **vals):
        return make_backend(cls.env, name, code, kind, **vals)

    @classmethod
    def make_delivery_carrier(cls, product_name="Road freight", name="Fast Freight"):
        """A fixed-price delivery method and its service product: (carrier, product)."""
        product = cls.env["product.product"].create({"name": product_name, "type": "service"})
        carrier = cls.env["delivery.carrier"].create({"name": name, "product_id": product.id, "delivery_type": "fixed"})
        return carrier, product

    @classmethod
    def make_user(cls, login, groups, company):
        """A user of ``company`` only, with ``groups`` (comma-separated xml ids)."""
        return new_test_user(
            cls.env, login=login, groups=groups, company_id=company.id, company_ids=[Command.set(company.ids)]
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
