"""Who may do what with door-to-door distributions, drills and trainings (declared with
the scope engine).

* street admins and cadres manage both in their subtree: set up and close distributions,
  plan, hold and cancel drills, keep the street's drill rule (admins);
* grid workers and building leaders see the distributions of their node and record
  handouts there; which households they may visit is the registry's answer (a building
  leader: the buildings they lead). Grid workers also record a drill of their grid held;
* unit staff see the trainings their enterprise takes part in (``Drill.units``);
* a resident sees, on their household file, what the household received.
"""

from __future__ import annotations

from linli.grids.models import Role
from linli.grids.permissions import NODE_REACH, declare

VIEW = "outreach.view"  # distributions (node) and drills (node, or unit for an enterprise)
MANAGE = "outreach.manage"  # distributions: set up, edit, open, close; drills: plan, edit, cancel
RECORD = "outreach.record"  # a handout visit at a household of the distribution's area
HOLD = "outreach.hold"  # record a drill or training held (attendance, photos)
RULES = "outreach.rules"  # the street's rule: fire drills per grid, trainings per enterprise
HOUSEHOLD = "outreach.household"  # what a household received, on its file

_MANAGERS = {VIEW: None, MANAGE: None, RECORD: None, HOLD: None, HOUSEHOLD: None}

declare(
    {
        Role.STREET_ADMIN: {**_MANAGERS, RULES: None},
        Role.CADRE: _MANAGERS,
        Role.GRID_WORKER: {VIEW: None, RECORD: None, HOLD: None, HOUSEHOLD: None},
        Role.BUILDING_LEADER: {VIEW: NODE_REACH, RECORD: NODE_REACH, HOUSEHOLD: None},
        Role.UNIT_STAFF: {VIEW: None},
        Role.RESIDENT: {HOUSEHOLD: None},
    }
)
