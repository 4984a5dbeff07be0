import { patch } from "@web/core/utils/patch";
import { useBus, useService } from "@web/core/utils/hooks";
import { NavBar } from "@web/webclient/navbar/navbar";
import { onMounted, useState } from "@odoo/owl";

/**
 * A red badge on Logistics ▸ Integration ▸ Dead Letters & Problems (and on its section,
 * Integration) with the number of failed, dead and unmapped messages the user can see.
 *
 * Odoo's menus have no counters: the navbar asks the server for the count with one RPC,
 * `logistics.message.get_problem_badge_count` (counted as the user: rights, record rules,
 * allowed companies), when the Logistics app opens, and again at most every 30 seconds while
 * the user moves between its views. Nothing is asked outside the Logistics app.
 */
export const LOGISTICS_APP_XMLID = "logistics_connector.menu_logistics_root";
export const PROBLEMS_MENU_XMLID = "logistics_connector.menu_logistics_message_dead";
const REFRESH_MS = 30000;

function containsMenu(menu, xmlid) {
    return menu.xmlid === xmlid || (menu.childrenTree || []).some((child) => containsMenu(child, xmlid));
}

patch(NavBar.prototype, {
    setup() {
        super.setup(...arguments);
        this.logisticsProblems = useState({ count: 0 });
        this.logisticsOrm = useService("orm");
        let fetchedAt = 0;
        const refresh = async (force) => {
            if (this.currentApp?.xmlid !== LOGISTICS_APP_XMLID) {
                return;
            }
            if (!force && Date.now() - fetchedAt < REFRESH_MS) {
                return;
            }
            fetchedAt = Date.now();
            try {
                this.logisticsProblems.count = await this.logisticsOrm.silent.call(
                    "logistics.message",
                    "get_problem_badge_count",
                    []
                );
            } catch {
                // A badge must never break the navbar: no count, no badge.
                this.logisticsProblems.count = 0;
            }
        };
        onMounted(() => refresh(true));
        useBus(this.env.bus, "MENUS:APP-CHANGED", () => refresh(true));
        useBus(this.env.bus, "ACTION_MANAGER:UI-UPDATED", () => refresh(false));
    },

    /** The badge of a menu item: the count on Dead Letters & Problems, else 0 (no badge). */
    logisticsProblemsBadge(menu) {
        return menu.xmlid === PROBLEMS_MENU_XMLID ? this.logisticsProblems.count : 0;
    },

    /** The badge of a section: the count when Dead Letters & Problems is in it. */
    logisticsProblemsSectionBadge(section) {
        return this.logisticsProblems.count && containsMenu(section, PROBLEMS_MENU_XMLID)
            ? this.logisticsProblems.count
            : 0;
    },
});
