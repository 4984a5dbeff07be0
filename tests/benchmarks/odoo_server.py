"""odoo-bin for the benchmark server (run as ``python odoo_server.py <odoo-bin arguments>``).

Odoo's prefork server (``--workers``) starts a websocket process by running its own
``sys.argv[0]`` with the ``gevent`` command, and starts it again every second when it dies.
When gevent cannot monkey-patch in this environment (an old ``pkg_resources`` that cannot
resolve gevent's ``zope.interface`` requirement, as setuptools < 70 with zope.interface 8),
that restart loop would spend CPU during the measurements. The benchmarks use no websocket,
so when that check fails this wrapper stands in for the websocket process: it waits, idle,
until the server stops. Everything else is the unmodified ``odoo-bin``.
"""

import os
import sys
import time

ODOO_SRC = os.environ.get("ODOO_SRC", "/opt/odoo18")


def gevent_usable():
    try:
        import pkg_resources

        pkg_resources.require("gevent")
    except Exception:
        return False
    return True


def main():
    if sys.argv[1:2] == ["gevent"] and not gevent_usable():
        parent = os.getppid()
        while os.getppid() == parent:
            time.sleep(1)
        return 0
    sys.path.insert(0, ODOO_SRC)
    import odoo

    odoo.cli.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
