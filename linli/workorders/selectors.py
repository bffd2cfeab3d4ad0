"""Reads of work orders. Every user-visible read starts from the scope filter.

* ``workorder_list`` (filters), ``workorder_queue`` (what waits for this actor),
  ``overdue_list``, ``workorder_detail`` (timeline, photos, units and the
  actions allowed for this user now), ``household_workorders`` (一户一档),
  ``duplicate_suggestions`` / ``duplicate_candidates`` (possible duplicates of an order,
  filed or ``unfiled_order``),
  ``suggest_handler`` (default unit for dispatch), ``categories``.
* ``workorder_metrics`` (综合评价) lives in ``metrics.py`` and is re-exported here.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.errors import InvalidInput
from linli.core.workflow import Transition
from linli.grids import permissions as perms
from linli.grids.models import HANDLING_KINDS, GridNode, NodeKind, Role, Unit, UnitKind
from linli.registry.models import Building, Compound, Dwelling, Household, Resident

from . import permissions as p
from .machine import MACHINE
from .metrics import MetricsRow, workorder_metrics  # noqa: F401  (re-exported)
from .models import Category, HandlerKind, WorkOrder, WorkOrderEvent, WorkOrderUnit
from .workflow import OPEN, Level, Status

LIST_RELATED = ("category", "grid", "lead_unit")
# Fetched as separate small queries: joining them all costs PostgreSQL more planning
# time than the prefetches cost in execution.
LIST_PREFETCH = (
    "reporter_resident",
    "dwelling__entrance__building__compound",
    "building__compound",
    "compound",
)


def _visible(actor) -> QuerySet:
    """Orders in the actor's view scope (the scope engine's own Q), without DISTINCT.

    Only the unit path (``assignments__unit``) crosses a to-many relation; for
    actors without a unit grant the engine's Q is applied directly, and for unit
    staff it stays in a semi-join subquery, so lists never sort and de-duplicate
    wide joined rows.
    """
    q = perms.scope_q(actor, WorkOrder, p.VIEW)
    if q is None:
        return WorkOrder.objects.none()
    if perms.UNIT not in perms.kinds(actor, p.VIEW):
        return WorkOrder.objects.filter(q, street_id__in=perms.streets(actor, p.VIEW))
    ids = perms.filter_to_scope(WorkOrder.objects.all(), actor, p.VIEW).order_by().values("pk")
    return WorkOrder.objects.filter(pk__in=ids)


@dataclass
class WorkOrderFilters:
    """List filters; every field optional. ``node`` is any grid node (its subtree is included)."""

    node: GridNode | None = None
    category: Category | None = None
    status: str | None = None
    open_only: bool = False
    unit: Unit | None = None
    channel: str | None = None
    created_from: dt.date | None = None
    created_to: dt.date | None = None  # inclusive
    overdue: bool = False
    number: str = ""


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def workorder_list(*, actor, filters: WorkOrderFilters | None = None) -> QuerySet:
    """Orders the actor may see, filtered, newest first, with list relations loaded."""
    f = filters or WorkOrderFilters()
    qs = _visible(actor)
    if f.node is not None:
        qs = qs.filter(perms.within("grid", f.node))
    if f.category is not None:
        qs = qs.filter(Q(category=f.category) | Q(category__parent=f.category))
    if f.status:
        qs = qs.filter(status=f.status)
    if f.open_only:
        qs = qs.filter(status__in=OPEN)
    if f.unit is not None:
        qs = qs.filter(pk__in=WorkOrderUnit.objects.filter(unit=f.unit).values("order_id"))
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.created_from:
        qs = qs.filter(created_at__gte=_day_start(f.created_from))
    if f.created_to:
        qs = qs.filter(created_at__lt=_day_start(f.created_to + dt.timedelta(days=1)))
    if f.overdue:
        qs = qs.filter(status__in=OPEN, resolve_due__lt=timezone.now())
    if f.number:
        qs = qs.filter(number__icontains=f.number.strip())
    return (
        qs.select_related(*LIST_RELATED)
        .prefetch_related(*LIST_PREFETCH)
        .order_by("-created_at", "-id")
    )


# Statuses in which node staff have the next move (verify, dispatch, check, close ...).
_STAFF_MOVES = {
    Status.ACCEPTED,
    Status.VERIFIED,
    Status.RETURNED,
    Status.REPORTED_DONE,
    Status.FOLLOWED_UP,
    Status.CHECKED,
}
_ROLE_LEVEL = {Role.GRID_WORKER: Level.GRID, Role.CADRE: Level.NEIGHBOURHOOD}


def workorder_queue(*, actor) -> QuerySet:
    """What waits for this actor, most urgent deadline first.

    * grid workers: open orders of their grids where staff move next, plus in-house work;
    * cadres: orders escalated to the neighbourhood or above, plus in-house work;
    * street admins: orders escalated to the street or above;
    * unit staff: orders actively dispatched to their unit, not yet reported done;
    * residents: their own open requests.
    """
    parts = Q(pk__in=[])
    for g in perms.grants_for(actor, p.VIEW):
        street = Q(street_id=g.street_id)
        if g.kind == perms.NODE:
            in_node = perms.under_grant(actor, g)
            if g.role == Role.GRID_WORKER:
                parts |= in_node & (
                    Q(status__in=_STAFF_MOVES)
                    | Q(in_house=True, status__in=[Status.DISPATCHED, Status.IN_PROGRESS])
                )
            elif g.role == Role.CADRE:
                parts |= in_node & (
                    Q(escalation_level__gte=Level.NEIGHBOURHOOD, status__in=OPEN)
                    | Q(in_house=True, status__in=[Status.DISPATCHED, Status.IN_PROGRESS])
                )
            else:
                parts |= in_node & Q(escalation_level__gte=Level.STREET, status__in=OPEN)
        elif g.kind == perms.UNIT and g.unit_id:
            parts |= street & Q(
                pk__in=WorkOrderUnit.objects.filter(unit_id=g.unit_id, active=True).values(
                    "order_id"
                ),
                status__in=[Status.DISPATCHED, Status.IN_PROGRESS],
            )
        elif g.kind == perms.OWNER:
            parts |= street & Q(reporter_user_id=actor.pk, status__in=OPEN)
    return (
        WorkOrder.objects.filter(parts)
        .select_related(*LIST_RELATED)
        .prefetch_related(*LIST_PREFETCH)
        .order_by("resolve_due", "id")
    )


def overdue_list(*, actor, now: dt.datetime | None = None) -> QuerySet:
    """Open orders past their resolution deadline, in the actor's scope, oldest deadline first."""
    return (
        _visible(actor)
        .filter(status__in=OPEN, resolve_due__lt=now or timezone.now())
        .select_related(*LIST_RELATED)
        .prefetch_related(*LIST_PREFETCH)
        .order_by("resolve_due", "id")
    )


