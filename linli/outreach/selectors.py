"""Reads of outreach, each starting from the scope engine.

Coverage is counted, never looped: the visits of a distribution grouped by grid, building
or entrance in one query (households handed over, answered — handed or refused — and
visited at all, each counted once), against the households there: the registry's kept
counts for whole grids (``PlaceCount``), one grouped count of the registry otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.paging import Page, keyset_page
from linli.core.workflow import Transition
from linli.grids import permissions as perms
from linli.grids.models import GridNode, NodeKind, Unit, UnitKind
from linli.registry import counting
from linli.registry import permissions as rp
from linli.registry.models import Building, Entrance, Household, PlaceCount

from . import permissions as p
from .machine import DISTRIBUTIONS, DRILLS
from .models import (
    Distribution,
    DistributionArea,
    DistributionEvent,
    DistributionStatus,
    Drill,
    DrillAttendee,
    DrillEvent,
    DrillKind,
    DrillStatus,
    Outcome,
    Visit,
)

GRID, BUILDING, ENTRANCE = "grid", "building", "entrance"
# How visits and households are grouped at each level.
VISIT_KEY = {
    GRID: "grid_id",
    BUILDING: "household__dwelling__entrance__building_id",
    ENTRANCE: "household__dwelling__entrance_id",
}
HOUSEHOLD_KEY = {
    GRID: "grid_id",
    BUILDING: "dwelling__entrance__building_id",
    ENTRANCE: "dwelling__entrance_id",
}
ANSWERED = (Outcome.HANDED, Outcome.REFUSED)

VERBS = {"create": _("Set up"), "plan": _("Planned"), "edit": _("Changed")}


def label_events(events, workflow) -> None:
    for e in events:
        t = workflow.transitions.get(e.verb)
        e.label = str(t.label) if t else str(VERBS.get(e.verb, e.verb))


# --- coverage -------------------------------------------------------------------------------


@dataclass
class Tally:
    """Households of one place (or of all) for one distribution."""

    key: int | None = None
    label: str = ""
    total: int = 0
    handed: int = 0
    refused: int = 0
    not_home: int = 0  # visited, nobody at home, not yet answered
    quantity: int = 0  # items handed over

    @property
    def reached(self) -> int:
        return self.handed + self.refused

    @property
    def never(self) -> int:
        """Households no one has knocked at yet."""
        return max(self.total - self.reached - self.not_home, 0)

    @property
    def percent(self) -> float:
        """Coverage: households handed over, in per cent of the households."""
        return round(min(self.handed, self.total) * 100 / self.total, 1) if self.total else 0.0

    @property
    def reached_percent(self) -> float:
        return round(min(self.reached, self.total) * 100 / self.total, 1) if self.total else 0.0

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.reached >= self.total

    def add(self, other: Tally) -> None:
        self.total += other.total
        self.handed += other.handed
        self.refused += other.refused
        self.not_home += other.not_home
        self.quantity += other.quantity


@dataclass
class Coverage:
    rows: list[Tally]
    total: Tally
    as_of: dt.datetime | None = None  # when the kept household counts were counted


def scoped_households(actor) -> QuerySet[Household]:
    return perms.filter_to_scope(Household.objects.all(), actor, rp.VIEW)


def area_grid_ids(d: Distribution) -> list[int]:
    return list(DistributionArea.objects.filter(distribution=d).values_list("grid_id", flat=True))


def visible_grids(actor, grid_ids) -> list[GridNode]:
    """The distribution's grids the actor reaches (a grid worker: theirs)."""
    grids = GridNode.objects.filter(pk__in=list(grid_ids))
    return list(perms.filter_to_scope(grids, actor, p.VIEW).order_by("path"))


def _tree_staff(actor) -> bool:
    """The actor reaches households through the tree only (kept counts serve them)."""
    return perms.kinds(actor, rp.VIEW) == {perms.NODE}


def _visit_tallies(actor, visits: QuerySet[Visit], key: str) -> dict:
    """(handed, refused, not at home, quantity) per ``key`` over the visits the actor may see."""
    rows = (
        perms.filter_to_scope(visits, actor, p.HOUSEHOLD)
        .order_by()
        .values(key)
        .annotate(
            handed=Count("household", filter=Q(outcome=Outcome.HANDED), distinct=True),
            answered=Count("household", filter=Q(outcome__in=ANSWERED), distinct=True),
            visited=Count("household", distinct=True),
            quantity=Sum("quantity"),
        )
    )
    return {
        r[key]: (r["handed"], r["answered"] - r["handed"], r["visited"] - r["answered"],
                 r["quantity"] or 0)
        for r in rows
    }  # fmt: skip


