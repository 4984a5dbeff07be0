import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";
import { currentState, openMenu } from "@logistics_suite_e2e/../tests/tours/tour_helpers";

/**
 * The integrator (a Logistics Manager): a message waiting for a mapping in the journal, its
 * error read, the mapping added from the message, the message processed; then a dead letter
 * replayed. The data is created, and the outcome checked, by tests/test_tour_integrator.py.
 */

registry.category("web_tour.tours").add("logistics_integrator_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("logistics_connector.menu_logistics_root", "Open the Logistics app"),
        ...openMenu("logistics_connector.menu_logistics_integration", "logistics_connector.menu_logistics_message", "Journal"),
        // The journal is grouped by state: the problem groups show what needs a person.
        {
            content: "Open the messages waiting for a mapping",
            trigger: ".o_list_view .o_group_header:contains('Needs Mapping')",
            run: "click",
        },
        {
            content: "Open the booking confirmation waiting for a mapping",
            trigger: ".o_list_view .o_data_row:contains('Booking confirmation') td[name='state']:contains('Needs Mapping')",
            run: "click",
        },
        {
            content: "The error says which code has no mapping",
            trigger: ".o_form_view .alert-danger:contains(\"No carrier mapping for code 'NEWC'\")",
        },
        {
            content: "And what the message waits for",
            trigger: ".o_form_view .alert-warning:contains('NEWC'):contains('carrier')",
        },
        {
            content: "Add the missing mapping from the message",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_add_missing_mapping']",
            run: "click",
        },
        {
            content: "The mapping is for this backend's carrier code NEWC",
            trigger: ".modal .o_form_view .o_field_widget[name='external_code'] input:value(NEWC)",
        },
        {
            content: "Of this backend",
            trigger: ".modal .o_form_view .o_field_widget[name='backend_id'] input:value(Tour TMS)",
        },
        {
            content: "Choose the delivery method the code means",
            trigger: ".modal .o_form_view .o_field_widget[name='carrier_id'] input",
            run: "edit Northwind",
        },
        {
            content: "Pick Northwind Road",
            trigger: ".o-autocomplete--dropdown-menu .o-autocomplete--dropdown-item a:contains('Northwind Road')",
            run: "click",
        },
        {
            content: "Save the mapping",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "The mapping put the message back in the queue",
            trigger: `body:not(:has(.modal)) ${currentState("Queued")}`,
        },
        {
            content: "Process it now",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_process_now']",
            run: "click",
        },
        {
            content: "The message is processed",
            trigger: currentState("Done"),
        },
        {
            content: "Without error any more",
            trigger: ".o_form_view:not(:has(.alert-danger:visible)):not(:has(.alert-warning:visible))",
        },
        {
            content: "It is linked to its shipment",
            trigger: ".o_form_view .o_field_widget[name='shipment_ids']:contains('SHP-INT-1')",
        },
        // The dead letter: the TMS refused the transport order until the backend gave up.
        ...openMenu(
            "logistics_connector.menu_logistics_integration",
            "logistics_connector.menu_logistics_message_dead",
            "Dead Letters & Problems"
        ),
        {
            content: "Open the problems of the TMS backend",
            trigger: ".o_list_view .o_group_header:contains('Tour TMS')",
            run: "click",
        },
        {
            content: "Open the dead transport order",
            trigger: ".o_list_view .o_data_row:contains('Transport order') td[name='state']:contains('Dead')",
            run: "click",
        },
        {
            content: "It gave up after the backend's attempts",
            trigger: ".o_form_view .alert-danger:contains('Gave up after 2 attempts')",
        },
        {
            content: "Replay it (the TMS is back)",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_replay']",
            run: "click",
        },
        {
            content: "It is queued again",
            trigger: currentState("Queued"),
        },
        {
            content: "Process it now",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_process_now']",
            run: "click",
        },
        {
            content: "The transport order is sent and booked",
            trigger: currentState("Done"),
        },
        {
            content: "Replayed once",
            trigger: ".o_form_view .o_field_widget[name='replay_count']:contains('1')",
        },
    ],
});
