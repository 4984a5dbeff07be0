import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

/**
 * Finance's path: run yesterday's reconciliation from the wizard (against the TMS and the FAP),
 * open its differences, export them to XLSX. The data is created by tests/test_tour_finance.py,
 * which checks the run, its lines and the XLSX file afterwards.
 */
registry.category("web_tour.tours").add("logistics_suite_finance_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("logistics_connector.menu_logistics_root", "Open the Logistics app"),
        {
            content: "Open the Finance menu",
            trigger: ".o-dropdown[data-menu-xmlid='logistics_connector.menu_logistics_finance']",
            run: "click",
        },
        {
            content: "Run a reconciliation",
            trigger: ".o-dropdown-item[data-menu-xmlid='billing_readiness.menu_billing_reconciliation_run']",
            run: "click",
        },
        {
            content: "Yesterday's, by default",
            trigger: ".modal .o_field_widget[name='kind'] input[data-value='daily']:checked",
        },
        {
            content: "Compared with the TMS",
            trigger: ".modal .o_field_widget[name='backend_ids']:contains('Tour TMS')",
        },
        {
            content: "Run it",
            trigger: ".modal button[name='action_run']",
            run: "click",
        },
        {
            content: "The run found three differences",
            timeout: 30000, // a page load on a busy CI machine
            trigger: "body:not(:has(.modal)) .o_form_view .o_field_widget[name='difference_count']:contains('3')",
        },
        {
            content: "No backend failed to report",
            trigger: ".o_form_view .o_field_widget[name='error_count']:contains('0')",
        },
        {
            content: "Open the differences",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_open_lines']",
            run: "click",
        },
        {
            content: "The differences only",
            timeout: 30000, // a page load on a busy CI machine
            trigger: ".o_searchview_facet:contains('Differences')",
        },
        {
            content: "The shipment the TMS does not know of Odoo is one",
            trigger: ".o_list_view .o_data_row:contains('GHOST-TOUR'):contains('Unknown in Odoo')",
        },
        {
            content: "The TMS sees another status for a shipment",
            trigger: ".o_list_view .o_data_row:contains('Status differs')",
        },
        {
            content: "Select all the differences",
            trigger: ".o_list_view thead .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Three are selected",
            trigger: ".o_list_selection_box:contains('3')",
        },
        {
            content: "Open the actions",
            trigger: ".o_cp_action_menus .dropdown-toggle:contains('Actions')",
            run: "click",
        },
        {
            content: "Export",
            trigger: ".o-dropdown--menu .o-dropdown-item:contains('Export')",
            run: "click",
        },
        {
            content: "As an Excel file",
            trigger: ".modal .o_export_format input[value='xlsx']",
            run: "click",
        },
        {
            content: "The reference is among the exported columns",
            trigger: ".modal .o_fields_list .o_export_field:contains('Reference')",
        },
        {
            content: "Download the XLSX",
            trigger: ".modal .o_select_button:enabled",
            run: "click",
        },
        {
            content: "The download is over (the button is enabled again, no error dialog)",
            trigger: "body:not(:has(.o_error_dialog)) .modal .o_select_button:enabled",
        },
        {
            content: "Close the export dialog",
            trigger: ".modal .o_form_button_cancel",
            run: "click",
        },
        {
            content: "Back on the differences",
            trigger: "body:not(:has(.modal)) .o_list_view .o_data_row:contains('GHOST-TOUR')",
        },
    ],
});