def _household_totals(actor, households: QuerySet[Household], key: str) -> dict:
    rows = households.order_by().values(key).annotate(n=Count("id"))
    return {r[key]: r["n"] for r in rows}


def coverage(
    actor, d: Distribution, level: str = GRID, *, grid: GridNode | None = None,
    building: Building | None = None,
) -> Coverage:  # fmt: skip
    """The distribution's coverage at ``level`` (grid, building, entrance), over what the
    actor may see; ``grid`` / ``building`` narrow it to one place."""
    grids = visible_grids(actor, area_grid_ids(d))
    if grid is not None:
        grids = [g for g in grids if g.pk == grid.pk]
    grid_ids = [g.pk for g in grids]
    visits = Visit.objects.filter(distribution=d, grid_id__in=grid_ids)
    households = scoped_households(actor).filter(grid_id__in=grid_ids)
    if building is not None:
        visits = visits.filter(household__dwelling__entrance__building=building)
        households = households.filter(dwelling__entrance__building=building)
    tallies = _visit_tallies(actor, visits, VISIT_KEY[level])
    as_of = None
    if level == GRID and _tree_staff(actor):
        kept = counting.read({g.street_id for g in grids}, PlaceCount.NODE, grid_ids)
        totals = {pk: row.households for pk, row in kept.items()}
        as_of = min((row.as_of for row in kept.values()), default=None)
    else:
        totals = _household_totals(actor, households, HOUSEHOLD_KEY[level])
    labels = _labels(level, set(totals) | set(tallies), grids)
    rows = []
    for key, label in labels:
        handed, refused, not_home, quantity = tallies.get(key, (0, 0, 0, 0))
        rows.append(Tally(key, label, totals.get(key, 0), handed, refused, not_home, quantity))
    total = Tally(label=str(_("All")))
    for row in rows:
        total.add(row)
    return Coverage(rows, total, as_of)


def _labels(level: str, keys: set, grids: list[GridNode]) -> list[tuple[int, str]]:
    """(key, name) of each place, in the order people walk them."""
    if level == GRID:
        return [(g.pk, g.name) for g in grids]
    if level == BUILDING:
        found = Building.objects.filter(pk__in=keys).select_related("compound")
        ordered = sorted(found, key=lambda b: (b.compound.name, _number(b.number)))
        return [(b.pk, f"{b.compound.name} {b.label}") for b in ordered]
    found_e = Entrance.objects.filter(pk__in=keys).select_related("building__compound")
    ordered_e = sorted(
        found_e, key=lambda e: (e.building.compound.name, _number(e.building.number),
                                _number(e.number)),
    )  # fmt: skip
    return [(e.pk, f"{e.building.compound.name} {e.building.label}{e.label}") for e in ordered_e]


def _number(text: str) -> tuple[int, str]:
    digits = "".join(c for c in text if c.isdigit())
    return (int(digits) if digits else 0, text)


def totals_for(actor, distributions: list[Distribution]) -> dict[int, Tally]:
    """Each distribution's overall coverage for the list, in three queries whatever the
    number of distributions (areas, visits grouped by distribution, kept counts)."""
    if not distributions:
        return {}
    ids = [d.pk for d in distributions]
    areas: dict[int, list[int]] = defaultdict(list)
    for d_id, grid_id in DistributionArea.objects.filter(distribution_id__in=ids).values_list(
        "distribution_id", "grid_id"
    ):
        areas[d_id].append(grid_id)
    reach = {g.pk for g in visible_grids(actor, {g for gs in areas.values() for g in gs})}
    tallies = _visit_tallies(
        actor, Visit.objects.filter(distribution_id__in=ids, grid_id__in=reach), "distribution_id"
    )
    if _tree_staff(actor):
        kept = counting.read({d.street_id for d in distributions}, PlaceCount.NODE, list(reach))
        per_grid = {pk: row.households for pk, row in kept.items()}
    else:
        per_grid = _household_totals(
            actor, scoped_households(actor).filter(grid_id__in=reach), "grid_id"
        )
    out = {}
    for d in distributions:
        handed, refused, not_home, quantity = tallies.get(d.pk, (0, 0, 0, 0))
        total = sum(per_grid.get(g, 0) for g in areas[d.pk] if g in reach)
        out[d.pk] = Tally(d.pk, d.name, total, handed, refused, not_home, quantity)
    return out


