"""The scope engine: the one place that decides who may do what to which rows.

Two questions, answered here and nowhere else:

1. May this role do this action at all?  ``ROLE_ACTIONS`` (role → actions).
2. On which rows?  Each scoped model declares a ``ScopeSpec`` naming the path
   from the row to (a) the grid node it lives under, (b) the unit that handles
   it, (c) the user who owns it (residents, volunteers), (d) the building leader
   responsible for it. A role reaches rows through exactly one of those paths
   (``ROLE_REACH``). A grant on a node covers the node's subtree (path prefix).

Pages and the API both call ``filter_to_scope`` / ``get_in_scope``; an object
outside the scope raises ``Http404``, the same answer as a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404

from .models import Role, StaffAssignment
from .scope import ScopeSpec

# --- actions ---------------------------------------------------------------------------------
REGISTRY_VIEW = "registry.view"  # households and residents
PLACES_VIEW = "registry.view_places"  # grid nodes, compounds, buildings, facilities, units
REGISTRY_EDIT = "registry.edit"
REGISTRY_IMPORT = "registry.import"
REGISTRY_EXPORT = "registry.export"
VIEW_PII = "view_pii"  # may unmask ID numbers and phones (each unmasking is logged)
VIEW_HEALTH_TAGS = "view_health_tags"  # disability, health, home quarantine
VIEW_PARTY_TAGS = "view_party_tags"  # party membership
GRIDS_EDIT = "grids.edit"
ROLES_MANAGE = "accounts.manage_roles"
AUDIT_VIEW = "audit.view"  # change history and the personal-data access log

_STAFF_READ = {REGISTRY_VIEW, PLACES_VIEW, REGISTRY_EXPORT}

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.STREET_ADMIN: frozenset(
        _STAFF_READ
        | {REGISTRY_EDIT, REGISTRY_IMPORT, VIEW_PII, VIEW_HEALTH_TAGS, VIEW_PARTY_TAGS}
        | {GRIDS_EDIT, ROLES_MANAGE, AUDIT_VIEW}
    ),
    Role.CADRE: frozenset(
        _STAFF_READ
        | {REGISTRY_EDIT, REGISTRY_IMPORT, VIEW_PII, VIEW_HEALTH_TAGS, VIEW_PARTY_TAGS}
        | {AUDIT_VIEW}
    ),
    Role.GRID_WORKER: frozenset(_STAFF_READ | {REGISTRY_EDIT, VIEW_HEALTH_TAGS}),
    Role.BUILDING_LEADER: frozenset({REGISTRY_VIEW, PLACES_VIEW}),
    Role.UNIT_STAFF: frozenset({PLACES_VIEW}),
    Role.VOLUNTEER: frozenset(),
    Role.RESIDENT: frozenset({REGISTRY_VIEW}),
}

# Work orders (诉求): the meaning of each action is in linli/workorders/workflow.py.
_WO_STAFF = {
    "workorders.view",
    "workorders.intake",
    "workorders.verify",
    "workorders.dispatch",
    "workorders.handle",  # node staff handle only orders kept in-house by the neighbourhood
    "workorders.check",
    "workorders.follow_up",
    "workorders.close",
    "workorders.withdraw",
    "workorders.escalate",
    "workorders.metrics",
}
_WO_RESIDENT = {
    "workorders.report",
    "workorders.view",
    "workorders.withdraw",
    "workorders.follow_up",
}
for _role, _extra in {
    Role.STREET_ADMIN: _WO_STAFF | {"workorders.extend", "workorders.configure"},
    Role.CADRE: _WO_STAFF | {"workorders.extend"},
    Role.GRID_WORKER: _WO_STAFF,
    Role.UNIT_STAFF: {"workorders.view", "workorders.handle"},
    Role.RESIDENT: _WO_RESIDENT,
}.items():
    ROLE_ACTIONS[_role] = ROLE_ACTIONS[_role] | frozenset(_extra)

# How each role reaches rows: through the node subtree, its unit, buildings it leads, or ownership.
NODE, UNIT, LEADER, OWNER = "node", "unit", "leader", "owner"
ROLE_REACH = {
    Role.STREET_ADMIN: NODE,
    Role.CADRE: NODE,
    Role.GRID_WORKER: NODE,
    Role.UNIT_STAFF: UNIT,
    Role.BUILDING_LEADER: LEADER,
    Role.VOLUNTEER: OWNER,
    Role.RESIDENT: OWNER,
}


@dataclass(frozen=True)
class Grant:
    role: str
    street_id: int
    node_id: int
    node_path: str
    unit_id: int | None


def grants(actor) -> list[Grant]:
    """The actor's role grants, loaded once per user object (i.e. once per request)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return []
    cached = getattr(actor, "_linli_grants", None)
    if cached is None:
        # Five columns as tuples: the node row itself (with its GeoJSON boundary) is not needed.
        rows = StaffAssignment.objects.filter(user_id=actor.pk).values_list(
            "role", "street_id", "node_id", "node__path", "unit_id"
        )
        cached = [Grant(*row) for row in rows]
        actor._linli_grants = cached
    return cached


