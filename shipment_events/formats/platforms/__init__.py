"""Carrier platforms that post tracking webhooks their own way: one plain-Python module each.

Each module has ``verify(headers, body, secret, now, **options)`` (raises the suite's
:class:`~odoo.addons.logistics_connector.services.signature.SignatureError`, or returns
nothing) and ``parse(body)`` (a list of canonical event dicts, as
``services/events.split_body`` gives them, or :class:`ParseError`), and ``read(body)``:
``(journal key, events)``, the key naming the platform's event or tracker, its status and
time (a resent body is a duplicate). Their status codes are prefixed with the platform's
name (``easypost:delivered``) so that the shipped default mappings of one platform never
map another's codes (``data/logistics_code_mapping_platforms.xml``).

Importing this package registers each verifier with the connector's shared webhook intake
(``services/signature.PLATFORM_VERIFIERS``), which checks a backend with a platform profile
with it.
"""

from odoo.addons.logistics_connector.services import privacy, signature

from . import aftership, easypost, sendcloud, shipengine, shippo

PLATFORMS = {
    "easypost": easypost,
    "shippo": shippo,
    "shipengine": shipengine,
    "aftership": aftership,
    "sendcloud": sendcloud,
}

for _name, _module in PLATFORMS.items():
    signature.register_platform(_name, _module.verify, getattr(_module, "NEEDS_SECRET", True))


def get(name):
    """The module of platform ``name`` (KeyError for an unknown one)."""
    return PLATFORMS[name]


def default_status_mappings():
    """``(status_code, canonical status, description)`` of every platform's shipped defaults."""
    return [
        (f"{name}:{code}", status, f"{name} default")
        for name, module in PLATFORMS.items()
        for code, status in module.DEFAULT_STATUS_MAP.items()
    ]


# What the journal's data policy redacts in a platform's body (message type ``platform_event``):
# the common personal keys and every platform's own.
PRIVACY_RULES = privacy.json_rules(
    personal_keys=[key for module in PLATFORMS.values() for key in module.PERSONAL_KEYS],
    personal_paths=[path for module in PLATFORMS.values() for path in module.PERSONAL_PATHS],
)