# --- distributions --------------------------------------------------------------------------


def distributions(actor, *, status: str = "") -> QuerySet[Distribution]:
    qs = perms.filter_to_scope(Distribution.objects.all(), actor, p.VIEW)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-starts_on", "-id")


def recordable(actor) -> list[Distribution]:
    """Running distributions the actor may record handouts for (the phone's first screen)."""
    qs = perms.filter_to_scope(Distribution.objects.all(), actor, p.RECORD)
    return list(qs.filter(status=DistributionStatus.RUNNING).order_by("-starts_on", "-id"))


def distribution_get(actor, pk: int, action: str = p.VIEW) -> Distribution:
    return perms.get_in_scope(Distribution.objects.all(), actor, action, pk=pk)


@dataclass
class DistributionDetail:
    distribution: Distribution
    actions: list[Transition]
    grids: list[GridNode]
    coverage: Coverage
    events: list[DistributionEvent]
    can_manage: bool = False
    can_record: bool = False
    owner_view: bool = False

    @property
    def row(self) -> Distribution:
        return self.distribution


def distribution_detail(*, actor, pk: int) -> DistributionDetail:
    d = distribution_get(actor, pk)
    events = list(d.events.select_related("actor").order_by("at", "id"))
    label_events(events, DISTRIBUTIONS.workflow)
    cov = coverage(actor, d, GRID)
    return DistributionDetail(
        distribution=d,
        actions=DISTRIBUTIONS.allowed(actor, d),
        grids=visible_grids(actor, area_grid_ids(d)),
        coverage=cov,
        events=events,
        can_manage=perms.allows(actor, p.MANAGE, d),
        can_record=d.status == DistributionStatus.RUNNING and perms.allows(actor, p.RECORD, d),
    )


def missing_households(
    actor, d: Distribution, *, grid: int | None = None, building: int | None = None,
    entrance: int | None = None, after: str = "", exact: bool = False,
) -> Page:  # fmt: skip
    """不漏户: households of the distribution's grids (in the actor's scope) that have
    neither received the item nor refused it, by address, a page at a time; each with the
    time of the last visit that found nobody at home."""
    grid_ids = [g.pk for g in visible_grids(actor, area_grid_ids(d))]
    if grid is not None:
        grid_ids = [g for g in grid_ids if g == grid]
    answered = Visit.objects.filter(distribution=d, outcome__in=ANSWERED).values("household_id")
    qs = scoped_households(actor).filter(grid_id__in=grid_ids).exclude(pk__in=answered)
    if building is not None:
        qs = qs.filter(dwelling__entrance__building_id=building)
    if entrance is not None:
        qs = qs.filter(dwelling__entrance_id=entrance)
    last_try = (
        Visit.objects.filter(distribution=d, household_id=OuterRef("pk"))
        .order_by()
        .values("household_id")
        .annotate(last=Max("at"))
        .values("last")
    )
    qs = qs.select_related("dwelling__entrance__building__compound", "grid").annotate(
        last_try=Subquery(last_try)
    )
    return keyset_page(qs, order=("address_key", "id"), after=after, size=50, exact=exact)


# --- at the door (phone) --------------------------------------------------------------------


@dataclass
class DoorRow:
    household: Household
    status: str  # an Outcome value, or "" when no one has knocked yet
    last_at: dt.datetime | None = None
    visits: int = 0


def door_buildings(actor, d: Distribution) -> Coverage:
    """The buildings of the distribution's grids the actor may visit, with their coverage."""
    return coverage(actor, d, BUILDING)


def door_building(actor, d: Distribution, pk: int) -> tuple[Building, Coverage]:
    """One building the actor may visit for ``d``, with its entrances' coverage; 404 else."""
    grid_ids = [g.pk for g in visible_grids(actor, area_grid_ids(d))]
    ok = scoped_households(actor).filter(grid_id__in=grid_ids, dwelling__entrance__building_id=pk)
    building = Building.objects.select_related("compound").filter(pk=pk).first()
    if building is None or not ok.exists():
        raise Http404
    return building, coverage(actor, d, ENTRANCE, building=building)


