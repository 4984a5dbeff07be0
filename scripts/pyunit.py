#!/usr/bin/env python3
"""Run database-free unit tests (parsers, rating, clients) in seconds.

Usage: .venv/bin/python scripts/pyunit.py odoo.addons.shipment_events.tests.test_x12_214 [...]

The same tests also run inside `make test`; this is only a fast loop for
plain-Python services whose tests derive from ``odoo.tests.BaseCase`` and
touch no database.
"""

import os
import sys
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ODOO_SRC = os.environ.get("ODOO_SRC", "/opt/odoo18")
sys.path.insert(0, ODOO_SRC)

import odoo  # noqa: E402
from odoo.modules.module import initialize_sys_path  # noqa: E402

odoo.tools.config.parse_config(
    ["--addons-path", ",".join([REPO, os.path.join(REPO, "tests"), os.path.join(ODOO_SRC, "odoo", "addons")])]
)
initialize_sys_path()

if __name__ == "__main__":
    if not os.path.isdir(os.path.join(os.path.dirname(REPO), "shared", "corpus")):
        print("X12 and EDIFACT corpus tests left out: ../shared/corpus does not exist", file=sys.stderr)
    unittest.main(module=None, argv=[sys.argv[0], "-v", *sys.argv[1:]])
