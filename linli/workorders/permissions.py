"""Who may perform which work-order transition on which order.

The role → action table and the grants live in ``grids/permissions.py`` (the
scope engine); this module applies them to one loaded order, in Python, so a
detail page can list "actions allowed for this user now" without a query per
button. The reach rules are the engine's:

* node reach (street admin, cadre, grid worker): the order's grid lies in the
  granted node's subtree, same street;
* unit reach (unit staff): the unit is an *active* assignment of the order
  (the lead unit for HANDLER transitions, any for ANY_HANDLER);
* owner reach (resident): the actor reported the order.

Node staff act as HANDLER only on orders handled in-house by the neighbourhood.
"""

from __future__ import annotations

from linli.grids import permissions as perms

from .models import AssignmentRole, WorkOrder
from .workflow import (
    ANY_HANDLER,
    HANDLER,
    P_HANDLE,
    REPORTER_OR_STAFF,
    STAFF,
    Transition,
    available,
)


def node_grants_at(actor, action: str, grid):
    """The actor's node grants for ``action`` whose subtree holds ``grid`` (a loaded GridNode):
    the engine's node rule (same street, path prefix) without a query."""
    return [
        g
        for g in perms.grants_for(actor, action)
        if perms.ROLE_REACH[g.role] == perms.NODE
        and g.street_id == grid.street_id
        and grid.path.startswith(g.node_path)
    ]


def _node_grants(actor, action: str, order: WorkOrder):
    path = order.grid.path
    return [
        g
        for g in perms.grants_for(actor, action)
        if perms.ROLE_REACH[g.role] == perms.NODE
        and g.street_id == order.street_id
        and path.startswith(g.node_path)
    ]


def is_node_staff(actor, order: WorkOrder, action: str) -> bool:
    return bool(_node_grants(actor, action, order))


def is_reporter(actor, order: WorkOrder, action: str) -> bool:
    if not order.reporter_user_id or order.reporter_user_id != getattr(actor, "pk", None):
        return False
    return any(
        perms.ROLE_REACH[g.role] == perms.OWNER and g.street_id == order.street_id
        for g in perms.grants_for(actor, action)
    )


def actor_unit_ids(actor, action: str = P_HANDLE) -> set[int]:
    return {
        g.unit_id
        for g in perms.grants_for(actor, action)
        if perms.ROLE_REACH[g.role] == perms.UNIT and g.unit_id is not None
    }


def _active(order: WorkOrder):
    cached = getattr(order, "_active_assignments", None)
    if cached is None:
        cached = list(order.assignments.filter(active=True))
        order._active_assignments = cached
    return cached


def is_handler(actor, order: WorkOrder, *, lead_only: bool) -> bool:
    if order.in_house and is_node_staff(actor, order, P_HANDLE):
        return True
    units = actor_unit_ids(actor)
    if not units:
        return False
    return any(
        a.unit_id in units and a.street_id == order.street_id
        for a in _active(order)
        if not lead_only or a.role == AssignmentRole.LEAD
    )


def may(actor, order: WorkOrder, t: Transition) -> bool:
    """Whether ``actor`` may perform ``t`` on ``order`` (ignoring the current status)."""
    if t.by == STAFF:
        return is_node_staff(actor, order, t.permission)
    if t.by == REPORTER_OR_STAFF:
        return is_node_staff(actor, order, t.permission) or is_reporter(actor, order, t.permission)
    if t.by == HANDLER:
        return is_handler(actor, order, lead_only=True)
    if t.by == ANY_HANDLER:
        return is_handler(actor, order, lead_only=False)
    raise ValueError(f"unknown actor kind {t.by!r}")


def allowed_transitions(actor, order: WorkOrder) -> list[Transition]:
    """The transitions this actor may perform on this order now (status and permission)."""
    return [t for t in available(order.status) if may(actor, order, t)]


def acting_role(actor, order: WorkOrder, t: Transition) -> str:
    """The role recorded on the timeline for this actor doing ``t`` (deepest node grant wins)."""
    if t.by in (STAFF, REPORTER_OR_STAFF, HANDLER, ANY_HANDLER):
        node = sorted(
            _node_grants(actor, t.permission, order), key=lambda g: len(g.node_path), reverse=True
        )
        if node and (t.by in (STAFF, REPORTER_OR_STAFF) or order.in_house):
            return node[0].role
    if t.by in (HANDLER, ANY_HANDLER) and actor_unit_ids(actor):
        return "unit_staff"
    if t.by == REPORTER_OR_STAFF and is_reporter(actor, order, t.permission):
        return "resident"
    return ""
