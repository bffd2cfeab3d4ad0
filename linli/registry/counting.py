"""Counts kept as data: households, residents and tags per grid node and per compound.

Every write that changes who lives where or who carries which tag calls
``mark_stale(street_id)`` in its transaction. The worker's ``registry.counts`` job
(every minute) recounts each stale street in one transaction: five grouped queries over
the street, rolled up the tree in Python, written as ``PlaceCount`` rows. Pages read
those rows and say when they were counted (``as_of``).

With ``LINLI_COUNTS_IMMEDIATE`` (the tests), a mark recounts at once, in the same
transaction. A street never counted is counted on first read.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from linli.grids.models import GridNode

from .models import CountsStale, Household, HouseholdTag, PlaceCount, Resident, ResidentTag

_COMPOUND = "dwelling__entrance__building__compound_id"


def mark_stale(street_id: int) -> None:
    """The street's figures changed: recount them (at once, or by the worker)."""
    if getattr(settings, "LINLI_COUNTS_IMMEDIATE", False):
        refresh(street_id)
        return
    CountsStale.objects.update_or_create(
        street_id=street_id, defaults={"changed_at": timezone.now()}
    )


class _Tally:
    __slots__ = ("households", "residents", "tags")

    def __init__(self) -> None:
        self.households = 0
        self.residents = 0
        self.tags: dict[str, int] = defaultdict(int)

    def add(self, other: _Tally) -> None:
        self.households += other.households
        self.residents += other.residents
        for tag, n in other.tags.items():
            self.tags[tag] += n


def _count(street_id: int, household_key: str, resident_key: str) -> dict[int, _Tally]:
    """Households, residents and tag links of the street grouped by a place key."""
    out: dict[int, _Tally] = defaultdict(_Tally)
    households = Household.objects.filter(street_id=street_id).order_by()
    for key, n in households.values_list(household_key).annotate(n=Count("id")):
        out[key].households = n
    residents = Resident.objects.filter(street_id=street_id, household__isnull=False).order_by()
    for key, n in residents.values_list(resident_key).annotate(n=Count("id")):
        out[key].residents = n
    hh_links = HouseholdTag.objects.filter(street_id=street_id).order_by()
    for key, tag, n in hh_links.values_list(f"household__{household_key}", "tag_id").annotate(
        n=Count("id")
    ):
        out[key].tags[str(tag)] += n
    res_links = ResidentTag.objects.filter(
        street_id=street_id, resident__household__isnull=False
    ).order_by()
    for key, tag, n in res_links.values_list(f"resident__{resident_key}", "tag_id").annotate(
        n=Count("id")
    ):
        out[key].tags[str(tag)] += n
    return out


def refresh(street_id: int, now: dt.datetime | None = None) -> dict[str, int]:
    """Count the street's figures afresh and replace its ``PlaceCount`` rows."""
    now = now or timezone.now()
    by_grid = _count(street_id, "grid_id", "grid_id")
    by_compound = _count(street_id, _COMPOUND, f"household__{_COMPOUND}")
    nodes = list(GridNode.objects.filter(street_id=street_id).values_list("pk", "path"))
    id_of = {path: pk for pk, path in nodes}
    path_of = {pk: path for pk, path in nodes}
    per_node: dict[int, _Tally] = {pk: _Tally() for pk, _path in nodes}  # zeros too
    for grid_id, tally in by_grid.items():
        path = path_of.get(grid_id, "")
        for end in range(GridNode.steplen, len(path) + 1, GridNode.steplen):
            node_id = id_of.get(path[:end])
            if node_id is not None:
                per_node[node_id].add(tally)
    rows = [
        PlaceCount(
            street_id=street_id,
            kind=kind,
            place_id=place_id,
            households=t.households,
            residents=t.residents,
            tags=dict(t.tags),
            as_of=now,
        )
        for kind, tallies in ((PlaceCount.NODE, per_node), (PlaceCount.COMPOUND, by_compound))
        for place_id, t in tallies.items()
        if place_id is not None
    ]
    with transaction.atomic():
        PlaceCount.objects.filter(street_id=street_id).delete()
        PlaceCount.objects.bulk_create(rows)
        CountsStale.objects.filter(street_id=street_id, changed_at__lte=now).delete()
    return {"places": len(rows)}


def refresh_stale() -> dict[str, int]:
    """The worker's job: recount every street marked stale."""
    streets = list(CountsStale.objects.values_list("street_id", flat=True))
    for street_id in streets:
        refresh(street_id)
    return {"streets": len(streets)}


def read(street_ids: set[int], kind: str, place_ids: list[int]) -> dict[int, PlaceCount]:
    """The stored figures of these places (streets never counted are counted first)."""
    counted = set(
        PlaceCount.objects.filter(street_id__in=street_ids)
        .values_list("street_id", flat=True)
        .distinct()
    )
    for street_id in street_ids - counted:
        refresh(street_id)
    rows = PlaceCount.objects.filter(street_id__in=street_ids, kind=kind, place_id__in=place_ids)
    return {row.place_id: row for row in rows}
