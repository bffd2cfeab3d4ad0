"""Who may do what in safety inspections (declared with the scope engine).

* street admins and cadres run campaigns (targets, checklists, closing) in their area;
* street admins and cadres plan e-bike charging sites (proposed, built, not suitable);
* node staff (street admin, cadre, grid worker) inspect the sites of their subtree, raise
  and put right hazards, issue notices and re-inspect;
* volunteers and building leaders report a hazard they see on patrol (飞线充电);
* the staff of a unit that is a site (a rental site's manager, an enterprise) see their
  own site's hazards and notices and sign for a notice.
"""

from __future__ import annotations

from linli.grids.models import Role
from linli.grids.permissions import NODE_REACH, UNIT_REACH, declare

VIEW = "safety.view"  # campaigns, inspections, hazards, notices in one's area
CAMPAIGNS = "safety.campaigns"  # set up, start, close campaigns; their targets; checklists
INSPECT = "safety.inspect"  # record inspections, raise, fix and dismiss hazards
NOTICES = "safety.notices"  # issue notices, re-inspect, escalate, suspend
ACKNOWLEDGE = "safety.acknowledge"  # record that the responsible person signed for it
REPORT = "safety.report"  # report a hazard seen on patrol
CHARGING = "safety.charging"  # propose, build or turn down e-bike charging sites

_STAFF = [VIEW, INSPECT, NOTICES, ACKNOWLEDGE, REPORT]

declare(
    {
        Role.STREET_ADMIN: [*_STAFF, CAMPAIGNS, CHARGING],
        Role.CADRE: [*_STAFF, CAMPAIGNS, CHARGING],
        Role.GRID_WORKER: _STAFF,
        Role.UNIT_STAFF: {VIEW: UNIT_REACH, ACKNOWLEDGE: UNIT_REACH},
        Role.VOLUNTEER: {REPORT: NODE_REACH},
        Role.BUILDING_LEADER: {REPORT: NODE_REACH},
    }
)
