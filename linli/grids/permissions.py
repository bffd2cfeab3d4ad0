"""The scope engine: the one place that decides who may do what to which rows.

Two questions, answered here and nowhere else:

1. May this role do this action at all, and how does it reach rows for it?
   Every app declares its own actions in its own ``permissions.py`` with
   ``declare({role: {action: reach}})``; the engine holds the union. This module
   declares only the house-wide actions (the grid tree, roles, personal data, audit).
2. On which rows?  Each scoped model declares a ``ScopeSpec`` (``grids/scope.py``)
   naming the path from the row to a grid node, a unit, a building leader or an owner,
   plus named rules ("the reporter", "the active lead unit"). A grant on a node covers
   the node's subtree (path prefix), in the grant's street only.

Pages and the API both call ``filter_to_scope`` / ``get_in_scope`` for querysets and
``allows`` / ``acting_role`` for a row already loaded; an object outside the scope
raises ``Http404``, the same answer as a missing one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import connection, models
from django.db.models import Q, QuerySet
from django.http import Http404

from .models import GridNode, Role, StaffAssignment
from .scope import KINDS, LEADER, NODE, OWNER, UNIT, Reach, Rule, ScopeSpec

__all__ = ["LEADER", "NODE", "OWNER", "UNIT", "Reach", "ScopeSpec"]

# --- the table ---------------------------------------------------------------------------------

NODE_REACH, UNIT_REACH, LEADER_REACH, OWNER_REACH = (Reach(k) for k in KINDS)

# Each role's usual way to rows (used when an app declares an action without a reach).
DEFAULT_REACH: dict[str, Reach] = {
    Role.STREET_ADMIN: NODE_REACH,
    Role.CADRE: NODE_REACH,
    Role.GRID_WORKER: NODE_REACH,
    Role.UNIT_STAFF: UNIT_REACH,
    Role.BUILDING_LEADER: LEADER_REACH,
    Role.VOLUNTEER: OWNER_REACH,
    Role.RESIDENT: OWNER_REACH,
}
NODE_ROLES = (Role.STREET_ADMIN, Role.CADRE, Role.GRID_WORKER)

_TABLE: dict[str, dict[str, Reach]] = {role: {} for role in Role.values}


def declare(table: Mapping[str, Mapping[str, Reach | None] | Iterable[str]]) -> None:
    """Add an app's actions: ``{role: {action: reach}}`` (``None`` or a bare list of
    actions: the role's usual reach). Declaring the same (role, action) twice with a
    different reach is a programming error."""
    for role, actions in table.items():
        entries = actions.items() if isinstance(actions, Mapping) else ((a, None) for a in actions)
        for action, reach in entries:
            reach = reach or DEFAULT_REACH[role]
            known = _TABLE[role].get(action)
            if known is not None and known != reach:
                raise ValueError(f"{role}/{action} declared twice: {known} and {reach}")
            _TABLE[role][action] = reach


def role_actions(role: str) -> frozenset[str]:
    return frozenset(_TABLE.get(role, {}))


def reach_of(role: str, action: str) -> Reach | None:
    return _TABLE.get(role, {}).get(action)


# House-wide actions: the tree, roles, personal data and audit.
PLACES_VIEW = "places.view"  # grid nodes, compounds, buildings, facilities, units
VIEW_PII = "view_pii"  # may unmask ID numbers and phones (each unmasking is logged)
VIEW_HEALTH_TAGS = "view_health_tags"  # disability, health, home quarantine
VIEW_PARTY_TAGS = "view_party_tags"  # party membership
GRIDS_EDIT = "grids.edit"
ROLES_MANAGE = "accounts.manage_roles"
AUDIT_VIEW = "audit.view"  # change history and the personal-data access log
JOBS_VIEW = "jobs.view"  # the background jobs: when they last ran, their counts and errors

declare(
    {
        Role.STREET_ADMIN: [
            PLACES_VIEW,
            VIEW_PII,
            VIEW_HEALTH_TAGS,
            VIEW_PARTY_TAGS,
            GRIDS_EDIT,
            ROLES_MANAGE,
            AUDIT_VIEW,
            JOBS_VIEW,
        ],
        Role.CADRE: [
            PLACES_VIEW,
            VIEW_PII,
            VIEW_HEALTH_TAGS,
            VIEW_PARTY_TAGS,
            AUDIT_VIEW,
        ],
        Role.GRID_WORKER: [
            PLACES_VIEW,
            VIEW_HEALTH_TAGS,
        ],
        Role.BUILDING_LEADER: [PLACES_VIEW],
        Role.UNIT_STAFF: [PLACES_VIEW],
    }
)


# --- grants ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    """A role the actor holds on a node; from ``grants_for`` it also carries the ``reach``
    of that role for the action asked about."""

    role: str
    street_id: int
    node_id: int
    node_path: str
    unit_id: int | None
    reach: Reach | None = None

    @property
    def kind(self) -> str:
        return self.reach.kind if self.reach else DEFAULT_REACH[self.role].kind


def grants(actor) -> list[Grant]:
    """The actor's role grants, loaded once per user object (i.e. once per request)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return []
    cached = getattr(actor, "_linli_grants", None)
    if cached is None:
        cached, actor._linli_subtrees = _load_grants(actor.pk)
        actor._linli_grants = cached
    return cached


