"""Drills and trainings: the calendar (planned from today) and the list of this year's,
planning one, its page (hold / cancel panels, attendees, photos), editing a planned one,
and the compliance page: the grids and enterprises without this year's drill or training,
with the street's rule."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.actions import act_on_page
from linli.core.attachments import photo_response
from linli.core.errors import LinliError
from linli.grids import permissions as perms

from .. import forms as f
from .. import permissions as p
from .. import selectors, services
from ..actions import DRILL_ACTIONS
from ..models import Drill, DrillKind, DrillStatus


@login_required
def drill_list(request):
    perms.require(request.user, p.VIEW)
    today = timezone.localdate()
    kind = request.GET.get("kind", "")
    kind = kind if kind in DrillKind.values else ""
    year = list(
        selectors.drills(request.user, kind=kind, year=today.year).order_by("-date", "-id")[:300]
    )
    upcoming = [d for d in selectors.upcoming(request.user, today) if not kind or d.kind == kind]
    return render(
        request,
        "outreach/drills.html",
        {
            "upcoming": upcoming,
            "held": [d for d in year if d.status == DrillStatus.HELD],
            "cancelled": [d for d in year if d.status == DrillStatus.CANCELLED],
            "kind": kind,
            "kinds": DrillKind.choices,
            "year": today.year,
            "can_manage": perms.can(request.user, p.MANAGE),
        },
    )


def _form(actor, data=None, *, editing=False, initial=None):
    return f.DrillForm(
        data, nodes=selectors.drill_nodes(actor),
        units=selectors.enterprises(perms.streets(actor, p.MANAGE)), editing=editing,
        initial=initial,
    )  # fmt: skip


@login_required
def drill_new(request):
    actor = request.user
    perms.require(actor, p.MANAGE)
    form = _form(actor, request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        node = form.nodes.get(d["node"])
        try:
            if node is None:
                raise Http404
            drill = services.drill_plan(
                actor=actor, kind=d["kind"], node=node, date=d["date"], place=d["place"],
                topic=d["topic"], units=form.chosen_units(), idempotency_key=d["form_token"],
            )  # fmt: skip
        except LinliError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Planned: the grid's staff are reminded before the day."))
            return redirect("outreach:drill", pk=drill.pk)
    return render(
        request, "outreach/drill_form.html", {"form": form, "new": True},
        status=400 if form.errors else 200,
    )  # fmt: skip


@login_required
def drill_edit(request, pk: int):
    actor = request.user
    drill = perms.get_in_scope(Drill.objects.all(), actor, p.MANAGE, pk=pk)
    initial = {"date": drill.date, "place": drill.place, "topic": drill.topic,
               "units": list(drill.units.values_list("pk", flat=True))}  # fmt: skip
    form = _form(actor, request.POST or None, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.drill_update(actor=actor, drill=drill, date=d["date"], place=d["place"],
                                  topic=d["topic"], units=form.chosen_units())  # fmt: skip
        except LinliError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("outreach:drill", pk=drill.pk)
    return render(
        request, "outreach/drill_form.html", {"form": form, "drill": drill},
        status=400 if form.errors else 200,
    )  # fmt: skip


def _render(request, detail, *, status=200, bound=None, open_form=""):
    forms = DRILL_ACTIONS.forms_for(detail, bound=bound)
    return render(
        request,
        "outreach/drill.html",
        {
            "d": detail,
            "drill": detail.drill,
            "panels": [(DRILL_ACTIONS.get(n), form) for n, form in forms.items()],
            "open_form": open_form,
        },
        status=status,
    )


@login_required
def drill(request, pk: int):
    return _render(request, selectors.drill_detail(actor=request.user, pk=pk))


@login_required
@require_POST
def drill_act(request, pk: int, name: str):
    return act_on_page(
        request,
        DRILL_ACTIONS,
        lambda: selectors.drill_detail(actor=request.user, pk=pk),
        lambda detail, **kw: _render(request, detail, **kw),
        reverse("outreach:drill", args=[pk]),
    )


@login_required
def drill_photo(request, pk: int, photo_pk: int):
    detail = selectors.drill_detail(actor=request.user, pk=pk)
    photo = detail.drill.photos.filter(pk=photo_pk).first()
    if photo is None:
        raise Http404
    return photo_response(photo.image)


@login_required
def compliance(request, rule_form=None):
    """Which grids have held this year's fire drills and which enterprises a training."""
    actor = request.user
    perms.require(actor, p.MANAGE)
    year = timezone.localdate().year
    streets = sorted(perms.streets(actor, p.RULES))
    if rule_form is None and streets:
        rule = services.rule_for(streets[0])
        rule_form = f.RuleForm(initial={"grid_fire_drills": rule.grid_fire_drills,
                                        "enterprise_trainings": rule.enterprise_trainings})  # fmt: skip
    c = selectors.compliance(actor, year)
    return render(
        request,
        "outreach/compliance.html",
        {
            "c": c,
            "rule_form": rule_form,
            "missing_grids": [r for r in c.grids if not r.ok],
            "missing_units": [r for r in c.units if not r.ok],
        },
        status=400 if rule_form is not None and rule_form.errors else 200,
    )


@login_required
@require_POST
def rule(request):
    actor = request.user
    perms.require(actor, p.RULES)
    form = f.RuleForm(request.POST)
    if form.is_valid():
        try:
            services.rule_save(
                actor=actor, street_id=min(perms.streets(actor, p.RULES)), **form.cleaned_data
            )
        except LinliError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The rule is saved."))
            return redirect("outreach:compliance")
    return compliance(request, rule_form=form)


urlpatterns = [
    path("drills/", drill_list, name="drills"),
    path("drills/new/", drill_new, name="drill_new"),
    path("drills/<int:pk>/", drill, name="drill"),
    path("drills/<int:pk>/edit/", drill_edit, name="drill_edit"),
    path("drills/<int:pk>/act/<slug:name>/", drill_act, name="drill_act"),
    path("drills/<int:pk>/photos/<int:photo_pk>/", drill_photo, name="drill_photo"),
    path("compliance/", compliance, name="compliance"),
    path("compliance/rule/", rule, name="rule"),
]
