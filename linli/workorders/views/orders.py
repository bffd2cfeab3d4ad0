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
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.errors import IllegalTransition, InvalidInput, LinliError
from linli.grids import permissions as perms
from linli.grids.geo import region_map
from linli.grids.models import NodeKind, UnitKind

from .. import forms as f
from .. import permissions as wo_perms
from .. import selectors, selectors_pages, services
from ..models import AssignmentRole, Channel
from ..workflow import OPEN, P_VIEW, TRANSITIONS, Level, Status, next_status, transition
from .display import decorate

PAGE_SIZE = 25


def _require_view(actor) -> None:
    if not perms.can(actor, P_VIEW):
        raise Http404


# --- lists -----------------------------------------------------------------------------------


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    q = request.GET.copy()
    q.pop("page", None)
    return q.urlencode()


@login_required
def queue(request):
    actor = request.user
    _require_view(actor)
    if selectors_pages.is_reporter_only(actor):
        return redirect("workorders:mine")
    page = _page(request, selectors.workorder_queue(actor=actor))
    return render(
        request,
        "workorders/queue.html",
        {
            "page": page,
            "rows": list(page),
            "now": timezone.now(),
            "overdue_count": selectors.overdue_list(actor=actor).count(),
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
    page = _page(request, qs) if qs is not None else None
    map_data = None
    if qs is not None:
        counts = selectors_pages.grid_counts(actor, filters)
        base = request.GET.copy()
        for key in ("page", "node"):
            base.pop(key, None)

        def grid_url(grid) -> str:
            base["node"] = grid.pk
            return f"?{base.urlencode()}"

        map_data = region_map(
            "linli-workorders",
            [(g, counts.get(g.pk, 0), grid_url(g)) for g in nodes if g.kind == NodeKind.GRID],
            shaded=True,
        )
    return render(
        request,
        "workorders/list.html",
        {
            "form": form,
            "page": page,
            "rows": list(page) if page else [],
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
    page = _page(request, selectors.overdue_list(actor=actor))
    return render(
        request,
        "workorders/overdue.html",
        {
            "page": page,
            "rows": list(page),
            "now": timezone.now(),
            "query": _query_without_page(request),
            **selectors_pages.page_flags(actor),
        },
    )


# --- one order -------------------------------------------------------------------------------

# Actions shown as one form: check (pass) / rework, follow-up (satisfied) / reopen.
FORM_OF = {"rework": "check", "reopen": "follow_up"}
ACTIONS = {FORM_OF.get(n, n) for n in TRANSITIONS}
# The forward step first (its panel opens by default), then the less common ones.
FORM_ORDER = [
    "verify",
    "dispatch",
    "start",
    "report_back",
    "check",
    "follow_up",
    "close",
    "update",
    "return",
    "merge",
    "reject",
    "extend",
    "escalate",
    "withdraw",
]
assert set(FORM_ORDER) == ACTIONS


def _units(order):
    return selectors.dispatch_units(actor=None, order=order)


def _forms_for(actor, detail, bound: dict | None = None) -> dict:
    """One unbound form per allowed action (or the bound one that failed)."""
    order = detail.order
    names = sorted(
        {FORM_OF.get(n, n) for n in detail.action_names}, key=lambda n: FORM_ORDER.index(n)
    )
    forms = {}
    units = None
    for name in names:
        if bound and name in bound:
            forms[name] = bound[name]
            continue
        if name in ("dispatch", "escalate") and units is None:
            units = list(_units(order))
        forms[name] = build_form(actor, detail, name, None, units=units)
    return forms


def build_form(actor, detail, name: str, data, files=None, *, units=None):
    order = detail.order
    if name == "verify":
        return f.VerifyForm(data, files)
    if name in ("reject", "return"):
        return f.ReasonForm(data)
    if name == "withdraw":
        return f.OptionalReasonForm(data)
    if name == "merge":
        candidates = selectors.duplicate_candidates(actor=actor, order=order)
        return f.MergeForm(data, candidates=candidates)
    if name == "dispatch":
        units = units if units is not None else list(_units(order))
        initial = {}
        if data is None:
            suggestion = selectors.suggest_handler(order)
            initial = {
                "lead_unit": suggestion.unit.pk if suggestion.unit else None,
                "in_house": suggestion.in_house,
            }
        form = f.DispatchForm(data, units=units, initial=initial)
        return form
    if name in ("start", "close"):
        return f.NoteForm(data)
    if name == "update":
        return f.UpdateForm(data, files)
    if name == "report_back":
        return f.ReportBackForm(data, files)
    if name == "check":
        return f.CheckForm(data, files)
    if name == "follow_up":
        if detail.resident_view:
            return f.ResidentFollowUpForm(data)
        return f.FollowUpForm(data)
    if name == "escalate":
        units = units if units is not None else list(_units(order))
        departments = [u for u in units if u.kind in (UnitKind.DEPARTMENT, UnitKind.MUNICIPAL)]
        return f.EscalateForm(data, units=departments)
    if name == "extend":
        return f.ExtendForm(data)
    raise Http404


def _run(actor, detail, name: str, form, files) -> None:
    """Call the service for ``name`` with the form's cleaned data."""
    order = detail.order
    d = form.cleaned_data
    photos = files.getlist("photos") if files is not None else []
    if name == "verify":
        services.workorder_verify(actor=actor, order=order, note=d["note"], photos=photos)
    elif name == "reject":
        services.workorder_reject(actor=actor, order=order, reason=d["reason"])
    elif name == "return":
        services.workorder_return(actor=actor, order=order, reason=d["reason"])
    elif name == "withdraw":
        services.workorder_withdraw(actor=actor, order=order, reason=d["reason"])
    elif name == "merge":
        into = selectors.workorder_get(actor=actor, pk=d["into"])
        services.workorder_merge(actor=actor, order=order, into=into, note=d["note"])
    elif name == "dispatch":
        by_pk = {u.pk: u for u in _units(order)}
        lead = by_pk.get(d.get("lead_unit")) if d.get("lead_unit") else None
        co = [by_pk[pk] for pk in d.get("co_units") or [] if pk in by_pk]
        services.workorder_dispatch(
            actor=actor,
            order=order,
            lead_unit=lead,
            co_units=co,
            in_house=bool(d.get("in_house")),
            note=d["note"],
        )
    elif name == "start":
        services.workorder_start(actor=actor, order=order, note=d["note"])
    elif name == "update":
        services.workorder_update(actor=actor, order=order, note=d["note"], photos=photos)
    elif name == "report_back":
        services.workorder_report_back(actor=actor, order=order, note=d["note"], photos=photos)
    elif name == "check":
        services.workorder_check(
            actor=actor,
            order=order,
            passed=d["result"] == f.CHECK_PASS,
            note=d["note"],
            photos=photos,
        )
    elif name == "follow_up":
        services.workorder_follow_up(
            actor=actor, order=order, satisfaction=d["satisfaction"], comment=d["comment"]
        )
    elif name == "close":
        services.workorder_close(actor=actor, order=order, note=d["note"])
    elif name == "escalate":
        units = {u.pk: u for u in _units(order)}
        unit = units.get(d.get("unit")) if d.get("unit") else None
        services.workorder_escalate(actor=actor, order=order, reason=d["reason"], unit=unit)
    elif name == "extend":
        services.workorder_extend(actor=actor, order=order, amount=d["amount"], reason=d["reason"])
    else:  # pragma: no cover - build_form already refused unknown names
        raise Http404


def detail_context(request, detail, *, bound: dict | None = None, open_form: str = "") -> dict:
    actor = request.user
    order = detail.order
    decorate(detail.events, resident=detail.resident_view)
    now = timezone.now()
    forms = _forms_for(actor, detail, bound)
    suggestion = None
    if "dispatch" in forms:
        suggestion = selectors.suggest_handler(order)
    return {
        "d": detail,
        "order": order,
        "events": detail.events,
        "forms": forms,
        "open_form": open_form,
        "suggestion": suggestion,
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
    """POST one action. Allowed → redirect to the page with a message; bad input → the page
    again (400) with the form kept and the message at the field; illegal now (a double click,
    someone else was faster) → the page (409) with the reason. Not allowed → 404."""
    actor = request.user
    detail = selectors.workorder_detail(actor=actor, pk=pk)
    name = FORM_OF.get(name, name)
    if name not in ACTIONS:
        raise Http404
    allowed = {FORM_OF.get(n, n) for n in detail.action_names}
    if name not in allowed:
        # Not offered now: not this user's to do (404, as the service would answer), or
        # the status has moved on — a double click, or someone else was faster (409).
        if not _may(actor, detail, name):
            raise Http404
        try:
            next_status(name, detail.order.status)
        except IllegalTransition as exc:
            messages.error(request, exc.message)
            return _render_detail(request, detail, status=exc.status)
        raise Http404  # pragma: no cover - allowed by status and permission means offered
    form = build_form(actor, detail, name, request.POST, request.FILES)
    if not form.is_valid():
        return _render_detail(request, detail, status=400, bound={name: form}, open_form=name)
    try:
        _run(actor, detail, name, form, request.FILES)
    except InvalidInput as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        fresh = selectors.workorder_detail(actor=actor, pk=pk)
        return _render_detail(request, fresh, status=400, bound={name: form}, open_form=name)
    except LinliError as exc:
        fresh = selectors.workorder_detail(actor=actor, pk=pk)
        messages.error(request, exc.message)
        return _render_detail(request, fresh, status=exc.status)
    messages.success(request, _("Saved: %(action)s.") % {"action": _action_label(name)})
    return redirect(_page_of(detail, pk))


def _may(actor, detail, name) -> bool:
    return wo_perms.may(actor, detail.order, transition(name))


def _action_label(name: str) -> str:
    t = TRANSITIONS.get(name)
    return str(t.label) if t else name


def _page_of(detail, pk: int) -> str:
    return reverse(
        "workorders:mine_detail" if detail.resident_view else "workorders:detail", args=[pk]
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
    p = selectors_pages.photo_get(request.user, pk, photo_pk)
    response = FileResponse(p.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


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
