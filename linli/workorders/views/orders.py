"""Staff, unit and resident pages of one work order, and the lists.

* ``queue``: what waits for me (by role and scope); residents go to "my requests".
* ``order_list`` / ``overdue``: filtered lists in the actor's scope.
* ``detail``: the full timeline and one small form per action allowed for this
  user now (``selectors.workorder_detail(...).actions``); residents get the
  plain-language page instead.
* ``act``: POST one action; it goes through the service, so a denied action is
  a 404 and an illegal one a 409 page with the reason, and nothing changes.
* ``slip``: the printable A4 dispatch slip (派遣单).
* ``photo``: a photo of an order, served only to those who may see that event.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core import nav
from linli.core.actions import attempt
from linli.core.attachments import photo_response
from linli.core.paging import capped_count, keyset_page
from linli.grids import permissions as perms
from linli.grids.geo import region_map
from linli.grids.models import NodeKind

from .. import forms as f
from .. import permissions as p
from .. import selectors, selectors_pages
from ..actions import ACTIONS
from ..models import AssignmentRole, Channel
from ..workflow import OPEN, Level, Status
from .display import decorate

PAGE_SIZE = 25


def _require_view(actor) -> None:
    if not perms.can(actor, p.VIEW):
        raise Http404


# --- lists -----------------------------------------------------------------------------------


NEWEST = ("-created_at", "-id")
DUE_FIRST = ("resolve_due", "id")


def _page(request, qs, order):
    """A keyset page: read after the last row of the previous one; counted up to 1,000."""
    return keyset_page(
        qs,
        order=order,
        after=request.GET.get("after", ""),
        size=PAGE_SIZE,
        exact=request.GET.get("count") == "exact",
    )


def _query_without_page(request) -> str:
    q = request.GET.copy()
    for key in ("after", "count", "page"):
        q.pop(key, None)
    return q.urlencode()


@login_required
def queue(request):
    actor = request.user
    _require_view(actor)
    if selectors_pages.is_reporter_only(actor):
        return redirect("workorders:mine")
    page = _page(request, selectors.workorder_queue(actor=actor), DUE_FIRST)
    return render(
        request,
        "workorders/queue.html",
        {
            "page": page,
            "rows": page.rows,
            "query": _query_without_page(request),
            "now": timezone.now(),
            "overdue_count": capped_count(selectors.overdue_list(actor=actor)),
            **selectors_pages.page_flags(actor),
            "unit_view": selectors_pages.is_unit_staff(actor),
        },
    )


@login_required
def order_list(request):
    actor = request.user
    _require_view(actor)
    if selectors_pages.is_reporter_only(actor):
        return redirect("workorders:mine")
    cats = {c.pk: c for c in selectors_pages.street_categories(actor)}
    units = {u.pk: u for u in selectors_pages.street_units(actor)}
    nodes = selectors_pages.filter_nodes(actor)
    form = f.ListFilterForm(
        request.GET or None,
        nodes=nodes,
        categories=cats.values(),
        units=units.values(),
    )
    filters = selectors.WorkOrderFilters()
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        status = d.get("status") or ""
        filters = selectors.WorkOrderFilters(
            node=selectors_pages.node_for(actor, d.get("node")),
            category=cats.get(d.get("category")),
            status=status if status not in ("", "open") else None,
            open_only=status == "open",
            unit=units.get(d.get("unit")),
            created_from=d.get("created_from"),
            created_to=d.get("created_to"),
            number=d.get("number") or "",
        )
    qs = selectors.workorder_list(actor=actor, filters=filters) if not form.errors else None
    page = _page(request, qs, NEWEST) if qs is not None else None
    map_data = None
    grids = [g for g in nodes if g.kind == NodeKind.GRID]
    # The map's counts group every order in scope: only worth it when there is a map.
    if qs is not None and any(g.boundary for g in grids):
        counts = selectors_pages.grid_counts(actor, filters)
        base = request.GET.copy()
        for key in ("page", "node"):
            base.pop(key, None)

        def grid_url(grid) -> str:
            base["node"] = grid.pk
            return f"?{base.urlencode()}"

        map_data = region_map(
            "linli-workorders",
            [(g, counts.get(g.pk, 0), grid_url(g)) for g in grids],
            shaded=True,
        )
    return render(
        request,
        "workorders/list.html",
        {
            "form": form,
            "page": page,
            "rows": page.rows if page else [],
            "query": _query_without_page(request),
            "now": timezone.now(),
            "title": _("All requests"),
            "map_data": map_data,
            **selectors_pages.page_flags(actor),
        },
    )


@login_required
def overdue(request):
    actor = request.user
    _require_view(actor)
    if selectors_pages.is_reporter_only(actor):
        return redirect("workorders:mine")
    page = _page(request, selectors.overdue_list(actor=actor), DUE_FIRST)
    return render(
        request,
        "workorders/overdue.html",
        {
            "page": page,
            "rows": page.rows,
            "now": timezone.now(),
            "query": _query_without_page(request),
            **selectors_pages.page_flags(actor),
        },
    )


# --- one order -------------------------------------------------------------------------------


def detail_context(request, detail, *, bound: dict | None = None, open_form: str = "") -> dict:
    actor = request.user
    order = detail.order
    decorate(detail.events, resident=detail.resident_view)
    now = timezone.now()
    forms = ACTIONS.forms_for(detail, bound=bound)
    return {
        "d": detail,
        "order": order,
        "events": detail.events,
        "forms": forms,
        "panels": [(ACTIONS.get(name), form) for name, form in forms.items()],
        "open_form": open_form,
        "suggestion": selectors.suggest_handler(order) if "dispatch" in forms else None,
        # Other apps' ways onward from a request being dispatched (a volunteer order).
        "dispatch_links": nav.links_for("workorders.dispatch", actor, order)
        if "dispatch" in forms
        else [],
        "active_units": [a for a in detail.assignments if a.active],
        "lead_role": AssignmentRole.LEAD,
        "overdue": order.status in OPEN and order.resolve_due < now,
        "level_label": Level(order.escalation_level).label,
        "channel_label": Channel(order.channel).label,
        "is_open": order.status in OPEN,
        "closed": order.status == Status.CLOSED,
        "now": now,
        **selectors_pages.page_flags(actor),
    }


def _render_detail(request, detail, *, status=200, bound=None, open_form=""):
    ctx = detail_context(request, detail, bound=bound, open_form=open_form)
    template = "workorders/mine_detail.html" if detail.resident_view else "workorders/detail.html"
    return render(request, template, ctx, status=status)


@login_required
def detail(request, pk: int):
    d = selectors.workorder_detail(actor=request.user, pk=pk)
    if d.resident_view:
        return redirect("workorders:mine_detail", pk=pk)
    return _render_detail(request, d)


@login_required
def mine_detail(request, pk: int):
    d = selectors.workorder_detail(actor=request.user, pk=pk)
    if not d.resident_view:
        return redirect("workorders:detail", pk=pk)
    return _render_detail(request, d)


@login_required
@require_POST
def act(request, pk: int, name: str):
    """POST one action. Done → back to the page, confirming what was actually done; bad
    input → the page again (400) with the form kept and the message at the field; not
    possible now (a double click, someone else was faster) → the page (409) with the
    reason. Not this user's to do → 404. Nothing changes unless it is done."""
    actor = request.user
    detail = selectors.workorder_detail(actor=actor, pk=pk)
    tried = attempt(ACTIONS, actor, detail, name, request.POST, request.FILES)
    if tried.outcome is None:
        fresh = selectors.workorder_detail(actor=actor, pk=pk)
        if tried.error:
            messages.error(request, tried.error)
        return _render_detail(
            request, fresh, status=tried.status, bound=tried.bound, open_form=tried.open_form
        )
    messages.success(request, tried.outcome.message)
    return redirect(
        "workorders:mine_detail" if detail.resident_view else "workorders:detail", pk=pk
    )


