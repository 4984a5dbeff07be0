import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";
import { openMenu } from "@logistics_suite_e2e/../tests/tours/tour_helpers";

/**
 * The suite seen by a freight approver: a shipment's timeline, the approval of an audit
 * case, and the vendor bill it posts. The data is created by tests/test_tour.py.
 */

registry.category("web_tour.tours").add("logistics_suite_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("logistics_connector.menu_logistics_root", "Open the Logistics app"),
        ...openMenu(
            "logistics_connector.menu_logistics_operations",
            "logistics_connector.menu_logistics_shipment",
            "Shipments"
        ),
        {
            content: "Show the delivered shipments too (remove the 'Open' filter)",
            trigger: ".o_searchview_facet:contains('Open') .o_facet_remove",
            run: "click",
        },
        {
            content: "Open the shipment",
            trigger: ".o_list_view .o_data_row td[name='name']:contains('SHP-TOUR-1')",
            run: "click",
        },
        {
            content: "The shipment is delivered",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Delivered')",
        },
        {
            content: "Open its timeline",
            trigger: ".o_notebook .nav-link:contains('Timeline')",
            run: "click",
        },
        {
            content: "The delivery with its place is on the timeline",
            trigger: ".o_field_widget[name='event_ids'] .o_data_row:contains('Delivered'):contains('Paris')",
        },
        {
            content: "The pickup is on the timeline",
            trigger: ".o_field_widget[name='event_ids'] .o_data_row:contains('Picked Up'):contains('Lyon')",
        },
        ...openMenu("logistics_connector.menu_logistics_finance", "freight_audit.menu_freight_audit_case", "Audit Cases"),
        {
            content: "Open the audit case of the carrier invoice (the review board, by state)",
            trigger: ".o_kanban_view .o_kanban_record:contains('TOUR-INV-1')",
            run: "click",
        },
        {
            content: "The case is open",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Open')",
        },
        {
            content: "Approve the charges as billed",
            trigger: ".o_form_view button[name='action_approve_full']",
            run: "click",
        },
        {
            content: "The case is approved",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Approved')",
        },
        // The bill the approval posted, where accounting sees it.
        ...stepUtils.goToAppSteps("account.menu_finance", "Open the Invoicing app"),
        ...openMenu("account.menu_finance_payables", "account.menu_action_move_in_invoice_type", "Bills"),
        {
            content: "Open the carrier's vendor bill",
            trigger: ".o_list_view .o_data_row:contains('Tour Freight Co.') td[name='invoice_partner_display_name']",
            run: "click",
        },
        {
            content: "The vendor bill is posted",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Posted')",
        },
        {
            content: "It is the carrier's bill",
            trigger: ".o_form_view .o_field_widget[name='partner_id']:contains('Tour Freight Co.')",
        },
        {
            content: "Of the approved amount",
            trigger: ".o_form_view .o_field_widget[name='tax_totals']:contains('560.00')",
        },
    ],
});
