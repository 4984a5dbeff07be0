"""18.0.1.2.0: the status e-mail to the customer carries the *Follow your shipment* link to the
portal page of the shipment (``/my/shipments/<id>`` with its access token, added in 18.0.1.1.0).

The template is ``noupdate`` data (a company may adapt its wording), so a module update leaves
a database's template as it was installed. Here the shipped body is loaded again, but only
into a template nobody has edited since it was installed (its write date is its create date):
an edited template is left as it is and the log says what to add by hand."""

import logging
from datetime import timedelta

from odoo import SUPERUSER_ID, api
from odoo.tools import convert_file

_logger = logging.getLogger(__name__)

TEMPLATE_XMLID = "shipment_events.mail_template_shipment_status"
PORTAL_LINK_MARK = "get_portal_url"


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    refresh_status_template(env)


def refresh_status_template(env):
    """Load the shipped status template again into an unedited template without the portal
    link; returns True when it did."""
    template = env.ref(TEMPLATE_XMLID, raise_if_not_found=False)
    if not template:
        return False
    if PORTAL_LINK_MARK in (template.with_context(lang="en_US").body_html or ""):
        return False
    edited = (
        template.write_date
        and template.create_date
        and template.write_date - template.create_date > timedelta(minutes=1)
    )
    if edited:
        _logger.warning(
            "Template %s (id %s) was edited after its installation: it is left as it is. Add the "
            'portal link by hand: <a t-att-href="object.get_base_url() + object.get_portal_url()">'
            "Follow your shipment</a>",
            TEMPLATE_XMLID,
            template.id,
        )
        return False
    # mode="init": the file's records are written again although the file is noupdate (its
    # only record is this template); the ir.model.data row stays noupdate.
    convert_file(env, "shipment_events", "data/mail_template_data.xml", None, mode="init", noupdate=True, kind="data")
    _logger.info("Template %s: the shipped body, with the portal link, loaded again", TEMPLATE_XMLID)
    return True
