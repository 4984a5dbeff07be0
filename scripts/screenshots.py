#!/usr/bin/env python3
"""Screenshots of the suite's main screens for the README (docs/screenshots/*.png).

Run it against a server holding the demo data, e.g.::

    SERVE_DB=lfs_shots HTTP_PORT=8071 scripts/serve.sh &      # first run installs the demo
    .venv/bin/python scripts/screenshots.py --url http://127.0.0.1:8071 --db lfs_shots

It logs in over JSON-RPC, then drives a headless Chromium (Debian's ``chromium``) through
the DevTools protocol with the session cookie, at 1366x768. Only the virtualenv's
``requests`` and ``websocket-client`` (both Odoo requirements) are used.
"""

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import websocket

CHROME_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--remote-debugging-port=0",
    "--window-size=1366,768",
]
WIDTH, HEIGHT = 1366, 768
# The demo's shipments shown on the delivery order and on the customer's portal page.
DELIVERY_TRACKING_REF = "RRFT-7700108"
PORTAL_TRACKING_REF = "RRFT-7700108"
PORTAL_READY_JS = "Boolean(document.querySelector('#portal_shipment')) && document.readyState === 'complete'"
# A screen is ready when a view is shown and nothing is loading any more.
CLOSE_NOTIFICATIONS_JS = "document.querySelectorAll('.o_notification .o_notification_close').forEach(b => b.click())"
READY_JS = """
(() => {
    const view = document.querySelector('.o_action_manager .o_view_controller');
    const busy = document.querySelector('.o_loading_indicator, .o_blockUI, .o-main-components-container .o_loading');
    return Boolean(view) && !busy;
})()
"""


class Cdp:
    """A minimal DevTools protocol client over one page's websocket."""

    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return result.get("result", {}).get("value")

    def wait_for(self, expression, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.evaluate(expression):
                return True
            time.sleep(0.25)
        raise TimeoutError(f"timed out waiting for {expression.strip()[:80]}")


def rpc(session, url, model, method, *args, **kwargs):
    answer = session.post(
        f"{url}/web/dataset/call_kw",
        json={
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"model": model, "method": method, "args": args, "kwargs": kwargs},
        },
        timeout=60,
    ).json()
    if answer.get("error"):
        raise RuntimeError(answer["error"]["data"]["message"])
    return answer["result"]


def record_id(session, url, model, domain):
    ids = rpc(session, url, model, "search", domain, limit=1)
    if not ids:
        raise RuntimeError(f"no {model} matches {domain}: is the demo data installed?")
    return ids[0]


def open_tab(label):
    """JavaScript that opens the form's notebook page ``label`` and scrolls to it."""
    return (
        f"[...document.querySelectorAll('.o_notebook .nav-link')].find(l => l.textContent.trim() === '{label}')"
        "?.click(); document.querySelector('.o_notebook')?.scrollIntoView({block: 'start'})"
    )


def group_by(label):
    """JavaScript that groups the view by the search view's *Group By* option ``label``."""
    return f"""
(async () => {{
    const pause = () => new Promise(resolve => setTimeout(resolve, 500));
    document.querySelector('.o_searchview_dropdown_toggler').click();
    await pause();
    [...document.querySelectorAll('.o_group_by_menu .o-dropdown-item, .o_group_by_menu .o_menu_item')]
        .find(item => item.textContent.trim() === '{label}')?.click();
    await pause();
    document.querySelector('.o_searchview_dropdown_toggler').click();
    await pause();
}})()
"""


def freight_bill_with_savings(session, url):
    """The posted vendor bill of a carrier invoice approved below what was billed (the demo's)."""
    invoices = rpc(
        session,
        url,
        "freight.invoice",
        "search_read",
        [("vendor_bill_id.state", "=", "posted")],
        ["vendor_bill_id", "amount_total", "amount_approved"],
        order="id",
    )
    for invoice in invoices:
        if invoice["amount_approved"] < invoice["amount_total"]:
            return invoice["vendor_bill_id"][0]
    raise RuntimeError("no posted freight bill with an audit saving: is the demo data installed?")


