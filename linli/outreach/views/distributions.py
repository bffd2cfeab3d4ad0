"""Distributions for staff: the list with each one's coverage, setting one up, its page
(coverage by grid, the panels to start and close it, the timeline), a grid's buildings and
entrances, and the households not yet reached (不漏户)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.actions import act_on_page
from linli.core.errors import LinliError
from linli.grids import permissions as perms
from linli.registry.models import Building

from .. import forms as f
from .. import permissions as p
from .. import selectors, services
from ..actions import DISTRIBUTION_ACTIONS
from ..models import DistributionStatus


def _int(value) -> int | None:
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


@login_required
def board(request):
    """Distributions in one's area, each with its coverage; the drills' figures beside."""
    perms.require(request.user, p.VIEW)
    if not perms.can(request.user, p.MANAGE):  # the phone's handout, or the trainings
        return redirect("outreach:door" if perms.can(request.user, p.RECORD) else "outreach:drills")
    status = request.GET.get("status", "")
    status = status if status in DistributionStatus.values else ""
    rows = list(selectors.distributions(request.user, status=status)[:100])
    totals = selectors.totals_for(request.user, rows)
    return render(
        request,
        "outreach/board.html",
        {
            "rows": [(d, totals[d.pk]) for d in rows],
            "status": status,
            "statuses": DistributionStatus.choices,
            "can_manage": perms.can(request.user, p.MANAGE),
        },
    )


@login_required
def distribution_new(request):
    actor = request.user
    perms.require(actor, p.MANAGE)
    form = f.DistributionForm(request.POST or None, nodes=selectors.area_nodes(actor))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            row = services.distribution_create(
                actor=actor, item=d["item"], item_name=d["item_name"], name=d["name"],
                starts_on=d["starts_on"], ends_on=d["ends_on"], nodes=form.chosen_nodes(),
                stock=d["stock"], note=d["note"], open_now=d["open_now"],
                idempotency_key=d["form_token"],
            )  # fmt: skip
        except LinliError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Distribution %(name)s set up.") % {"name": row.name})
            return redirect("outreach:distribution", pk=row.pk)
    return render(
        request, "outreach/distribution_form.html", {"form": form, "new": True},
        status=400 if form.errors else 200,
    )  # fmt: skip


@login_required
def distribution_edit(request, pk: int):
    actor = request.user
    row = selectors.distribution_get(actor, pk, p.MANAGE)
    initial = {k: getattr(row, k) for k in ("name", "starts_on", "ends_on", "stock", "note")}
    form = f.DistributionEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.distribution_update(
                actor=actor, distribution=row, name=d["name"], starts_on=d["starts_on"],
                ends_on=d["ends_on"], stock=d["stock"], note=d["note"],
            )  # fmt: skip
        except LinliError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("outreach:distribution", pk=row.pk)
    return render(
        request, "outreach/distribution_form.html", {"form": form, "row": row},
        status=400 if form.errors else 200,
    )  # fmt: skip


def _render(request, detail, *, status=200, bound=None, open_form=""):
    forms = DISTRIBUTION_ACTIONS.forms_for(detail, bound=bound)
    return render(
        request,
        "outreach/distribution.html",
        {
            "d": detail,
            "row": detail.distribution,
            "panels": [(DISTRIBUTION_ACTIONS.get(n), form) for n, form in forms.items()],
            "open_form": open_form,
        },
        status=status,
    )


@login_required
def distribution(request, pk: int):
    return _render(request, selectors.distribution_detail(actor=request.user, pk=pk))


@login_required
@require_POST
def distribution_act(request, pk: int, name: str):
    return act_on_page(
        request,
        DISTRIBUTION_ACTIONS,
        lambda: selectors.distribution_detail(actor=request.user, pk=pk),
        lambda detail, **kw: _render(request, detail, **kw),
        reverse("outreach:distribution", args=[pk]),
    )


@login_required
def distribution_grid(request, pk: int, grid: int):
    """One grid of a distribution: its buildings, and each building's entrances."""
    actor = request.user
    row = selectors.distribution_get(actor, pk)
    found = [
        g for g in selectors.visible_grids(actor, selectors.area_grid_ids(row)) if g.pk == grid
    ]
    if not found:
        raise Http404
    buildings = selectors.coverage(actor, row, selectors.BUILDING, grid=found[0])
    entrances = selectors.coverage(actor, row, selectors.ENTRANCE, grid=found[0])
    return render(
        request,
        "outreach/distribution_grid.html",
        {
            "row": row,
            "grid": found[0],
            "cov": buildings,
            "entrances": _entrances_by_building(entrances),
        },
    )


def _entrances_by_building(entrances) -> dict[int, list]:
    from linli.registry.models import Entrance

    building_of = dict(
        Entrance.objects.filter(pk__in=[t.key for t in entrances.rows]).values_list(
            "pk", "building_id"
        )
    )
    out: dict[int, list] = {}
    for t in entrances.rows:
        out.setdefault(building_of[t.key], []).append(t)
    return out


@login_required
def missing(request, pk: int):
    """不漏户: the households not yet reached, by address, for the grid leader to follow up."""
    actor = request.user
    row = selectors.distribution_get(actor, pk)
    grid, building = _int(request.GET.get("grid")), _int(request.GET.get("building"))
    page = selectors.missing_households(
        actor, row, grid=grid, building=building, entrance=_int(request.GET.get("entrance")),
        after=request.GET.get("after", ""), exact=request.GET.get("count") == "exact",
    )  # fmt: skip
    query = "&".join(f"{k}={v}" for k, v in (("grid", grid), ("building", building)) if v)
    return render(
        request,
        "outreach/missing.html",
        {
            "row": row,
            "page": page,
            "query": query,
            "grids": selectors.visible_grids(actor, selectors.area_grid_ids(row)),
            "grid": grid,
            "building": perms.filter_to_scope(
                Building.objects.select_related("compound"), actor, perms.PLACES_VIEW
            )
            .filter(pk=building or 0)
            .first(),
        },
    )


urlpatterns = [
    path("", board, name="board"),
    path("distributions/new/", distribution_new, name="distribution_new"),
    path("distributions/<int:pk>/", distribution, name="distribution"),
    path("distributions/<int:pk>/edit/", distribution_edit, name="distribution_edit"),
    path("distributions/<int:pk>/act/<slug:name>/", distribution_act, name="distribution_act"),
    path("distributions/<int:pk>/grids/<int:grid>/", distribution_grid, name="distribution_grid"),
    path("distributions/<int:pk>/missing/", missing, name="missing"),
]