@dataclass
class WorkOrderDetail:
    """One order as one viewer sees it; also the action registry's context (``row``,
    ``actions``, ``owner_view``)."""

    order: WorkOrder
    events: list[WorkOrderEvent]
    photos: list
    assignments: list[WorkOrderUnit]
    actions: list[Transition]  # what this user may do now: render one button each
    duplicates: list[WorkOrder] = field(default_factory=list)  # requests merged into this one
    resident_view: bool = False  # True: show the plain-language public timeline only
    viewer: object = None

    @property
    def row(self) -> WorkOrder:
        return self.order

    @property
    def owner_view(self) -> bool:
        return self.resident_view

    @property
    def action_names(self) -> list[str]:
        return [t.name for t in self.actions]

    @cached_property
    def merge_candidates(self) -> list[tuple[WorkOrder, float]]:
        """Open look-alikes the viewer may merge this order into."""
        return duplicate_candidates(actor=self.viewer, order=self.order)


def workorder_get(*, actor, pk: int) -> WorkOrder:
    """One order in the actor's scope (Http404 when missing or not theirs)."""
    order = (
        _visible(actor)
        .filter(pk=pk)
        .select_related(*LIST_RELATED, "merged_into")
        .prefetch_related(*LIST_PREFETCH)
        .first()
    )
    if order is None:
        raise Http404
    return order