def door_households(actor, d: Distribution, entrance_pk: int) -> tuple[Entrance, list[DoorRow]]:
    """The households of one entrance the actor may visit for ``d``, each with where it
    stands (handed, refused, nobody at home, not yet): two queries."""
    grid_ids = [g.pk for g in visible_grids(actor, area_grid_ids(d))]
    households = list(
        scoped_households(actor)
        .filter(grid_id__in=grid_ids, dwelling__entrance_id=entrance_pk)
        .select_related("dwelling__entrance__building__compound")
        .order_by("address_key", "id")
    )
    if not households:
        raise Http404
    seen: dict[int, dict[str, tuple[int, dt.datetime]]] = defaultdict(dict)
    for h_id, outcome, n, last in (
        Visit.objects.filter(distribution=d, household_id__in=[h.pk for h in households])
        .order_by()
        .values_list("household_id", "outcome")
        .annotate(n=Count("id"), last=Max("at"))
    ):
        seen[h_id][outcome] = (n, last)
    rows = []
    for h in households:
        outcomes = seen.get(h.pk, {})
        status = next((o for o in (Outcome.HANDED, Outcome.REFUSED, Outcome.NOT_HOME)
                       if o in outcomes), "")  # fmt: skip
        rows.append(
            DoorRow(
                h,
                status,
                max((last for _n, last in outcomes.values()), default=None),
                sum(n for n, _last in outcomes.values()),
            )
        )
    return households[0].dwelling.entrance, rows


def door_household(actor, d: Distribution, pk: int) -> Household:
    grid_ids = area_grid_ids(d)
    return perms.get_in_scope(
        Household.objects.select_related("dwelling__entrance__building__compound").filter(
            grid_id__in=grid_ids
        ),
        actor,
        rp.VIEW,
        pk=pk,
    )


def household_visits(actor, household: Household) -> list[Visit]:
    """What a household received and the visits made to it, as the actor may see them
    (a resident: only what they received)."""
    qs = perms.filter_to_scope(
        Visit.objects.filter(household=household), actor, p.HOUSEHOLD
    ).select_related("distribution", "recipient", "by")
    if perms.NODE not in perms.kinds(actor, p.HOUSEHOLD) and perms.LEADER not in perms.kinds(
        actor, p.HOUSEHOLD
    ):
        qs = qs.filter(outcome=Outcome.HANDED)
    return list(qs.order_by("-at", "-id")[:50])


# --- drills and trainings -------------------------------------------------------------------


def drills(actor, *, status: str = "", kind: str = "", year: int | None = None) -> QuerySet[Drill]:
    qs = perms.filter_to_scope(Drill.objects.all(), actor, p.VIEW)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if year:
        qs = qs.filter(date__year=year)
    return qs.select_related("node").prefetch_related("units")


def upcoming(actor, today: dt.date | None = None) -> list[Drill]:
    """Planned drills from today on, soonest first (the calendar)."""
    today = today or timezone.localdate()
    return list(
        drills(actor, status=DrillStatus.PLANNED)
        .filter(date__gte=today)
        .order_by("date", "id")[:200]
    )


@dataclass
class DrillDetail:
    drill: Drill
    actions: list[Transition]
    events: list[DrillEvent]
    attendees: list[DrillAttendee]
    units: list[Unit]
    can_manage: bool = False
    owner_view: bool = False

    @property
    def row(self) -> Drill:
        return self.drill


def drill_detail(*, actor, pk: int) -> DrillDetail:
    drill = perms.get_in_scope(Drill.objects.select_related("node"), actor, p.VIEW, pk=pk)
    events = list(
        drill.events.select_related("actor").prefetch_related("photos").order_by("at", "id")
    )
    label_events(events, DRILLS.workflow)
    staff = perms.allows(actor, p.HOLD, drill)  # who names attendees sees their names
    attendees = list(drill.attendees.select_related("resident")) if staff else []
    return DrillDetail(
        drill=drill,
        actions=DRILLS.allowed(actor, drill),
        events=events,
        attendees=attendees,
        units=list(drill.units.order_by("name")),
        can_manage=perms.allows(actor, p.MANAGE, drill),
    )


