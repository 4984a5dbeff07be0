import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";
import { openMenu } from "@logistics_suite_e2e/../tests/tours/tour_helpers";

/**
 * Operations: a sale order, its shipment, the milestone timeline, the exception activity
 * opened and marked done, and the carrier's tracking link (checked on the anchor: the tour
 * does not leave Odoo). The data is created, and the outcome checked, by
 * tests/test_tour_operations.py.
 */
const TRACKING_URL = "https://track.northwind.example/parcel?id=NW4455-7";

registry.category("web_tour.tours").add("logistics_operations_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("sale.sale_menu_root", "Open the Sales app"),
        ...openMenu("sale.sale_order_menu", "sale.menu_sale_order", "Orders"),
        {
            content: "Open the customer's sale order",
            trigger: ".o_list_view .o_data_row:contains('Tour Ops Customer') td[name='name']",
            run: "click",
        },
        {
            content: "Its deliveries: the shipment with its tracking link, opening the carrier's page in a new tab",
            trigger: `.o_notebook .nav-link:contains('Deliveries')`,
            run: "click",
        },
        {
            content: "The tracking link of the delivery is the carrier's template with the tracking number",
            trigger: `.o_field_widget[name='logistics_shipment_ids'] .o_data_row:contains('SHP-OPS-1') a[href='${TRACKING_URL}'][target='_blank']`,
        },
        {
            content: "Open the order's shipment",
            trigger: ".o-form-buttonbox button[name='action_view_logistics_shipments']",
            run: "click",
        },
        {
            content: "The shipment is in exception",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Exception')",
        },
        {
            content: "Its tracking link: the carrier's page for this tracking number, in a new tab",
            trigger: `.o_form_view .o_field_widget[name='tracking_url'] a[href='${TRACKING_URL}'][target='_blank']:contains('${TRACKING_URL}')`,
        },
        {
            content: "Open its timeline",
            trigger: ".o_notebook .nav-link:contains('Timeline')",
            run: "click",
        },
        {
            content: "The exception is on the timeline, open, with the carrier's reason",
            trigger: ".o_field_widget[name='event_ids'] .o_data_row:contains('Exception'):contains('Consignee address incomplete'):contains('Dijon') td[name='exception_state']:contains('Open')",
        },
        {
            content: "The earlier milestones are there too",
            trigger: ".o_field_widget[name='event_ids'] .o_data_row:contains('Picked Up'):contains('Lyon')",
        },
        {
            content: "Open the exception activity (its details)",
            trigger: ".o-mail-Activity:contains('SHP-OPS-1') .o-mail-Activity-info .fa-info-circle",
            run: "click",
        },
        {
            content: "It is a shipment exception assigned to me, with the carrier's reason",
            trigger: ".o-mail-Activity:contains('Consignee address incomplete') .o-mail-Activity-details:contains('Shipment Exception'):contains('Tour Operations')",
        },
        {
            content: "Mark it done",
            trigger: ".o-mail-Activity:contains('SHP-OPS-1') .o-mail-Activity-markDone",
            run: "click",
        },
        {
            content: "Say what was done",
            trigger: ".o-mail-ActivityMarkAsDone textarea",
            run: "edit Address completed with the customer; carrier informed.",
        },
        {
            content: "Done",
            trigger: ".o-mail-ActivityMarkAsDone button[aria-label='Done']",
            run: "click",
        },
        {
            content: "The activity is done: logged in the chatter with the feedback",
            trigger: ".o-mail-Message:contains('Address completed with the customer')",
        },
        {
            content: "And no longer planned",
            trigger: ".o-mail-Chatter:not(:has(.o-mail-Activity))",
        },
    ],
});
