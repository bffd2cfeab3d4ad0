"""综合评价: work-order figures per street / neighbourhood / grid / unit / category and period,
computed from the timeline events (so they agree with what each order's timeline shows).

Definitions, for the period ``[start, end)``:

* ``received``: orders accepted in the period (``accept`` events);
* ``closed``: ``close`` events in the period;
* 结案率 ``closure_rate`` = orders received in the period that have been closed
  (by now) / ``received``;
* 按期结案率 ``on_time_rate`` = orders *due* in the period (``resolve_due`` in the
  period; rejected, merged and withdrawn orders excluded) closed on or before
  their deadline / orders due in the period;
* ``avg_close_hours`` / ``p90_close_hours``: accept → close, over the orders
  closed in the period (p90 by linear interpolation, as PostgreSQL's
  ``percentile_cont(0.9)``);
* 返工率 ``rework_rate`` = orders sent back for rework in the period / orders
  checked (passed or reworked) in the period;
* 满意率 ``satisfaction_rate`` = 满意 + 基本满意 ratings / all ratings in the period;
* ``duplicate_rate`` = ``merge`` events in the period / ``received``;
* ``overdue_now``: open orders past their deadline at the moment of the query.

Unit figures count an order for its lead unit at the time of the query.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Q
from django.db.models.expressions import Func
from django.utils import timezone

from linli.grids import permissions as perms
from linli.grids.models import GridNode, NodeKind, Unit

from . import permissions as p
from .models import Category, WorkOrder, WorkOrderEvent
from .workflow import OPEN, Status

GROUPS = {None: None, "grid": "grid_id", "neighbourhood": "grid_id", "unit": "lead_unit_id",
          "category": "category_id"}  # fmt: skip


@dataclass
class MetricsRow:
    key: int | None
    label: str
    received: int = 0
    closed: int = 0
    closed_of_received: int = 0
    due: int = 0
    closed_on_time: int = 0
    avg_close_hours: float | None = None
    p90_close_hours: float | None = None
    checked: int = 0
    reworked: int = 0
    rated: int = 0
    satisfied: int = 0
    merged: int = 0
    overdue_now: int = 0
    extensions: int = 0
    escalations: int = 0
    _durations: list[float] = field(default_factory=list, repr=False)

    @staticmethod
    def _rate(num: int, den: int) -> float | None:
        return round(num / den, 4) if den else None

    @property
    def closure_rate(self) -> float | None:
        return self._rate(self.closed_of_received, self.received)

    @property
    def on_time_rate(self) -> float | None:
        return self._rate(self.closed_on_time, self.due)

    @property
    def rework_rate(self) -> float | None:
        return self._rate(self.reworked, self.checked)

    @property
    def satisfaction_rate(self) -> float | None:
        return self._rate(self.satisfied, self.rated)

    @property
    def duplicate_rate(self) -> float | None:
        return self._rate(self.merged, self.received)

    def as_dict(self) -> dict:
        out = {k: v for k, v in self.__dict__.items() if not k.startswith("_")}
        for name in ("closure_rate", "on_time_rate", "rework_rate", "satisfaction_rate",
                     "duplicate_rate"):  # fmt: skip
            out[name] = getattr(self, name)
        return out


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolation percentile (same as PostgreSQL percentile_cont)."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


class _EpochSeconds(Func):
    """Seconds in an interval, as double precision (PostgreSQL's EXTRACT answers numeric,
    which made the average and percentile of a month's closings several times slower)."""

    template = "date_part('epoch', %(expressions)s)"
    output_field = FloatField()


class _PercentileCont(Aggregate):
    function = "percentile_cont"
    template = "percentile_cont(%(q)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, q: float, **extra):
        super().__init__(expression, q=q, **extra)


class _AvgFloat(Aggregate):
    function = "AVG"
    output_field = FloatField()


def _scope_q(actor, node: GridNode | None) -> Q:
    """Rows (orders, or their events, which carry the grid too) in the actor's metrics
    scope and under ``node``."""
    parts = Q(pk__in=[])
    for g in perms.grants_for(actor, p.METRICS, kind=perms.NODE):
        parts |= perms.under_grant(actor, g)
    if node is not None:
        parts &= Q(street_id=node.street_id or node.pk)
        if node.kind != NodeKind.STREET:
            parts &= perms.within("grid", node)
    return parts


# Figures counted from the period's events: verb → attributes it adds one to.
_EVENT_COUNTS = {
    "follow_up": ("rated", "satisfied"),
    "reopen": ("rated",),
    "merge": ("merged",),
    "extend": ("extensions",),
    "escalate": ("escalations",),
}
_TERMINATED = [Status.REJECTED, Status.MERGED, Status.WITHDRAWN]


def workorder_metrics(
    *,
    actor,
    start: dt.datetime,
    end: dt.datetime,
    node: GridNode | None = None,
    group_by: str | None = None,
    unit: Unit | None = None,
    category: Category | None = None,
    now: dt.datetime | None = None,
) -> list[MetricsRow]:
    """Figures for the period, one row per group (one row in all when ``group_by`` is None).

    ``group_by``: None, "grid", "neighbourhood", "unit" or "category". Only node
    staff holding ``workorders.metrics`` get figures, for their own subtree.

    A fixed number of queries whatever the size of the street, each an index-only range
    scan on PostgreSQL (see the indexes of ``WorkOrder`` and ``WorkOrderEvent``): the
    period's ratings, merges, extensions and escalations (one per verb); its checked
    orders; its reworked orders; the orders received, due, and closed in it; the orders
    overdue now.
    """
    if group_by not in GROUPS:
        raise ValueError(f"unknown grouping {group_by!r}")
    now = now or timezone.now()
    key = GROUPS[group_by]
    # Events carry their order's grid and category; the lead unit is the order's, now.
    ev_key = "order__lead_unit_id" if key == "lead_unit_id" else key
    ev = WorkOrderEvent.objects.filter(_scope_q(actor, node))
    orders = WorkOrder.objects.filter(_scope_q(actor, node))
    if unit is not None:
        ev, orders = ev.filter(order__lead_unit=unit), orders.filter(lead_unit=unit)
    if category is not None:
        cat_q = Q(category=category) | Q(category__parent=category)
        ev, orders = ev.filter(cat_q), orders.filter(cat_q)
    in_period = ev.filter(at__gte=start, at__lt=end)
    rows: dict = {}

    def row(k) -> MetricsRow:
        if k not in rows:
            rows[k] = MetricsRow(key=k, label="")
        return rows[k]

    queries: list[tuple] = []  # (queryset, group key, aggregates, fold)

    def ask(qs, okey: str | None, aggs: dict, fold=None) -> None:
        """Queue a figure query; ``fold(row, values)`` puts a group's values on its row
        (by default: sets each non-zero value)."""
        queries.append((qs, okey, aggs, fold or _set_non_zero))

    # Every order has exactly one ``accept`` event, at its ``created_at``, and at most one
    # ``close`` event ("closed" is final), at its ``closed_at``: counting order rows gives
    # the same figures as counting those events, and pairs them with the order's status
    # and deadline without joining events to orders.
    closed = Q(status=Status.CLOSED)
    closes = orders.filter(closed, closed_at__gte=start, closed_at__lt=end)
    in_sql = connection.vendor == "postgresql" and group_by != "neighbourhood"
    if in_sql:
        seconds = _EpochSeconds(F("closed_at") - F("created_at"))
        close_aggs = {
            "n": Count("*"),
            "avg": _AvgFloat(seconds),
            "p90": _PercentileCont(seconds, q=0.9),
        }
        ask(closes, key, close_aggs, _set_closing_times)
    else:
        ask(closes, key, {"closed": Count("*")})
    # Apart, so the big distinct count sorts order ids alone (no verb to filter on).
    checks = in_period.filter(verb__in=["check", "rework"])
    ask(checks, ev_key, {"checked": Count("order_id", distinct=True)})
    ask(
        orders.filter(resolve_due__gte=start, resolve_due__lt=end),
        key,
        {
            "due": Count("resolve_due", filter=~Q(status__in=_TERMINATED)),
            "closed_on_time": Count(
                "resolve_due", filter=closed & Q(closed_at__lte=F("resolve_due"))
            ),
        },
    )
    ask(orders.filter(status__in=OPEN, resolve_due__lt=now), key, {"overdue_now": Count("*")})
    ask(
        orders.filter(created_at__gte=start, created_at__lt=end),
        key,
        {"received": Count("*"), "closed_of_received": Count("created_at", filter=closed)},
    )
    # One count per verb: a plain count over one index range is a fraction of the cost of
    # grouping a month's events by verb.
    for verb, attrs in _EVENT_COUNTS.items():
        ask(in_period.filter(verb=verb), ev_key, {"n": Count("*")}, _adder(attrs))
    ask(checks.filter(verb="rework"), ev_key, {"reworked": Count("order_id", distinct=True)})

    for qs, okey, aggs, fold in queries:
        for k, values in _grouped(qs, okey, aggs):
            if any(values.values()):  # a group gets a row for a non-zero figure only
                fold(row(k), values)

    if not in_sql:
        fields = [key] if key else []
        for *k, closed_at, created in closes.values_list(*fields, "closed_at", "created_at"):
            row(k[0] if k else None)._durations.append((closed_at - created).total_seconds() / 3600)

    if group_by == "neighbourhood":
        rows = _roll_up_to_neighbourhoods(rows)
    for r in rows.values():
        if r._durations:
            r.avg_close_hours = round(sum(r._durations) / len(r._durations), 2)
            r.p90_close_hours = round(percentile(r._durations, 0.9), 2)
    _label(rows, group_by)
    if group_by is None and None not in rows:
        rows[None] = MetricsRow(key=None, label="")
    return sorted(rows.values(), key=lambda r: (r.label, r.key or 0))


def _grouped(qs, okey: str | None, aggs: dict):
    """(group key, {name: value}) per group of ``qs`` by ``okey``; one (None, ...) if no key."""
    if not okey:
        yield None, qs.aggregate(**aggs)
        return
    names = list(aggs)
    for k, *values in qs.values(okey).order_by().annotate(**aggs).values_list(okey, *names):
        yield k, dict(zip(names, values, strict=True))


def _set_non_zero(row: MetricsRow, values: dict) -> None:
    for attr, value in values.items():
        if value:
            setattr(row, attr, value)


def _adder(attrs: tuple[str, ...]):
    """A fold adding a verb's count ``n`` to each of ``attrs``."""

    def add(row: MetricsRow, values: dict) -> None:
        for attr in attrs:
            setattr(row, attr, getattr(row, attr) + values["n"])

    return add


def _set_closing_times(row: MetricsRow, values: dict) -> None:
    row.closed = values["n"]
    row.avg_close_hours = round(values["avg"] / 3600, 2)
    row.p90_close_hours = round(values["p90"] / 3600, 2)


_SUMMED = ("received", "closed", "closed_of_received", "due", "closed_on_time", "checked",
           "reworked", "rated", "satisfied", "merged", "overdue_now", "extensions",
           "escalations")  # fmt: skip


def _roll_up_to_neighbourhoods(rows: dict) -> dict:
    grids = {g.pk: g for g in GridNode.objects.filter(pk__in=[k for k in rows if k])}
    parents: dict[int, int] = {}
    for g in grids.values():
        parent = GridNode.objects.filter(path=g.path[: -GridNode.steplen]).first()
        parents[g.pk] = parent.pk if parent else g.pk
    out: dict = {}
    for k, r in rows.items():
        nk = parents.get(k, k)
        target = out.setdefault(nk, MetricsRow(key=nk, label=""))
        for name in _SUMMED:
            setattr(target, name, getattr(target, name) + getattr(r, name))
        target._durations.extend(r._durations)
    return out


def _label(rows: dict, group_by: str | None) -> None:
    keys = [k for k in rows if k is not None]
    names: dict = {}
    if group_by in ("grid", "neighbourhood"):
        names = dict(GridNode.objects.filter(pk__in=keys).values_list("pk", "name"))
    elif group_by == "unit":
        names = dict(Unit.objects.filter(pk__in=keys).values_list("pk", "name"))
    elif group_by == "category":
        names = dict(Category.objects.filter(pk__in=keys).values_list("pk", "name"))
    for k, r in rows.items():
        r.label = names.get(k, "") if k is not None else ""
