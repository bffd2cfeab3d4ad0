"""The work-order deadline sweep, run by the worker every few minutes (``core.jobs``).

Street by street, each step is a batch of conditional UPDATEs that set a marker only
where it is still empty, stamped with this run's time, and the follow-up work reads back
exactly the rows this run stamped: running it twice, or twice at once, changes nothing
more. Notifications carry a per-run dedupe key as well.

1. warn: running orders past their warning time → one digest per grid worker;
2. overdue: running orders past their deadline → marked; the grid's staff and the
   neighbourhood's cadres get one digest each;
3. escalate: overdue orders whose category escalates automatically, still at grid
   level, go up to the neighbourhood once per overdue episode (an extension clears the
   marker), through the workflow kit's bulk transition, so each gets its ``escalate``
   event on its timeline.

The candidates come from the partial indexes on running orders' warning time and
deadline (``wo_warn``, ``wo_due``); the markers are in no index, so stamping them
rewrites a row within its page and touches no index.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.notify import Message, deliver
from linli.core.workflow import stamp
from linli.grids import recipients
from linli.grids.models import GridNode, NodeKind

from .machine import MACHINE
from .models import Category, WorkOrder
from .workflow import RUNNING, Level


def _digest(rows, kind: str, template: str, run_key: str, levels: list[str]) -> None:
    """One message per person per run: "N orders ... in your grids"."""
    per_grid = Counter(row["grid_id"] for row in rows)
    street_of = {row["grid_id"]: row["street_id"] for row in rows}
    per_user: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for level in levels:
        for grid_id, users in recipients.staff_of_grids(per_grid, level=level).items():
            for uid in users:
                per_user[uid][0] += per_grid[grid_id]
                per_user[uid][1] = street_of[grid_id]
    for uid, (count, street_id) in per_user.items():
        deliver(
            [
                Message(
                    kind=kind, subject=template % {"count": count}, user_id=uid, street_id=street_id
                )
            ],
            dedupe_key=f"{run_key}-{uid}",
        )


def sweep_street(street_id: int, now: dt.datetime) -> Counter:
    """The three steps for one street; returns how many orders each step touched."""
    run_key = f"sweep-{street_id}-{now.isoformat()}"
    running = WorkOrder.objects.filter(street_id=street_id, status__in=RUNNING)
    read = ("pk", "grid_id", "street_id")

    warned = stamp(
        running.filter(warn_at__lte=now, resolve_due__gte=now, overdue_at__isnull=True),
        marker="warned_at",
        at=now,
        read=read,
    )
    _digest(warned, "workorder.due_soon", _("%(count)d work orders are due soon"),
            f"{run_key}-warn", [recipients.GRID])  # fmt: skip

    overdue = stamp(running.filter(resolve_due__lt=now), marker="overdue_at", at=now, read=read)
    _digest(overdue, "workorder.overdue", _("%(count)d work orders are overdue"),
            f"{run_key}-overdue", [recipients.GRID, recipients.NEIGHBOURHOOD])  # fmt: skip

    auto = Category.objects.filter(street_id=street_id, auto_escalate=True).values("pk")
    escalated = MACHINE.bulk_transition(
        running.filter(
            overdue_at__isnull=False,
            resolve_due__lt=now,
            escalation_level=Level.GRID,
            category_id__in=auto,
        ),
        name="escalate",
        at=now,
        marker="auto_escalated_at",
        values={"escalation_level": Level.NEIGHBOURHOOD},
        note=_("Escalated automatically: the deadline has passed."),
        data={"level_from": Level.GRID, "level_to": Level.NEIGHBOURHOOD, "auto": True},
    )
    return Counter(warned=len(warned), overdue=len(overdue), escalated=len(escalated))


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Every street's sweep, each in its own short transactions; returns the totals."""
    now = now or timezone.now()
    totals: Counter = Counter(warned=0, overdue=0, escalated=0)
    streets = (
        GridNode.objects.filter(kind=NodeKind.STREET).order_by("pk").values_list("pk", flat=True)
    )
    for street_id in streets:
        totals += sweep_street(street_id, now)
    return {key: totals[key] for key in ("warned", "overdue", "escalated")}