def forget_grants(actor) -> None:
    if hasattr(actor, "_linli_grants"):
        del actor._linli_grants


def grants_for(actor, action: str) -> list[Grant]:
    return [g for g in grants(actor) if action in ROLE_ACTIONS.get(g.role, ())]


def can(actor, action: str) -> bool:
    """Whether any of the actor's roles allows the action somewhere (no row check)."""
    return bool(grants_for(actor, action))


def streets(actor, action: str | None = None) -> set[int]:
    chosen = grants(actor) if action is None else grants_for(actor, action)
    return {g.street_id for g in chosen}


def _join(path: str, field: str) -> str:
    return f"{path}__{field}" if path else field


def scope_q(actor, model: type[models.Model], action: str) -> Q | None:
    """A Q selecting the rows of ``model`` the actor may act on, or None for no rows at all.

    A path through a to-many relation (a household's members) becomes ``pk IN (subquery)``,
    so the outer query never repeats rows and never needs DISTINCT.
    """
    spec: ScopeSpec = model.scope
    parts: list[Q] = []
    for g in grants_for(actor, action):
        reach = ROLE_REACH[g.role]
        street = Q(street_id=g.street_id) if _has_street(model) else Q()
        if reach == NODE:
            if spec.node is None:
                parts.append(street)
            else:
                parts.append(street & _path_q(model, spec.node, "path__startswith", g.node_path))
        elif reach == UNIT and spec.unit is not None:
            parts.append(street & _path_q(model, spec.unit, "id", g.unit_id))
        elif reach == LEADER and spec.leader is not None:
            parts.append(street & _path_q(model, spec.leader, "id", actor.pk))
        elif reach == OWNER and spec.owner is not None:
            parts.append(street & _path_q(model, spec.owner, "id", actor.pk))
    if not parts:
        return None
    combined = parts[0]
    for part in parts[1:]:
        combined |= part
    return combined


def _path_q(model: type[models.Model], path: str, lookup: str, value) -> Q:
    condition = Q(**{_join(path, lookup): value})
    if _crosses_many(model, path):
        return Q(pk__in=model._default_manager.filter(condition).values("pk"))
    return condition


def _has_street(model: type[models.Model]) -> bool:
    return any(f.name == "street" for f in model._meta.concrete_fields)


def filter_to_scope(qs: QuerySet, actor, action: str) -> QuerySet:
    """Restrict a queryset to what the actor may act on; the street filter comes first."""
    q = scope_q(actor, qs.model, action)
    if q is None:
        return qs.none()
    allowed_streets = streets(actor, action)
    if _has_street(qs.model):
        qs = qs.filter(street_id__in=allowed_streets)
    return qs.filter(q)


def _crosses_many(model: type[models.Model], path: str) -> bool:
    current = model
    for name in path.split("__") if path else []:
        field = current._meta.get_field(name)
        if field.many_to_many or field.one_to_many:
            return True
        current = field.related_model
    return False


def get_in_scope(qs: QuerySet, actor, action: str, **lookup: Any):
    """The one row matching ``lookup`` inside the actor's scope, else Http404 (same as missing).

    With ``select_for_update`` the row is found in scope first and then locked by primary
    key alone: PostgreSQL refuses FOR UPDATE together with the DISTINCT or the outer joins
    that scope paths and default orderings can add.
    """
    if qs.query.select_for_update:
        found = filter_to_scope(qs.model._default_manager.all(), actor, action).filter(**lookup)
        ids = list(found.values_list("pk", flat=True)[:1])
        obj = qs.filter(pk__in=ids).order_by("pk").first() if ids else None
    else:
        obj = filter_to_scope(qs, actor, action).filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj


def in_scope(obj: models.Model, actor, action: str) -> bool:
    return (
        filter_to_scope(type(obj)._default_manager.all(), actor, action).filter(pk=obj.pk).exists()
    )


def require(actor, action: str) -> None:
    """Refuse with 404 when no role of the actor allows the action anywhere."""
    if not can(actor, action):
        raise Http404
