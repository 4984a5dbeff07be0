"""The count behind the red badge on *Dead Letters & Problems* (issue 20 point 2).

The Logistics app's menu shows how many failed, dead and unmapped messages the user can see
(``static/src/navbar/problems_badge.js`` asks once when the app opens, then at most every 30
seconds while the user moves between views). Counted as the user, with Odoo's access rights
and record rules (the user's allowed companies; freight message types only for freight users):
the same messages the menu's action lists with its *Problems* filter. One ``count(*)`` on the
indexed state.
"""

from odoo import api, models

from .logistics_message import PROBLEM_STATES


class LogisticsMessage(models.Model):
    # One class per concern of logistics.message, each in its own file (see
    # logistics_message.py): the menu's badge here.
    _inherit = "logistics.message"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _problem_domain(self):
        return [("state", "in", PROBLEM_STATES)]

    @api.model
    def get_problem_badge_count(self):
        """Messages in *Dead Letters & Problems* for this user (0 without read access)."""
        if not self.has_access("read"):
            return 0
        return self.search_count(self._problem_domain())
