"""Who may do what with work orders: the app's actions, declared with the scope engine.

Each (role, action) reaches orders one way (see ``grids.permissions``):

* node staff (street admin, cadre, grid worker): orders whose grid lies in their subtree;
  as handlers only orders kept in-house by the neighbourhood (rule ``in_house``);
* unit staff: orders ever dispatched to their unit (to see them); the order's active lead
  unit (``lead_unit``) starts, returns and reports back; any unit still serving the order
  (``serving``, co-handlers included) adds progress;
* residents: the orders they reported themselves (``WorkOrder.scope.owner``).
"""

from __future__ import annotations

from linli.grids.models import Role
from linli.grids.permissions import NODE_REACH, UNIT_REACH, declare

REPORT = "workorders.report"  # a resident files a request of their own
VIEW = "workorders.view"
INTAKE = "workorders.intake"  # staff take in a request (desk, 帮办代办, hotline, WeChat)
VERIFY = "workorders.verify"  # 核实; also reject and merge
DISPATCH = "workorders.dispatch"
HANDLE = "workorders.handle"  # the lead handler: start, return, report back
PROGRESS = "workorders.progress"  # any handler serving the order adds progress notes
CHECK = "workorders.check"
FOLLOW_UP = "workorders.follow_up"
CLOSE = "workorders.close"
WITHDRAW = "workorders.withdraw"
ESCALATE = "workorders.escalate"
EXTEND = "workorders.extend"
METRICS = "workorders.metrics"
CONFIGURE = "workorders.configure"

IN_HOUSE = NODE_REACH("in_house")
LEAD_UNIT = UNIT_REACH("lead_unit")
SERVING = UNIT_REACH("serving")

_NODE_STAFF = {
    VIEW: None,
    INTAKE: None,
    VERIFY: None,
    DISPATCH: None,
    HANDLE: IN_HOUSE,
    PROGRESS: IN_HOUSE,
    CHECK: None,
    FOLLOW_UP: None,
    CLOSE: None,
    WITHDRAW: None,
    ESCALATE: None,
    METRICS: None,
}

declare(
    {
        Role.STREET_ADMIN: {**_NODE_STAFF, EXTEND: None, CONFIGURE: None},
        Role.CADRE: {**_NODE_STAFF, EXTEND: None},
        Role.GRID_WORKER: _NODE_STAFF,
        Role.UNIT_STAFF: {VIEW: None, HANDLE: LEAD_UNIT, PROGRESS: SERVING},
        Role.RESIDENT: [REPORT, VIEW, WITHDRAW, FOLLOW_UP],
    }
)