def drill_nodes(actor) -> list[GridNode]:
    """Where the actor may plan a drill: the street, neighbourhoods, grids of their scope."""
    nodes = GridNode.objects.exclude(kind=NodeKind.DISTRICT)
    return list(perms.filter_to_scope(nodes, actor, p.MANAGE).order_by("path"))


def area_nodes(actor) -> list[GridNode]:
    """What a distribution may cover: the neighbourhoods and grids of the actor's scope."""
    nodes = GridNode.objects.filter(kind__in=[NodeKind.NEIGHBOURHOOD, NodeKind.GRID])
    return list(perms.filter_to_scope(nodes, actor, p.MANAGE).order_by("path"))


def enterprises(street_ids) -> list[Unit]:
    return list(
        Unit.objects.filter(street_id__in=list(street_ids), kind=UnitKind.ENTERPRISE).order_by(
            "name"
        )
    )


# --- compliance -----------------------------------------------------------------------------


@dataclass
class GridRow:
    grid: GridNode
    held: int  # fire drills held this year by the grid or a node above it
    needed: int
    last: dt.date | None = None
    next: dt.date | None = None  # the next planned one

    @property
    def ok(self) -> bool:
        return self.held >= self.needed


@dataclass
class UnitRow:
    unit: Unit
    held: int  # drills and trainings held this year that the enterprise took part in
    needed: int
    last: dt.date | None = None

    @property
    def ok(self) -> bool:
        return self.held >= self.needed


def _covers(node_path: str, grid: GridNode) -> bool:
    return grid.path.startswith(node_path)


def grid_compliance(
    street_id: int, year: int, grids: list[GridNode] | None = None
) -> list[GridRow]:
    """Each grid of the street (or ``grids``) and the fire drills it held in ``year``: one
    held by its neighbourhood or the street counts for every grid under it."""
    from .services.drills import rule_for

    needed = rule_for(street_id).grid_fire_drills
    if grids is None:
        grids = list(
            GridNode.objects.filter(street_id=street_id, kind=NodeKind.GRID).order_by("path")
        )
    fire = Drill.objects.filter(street_id=street_id, kind=DrillKind.FIRE_DRILL, date__year=year)
    held = list(fire.filter(status=DrillStatus.HELD).values_list("node__path", "date"))
    planned = list(fire.filter(status=DrillStatus.PLANNED).values_list("node__path", "date"))
    rows = []
    for g in grids:
        mine = [day for path, day in held if _covers(path, g)]
        coming = [day for path, day in planned if _covers(path, g)]
        rows.append(
            GridRow(g, len(mine), needed, max(mine, default=None), min(coming, default=None))
        )
    return rows


def enterprise_compliance(street_id: int, year: int) -> list[UnitRow]:
    from .services.drills import rule_for

    needed = rule_for(street_id).enterprise_trainings
    units = enterprises([street_id])
    through = Drill.units.through.objects.filter(
        drill__street_id=street_id, drill__status=DrillStatus.HELD, drill__date__year=year
    )
    counts = {
        r["unit_id"]: (r["n"], r["last"])
        for r in through.order_by()
        .values("unit_id")
        .annotate(n=Count("id"), last=Max("drill__date"))
    }
    rows = []
    for u in units:
        held, last = counts.get(u.pk, (0, None))
        rows.append(UnitRow(u, held, needed, last))
    return rows


@dataclass
class Compliance:
    year: int
    grids: list[GridRow] = field(default_factory=list)
    units: list[UnitRow] = field(default_factory=list)

    @property
    def grids_ok(self) -> int:
        return sum(1 for r in self.grids if r.ok)

    @property
    def units_ok(self) -> int:
        return sum(1 for r in self.units if r.ok)


def compliance(actor, year: int) -> Compliance:
    """The grids of the actor's scope and, for street-wide staff, the street's enterprises."""
    grids = perms.filter_to_scope(GridNode.objects.filter(kind=NodeKind.GRID), actor, p.MANAGE)
    by_street: dict[int, list[GridNode]] = defaultdict(list)
    for g in grids.order_by("path"):
        by_street[g.street_id].append(g)
    out = Compliance(year)
    for street_id, mine in sorted(by_street.items()):
        out.grids += grid_compliance(street_id, year, mine)
    for street_id in sorted(perms.streets(actor, p.MANAGE)):
        out.units += enterprise_compliance(street_id, year)
    return out
