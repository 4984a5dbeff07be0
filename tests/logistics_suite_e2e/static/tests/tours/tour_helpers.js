/**
 * Steps shared by the suite's tours.
 */

/** Open a menu item of the Logistics app: its section in the top bar, then the item. */
export function openMenu(sectionXmlid, itemXmlid, label) {
    return [
        {
            content: `Open the ${label} menu section`,
            trigger: `.o-dropdown[data-menu-xmlid='${sectionXmlid}']`,
            run: "click",
        },
        {
            content: `Open ${label}`,
            trigger: `.o-dropdown-item[data-menu-xmlid='${itemXmlid}']`,
            run: "click",
        },
    ];
}

/** The trigger of a form's current status in its status bar. */
export function currentState(label) {
    return `.o_form_view .o_statusbar_status button.o_arrow_button_current:contains('${label}')`;
}
