import { registry } from "@web/core/registry";

/**
 * The customer's path on the portal: a password login, the order, its shipment's page, the
 * proof of delivery. The data is created by tests/test_tour_customer.py.
 */
registry.category("web_tour.tours").add("logistics_suite_customer_tour", {
    url: "/web/login",
    steps: () => [
        {
            content: "Type the login",
            timeout: 30000, // a page load on a busy CI machine
            trigger: ".oe_login_form input[name='login']",
            run: "edit tour_portal",
        },
        {
            content: "Type the password",
            trigger: ".oe_login_form input[name='password']",
            run: "edit tour-portal-Pw-2026!",
        },
        {
            content: "Log in",
            trigger: ".oe_login_form button[type='submit']",
            run: "click",
        },
        {
            content: "The customer's portal home, with their sales orders",
            timeout: 30000, // a page load on a busy CI machine
            trigger: ".o_portal_my_home a[href='/my/orders']",
            run: "click",
        },
        {
            content: "The other customer's order is not listed",
            timeout: 30000, // a page load on a busy CI machine
            trigger: ".o_portal_my_doc_table:not(:contains('Portal Other Customer'))",
        },
        {
            content: "Open the order",
            trigger: ".o_portal_my_doc_table tr a[href*='/my/orders/']",
            run: "click",
        },
        {
            content: "Open its shipment",
            timeout: 30000, // a page load on a busy CI machine
            trigger: "#sale_shipments a:contains('PRO-TOUR-1'), #sale_shipments a[href*='/my/shipments/']",
            run: "click",
        },
        {
            content: "The shipment is delivered",
            timeout: 30000, // a page load on a busy CI machine
            trigger: "#portal_shipment #shipment_status:contains('Delivered')",
        },
        {
            content: "Its timeline shows the delivery and where",
            trigger: "#shipment_timeline tr:contains('Delivered'):contains('Paris'):contains('Left at reception')",
        },
        {
            content: "And the pickup",
            trigger: "#shipment_timeline tr:contains('Picked Up'):contains('Lyon')",
        },
        {
            content: "Download the proof of delivery: the link, and the same path with the session only",
            trigger: "a#shipment_pod_download[href*='/pod']",
            async run() {
                const href = this.anchor.getAttribute("href");
                for (const url of [href, href.split("?")[0]]) {
                    const response = await fetch(url);
                    const body = await response.text();
                    if (response.status !== 200) {
                        throw new Error(`The POD link ${url} answered ${response.status}`);
                    }
                    if (!body.startsWith("%PDF-1.4 proof of delivery of the tour customer")) {
                        throw new Error(`The POD link ${url} answered another file: ${body.slice(0, 60)}`);
                    }
                    if (!(response.headers.get("Content-Disposition") || "").includes("attachment")) {
                        throw new Error(`The POD at ${url} is not served as a download`);
                    }
                }
            },
        },
    ],
});