@login_required
def slip(request, pk: int):
    """派遣单: one A4 page for the unit (number, place, problem, units, deadlines, signatures)."""
    d = selectors.workorder_detail(actor=request.user, pk=pk)
    if d.resident_view:
        raise Http404
    dispatch_events = [e for e in d.events if e.verb == "dispatch"]
    return render(
        request,
        "workorders/slip.html",
        {
            "order": d.order,
            "d": d,
            "active_units": [a for a in d.assignments if a.active],
            "dispatch_event": dispatch_events[-1] if dispatch_events else None,
            "verify_photos": [
                p for e in d.events if e.verb in ("accept", "verify") for p in e.photo_list
            ],
            "printed_at": timezone.now(),
        },
    )


@login_required
def photo(request, pk: int, photo_pk: int):
    return photo_response(selectors_pages.photo_get(request.user, pk, photo_pk).image)


urlpatterns = [
    path("", queue, name="queue"),
    path("list/", order_list, name="list"),
    path("overdue/", overdue, name="overdue"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/act/<slug:name>/", act, name="act"),
    path("<int:pk>/slip/", slip, name="slip"),
    path("<int:pk>/photos/<int:photo_pk>/", photo, name="photo"),
    path("mine/<int:pk>/", mine_detail, name="mine_detail"),
]
