"""Who is told: the staff of grids, of their neighbourhoods and streets, and of units.

The one place that turns "the grid's staff" or "the neighbourhood's cadres" into user
ids, for any number of grids at once in a fixed number of queries (a sweep over a
whole street asks once, not once per grid). Services and sweeps of every module call
these; ``core.notify`` then writes the inbox rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from .models import GridNode, Role, StaffAssignment

GRID, NEIGHBOURHOOD, STREET = "grid", "neighbourhood", "street"


def _grids(grids: Iterable[GridNode | int]) -> list[tuple[int, str, int, int | None]]:
    """(id, path, street, leader) of each grid; loaded nodes are not read again."""
    loaded = [g for g in grids if isinstance(g, GridNode)]
    ids = {g for g in grids if not isinstance(g, GridNode)} - {g.pk for g in loaded}
    rows = [(g.pk, g.path, g.street_id, g.leader_id) for g in loaded]
    if ids:
        rows += GridNode.objects.filter(pk__in=ids).values_list(
            "pk", "path", "street_id", "leader_id"
        )
    return rows


def staff_of_grids(grids: Iterable[GridNode | int], *, level: str = GRID) -> dict[int, set[int]]:
    """grid id → user ids of those who own work at ``level`` for that grid (grids given as
    ids, or as loaded nodes to save reading them):

    * ``grid``: the grid's workers and its leader;
    * ``neighbourhood``: the cadres of the neighbourhood above the grid;
    * ``street``: the street's administrators.
    """
    rows = _grids(list(grids))
    out: dict[int, set[int]] = defaultdict(set)
    if level == GRID:
        for node_id, user_id in StaffAssignment.objects.filter(
            role=Role.GRID_WORKER, node_id__in=[g[0] for g in rows]
        ).values_list("node_id", "user_id"):
            out[node_id].add(user_id)
        for pk, _path, _street, leader in rows:
            if leader:
                out[pk].add(leader)
    elif level == NEIGHBOURHOOD:
        parent_of = {pk: path[: -GridNode.steplen] for pk, path, _s, _l in rows}
        by_path: dict[str, set[int]] = defaultdict(set)
        for path, user_id in StaffAssignment.objects.filter(
            role=Role.CADRE, node__path__in=set(parent_of.values())
        ).values_list("node__path", "user_id"):
            by_path[path].add(user_id)
        for pk, parent in parent_of.items():
            out[pk] |= by_path[parent]
    elif level == STREET:
        street_of = {pk: street for pk, _p, street, _l in rows}
        admins = street_admins(street_of.values())
        for pk, street in street_of.items():
            out[pk] |= admins[street]
    else:
        raise ValueError(f"unknown level {level!r}")
    return out


def staff_of_grid(grid: GridNode | int, *, level: str = GRID) -> set[int]:
    return staff_of_grids([grid], level=level)[grid if isinstance(grid, int) else grid.pk]


def street_admins(street_ids: Iterable[int]) -> dict[int, set[int]]:
    out: dict[int, set[int]] = defaultdict(set)
    for street_id, user_id in StaffAssignment.objects.filter(
        role=Role.STREET_ADMIN, node_id__in=set(street_ids)
    ).values_list("node_id", "user_id"):
        out[street_id].add(user_id)
    return out


def unit_staff(unit_ids: Iterable[int | None]) -> set[int]:
    ids = [u for u in unit_ids if u]
    if not ids:
        return set()
    return set(
        StaffAssignment.objects.filter(role=Role.UNIT_STAFF, unit_id__in=ids).values_list(
            "user_id", flat=True
        )
    )
