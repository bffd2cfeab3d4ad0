"""综合评价: the metrics page (table + ECharts) and its .xlsx export.

Both the page and the export call ``metrics.workorder_metrics`` with the same
arguments (``_query``), so they show the same figures. Only node staff holding
``workorders.metrics`` see it (others: 404).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.db import reading_from_replica
from linli.core.forms import month_span

from .. import forms as f
from .. import permissions as p
from .. import selectors_pages
from ..exports import COLUMNS, column_titles, metrics_workbook
from ..metrics import workorder_metrics

GROUP_TITLES = dict(f.GROUP_CHOICES)


def _group_title(group_by: str | None) -> str:
    return str(GROUP_TITLES[group_by]) if group_by else _("Scope")


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _query(request):
    """(form, params or None). Default: the current month, everything the actor may see."""
    actor = request.user
    nodes = selectors_pages.metrics_nodes(actor)
    cats = {c.pk: c for c in selectors_pages.street_categories(actor, p.METRICS)}
    units = {u.pk: u for u in selectors_pages.street_units(actor, p.METRICS)}
    today = timezone.localdate()
    form = f.MetricsForm(
        request.GET or None,
        nodes=nodes,
        categories=cats.values(),
        units=units.values(),
        initial={"month": f"{today:%Y-%m}"},
    )
    if form.is_bound and not form.is_valid():
        return form, None
    d = form.cleaned_data if form.is_bound else {}
    if d.get("start") and d.get("end"):
        start, end = _aware(d["start"]), _aware(d["end"] + dt.timedelta(days=1))
        period = f"{d['start']:%Y-%m-%d} – {d['end']:%Y-%m-%d}"
    else:
        month = d.get("month") or today.replace(day=1)
        start, end = month_span(month)
        period = f"{month:%Y-%m}"
    node = {n.pk: n for n in nodes}.get(d.get("node")) if d.get("node") else None
    params = {
        "start": start,
        "end": end,
        "node": node,
        "group_by": d.get("group") or None,
        "unit": units.get(d.get("unit")),
        "category": cats.get(d.get("category")),
    }
    return form, {"params": params, "period": period, "node": node}


def _figures(actor, params):
    rows = workorder_metrics(actor=actor, **params)
    total = rows[0] if params["group_by"] is None else None
    if params["group_by"] is not None:
        total = workorder_metrics(actor=actor, **{**params, "group_by": None})[0]
    return rows, total


@login_required
@reading_from_replica()
def metrics_page(request):
    actor = request.user
    if not selectors_pages.is_node_staff(actor, p.METRICS):
        raise Http404
    form, q = _query(request)
    ctx = {"form": form, "titles": column_titles(), **selectors_pages.page_flags(actor)}
    if q is None:
        return render(request, "workorders/metrics.html", ctx, status=400)
    rows, total = _figures(actor, q["params"])
    for r in [*rows, total]:
        if r is not None:
            r.cells = [(attr, _show(getattr(r, attr), kind)) for attr, _t, kind in COLUMNS]
            r.shown = dict(r.cells)
    chart = {
        "labels": [r.label or _("Total") for r in rows],
        "received": [r.received for r in rows],
        "closed": [r.closed for r in rows],
        "overdue": [r.overdue_now for r in rows],
        "closure": [_pct(r.closure_rate) for r in rows],
        "on_time": [_pct(r.on_time_rate) for r in rows],
        "satisfaction": [_pct(r.satisfaction_rate) for r in rows],
        "names": {
            "received": _("Received"),
            "closed": _("Closed"),
            "overdue": _("Overdue now"),
            "closure": _("Closure rate"),
            "on_time": _("On-time closure rate"),
            "satisfaction": _("Satisfaction rate"),
        },
    }
    ctx.update(
        {
            "rows": rows,
            "total": total,
            "grouped": q["params"]["group_by"] is not None,
            "group_title": _group_title(q["params"]["group_by"]),
            "period": q["period"],
            "scope_name": q["node"].name if q["node"] else _("Everything I can see"),
            "chart": chart,
            "export_query": request.GET.urlencode(),
            "this_month": f"{timezone.localdate():%Y-%m}",
            "last_month": f"{timezone.localdate().replace(day=1) - dt.timedelta(days=1):%Y-%m}",
        }
    )
    return render(request, "workorders/metrics.html", ctx)


def _show(value, kind: str) -> str:
    """A figure as the page prints it: rates as percentages with one decimal, '—' for none."""
    if value is None:
        return "—"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "num":
        return f"{value:.1f}"
    return str(value)


def _pct(value):
    return None if value is None else round(value * 100, 1)


@login_required
@reading_from_replica()
def metrics_export(request):
    actor = request.user
    if not selectors_pages.is_node_staff(actor, p.METRICS):
        raise Http404
    _form, q = _query(request)
    if q is None:
        messages.error(request, _("Please correct the period or filters first."))
        return redirect("workorders:metrics")
    rows, total = _figures(actor, q["params"])
    scope = q["node"].name if q["node"] else _("Everything I can see")
    data = metrics_workbook(
        title=_("Work-order metrics (综合评价): %(scope)s") % {"scope": scope},
        period=_("Period: %(period)s") % {"period": q["period"]},
        rows=rows,
        total=total,
        group_title=_group_title(q["params"]["group_by"]),
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="workorder-metrics-{q["period"].replace(" ", "")}.xlsx"'
    )
    return response


urlpatterns = [
    path("metrics/", metrics_page, name="metrics"),
    path("metrics/export.xlsx", metrics_export, name="metrics_export"),
]
