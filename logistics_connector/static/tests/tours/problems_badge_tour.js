import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

/**
 * The red badge of Dead Letters & Problems, as a Logistics Manager of one company sees it
 * (tests/test_problems_badge.py makes 3 problem messages in the user's company and 1 in
 * another company's backend).
 */
registry.category("web_tour.tours").add("logistics_problems_badge_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("logistics_connector.menu_logistics_root", "Open the Logistics app"),
        {
            content: "The Integration section carries the count of its company's problems",
            trigger:
                ".o_menu_sections [data-menu-xmlid='logistics_connector.menu_logistics_integration'] .o_logistics_problems_badge:contains('3')",
        },
        {
            content: "Open the Integration section",
            trigger: ".o-dropdown[data-menu-xmlid='logistics_connector.menu_logistics_integration']",
            run: "click",
        },
        {
            content: "Dead Letters & Problems shows the same red badge",
            trigger:
                ".o-dropdown-item[data-menu-xmlid='logistics_connector.menu_logistics_message_dead'] .badge.text-bg-danger:contains('3')",
        },
        {
            content: "The Journal item has no badge",
            trigger:
                ".o-dropdown-item[data-menu-xmlid='logistics_connector.menu_logistics_message']:not(:has(.o_logistics_problems_badge))",
        },
        {
            content: "Open Dead Letters & Problems",
            trigger: ".o-dropdown-item[data-menu-xmlid='logistics_connector.menu_logistics_message_dead']",
            run: "click",
        },
        {
            content: "The list groups the same problems by backend",
            trigger: ".o_list_view .o_group_header:contains('Badge TMS A') :contains('3')",
        },
    ],
});
