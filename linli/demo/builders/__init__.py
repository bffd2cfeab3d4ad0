"""The demo street, built by a list of builders that share one ``DemoContext``.

To add demo data for another module, write ``builders/<module>.py`` with functions
``build_<thing>(ctx: DemoContext) -> None`` and append them to ``BUILDERS``: they
run in list order inside one transaction, after everything listed before them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.utils.translation import gettext as _

from linli.accounts.models import User
from linli.grids.models import GridNode, NodeKind, Role, StaffAssignment
from linli.registry.models import Building, Household, Resident

from . import outreach, registry, safety, volunteering, workorders
from .context import DEMO_PASSWORD, STREET_CODE, DemoContext

BUILDERS: list[Callable[[DemoContext], None]] = [
    registry.build_tree,
    registry.build_units,
    registry.build_registry,
    registry.build_tags,
    registry.build_people,
    registry.build_derived_tags,
    workorders.build_workorders,
    volunteering.build_volunteering,
    safety.build_safety,
    outreach.build_outreach,
]

# The demo logins in the order they are printed; all use DEMO_PASSWORD.
LOGIN_USERNAMES = ["admin", "cadre1", "gridleader1", "property1", "volunteer1", "resident1"]
# Usernames the builders create besides the logins above (other grid leaders, building leaders).
RESERVED_PREFIXES = ("gridleader", "louzu")


class DemoConflict(Exception):
    """The database already holds something the demo would create (e.g. a user "admin")."""


def conflicts() -> list[str]:
    """What stands in the way of building the demo street on this database."""
    taken = User.objects.filter(username__in=LOGIN_USERNAMES).values_list("username", flat=True)
    found = sorted(taken)
    for prefix in RESERVED_PREFIXES:
        if User.objects.filter(username__startswith=prefix).exists():
            found.append(f"{prefix}*")
    return found


def demo_street() -> GridNode | None:
    """The demo street if it has been loaded, else None."""
    return GridNode.objects.filter(kind=NodeKind.STREET, code=STREET_CODE).first()


def build_demo(log: Callable[[str], None] = print, today: dt.date | None = None) -> DemoContext:
    """Build the whole demo street on a database that does not have it yet.

    All or nothing: one transaction, so a failing builder leaves no half street.
    Raises DemoConflict, before writing anything, if a demo username is taken.
    ``today`` is the build day (default: today in Shanghai): the requests are dated
    back from its start, so the same seed and day always give the same street.
    """
    taken = conflicts()
    if taken:
        raise DemoConflict(", ".join(taken))
    ctx = DemoContext.fresh(log=log, today=today)
    with transaction.atomic():
        for builder in BUILDERS:
            builder(ctx)
    return ctx


def summary(street: GridNode) -> dict[str, int]:
    return {
        "households": Household.objects.filter(street=street).count(),
        "residents": Resident.objects.filter(street=street).count(),
        "grids": GridNode.objects.filter(street=street, kind=NodeKind.GRID).count(),
    }


# Order of the printed logins after the six above: by role, then by username.
ROLE_ORDER = [
    Role.STREET_ADMIN,
    Role.CADRE,
    Role.GRID_WORKER,
    Role.UNIT_STAFF,
    Role.VOLUNTEER,
    Role.RESIDENT,
]


def _natural(username: str) -> tuple[str, int]:
    """gridleader2 before gridleader10."""
    stem = username.rstrip("0123456789")
    digits = username[len(stem) :]
    return stem, int(digits) if digits else 0


def login_rows(street: GridNode) -> list[tuple[str, str, str, str]]:
    """(username, role, scope, password) for every demo login of the street but the
    building leaders (see ``building_leader_rows``): the six main logins first, then the
    other grid leaders, then the unit staff, then the other volunteers in one row
    ("volunteer2 … volunteer37"). A unit login's scope names its unit."""
    grants = (
        StaffAssignment.objects.filter(street=street)
        .exclude(role=Role.BUILDING_LEADER)
        .select_related("user", "node", "unit")
    )

    def order(grant: StaffAssignment):
        name = grant.user.username
        main = LOGIN_USERNAMES.index(name) if name in LOGIN_USERNAMES else len(LOGIN_USERNAMES)
        return main, ROLE_ORDER.index(grant.role), _natural(name)

    rows = []
    volunteers = []  # after volunteer1, the team shares one row: "volunteer2 … volunteer37"
    for grant in sorted(grants, key=order):
        if grant.unit is not None:
            scope = f"{grant.unit.name} ({grant.node.name})"
        else:
            scope = grant.node.name
        row = (grant.user.username, str(Role(grant.role).label), scope, DEMO_PASSWORD)
        if grant.role == Role.VOLUNTEER and row[0] not in LOGIN_USERNAMES:
            volunteers.append(row)
        else:
            rows.append(row)
    if volunteers:
        first, last = volunteers[0], volunteers[-1]
        names = first[0] if first is last else f"{first[0]} … {last[0]}"
        rows.append((names, *first[1:]))
    return rows


def building_leader_rows(street: GridNode) -> list[tuple[str, str, str, str]]:
    """The building leaders (楼组长), one row per compound: (first … last username, role,
    compound and building numbers, password). Each leads one building, in number order."""
    buildings = (
        Building.objects.filter(street=street, leader__isnull=False)
        .select_related("compound", "leader")
        .order_by("leader__username")
    )
    by_compound: dict[str, list[Building]] = {}
    for building in buildings:
        by_compound.setdefault(building.compound.name, []).append(building)
    label = str(Role.BUILDING_LEADER.label)
    rows = []
    for compound, led in by_compound.items():
        first, last = led[0], led[-1]
        names = first.leader.username
        numbers = _("building %(number)s") % {"number": first.number}
        if len(led) > 1:
            names = f"{names} … {last.leader.username}"
            numbers = _("buildings %(first)s–%(last)s, one each") % {
                "first": first.number,
                "last": last.number,
            }
        rows.append((names, label, f"{compound} {numbers}", DEMO_PASSWORD))
    return rows
