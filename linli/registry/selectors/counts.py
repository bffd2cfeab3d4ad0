"""Counts per grid node and per compound: households, residents, and each visible tag's
count and share.

The counts only ever include households and residents inside the actor's
``registry.view`` scope, so a role that may see places but not people (property
staff) gets ``None`` instead of numbers. Household tags are a share of households,
resident tags a share of residents; residents who moved out (no household) are
not counted. Sensitive tags appear only for actors allowed to see them.

Staff who reach households through the tree (street admins, cadres, grid workers) read
the figures kept as data (``registry.counting``): a node's figures cover its whole
subtree, which is exactly their scope below it, and ``as_of`` says when they were counted.
Building leaders, whose scope is a few buildings, are counted live: four aggregates over
their scope, whatever the number of places.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from linli.grids import permissions as perms
from linli.grids.models import GridNode
from linli.registry import permissions as rp

from .. import counting
from ..models import (
    Compound,
    Household,
    HouseholdTag,
    PlaceCount,
    Resident,
    ResidentTag,
    Tag,
    TagTarget,
)
from .households import visible_tags


@dataclass(frozen=True)
class TagCount:
    tag: Tag
    count: int
    share: float  # 0..1, of households (household tags) or of residents (resident tags)

    @property
    def percent(self) -> float:
        return round(self.share * 100, 1)


@dataclass
class Counts:
    households: int = 0
    residents: int = 0
    tag_totals: dict[int, int] = field(default_factory=dict)  # tag id → count
    tags: list[TagCount] = field(default_factory=list)  # filled by ``_finish``
    as_of: dt.datetime | None = None  # when kept figures were counted (None: counted now)

    @classmethod
    def kept(cls, row: PlaceCount | None) -> Counts:
        if row is None:
            return cls()
        totals = {int(tag): n for tag, n in row.tags.items()}
        return cls(row.households, row.residents, totals, as_of=row.as_of)

    def add(self, other: Counts) -> None:
        self.households += other.households
        self.residents += other.residents
        for tag_id, n in other.tag_totals.items():
            self.tag_totals[tag_id] = self.tag_totals.get(tag_id, 0) + n


def _share(count: int, base: int) -> float:
    return count / base if base else 0.0


def _finish(counts: Counts, tags: Iterable[Tag]) -> Counts:
    counts.tags = [
        TagCount(
            tag=tag,
            count=counts.tag_totals.get(tag.pk, 0),
            share=_share(
                counts.tag_totals.get(tag.pk, 0),
                counts.households if tag.target == TagTarget.HOUSEHOLD else counts.residents,
            ),
        )
        for tag in tags
    ]
    return counts


def _scoped(actor) -> tuple[QuerySet[Household], QuerySet[Resident]] | None:
    if not perms.can(actor, rp.VIEW):
        return None
    households = perms.filter_to_scope(Household.objects.all(), actor, rp.VIEW)
    residents = perms.filter_to_scope(
        Resident.objects.filter(household__isnull=False), actor, rp.VIEW
    )
    return households, residents


def _any_of(conditions: list[dict], prefix: str = "") -> Q:
    combined = Q()
    for cond in conditions:
        combined |= Q(**{f"{prefix}{k}": v for k, v in cond.items()})
    return combined


def _grouped(actor, key: str, restrict: list[dict]) -> tuple[dict, list[Tag]] | None:
    """Raw counts grouped by ``key`` (a household path such as ``grid__path``), over the
    households matching any of the ``restrict`` lookups.

    Four aggregate queries (households, residents, household tags, resident tags)
    plus one for the visible tags, whatever the number of groups.
    """
    scoped = _scoped(actor)
    if scoped is None:
        return None
    households, residents = scoped
    households = households.filter(_any_of(restrict))
    residents = residents.filter(_any_of(restrict, "household__"))
    street_ids = perms.streets(actor, rp.VIEW)
    tags = list(visible_tags(actor, street_ids))
    tag_ids = [t.pk for t in tags]
    out: dict = defaultdict(Counts)
    for row in households.order_by().values(key).annotate(n=Count("id", distinct=True)):
        out[row[key]].households = row["n"]
    for row in (
        residents.order_by().values(f"household__{key}").annotate(n=Count("id", distinct=True))
    ):
        out[row[f"household__{key}"]].residents = row["n"]
    hh_tags = (
        HouseholdTag.objects.filter(tag_id__in=tag_ids, household_id__in=households.values("id"))
        .order_by()
        .values(f"household__{key}", "tag_id")
        .annotate(n=Count("id"))
    )
    for row in hh_tags:
        out[row[f"household__{key}"]].tag_totals[row["tag_id"]] = row["n"]
    res_tags = (
        ResidentTag.objects.filter(tag_id__in=tag_ids, resident_id__in=residents.values("id"))
        .order_by()
        .values(f"resident__household__{key}", "tag_id")
        .annotate(n=Count("id"))
    )
    for row in res_tags:
        out[row[f"resident__household__{key}"]].tag_totals[row["tag_id"]] = row["n"]
    return out, tags


def _tree_staff(actor) -> bool:
    """The actor reaches households through the tree only (their figures are kept)."""
    return perms.kinds(actor, rp.VIEW) == {perms.NODE}


def _kept(actor, kind: str, places: list) -> dict[int, Counts]:
    streets = {p.street_id or p.pk for p in places}
    rows = counting.read(streets, kind, [p.pk for p in places])
    tags = list(visible_tags(actor, streets))
    return {
        p.pk: _finish(
            Counts.kept(rows.get(p.pk)), [t for t in tags if t.street_id == (p.street_id or p.pk)]
        )
        for p in places
    }


def node_counts(actor, nodes: list[GridNode]) -> dict[int, Counts] | None:
    """Counts for each of ``nodes`` (each covering its whole subtree).

    ``nodes`` must already be in the actor's scope. Returns None when the actor may not
    see households at all. Each node's tag list holds the visible tags of its street.
    """
    if not nodes:
        return {}
    if not perms.can(actor, rp.VIEW):
        return None
    if _tree_staff(actor):
        return _kept(actor, PlaceCount.NODE, nodes)
    prefixes = _common_prefixes([n.path for n in nodes])
    result = _grouped(actor, "grid__path", [{"grid__path__startswith": p} for p in prefixes])
    if result is None:
        return None
    by_path, tags = result
    wanted = {n.path: Counts() for n in nodes}
    steplen = GridNode.steplen
    for path, counts in by_path.items():
        for end in range(steplen, len(path) + 1, steplen):
            target = wanted.get(path[:end])
            if target is not None:
                target.add(counts)
    return {
        n.pk: _finish(wanted[n.path], [t for t in tags if t.street_id == n.street_id])
        for n in nodes
    }


def _common_prefixes(paths: list[str]) -> list[str]:
    """The minimal set of paths whose subtrees cover all ``paths`` (usually one)."""
    roots: list[str] = []
    for path in sorted(paths):
        if not any(path.startswith(r) for r in roots):
            roots.append(path)
    return roots


def compound_counts(actor, compounds: list[Compound]) -> dict[int, Counts] | None:
    """Counts for each compound (households living in its dwellings); None without
    ``registry.view``."""
    if not compounds:
        return {}
    if not perms.can(actor, rp.VIEW):
        return None
    if _tree_staff(actor):
        return _kept(actor, PlaceCount.COMPOUND, compounds)
    key = "dwelling__entrance__building__compound_id"
    result = _grouped(actor, key, [{f"{key}__in": [c.pk for c in compounds]}])
    if result is None:
        return None
    grouped, tags = result
    return {
        c.pk: _finish(grouped.get(c.pk, Counts()), [t for t in tags if t.street_id == c.street_id])
        for c in compounds
    }
