"""Carrier tracking links: URL templates with ``{tracking}`` and the shipped defaults.

Plain Python (no ORM). A carrier's own template (``delivery.carrier.logistics_tracking_url``)
wins; otherwise :func:`default_template` finds one of :data:`DEFAULT_TEMPLATES` by the
carrier's SCAC (its carrier code mappings) or by a word of its name or its partner's name.
"""

import re
from urllib.parse import quote

PLACEHOLDER = "{tracking}"

# Public tracking pages of common carriers, by key; each key's aliases (SCACs and names) below.
DEFAULT_TEMPLATES = {
    "ups": "https://www.ups.com/track?tracknum={tracking}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={tracking}",
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={tracking}",
    "dhl_express": "https://www.dhl.com/en/express/tracking.html?AWB={tracking}&brand=DHL",
    "dhl": "https://www.dhl.com/global-en/home/tracking/tracking-parcel.html?tracking-id={tracking}",
    "dpd": "https://tracking.dpd.de/status/en_US/parcel/{tracking}",
    "gls": "https://gls-group.com/track/{tracking}",
    "postnl": "https://jouw.postnl.nl/track-and-trace/{tracking}",
    "canada_post": "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor={tracking}",
    "purolator": "https://www.purolator.com/en/shipping/tracker?pin={tracking}",
    "royal_mail": "https://www.royalmail.com/track-your-item#/tracking-results/{tracking}",
    "tnt": "https://www.tnt.com/express/en_us/site/shipping-tools/tracking.html?searchType=con&cons={tracking}",
    "colissimo": "https://www.laposte.fr/outils/suivre-vos-envois?code={tracking}",
    "chronopost": "https://www.chronopost.fr/tracking-no-cms/suivi-page?listeNumerosLT={tracking}",
    "bpost": "https://track.bpost.cloud/btr/web/#/search?itemCode={tracking}",
    "australia_post": "https://auspost.com.au/mypost/track/#/details/{tracking}",
}

# SCACs first (exact, upper case), then names (normalised words, lower case).
SCAC_ALIASES = {
    "UPSN": "ups",
    "UPSS": "ups",
    "UPGF": "ups",
    "FDXE": "fedex",
    "FDEG": "fedex",
    "FXFE": "fedex",
    "FDEN": "fedex",
    "USPS": "usps",
    "DHLE": "dhl_express",
    "DHLC": "dhl",
    "DPDG": "dpd",
    "GLSO": "gls",
    "CNPR": "canada_post",
    "PRLA": "purolator",
}
NAME_ALIASES = {
    "ups": "ups",
    "united parcel service": "ups",
    "fedex": "fedex",
    "federal express": "fedex",
    "usps": "usps",
    "united states postal service": "usps",
    "dhl express": "dhl_express",
    "dhl": "dhl",
    "dhl parcel": "dhl",
    "dpd": "dpd",
    "gls": "gls",
    "postnl": "postnl",
    "canada post": "canada_post",
    "postes canada": "canada_post",
    "purolator": "purolator",
    "royal mail": "royal_mail",
    "tnt": "tnt",
    "colissimo": "colissimo",
    "chronopost": "chronopost",
    "bpost": "bpost",
    "australia post": "australia_post",
}


def _words(name):
    return " ".join(re.findall(r"[a-z0-9]+", (name or "").lower()))


def default_template(scacs=(), names=()):
    """The shipped template for a carrier known by one of ``scacs`` or ``names``, or None.

    A name matches an alias when the alias is the name or its leading words ("DHL Express
    Worldwide" is DHL Express, "UPS Ground" is UPS); the longest alias wins.
    """
    for scac in scacs:
        key = SCAC_ALIASES.get((scac or "").strip().upper())
        if key:
            return DEFAULT_TEMPLATES[key]
    for name in names:
        words = _words(name)
        if not words:
            continue
        matches = [alias for alias in NAME_ALIASES if words == alias or words.startswith(alias + " ")]
        if matches:
            return DEFAULT_TEMPLATES[NAME_ALIASES[max(matches, key=len)]]
    return None


def tracking_url(template, tracking):
    """``template`` with ``{tracking}`` replaced by the quoted ``tracking`` reference.

    Odoo's own placeholder ``<shipmenttrackingnumber>`` (``delivery.carrier.tracking_url``) is
    accepted too. None without a template, a reference, or a placeholder in the template.
    """
    tracking = (tracking or "").strip()
    if not template or not tracking:
        return None
    value = quote(tracking, safe="")
    for placeholder in (PLACEHOLDER, "<shipmenttrackingnumber>"):
        if placeholder in template:
            return template.replace(placeholder, value)
    return None