def _load_grants(user_id: int) -> tuple[list[Grant], dict[str, list[int]]]:
    """The user's grants and, for each granted node, the ids of the nodes under it, in
    one query: scopes become ``grid IN (ids)`` without a second round trip."""
    qn = connection.ops.quote_name
    assignment, node = qn(StaffAssignment._meta.db_table), qn(GridNode._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT a.role, a.street_id, a.node_id, n.path, a.unit_id, sub.id "
            f"FROM {assignment} a JOIN {node} n ON n.id = a.node_id "
            f"JOIN {node} sub ON sub.path LIKE n.path || '%%' "
            f"WHERE a.user_id = %s ORDER BY a.id, sub.id",
            [user_id],
        )
        rows = cursor.fetchall()
    found: dict[Grant, None] = {}
    subtrees: dict[str, list[int]] = {}
    for role, street_id, node_id, path, unit_id, below in rows:
        found[Grant(role, street_id, node_id, path, unit_id)] = None
        subtrees.setdefault(path, [])
        if below not in subtrees[path]:
            subtrees[path].append(below)
    return list(found), subtrees


def grants_for(actor, action: str, *, kind: str | None = None) -> list[Grant]:
    """The actor's grants that hold ``action`` (each with its reach), optionally of one kind."""
    out = []
    for g in grants(actor):
        reach = reach_of(g.role, action)
        if reach is not None and (kind is None or reach.kind == kind):
            out.append(replace(g, reach=reach))
    return out


def can(actor, action: str) -> bool:
    """Whether any of the actor's roles allows the action somewhere (no row check)."""
    return bool(grants_for(actor, action))


def kinds(actor, action: str) -> set[str]:
    """How the actor reaches rows for ``action``: a subset of node, unit, leader, owner."""
    return {g.kind for g in grants_for(actor, action)}


def streets(actor, action: str | None = None) -> set[int]:
    chosen = grants(actor) if action is None else grants_for(actor, action)
    return {g.street_id for g in chosen}


def require(actor, action: str) -> None:
    """Refuse with 404 when no role of the actor allows the action anywhere."""
    if not can(actor, action):
        raise Http404


# --- querysets -------------------------------------------------------------------------------


def _join(path: str | None, field: str) -> str:
    return f"{path}__{field}" if path else field


def spec_of(model: type[models.Model]) -> ScopeSpec:
    """The ``ScopeSpec`` a scoped model declares as its ``scope`` attribute."""
    return model.scope  # type: ignore[attr-defined]


def _has_street(model: type[models.Model]) -> bool:
    return any(f.name == "street" for f in model._meta.concrete_fields)


def _crosses_many(model: type[models.Model], path: str) -> bool:
    current: Any = model
    for name in path.split("__") if path else []:
        f = current._meta.get_field(name)
        if f.many_to_many or f.one_to_many:
            return True
        current = f.related_model
    return False


def subtree_ids(actor, node_path: str) -> list[int]:
    """Ids of the grid nodes under one of the actor's granted nodes (itself included),
    loaded with the grants."""
    grants(actor)
    return actor._linli_subtrees[node_path]


def under_grant(actor, g: Grant, field: str = "grid") -> Q:
    """Rows of ``g``'s street whose ``field`` lies under its node (the street alone for a
    grant on the street): a queue or a count built per grant."""
    street = Q(street_id=g.street_id)
    if g.node_id == g.street_id:
        return street
    return street & Q(**{f"{field}__in": subtree_ids(actor, g.node_path)})


def within(field: str, node: GridNode) -> Q:
    """Rows whose ``field`` (a foreign key to a grid node) lies in ``node``'s subtree.

    Said as ``field IN (the subtree's ids)`` — a handful of ids — rather than a join on the
    node's path, so the (street, grid, …) indexes serve every list and count."""
    ids = getattr(node, "_subtree_ids", None)
    if ids is None:
        ids = list(GridNode.objects.filter(path__startswith=node.path).values_list("pk", flat=True))
        node._subtree_ids = ids
    return Q(**{f"{field}__in": ids})


