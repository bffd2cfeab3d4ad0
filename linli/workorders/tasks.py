"""Background work for work orders: the deadline sweep (run it every few minutes).

``sweep_deadlines`` is idempotent and safe to run twice, even at the same time:
every step is one conditional UPDATE that sets a marker column only where it
is still empty (``warned_at``, ``overdue_at``, ``auto_escalated_at``), stamped
with this run's time, and the follow-up work (notifications, timeline events)
reads back exactly the rows stamped by this run. A second run finds nothing
left to stamp. Notifications carry a per-order dedupe key as well.

Steps:
1. warn: open orders whose ``warn_at`` has passed → the grid staff are told;
2. overdue: open orders past ``resolve_due`` → marked, grid staff and the
   neighbourhood's cadres told (one digest message per person per run);
3. escalate: overdue orders whose category escalates automatically, still at
   grid level, go one level up (grid → neighbourhood), once per overdue
   episode (an extension clears the marker), with an ``escalate`` event by the
   system on their timeline.

Step 3 for an order falling overdue in this run is done by step 2's UPDATE, so its row
is written once. No index mentions a marker column (see the ``wo_warn`` / ``wo_due``
indexes), so on PostgreSQL a stamp rewrites the row within its page and writes no index
(a HOT update): the first run over a million open orders stays a few seconds.

Schedule it with cron or a systemd timer: ``linli workorders_sweep`` (management
command) or enqueue ``sweep_deadlines`` for the ``db_worker``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import NamedTuple

from django.db import models, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from linli.core.notify import Message, deliver
from linli.grids.models import GridNode, Role, StaffAssignment

from .models import Category, WorkOrder, WorkOrderEvent
from .workflow import RUNNING, Level

BATCH = 5000


def _grid_recipients(grid_ids: set[int], *, with_cadres: bool) -> dict[int, set[int]]:
    """grid id → user ids of its grid workers (and the parent neighbourhood's cadres)."""
    out: dict[int, set[int]] = defaultdict(set)
    for node_id, user_id in StaffAssignment.objects.filter(
        role=Role.GRID_WORKER, node_id__in=grid_ids
    ).values_list("node_id", "user_id"):
        out[node_id].add(user_id)
    for gid, leader in GridNode.objects.filter(pk__in=grid_ids, leader__isnull=False).values_list(
        "pk", "leader_id"
    ):
        out[gid].add(leader)
    if with_cadres:
        for grid in GridNode.objects.filter(pk__in=grid_ids):
            parent = GridNode.objects.filter(path=grid.path[: -GridNode.steplen]).first()
            if parent is None:
                continue
            out[grid.pk].update(
                StaffAssignment.objects.filter(role=Role.CADRE, node=parent).values_list(
                    "user_id", flat=True
                )
            )
    return out


def _digest(stamped, kind: str, template: str, run_key: str, *, with_cadres: bool) -> int:
    """One message per person per run: 'N orders ... in your grids'."""
    counts: dict[int, int] = defaultdict(int)
    streets: dict[int, int] = {}
    for row in stamped:
        counts[row.grid_id] += 1
        streets[row.grid_id] = row.street_id
    per_user: dict[int, tuple[int, int]] = {}
    for grid_id, users in _grid_recipients(set(counts), with_cadres=with_cadres).items():
        for uid in users:
            n, _street = per_user.get(uid, (0, streets[grid_id]))
            per_user[uid] = (n + counts[grid_id], streets[grid_id])
    for uid, (n, street_id) in per_user.items():
        deliver(
            [Message(kind=kind, subject=template % {"count": n}, user_id=uid, street_id=street_id)],
            dedupe_key=f"{run_key}-{uid}",
        )
    return len(stamped)


class Stamped(NamedTuple):
    pk: int
    grid_id: int
    category_id: int
    street_id: int
    status: str
    auto_escalated_at: dt.datetime | None


def _stamp(candidates, marker: str, now: dt.datetime, **also) -> list[Stamped]:
    """Set ``marker = now`` (and ``also``) on the candidates still unmarked, in batches of
    conditional UPDATEs (the candidates' conditions are repeated in each UPDATE), and
    return exactly the rows this run stamped.

    Candidates are found through the partial indexes on running orders' warning time and
    deadline, and each batch is updated and read back by primary key, so the sweep never
    scans all open orders (an ``id IN (subquery)`` UPDATE tempted the planner into doing
    just that).
    """
    stamped: list[Stamped] = []
    ids = list(candidates.values_list("pk", flat=True))
    for i in range(0, len(ids), BATCH):
        chunk = ids[i : i + BATCH]
        candidates.filter(pk__in=chunk, **{f"{marker}__isnull": True}).update(
            **{marker: now}, **also
        )
        rows = WorkOrder.objects.filter(pk__in=chunk, **{marker: now})
        stamped += [Stamped(*row) for row in rows.values_list(*Stamped._fields)]
    return stamped


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Run the three steps once; returns how many orders each step touched."""
    now = now or timezone.now()
    run_key = f"sweep-{now.isoformat()}"
    running = WorkOrder.objects.filter(status__in=RUNNING)

    warned = _stamp(
        running.filter(
            warned_at__isnull=True, warn_at__lte=now, resolve_due__gte=now, overdue_at__isnull=True
        ),
        "warned_at",
        now,
    )
    _digest(
        warned,
        "workorder.due_soon",
        _("%(count)d work orders are due soon"),
        f"{run_key}-warn",
        with_cadres=False,
    )

    auto_categories = Category.objects.filter(auto_escalate=True).values_list("pk", flat=True)
    auto = {  # step 3's condition on an overdue order
        "escalation_level": Level.GRID,
        "auto_escalated_at__isnull": True,
        "category_id__in": list(auto_categories),
    }
    with transaction.atomic():
        # Step 3 for an order that falls overdue now is done by the same UPDATE as step 2,
        # so each such row is written once rather than twice.
        overdue = _stamp(
            running.filter(overdue_at__isnull=True, resolve_due__lt=now),
            "overdue_at",
            now,
            auto_escalated_at=Case(
                When(Q(**auto), then=Value(now)),
                default=F("auto_escalated_at"),
                output_field=models.DateTimeField(),
            ),
            escalation_level=Case(
                When(Q(**auto), then=Value(Level.NEIGHBOURHOOD)),
                default=F("escalation_level"),
                output_field=models.PositiveSmallIntegerField(),
            ),
        )
        escalated = [row for row in overdue if row.auto_escalated_at == now]
        # Orders overdue since an earlier run that qualify only now (e.g. their category
        # was switched to escalate automatically since). An order marked overdue is past
        # its deadline (an extension clears the marker): saying so lets wo_due find them.
        escalated += _stamp(
            running.filter(overdue_at__isnull=False, resolve_due__lt=now, **auto),
            "auto_escalated_at",
            now,
            escalation_level=Level.NEIGHBOURHOOD,
        )
        note = _("Escalated automatically: the deadline has passed.")
        data = {"level_from": Level.GRID, "level_to": Level.NEIGHBOURHOOD, "auto": True}
        WorkOrderEvent.objects.bulk_create(
            (
                WorkOrderEvent(
                    street_id=row.street_id,
                    order_id=row.pk,
                    grid_id=row.grid_id,
                    category_id=row.category_id,
                    at=now,
                    verb="escalate",
                    from_status=row.status,
                    to_status=row.status,
                    note=note,
                    data=data,
                    public=False,
                )
                for row in escalated
            ),
            batch_size=BATCH,
        )
    _digest(
        overdue,
        "workorder.overdue",
        _("%(count)d work orders are overdue"),
        f"{run_key}-overdue",
        with_cadres=True,
    )
    return {"warned": len(warned), "overdue": len(overdue), "escalated": len(escalated)}


@task()
def sweep_deadlines() -> dict[str, int]:
    """The worker entry point (django-tasks): ``sweep_deadlines.enqueue()``."""
    return sweep()