def workorder_detail(*, actor, pk: int) -> WorkOrderDetail:
    """The order, its timeline and photos, units, and the actions allowed for this user now.

    Residents (reaching the order only as its reporter) see the public events only.
    """
    order = workorder_get(actor=actor, pk=pk)
    staff_like = any(
        g.kind in (perms.NODE, perms.UNIT)
        for g in perms.grants_for(actor, p.VIEW)
        if g.street_id == order.street_id
    )
    timeline = order.events.select_related("actor").order_by("at", "id")
    if not staff_like:
        timeline = timeline.filter(public=True)
    events = list(timeline)
    photos = list(order.photos.filter(event_id__in=[e.pk for e in events]).order_by("id"))
    by_event: dict[int, list] = {}
    for photo in photos:
        by_event.setdefault(photo.event_id, []).append(photo)
    for e in events:
        e.photo_list = by_event.get(e.pk, [])
    # Prefetched, so the scope engine reads who serves the order from here (no query per action).
    units = WorkOrderUnit.objects.select_related("unit").order_by("-active", "id")
    prefetch_related_objects([order], Prefetch("assignments", queryset=units))
    assignments = list(order.assignments.all())
    return WorkOrderDetail(
        order=order,
        events=events,
        photos=photos,
        assignments=assignments,
        actions=MACHINE.allowed(actor, order),
        duplicates=list(order.duplicates.order_by("id")) if staff_like else [],
        resident_view=not staff_like,
        viewer=actor,
    )


def household_workorders(*, actor, household: Household) -> QuerySet:
    """Requests about the household's dwelling or made by its members (for the household file).

    Two lookups, each on its own index, combined by ``UNION``: one ``OR`` across the join
    to the reporting resident left PostgreSQL no index to use, and it read every order of
    the viewer's scope (300 ms for a grid of 300,000 orders)."""
    street_orders = WorkOrder.objects.filter(street_id=household.street_id).order_by()
    about_home = street_orders.filter(dwelling_id=household.dwelling_id).values("pk")
    members = Resident.objects.filter(household_id=household.pk).values("pk")
    by_members = street_orders.filter(reporter_resident__in=members).values("pk")
    return (
        _visible(actor)
        .filter(pk__in=about_home.union(by_members))
        .select_related(*LIST_RELATED)
        .prefetch_related(*LIST_PREFETCH)
        .order_by("-created_at", "-id")
    )


# --- duplicates ------------------------------------------------------------------------------


# Whitespace (any, as str.split() sees it: \s is the same Unicode class) and punctuation.
_IGNORED = re.compile(r"[\s，。、！？,.!?；;：:]+")


def _bigrams(text: str) -> set[str]:
    chars = _IGNORED.sub("", text.lower())  # one regex pass: str.translate is slow on CJK
    if len(chars) < 2:
        return set(chars)
    return set(map(operator.add, chars, chars[1:]))


def _jaccard(x: set[str], y: set[str]) -> float:
    if not x or not y:
        return 0.0
    shared = len(x & y)
    return shared / (len(x) + len(y) - shared)  # |x ∪ y| without building the union


@dataclass(frozen=True)
class DuplicateSuggestion:
    pk: int
    number: str
    score: float  # 0..1


def duplicate_suggestions(
    *, actor, order: WorkOrder, days: int | None = None, limit: int = 5
) -> list[DuplicateSuggestion]:
    """Open requests that look like ``order``: same category, same compound (or grid for
    free-text locations), received within ``days`` (LINLI_WO_DUPLICATE_DAYS,
    default 7) before it, with similar text. Scored 0..1, best first; only orders the actor
    may see. A shared building or dwelling raises the score of texts that overlap at all.

    One query: the (up to 100) newest candidates are scored from five columns, never
    built as model instances (a busy place can have hundreds of open look-alikes).
    """
    days = days if days is not None else int(getattr(settings, "LINLI_WO_DUPLICATE_DAYS", 7))
    # A building or dwelling always comes with its compound, so the compound covers them.
    place = Q(compound_id=order.compound_id) if order.compound_id else Q(grid_id=order.grid_id)
    # One filter() call: each further one copies the whole query, and this runs per intake.
    newest = (
        _visible(actor)
        .filter(
            place,
            ~Q(pk=order.pk),
            street_id=order.street_id,
            category_id=order.category_id,
            status__in=OPEN,
            created_at__gte=order.created_at - dt.timedelta(days=days),
            created_at__lte=order.created_at + dt.timedelta(days=days),
            merged_into__isnull=True,
        )
        .order_by("-created_at")
        .values_list("pk", "number", "description", "building_id", "dwelling_id")[:100]
    )
    mine = _bigrams(order.description)
    scored = []
    for pk, number, description, building_id, dwelling_id in newest:
        score = _jaccard(mine, _bigrams(description))
        if score < 0.1:
            continue  # same place, different problem
        if order.building_id and building_id == order.building_id:
            score += 0.2
        if order.dwelling_id and dwelling_id == order.dwelling_id:
            score += 0.2
        score = min(score, 1.0)
        if score >= 0.3:
            scored.append(DuplicateSuggestion(pk, number, round(score, 2)))
    scored.sort(key=lambda s: (-s.score, -s.pk))
    return scored[:limit]


