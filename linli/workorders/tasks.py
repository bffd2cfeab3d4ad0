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

Schedule it with cron or a systemd timer: ``linli workorders_sweep`` (management
command) or enqueue ``sweep_deadlines`` for the ``db_worker``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from linli.core.notify import Message, deliver
from linli.grids.models import GridNode, Role, StaffAssignment

from .models import WorkOrder, WorkOrderEvent
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
    for _pk, grid_id, street_id, _status in stamped:
        counts[grid_id] += 1
        streets[grid_id] = street_id
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


def _stamp(candidates, marker: str, now: dt.datetime, **also) -> list[tuple]:
    """Set ``marker = now`` on the candidates still unmarked, in batches of conditional
    UPDATEs (the candidates' conditions are repeated in each UPDATE), and return
    (pk, grid_id, street_id, status) of exactly the rows this run stamped.

    Candidates are found through the partial indexes on the marker columns, and the
    read-back goes by primary key, so the sweep never scans all open orders.
    """
    stamped: list[tuple] = []
    ids = list(candidates.values_list("pk", flat=True))
    for i in range(0, len(ids), BATCH):
        chunk = ids[i : i + BATCH]
        candidates.filter(pk__in=chunk, **{f"{marker}__isnull": True}).update(
            **{marker: now}, **also
        )
        stamped += list(
            WorkOrder.objects.filter(pk__in=chunk, **{marker: now}).values_list(
                "pk", "grid_id", "street_id", "status"
            )
        )
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

    overdue = _stamp(
        running.filter(overdue_at__isnull=True, resolve_due__lt=now), "overdue_at", now
    )
    _digest(
        overdue,
        "workorder.overdue",
        _("%(count)d work orders are overdue"),
        f"{run_key}-overdue",
        with_cadres=True,
    )

    with transaction.atomic():
        escalated = _stamp(
            running.filter(
                overdue_at__isnull=False,
                auto_escalated_at__isnull=True,
                escalation_level=Level.GRID,
                category__auto_escalate=True,
            ),
            "auto_escalated_at",
            now,
            escalation_level=Level.NEIGHBOURHOOD,
        )
        note = _("Escalated automatically: the deadline has passed.")
        for i in range(0, len(escalated), BATCH):
            WorkOrderEvent.objects.bulk_create(
                WorkOrderEvent(
                    street_id=street_id,
                    order_id=pk,
                    at=now,
                    verb="escalate",
                    from_status=status,
                    to_status=status,
                    note=note,
                    data={"level_from": Level.GRID, "level_to": Level.NEIGHBOURHOOD, "auto": True},
                    public=False,
                )
                for pk, _grid, street_id, status in escalated[i : i + BATCH]
            )
    return {"warned": len(warned), "overdue": len(overdue), "escalated": len(escalated)}


@task()
def sweep_deadlines() -> dict[str, int]:
    """The worker entry point (django-tasks): ``sweep_deadlines.enqueue()``."""
    return sweep()
