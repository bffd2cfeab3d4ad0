"""E-bike charging: ports and sheds per compound and neighbourhood, 飞线充电 hazards month by
month (where piles are needed), charging sites proposed, built or found unsuitable."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.actions import attempt
from linli.core.errors import InvalidInput
from linli.grids import permissions as perms
from linli.registry.models import Compound

from .. import forms as f
from .. import permissions as p
from .. import selectors, services
from ..actions import CHARGING_ACTIONS, charging_context
from ..models import ChargingSite


def _compounds(actor) -> list[Compound]:
    return list(perms.filter_to_scope(Compound.objects.all(), actor, p.CHARGING).order_by("name"))


def _render(request, *, form=None, status=200):
    actor = request.user
    overview = selectors.charging_overview(actor)
    can_plan = perms.can(actor, p.CHARGING)
    for row in overview.rows:
        for site in row.sites:
            forms = CHARGING_ACTIONS.forms_for(charging_context(actor, site))
            site.panels = [(CHARGING_ACTIONS.get(n), form_) for n, form_ in forms.items()]
    return render(
        request,
        "safety/charging.html",
        {
            "o": overview,
            "form": form or (f.ChargingForm(compounds=_compounds(actor)) if can_plan else None),
        },
        status=status,
    )


@login_required
def charging(request):
    perms.require(request.user, p.VIEW)
    return _render(request)


@login_required
@require_POST
def propose(request):
    actor = request.user
    perms.require(actor, p.CHARGING)
    form = f.ChargingForm(request.POST, compounds=_compounds(actor))
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.charging_propose(
                actor=actor, compound=form.compounds[d["compound"]], kind=d["kind"],
                location=d["location"], ports=d["ports"],
            )  # fmt: skip
        except InvalidInput as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The charging site is proposed."))
            return redirect("safety:charging")
    return _render(request, form=form, status=400)


@login_required
@require_POST
def act(request, pk: int, name: str):
    site = perms.filter_to_scope(ChargingSite.objects.all(), request.user, p.VIEW).filter(pk=pk)
    found = site.select_related("compound").first()
    if found is None:
        raise Http404
    ctx = charging_context(request.user, found)
    tried = attempt(CHARGING_ACTIONS, request.user, ctx, name, request.POST, request.FILES)
    if tried.outcome is None:
        messages.error(request, tried.error or _("Please check what you entered."))
        if tried.bound:
            for form in tried.bound.values():
                for errors in form.errors.values():
                    messages.error(request, " ".join(errors))
        return redirect("safety:charging")
    messages.success(request, tried.outcome.message)
    return redirect("safety:charging")


urlpatterns = [
    path("charging/", charging, name="charging"),
    path("charging/propose/", propose, name="charging_propose"),
    path("charging/<int:pk>/act/<slug:name>/", act, name="charging_act"),
]