def unfiled_order(*, category: Category, description: str, place: Place) -> WorkOrder:
    """A request being typed, not yet filed: what ``duplicate_suggestions`` compares, so
    look-alikes can be shown before a duplicate is created."""
    return WorkOrder(
        street_id=category.street_id,
        grid=place.grid,
        dwelling=place.dwelling,
        building=place.building,
        compound=place.compound,
        category=category,
        description=description,
        created_at=timezone.now(),
    )


def duplicate_candidates(
    *, actor, order: WorkOrder, days: int | None = None, limit: int = 5
) -> list[tuple[WorkOrder, float]]:
    """``duplicate_suggestions`` as (order with its list relations, score) pairs, for pages."""
    best = duplicate_suggestions(actor=actor, order=order, days=days, limit=limit)
    if not best:
        return []
    rows = WorkOrder.objects.select_related(*LIST_RELATED).prefetch_related(*LIST_PREFETCH)
    found = rows.in_bulk([s.pk for s in best])
    return [(found[s.pk], s.score) for s in best]


# --- routing ---------------------------------------------------------------------------------

_HANDLER_UNIT_KINDS = {
    HandlerKind.MUNICIPAL: [UnitKind.MUNICIPAL],
    HandlerKind.CITY_MANAGEMENT: [UnitKind.DEPARTMENT],
    HandlerKind.POLICE: [UnitKind.DEPARTMENT],
    HandlerKind.VOLUNTEER_TEAM: [UnitKind.VOLUNTEER_TEAM],
}


@dataclass(frozen=True)
class HandlerSuggestion:
    unit: Unit | None
    in_house: bool
    volunteer_order_possible: bool  # a job inside a dwelling: may become a volunteer order


def suggest_handler(order: WorkOrder) -> HandlerSuggestion:
    """Default handler for dispatch from the category and the place.

    Property-company categories go to the compound's property company (an open
    compound without one is handled by the neighbourhood). A job inside a
    dwelling in a category that is not a public-area job is flagged
    ``volunteer_order_possible``: it may become a volunteer order instead.
    """
    cat = order.category
    inside = order.dwelling_id is not None and not cat.public_area
    if cat.handler_kind == HandlerKind.PROPERTY_COMPANY:
        compound = order.compound
        if compound is not None and compound.property_company_id:
            return HandlerSuggestion(compound.property_company, False, inside)
        # No property management (无物业): the neighbourhood organises it itself.
        return HandlerSuggestion(cat.default_unit, cat.default_unit is None, inside)
    if cat.handler_kind == HandlerKind.NEIGHBOURHOOD:
        return HandlerSuggestion(None, True, inside)
    if cat.default_unit_id:
        return HandlerSuggestion(cat.default_unit, False, inside)
    kinds = _HANDLER_UNIT_KINDS.get(HandlerKind(cat.handler_kind), [])
    unit = Unit.objects.filter(street_id=order.street_id, kind__in=kinds).order_by("id").first()
    return HandlerSuggestion(unit, unit is None, inside)


def dispatch_units(order: WorkOrder) -> list[tuple[Any, list[Unit]]]:
    """The units a dispatcher may choose for ``order``, in groups (label, units): the
    compound's own property company first, then the street's units that handle requests,
    by kind (shops and rental sites are not among them)."""
    units = list(
        Unit.objects.filter(street_id=order.street_id, kind__in=HANDLING_KINDS).order_by(
            "kind", "name"
        )
    )
    own_pk = order.compound.property_company_id if order.compound is not None else None
    groups: list[tuple[Any, list[Unit]]] = []
    own = [u for u in units if u.pk == own_pk]
    if own:
        groups.append((_("This compound's property company"), own))
    for kind in UnitKind:
        members = [u for u in units if u.kind == kind and u.pk != own_pk]
        if members:
            groups.append((kind.label, members))
    return groups