def shots(session, url):
    """(file name, path, JavaScript run once the screen is shown) of each screenshot."""
    shipment = record_id(session, url, "logistics.shipment", [("tracking_ref", "=", "RRFT-7700108")])
    case = record_id(session, url, "freight.audit.case", [("invoice_id.name", "=", "RRFT-INV-2003")])
    invoice = record_id(session, url, "freight.invoice", [("name", "=", "RRFT-INV-2004"), ("is_duplicate", "=", False)])
    backend = record_id(session, url, "logistics.backend", [("code", "=", "acme-tms")])
    bill = freight_bill_with_savings(session, url)
    carrier = rpc(session, url, "account.move", "read", [bill], ["partner_id"])[0]["partner_id"][0]
    picking = record_id(
        session,
        url,
        "stock.picking",
        [("logistics_shipment_id.tracking_ref", "=", DELIVERY_TRACKING_REF), ("picking_type_code", "=", "outgoing")],
    )
    show_all = "document.querySelector('.o_searchview_facet .o_facet_remove')?.click()"
    timeline = (
        "[...document.querySelectorAll('.o_notebook .nav-link')].find(l => l.textContent.trim() === 'Timeline')"
        "?.click(); document.querySelector('.o_notebook')?.scrollIntoView({block: 'start'})"
    )
    return [
        ("shipments", "/odoo/action-logistics_connector.logistics_shipment_action", show_all),
        ("shipment_timeline", f"/odoo/action-logistics_connector.logistics_shipment_action/{shipment}", timeline),
        ("journal", "/odoo/action-logistics_connector.logistics_message_action", show_all),
        ("audit_case", f"/odoo/action-freight_audit.freight_audit_case_action/{case}", None),
        ("carrier_invoice", f"/odoo/action-freight_audit.freight_invoice_action/{invoice}", None),
        ("billing_holds", "/odoo/action-billing_readiness.sale_order_billing_action", None),
        ("backend", f"/odoo/action-logistics_connector.logistics_backend_action/{backend}", None),
        # Issue 17's screens: the bill's Freight Audit tab, spend and scorecards, the delivery order.
        (
            "vendor_bill_freight_audit",
            f"/odoo/action-account.action_move_in_invoice_type/{bill}",
            open_tab("Freight Audit"),
        ),
        ("freight_spend", "/odoo/action-freight_audit.freight_spend_report_action", group_by("Charge Type")),
        ("carrier_scorecards", "/odoo/action-freight_audit.freight_carrier_scorecard_action?view_type=list", None),
        ("carrier_scorecard", f"/odoo/action-base.action_partner_form/{carrier}", open_tab("Scorecard")),
        ("delivery_order", f"/odoo/action-stock.action_picking_tree_all/{picking}", open_tab("Milestones")),
    ]


def portal_shots(session, url):
    """(file name, path) of the customer's screens, opened from the link of the status e-mail
    (with its access token, not logged in), as the customer sees them."""
    shipment = record_id(session, url, "logistics.shipment", [("tracking_ref", "=", PORTAL_TRACKING_REF)])
    return [("portal_shipment", rpc(session, url, "logistics.shipment", "get_portal_url", [shipment]))]


def capture(cdp, target):
    data = base64.b64decode(cdp.call("Page.captureScreenshot", format="png")["data"])
    target.write_bytes(data)
    print(f"{target} ({len(data) // 1024} KiB)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--db", default=os.environ.get("SERVE_DB", "logistics"))
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "docs" / "screenshots"))
    parser.add_argument("--chrome", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()

    session = requests.Session()
    auth = session.post(
        f"{args.url}/web/session/authenticate",
        json={"jsonrpc": "2.0", "params": {"db": args.db, "login": args.login, "password": args.password}},
        timeout=60,
    ).json()
    if auth.get("error") or not session.cookies.get("session_id"):
        sys.exit(f"login as {args.login} on {args.db} failed: {auth.get('error')}")
    todo = shots(session, args.url)
    portal = portal_shots(session, args.url)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="lfs-shots-")
    chrome = subprocess.Popen(
        [args.chrome, *CHROME_FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = Path(profile, "DevToolsActivePort")
        for _ in range(100):
            if port_file.is_file() and port_file.stat().st_size > 5:
                break
            time.sleep(0.1)
        port = int(port_file.read_text().splitlines()[0])
        targets = requests.get(f"http://127.0.0.1:{port}/json", timeout=10).json()
        page = next(t for t in targets if t["type"] == "page")
        cdp = Cdp(page["webSocketDebuggerUrl"])
        cdp.call("Network.enable")
        host = args.url.split("://", 1)[1].split("/", 1)[0].split(":")[0]
        cdp.call("Network.setCookie", name="session_id", value=session.cookies["session_id"], domain=host, path="/")
        cdp.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT, deviceScaleFactor=1, mobile=False)
        cdp.call("Page.enable")
        # Warm-up: the first page load builds the asset bundles.
        cdp.call("Page.navigate", url=args.url + "/odoo")
        time.sleep(2.0)
        cdp.wait_for("Boolean(document.querySelector('.o_main_navbar'))", timeout=120)
        for name, path, script in todo:
            cdp.call("Page.navigate", url=args.url + path)
            time.sleep(1.0)
            cdp.wait_for(READY_JS)
            if script:
                cdp.evaluate(script)
                time.sleep(1.0)
                cdp.wait_for(READY_JS)
            time.sleep(1.5)  # let the last rendering (badges, status bar) settle
            cdp.evaluate(CLOSE_NOTIFICATIONS_JS)
            time.sleep(0.5)
            capture(cdp, out / f"{name}.png")
        # The customer's screens: logged out, through the e-mail's tokenised link.
        cdp.call("Network.deleteCookies", name="session_id", domain=host, path="/")
        for name, path in portal:
            cdp.call("Page.navigate", url=args.url + path)
            time.sleep(1.0)
            cdp.wait_for(PORTAL_READY_JS)
            time.sleep(1.0)
            capture(cdp, out / f"{name}.png")
    finally:
        chrome.terminate()
        try:
            chrome.wait(timeout=10)
        except subprocess.TimeoutExpired:
            chrome.kill()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