def _grant_q(model: type[models.Model], rule: Rule, g: Grant, actor) -> Q:
    """The rows of ``model`` one grant reaches through ``rule`` (street filter excluded)."""
    if rule.kind == NODE:
        whole_street = g.node_id == g.street_id and _has_street(model)
        if rule.path is None or (rule.path and whole_street):
            condition = Q()  # the whole street: the street filter says it all
        elif rule.path:
            condition = Q(**{f"{rule.path}__in": subtree_ids(actor, g.node_path)})
        else:  # the row is a node itself
            condition = Q(path__startswith=g.node_path)
    elif rule.kind == UNIT:
        condition = Q(**{_join(rule.path, "id"): g.unit_id})
    else:  # leader, owner: the row names the user
        condition = Q(**{_join(rule.path, "id"): actor.pk})
    where = Q(**dict(rule.where)) if rule.where else Q()
    if rule.path and _crosses_many(model, rule.path):
        # One semi-join: the outer query never repeats rows and never needs DISTINCT.
        return Q(pk__in=model._default_manager.filter(condition & where).values("pk"))
    return condition & where


def scope_q(actor, model: type[models.Model], action: str) -> Q | None:
    """A Q selecting the rows of ``model`` the actor may act on, or None for no rows at all."""
    spec = spec_of(model)
    parts: list[Q] = []
    street = _has_street(model)
    for g in grants_for(actor, action):
        rule = spec.rule(g.reach)
        if rule is None or (rule.kind == UNIT and g.unit_id is None):
            continue
        part = _grant_q(model, rule, g, actor)
        parts.append(Q(street_id=g.street_id) & part if street else part)
    if not parts:
        return None
    combined = parts[0]
    for part in parts[1:]:
        combined |= part
    return combined


def filter_to_scope(qs: QuerySet, actor, action: str) -> QuerySet:
    """Restrict a queryset to what the actor may act on; the street filter comes first."""
    q = scope_q(actor, qs.model, action)
    if q is None:
        return qs.none()
    if _has_street(qs.model):
        qs = qs.filter(street_id__in=streets(actor, action))
    return qs.filter(q)


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
    return allows(actor, action, obj)


# --- one loaded row --------------------------------------------------------------------------


def _walk(obj: models.Model, rule: Rule) -> list:
    """The objects at the end of ``rule.path`` from ``obj`` that satisfy ``rule.where``.

    Follows loaded relations where they are (``select_related`` / ``prefetch_related``
    caches), so a page that loaded what it shows asks the database nothing more.
    """
    conditions = dict(rule.where)
    current = [obj]
    walked = ""
    for name in rule.path.split("__") if rule.path else []:
        current = [x for x in current if _holds(x, conditions, walked)]
        walked = _join(walked, name)
        following: list = []
        for x in current:
            try:
                value = getattr(x, name)
            except ObjectDoesNotExist:  # an empty reverse one-to-one
                continue
            if isinstance(value, models.Manager):
                following.extend(value.all())
            elif value is not None:
                following.append(value)
        current = following
    return [x for x in current if _holds(x, conditions, walked)]


def _holds(obj, conditions: dict[str, Any], at: str) -> bool:
    """Whether ``obj`` (reached by the path ``at``) meets the conditions that name its own
    fields: ``{"assignments__active": True}`` applies at ``assignments``."""
    prefix = f"{at}__" if at else ""
    for key, expected in conditions.items():
        if not key.startswith(prefix):
            continue
        rest = key[len(prefix) :]
        if "__" not in rest and getattr(obj, rest) != expected:
            return False
    return True


def _reaches(obj: models.Model, rule: Rule, g: Grant, actor) -> bool:
    if rule.kind == NODE and rule.path is None:
        return _holds(obj, dict(rule.where), "")
    ends = _walk(obj, rule)
    if rule.kind == NODE:
        return any(end.path.startswith(g.node_path) for end in ends)
    if rule.kind == UNIT:
        return g.unit_id is not None and any(end.pk == g.unit_id for end in ends)
    return any(end.pk == actor.pk for end in ends)


def grants_on(actor, action: str, obj: models.Model) -> list[Grant]:
    """The actor's grants for ``action`` that reach this loaded row (no query when the
    row's paths are loaded; to-many paths use their prefetch cache or one query)."""
    spec = spec_of(type(obj))
    street_id = getattr(obj, "street_id", None)
    out = []
    for g in grants_for(actor, action):
        if street_id is not None and g.street_id != street_id:
            continue
        rule = spec.rule(g.reach)
        if rule is not None and _reaches(obj, rule, g, actor):
            out.append(g)
    return out


def allows(actor, action: str, obj: models.Model) -> bool:
    """Whether the actor may do ``action`` on this loaded row."""
    return bool(grants_on(actor, action, obj))


def acting_role(actor, action: str, obj: models.Model) -> str:
    """The role the actor acts in on this row, for timelines: the deepest node grant wins,
    then a unit, a building leader, an owner."""
    found = grants_on(actor, action, obj)
    if not found:
        return ""
    order = {NODE: 0, UNIT: 1, LEADER: 2, OWNER: 3}
    found.sort(key=lambda g: (order[g.kind], -len(g.node_path)))
    return found[0].role


def authorize(actor, row: models.Model, transition) -> str | None:
    """The workflow kit's permission check (``core.workflow.Machine``): the role the actor
    acts in when taking ``transition`` on ``row``, or None when they may not."""
    return acting_role(actor, transition.permission, row) or None
