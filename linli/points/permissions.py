"""Who may do what with points and the store (declared with the scope engine).

Staff reach every account and item of their street (the counter, the store, settlement);
residents and volunteers reach their own account (``PointsAccount.user``).
"""

from __future__ import annotations

from linli.grids.models import Role
from linli.grids.permissions import declare

VIEW = "points.view"  # the street's accounts, ledger and figures
VIEW_OWN = "points.view_own"  # my balance, my entries, my statements
RULES = "points.rules"  # publish the points standard
CORRECT = "points.correct"  # a correction with a reason
SETTLE = "points.settle"  # close a period
STORE = "points.store"  # the catalogue and stock
COUNTER = "points.counter"  # redeem for someone at the counter, hand over reservations
REDEEM = "points.redeem"  # reserve goods on my phone
SUGGEST = "points.suggest"  # suggest and vote for goods

_MANAGE = [VIEW, RULES, CORRECT, SETTLE, STORE, COUNTER]

declare(
    {
        Role.STREET_ADMIN: _MANAGE,
        Role.CADRE: [VIEW, CORRECT, STORE, COUNTER],
        Role.GRID_WORKER: [VIEW, COUNTER],
        Role.VOLUNTEER: [VIEW_OWN, REDEEM, SUGGEST],
        Role.RESIDENT: [VIEW_OWN, REDEEM, SUGGEST],
    }
)