def escalation_departments(order: WorkOrder) -> list[tuple[Any, list[Unit]]]:
    """The departments an order can be escalated to beyond the street."""
    return [
        (label, units)
        for label, units in dispatch_units(order)
        if units[0].kind in (UnitKind.DEPARTMENT, UnitKind.MUNICIPAL)
    ]


def categories(*, street_id: int, active_only: bool = True) -> QuerySet:
    qs = Category.objects.filter(street_id=street_id)
    if active_only:
        qs = qs.filter(active=True)
    return qs.select_related("parent", "default_unit").order_by("order", "id")


# --- references named by id in forms and the API ---------------------------------------------

_REF_MODELS: dict[str, type[models.Model]] = {
    "category": Category,
    "dwelling": Dwelling,
    "building": Building,
    "compound": Compound,
    "grid": GridNode,
    "reporter_resident": Resident,
    "lead_unit": Unit,
    "co_units": Unit,
    "unit": Unit,
}


# What intake derives the place from (grid, building, compound): loaded with the reference
# so the service need not read the row again.
PLACE_RELATED = {
    "dwelling": ("grid", "entrance__building__compound"),
    "building": ("grid", "compound"),
    "compound": ("grid",),
}


def resolve_refs(*, actor, **ids) -> dict:
    """Turn ``field=id`` (or a list of ids) into rows of the actor's own streets.

    A missing id or one from another street raises ``InvalidInput`` naming the
    field; the services then apply the finer scope rules (grid, own dwelling).
    Places come with what intake needs of them (``PLACE_RELATED``).
    """
    allowed = perms.streets(actor)
    out: dict = {}
    for name, value in ids.items():
        if value in (None, "", []):
            out[name] = [] if isinstance(value, list) else None
            continue
        model = _REF_MODELS[name]
        wanted = value if isinstance(value, list) else [value]
        qs = model._default_manager.filter(pk__in=wanted, street_id__in=allowed).order_by()
        related = PLACE_RELATED.get(name)
        if related:  # (select_related() with no names would join every foreign key)
            qs = qs.select_related(*related).defer("grid__boundary")  # GeoJSON: unused here
        rows = {r.pk: r for r in qs}
        missing = [v for v in wanted if v not in rows]
        if missing:
            raise InvalidInput(
                _("%(field)s %(id)s does not exist.") % {"field": name, "id": missing[0]},
                field=name,
            )
        out[name] = [rows[v] for v in wanted] if isinstance(value, list) else rows[value]
    return out


@dataclass(frozen=True)
class Place:
    grid: GridNode
    dwelling: Dwelling | None
    building: Building | None
    compound: Compound | None


def _loaded(obj, path: str) -> bool:
    """Whether the relation ``path`` (``a__b``) is already loaded on ``obj``."""
    for name in path.split("__"):
        if obj is None:
            return True
        if not obj._meta.get_field(name).is_cached(obj):
            return False
        obj = getattr(obj, name)
    return True


def _with_related(obj, *paths: str):
    """``obj`` with ``paths`` loaded: itself when the caller already loaded them (the API's
    ``resolve_refs`` does), else read again with them."""
    if all(_loaded(obj, path) for path in paths):
        return obj
    return type(obj).objects.select_related(*paths).get(pk=obj.pk)


def resolve_place(
    *,
    dwelling: Dwelling | None = None,
    building: Building | None = None,
    compound: Compound | None = None,
    grid: GridNode | None = None,
) -> Place:
    """Derive grid, building and compound from the most precise location given."""
    if dwelling is not None:
        dwelling = _with_related(dwelling, *PLACE_RELATED["dwelling"])
        b = dwelling.entrance.building
        return Place(dwelling.grid, dwelling, b, b.compound)
    if building is not None:
        building = _with_related(building, *PLACE_RELATED["building"])
        return Place(building.grid, None, building, building.compound)
    if compound is not None:
        compound = _with_related(compound, *PLACE_RELATED["compound"])
        return Place(compound.grid, None, None, compound)
    if grid is None:
        raise InvalidInput(
            _("Choose where the problem is: a dwelling, a compound, or a grid with a description."),
            field="location",
        )
    if grid.kind != NodeKind.GRID:
        raise InvalidInput(_("Choose a grid, not a higher node."), field="grid")
    return Place(grid, None, None, None)
