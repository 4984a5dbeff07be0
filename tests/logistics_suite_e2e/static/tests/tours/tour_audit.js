import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";
import { currentState, openMenu } from "@logistics_suite_e2e/../tests/tours/tour_helpers";
import { inputFiles } from "@web/../tests/utils";

/**
 * The auditor and the approver. The auditor imports a carrier's X12 210 file with the wizard,
 * finds the invoice audited, opens its case and proposes the contract's amounts; his own
 * approval is refused (he edited the case). The approver approves the proposal, and finds the
 * bill posted with the saving on its Freight Audit tab. The data is created, and the outcome
 * checked, by tests/test_tour_audit.py (which checks this file is the 210 it expects).
 */
const AUDIT_210 =
    "ISA*00*          *00*          *ZZ*FFRTEDI        *ZZ*SHIPPER01      *260120*1100*U*00401*000000021*0*P*>~" +
    "GS*IM*FFRTGS*SHIPPERGS*20260120*1100*21*X*004010~ST*210*0001~" +
    "B3**AUD-210-1*SHP-AUD-1*PP**20260120*61600**20260116**FFRT~C3*USD~" +
    "LX*1~N9*BM*SHP-AUD-1~L1*1***56000****400~LX*2~N9*BM*SHP-AUD-1~L1*2***5600****FUE~" +
    "L3*****61600~SE*11*0001~GE*1*21~IEA*1*000000021~";

registry.category("web_tour.tours").add("logistics_audit_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("logistics_connector.menu_logistics_root", "Open the Logistics app"),
        ...openMenu(
            "logistics_connector.menu_logistics_finance",
            "freight_audit.menu_freight_invoice_import",
            "Import Carrier Invoices"
        ),
        {
            content: "Choose the carrier's EDI backend",
            trigger: ".modal .o_field_widget[name='backend_id'] input",
            run: "edit Audit carrier",
        },
        {
            content: "Pick it",
            trigger: ".o-autocomplete--dropdown-menu .o-autocomplete--dropdown-item a:contains('Audit carrier EDI')",
            run: "click",
        },
        {
            content: "Upload the carrier's X12 210 file",
            trigger: ".modal .o_field_widget[name='file']",
            async run() {
                const file = new File([AUDIT_210], "AUD-210-1.edi", { type: "application/edi-x12" });
                await inputFiles(".modal .o_field_widget[name='file'] input.o_input_file", [file]);
            },
        },
        {
            content: "The file is loaded",
            trigger: ".modal .o_field_widget[name='file'] input:value(AUD-210-1.edi)",
        },
        {
            content: "Import it (and process it now)",
            trigger: ".modal footer button[name='action_import']",
            run: "click",
        },
        {
            content: "The file is in the journal, processed",
            trigger: `body:not(:has(.modal)) ${currentState("Done")}`,
        },
        {
            content: "As an X12 210",
            trigger: ".o_form_view .o_field_widget[name='message_type']:contains('210')",
        },
        // The carrier invoice it created, audited.
        ...openMenu("logistics_connector.menu_logistics_finance", "freight_audit.menu_freight_invoice", "Carrier Invoices"),
        {
            content: "Open the carrier invoice from the file",
            trigger: ".o_list_view .o_data_row:contains('AUD-210-1') td[name='name']",
            run: "click",
        },
        {
            content: "The audit found differences: the invoice is in an audit case",
            trigger: currentState("In Audit Case"),
        },
        {
            content: "Open its audit cases",
            trigger: ".o-form-buttonbox button[name='action_view_cases']",
            run: "click",
        },
        {
            content: "Open the case",
            trigger: ".o_kanban_view .o_kanban_record:contains('AUD-210-1')",
            run: "click",
        },
        {
            content: "The case is open, about the rate",
            trigger: `${currentState("Open")}`,
        },
        {
            content: "It shows what was billed and what the contract expects",
            trigger: ".o_form_view .o_field_widget[name='amount_expected']:contains('544.50')",
        },
        {
            content: "Start the review",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_start_review']",
            run: "click",
        },
        {
            content: "The case is in review",
            trigger: currentState("In Review"),
        },
        {
            content: "Propose the expected (contract) amounts",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_propose_expected']",
            run: "click",
        },
        {
            content: "The proposal is the contract's amounts",
            trigger: ".o_form_view .o_field_widget[name='amount_proposed']:contains('544.50')",
        },
        {
            content: "The auditor is an editor of the case now",
            trigger: ".o_form_view .o_field_widget[name='edited_by_ids']:contains('Tour Auditor')",
        },
        // Segregation of duties: the auditor (an approver too) may not approve what he proposed.
        {
            content: "Try to approve my own proposal",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_approve_partial']",
            run: "click",
        },
        {
            content: "Refused: another approver must approve it",
            trigger: ".modal:contains('another approver must approve it')",
        },
        {
            content: "Close the message",
            trigger: ".modal footer .btn-primary",
            run: "click",
        },
        {
            content: "The case is still in review",
            trigger: `body:not(:has(.modal)) ${currentState("In Review")}`,
        },
    ],
});

registry.category("web_tour.tours").add("logistics_approval_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("logistics_connector.menu_logistics_root", "Open the Logistics app"),
        ...openMenu("logistics_connector.menu_logistics_finance", "freight_audit.menu_freight_audit_case", "Audit Cases"),
        {
            content: "Open the case of carrier invoice AUD-210-1 (the review board)",
            trigger: ".o_kanban_view .o_kanban_record:contains('AUD-210-1')",
            run: "click",
        },
        {
            content: "The auditor proposed the contract's amounts",
            trigger: ".o_form_view .o_field_widget[name='amount_proposed']:contains('544.50')",
        },
        {
            content: "Approve the proposed amounts",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_approve_partial']",
            run: "click",
        },
        {
            content: "The case is approved",
            trigger: currentState("Approved"),
        },
        {
            content: "By me",
            trigger: ".o_form_view .o_field_widget[name='approved_by_id']:contains('Tour Approver Two')",
        },
        {
            content: "Open the carrier invoice",
            trigger: ".o_form_view .o_field_widget[name='invoice_id'] a",
            run: "click",
        },
        {
            content: "The carrier invoice is billed",
            trigger: currentState("Billed"),
        },
        {
            content: "Open its vendor bill",
            trigger: ".o-form-buttonbox button[name='action_view_bill']",
            run: "click",
        },
        {
            content: "The vendor bill is posted",
            trigger: currentState("Posted"),
        },
        {
            content: "Open the Freight Audit tab",
            trigger: ".o_notebook .nav-link:contains('Freight Audit')",
            run: "click",
        },
        {
            content: "Billed by the carrier",
            trigger: ".o_form_view .o_field_widget[name='freight_amount_billed']:contains('616.00')",
        },
        {
            content: "Approved",
            trigger: ".o_form_view .o_field_widget[name='freight_amount_approved']:contains('544.50')",
        },
        {
            content: "The saving of the audit",
            trigger: ".o_form_view .o_field_widget[name='freight_amount_saved']:contains('71.50')",
        },
        {
            content: "Approved by the approver",
            trigger: ".o_form_view .o_field_widget[name='freight_approved_by_id']:contains('Tour Approver Two')",
        },
    ],
});
