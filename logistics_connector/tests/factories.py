"""Small factories of connector data: plain functions of an ``env``, no test framework needed.

Used by :class:`~.common.LogisticsCommon` (and so by every addon's test mixin), the browser
tour and the benchmarks' fixtures (``tests/benchmarks/fixtures.py``, which loads this file by
its path: importing the addon's ``tests`` package would import Odoo's test framework).
"""


def make_backend(env, name, code, kind, **vals):
    """A production backend, without authentication unless ``vals`` say otherwise."""
    return env["logistics.backend"].create(
        {"name": name, "code": code, "kind": kind, "environment": "production", "auth_type": "none", **vals}
    )
