import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

/**
 * The billing clerk's path: the readiness board, an order on hold with its reason, the
 * release with a reason. The data is created by tests/test_tour_billing.py, which then runs
 * the scheduled invoicing and checks the invoice in the database.
 */
registry.category("web_tour.tours").add("logistics_suite_billing_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("logistics_connector.menu_logistics_root", "Open the Logistics app"),
        {
            content: "Open the Finance menu",
            trigger: ".o-dropdown[data-menu-xmlid='logistics_connector.menu_logistics_finance']",
            run: "click",
        },
        {
            content: "Open the billing readiness board",
            trigger: ".o-dropdown-item[data-menu-xmlid='billing_readiness.menu_billing_readiness_orders']",
            run: "click",
        },
        {
            content: "The other order waits in the On Hold column too",
            timeout: 30000, // a page load on a busy CI machine
            trigger: ".o_kanban_group:has(.o_column_title:contains('On Hold')) .o_kanban_record:contains('Billing Tour Other')",
        },
        {
            content: "Open the customer's order on hold, its reason on the card",
            trigger:
                ".o_kanban_group:has(.o_column_title:contains('On Hold')) .o_kanban_record:contains('Billing Tour Customer'):contains('POD missing for shipment')",
            run: "click",
        },
        {
            content: "Read the readiness of the order",
            trigger: ".o_form_view .o_notebook .nav-link:contains('Billing Readiness')",
            run: "click",
        },
        {
            content: "The order is on hold",
            trigger: ".o_form_view .o_field_widget[name='billing_readiness_state']:contains('On Hold')",
        },
        {
            content: "Because the proof of delivery is missing",
            trigger: ".o_form_view .o_field_widget[name='billing_hold_reason_ids']:contains('POD missing for shipment')",
        },
        {
            content: "Release the hold",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_billing_release']",
            run: "click",
        },
        {
            content: "The release shows the reasons it releases",
            trigger: ".modal .o_field_widget[name='current_reason_ids']:contains('POD missing for shipment')",
        },
        {
            content: "Say why",
            trigger: ".modal .o_field_widget[name='reason'] textarea",
            run: "edit Receipt confirmed by the customer on the phone",
        },
        {
            content: "Apply the release",
            trigger: ".modal button[name='action_apply']",
            run: "click",
        },
        {
            content: "The order is ready to invoice",
            timeout: 30000, // a page load on a busy CI machine
            trigger:
                "body:not(:has(.modal)) .o_form_view .o_field_widget[name='billing_readiness_state']:contains('Ready to Invoice')",
        },
        {
            content: "The released reason is kept on the order",
            trigger: ".o_form_view .o_field_widget[name='billing_waived_reason_ids']:contains('POD missing for shipment')",
        },
        {
            content: "The scheduled invoicing will invoice it",
            trigger: ".o_form_view .o_field_widget[name='billing_auto_invoice'] input:checked",
        },
        {
            content: "The release is in the chatter",
            trigger: ".o-mail-Chatter .o-mail-Message:contains('Billing hold released by Tour Billing Clerk')",
        },
    ],
});
