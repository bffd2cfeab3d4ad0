"""Who may do what with volunteers, orders and small wishes (declared with the scope engine).

* node staff (street admin, cadre, grid worker) see and manage orders, teams and wishes in
  their subtree;
* a volunteer sees the open orders of their street (rule ``open``) and claims them, then
  sees and works the orders they claimed (``VolunteerOrder.scope.owner``: their claims);
* the resident an order or a wish is for confirms it (rules ``served`` / ``for_me``);
* anyone of the street with a role — volunteers, residents (often party members), unit
  staff (local businesses) — may take up an open small wish.
"""

from __future__ import annotations

from linli.grids.models import Role
from linli.grids.permissions import NODE_REACH, OWNER_REACH, declare

VIEW = "volunteering.view"  # orders: staff in their subtree, volunteers their own
BROWSE = "volunteering.browse"  # open orders a volunteer may claim
CLAIM = "volunteering.claim"
SERVE = "volunteering.serve"  # withdraw, check in, check out: one's own claim
MANAGE = "volunteering.manage"  # write, publish, cancel, reassign orders
CONFIRM = "volunteering.confirm"  # confirm the result of a job
TEAMS = "volunteering.teams"  # rosters, approvals
JOIN = "volunteering.join"  # ask to join a team, keep one's profile
WISHES = "volunteering.wishes"  # post and manage small wishes
WISH_HELP = "volunteering.wish_help"  # take up an open wish
WISH_FULFIL = "volunteering.wish_fulfil"  # the one who took it up says it is done
WISH_CONFIRM = "volunteering.wish_confirm"  # the resident says it came true
METRICS = "volunteering.metrics"

OPEN_ORDERS = NODE_REACH("open")
SERVED = OWNER_REACH("served")
FOR_ME = OWNER_REACH("for_me")

_STAFF = {VIEW: None, MANAGE: None, CONFIRM: None, TEAMS: None, WISHES: None,
          WISH_CONFIRM: None, METRICS: None}  # fmt: skip

declare(
    {
        Role.STREET_ADMIN: _STAFF,
        Role.CADRE: _STAFF,
        Role.GRID_WORKER: {
            VIEW: None,
            MANAGE: None,
            CONFIRM: None,
            WISHES: None,
            WISH_CONFIRM: None,
        },
        Role.VOLUNTEER: {
            VIEW: None,
            BROWSE: OPEN_ORDERS,
            CLAIM: OPEN_ORDERS,
            SERVE: None,
            JOIN: None,
            WISH_HELP: OPEN_ORDERS,
            WISH_FULFIL: OWNER_REACH,
        },
        Role.RESIDENT: {
            VIEW: SERVED,
            CONFIRM: SERVED,
            WISH_CONFIRM: FOR_ME,
            WISH_HELP: OPEN_ORDERS,
            WISH_FULFIL: OWNER_REACH,
        },
        Role.UNIT_STAFF: {WISH_HELP: OPEN_ORDERS, WISH_FULFIL: OWNER_REACH},
    }
)
