"""The demo street, built by a list of builders that share one ``DemoContext``.

To add demo data for another module, write ``builders/<module>.py`` with functions
``build_<thing>(ctx: DemoContext) -> None`` and append them to ``BUILDERS``: they
run in list order inside one transaction, after everything listed before them.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from linli.accounts.models import User
from linli.grids.models import GridNode, NodeKind, Role, StaffAssignment
from linli.registry.models import Household, Resident

from . import registry, workorders
from .context import DEMO_PASSWORD, STREET_CODE, DemoContext

BUILDERS: list[Callable[[DemoContext], None]] = [
    registry.build_tree,
    registry.build_units,
    registry.build_registry,
    registry.build_tags,
    registry.build_people,
    registry.build_derived_tags,
    workorders.build_workorders,
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


def build_demo(log: Callable[[str], None] = print) -> DemoContext:
    """Build the whole demo street on a database that does not have it yet.

    All or nothing: one transaction, so a failing builder leaves no half street.
    Raises DemoConflict, before writing anything, if a demo username is taken.
    """
    taken = conflicts()
    if taken:
        raise DemoConflict(", ".join(taken))
    ctx = DemoContext.fresh(log=log)
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


def login_rows(street: GridNode, usernames: list[str] | None = None) -> list[tuple[str, ...]]:
    """(username, role, scope, password) for each demo login that exists in the street."""
    usernames = LOGIN_USERNAMES if usernames is None else usernames
    grants = (
        StaffAssignment.objects.filter(street=street, user__username__in=usernames)
        .select_related("user", "node", "unit")
        .order_by("id")
    )
    by_user = {g.user.username: g for g in grants}
    rows = []
    for username in usernames:
        grant = by_user.get(username)
        if grant is None:
            continue
        scope = grant.node.name if grant.unit is None else f"{grant.unit.name} ({grant.node.name})"
        rows.append((username, str(Role(grant.role).label), scope, DEMO_PASSWORD))
    return rows


def other_grid_leaders(street: GridNode) -> list[str]:
    """Usernames of the grid leaders besides gridleader1 (same demo password)."""
    names = StaffAssignment.objects.filter(
        street=street, role=Role.GRID_WORKER, user__username__startswith="gridleader"
    ).values_list("user__username", flat=True)
    return sorted((n for n in names if n != "gridleader1"), key=lambda n: (len(n), n))
