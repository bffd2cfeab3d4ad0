"""At the door, on a phone (building leaders, grid workers, cadres): pick the distribution,
the building, the entrance; each household with where it stands and one tap to record
已发放 / 拒收 / 不在家. A household's own page takes the quantity and who received it.
Every form carries a one-time token: sent twice (a double tap, a resend), it records once."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from linli.core.errors import LinliError
from linli.core.forms import done_at, new_token
from linli.grids import permissions as perms

from .. import forms as f
from .. import permissions as p
from .. import selectors, services
from ..models import DistributionStatus, Outcome

SAID = {
    Outcome.HANDED: gettext_lazy("%(address)s: handed over."),
    Outcome.REFUSED: gettext_lazy("%(address)s: refused, recorded."),
    Outcome.NOT_HOME: gettext_lazy("%(address)s: nobody at home, visit again."),
}


@login_required
def door(request):
    """The distributions under way the actor records for (straight to the one, if one)."""
    perms.require(request.user, p.RECORD)
    rows = selectors.recordable(request.user)
    if len(rows) == 1:
        return redirect("outreach:door_distribution", pk=rows[0].pk)
    return render(request, "outreach/door.html", {"rows": rows})


@login_required
def door_distribution(request, pk: int):
    """Pick a building: the buildings the actor may visit, each with its progress."""
    d = selectors.distribution_get(request.user, pk, p.RECORD)
    cov = selectors.door_buildings(request.user, d)
    return render(request, "outreach/door_buildings.html", {"row": d, "cov": cov})


@login_required
def door_building(request, pk: int, building: int):
    """Pick an entrance of the building."""
    d = selectors.distribution_get(request.user, pk, p.RECORD)
    found, cov = selectors.door_building(request.user, d, building)
    if len(cov.rows) == 1:
        return redirect("outreach:door_entrance", pk=pk, entrance=cov.rows[0].key)
    return render(
        request, "outreach/door_entrances.html", {"row": d, "building": found, "cov": cov}
    )


@login_required
def door_entrance(request, pk: int, entrance: int):
    """The households of one entrance, each with one tap per outcome."""
    d = selectors.distribution_get(request.user, pk, p.RECORD)
    found, rows = selectors.door_households(request.user, d, entrance)
    handed = sum(1 for r in rows if r.status == Outcome.HANDED)
    reached = sum(1 for r in rows if r.status in (Outcome.HANDED, Outcome.REFUSED))
    return render(
        request,
        "outreach/door_entrance.html",
        {
            "row": d,
            "entrance": found,
            "rows": [(r, new_token()) for r in rows],
            "handed": handed,
            "reached": reached,
            "total": len(rows),
            "running": d.status == DistributionStatus.RUNNING,
        },
    )


def _record(request, d, form) -> bool:
    """Record the visit of a valid form; the message says what happened (or why not)."""
    data = form.cleaned_data
    try:
        visit = services.visit_record(
            actor=request.user, distribution=d, household=data["household"],
            outcome=data["outcome"], quantity=data.get("quantity") or 1,
            recipient=data.get("recipient"), note=data.get("note", ""),
            idempotency_key=data["form_token"], at=done_at(data),
        )  # fmt: skip
    except LinliError as exc:
        messages.error(request, exc.message)
        return False
    address = visit.household.dwelling.address
    messages.success(request, str(SAID[Outcome(visit.outcome)]) % {"address": address})
    return True


@login_required
@require_POST
def door_record(request, pk: int):
    """One tap on a household's row of the entrance page; back to the same page."""
    d = selectors.distribution_get(request.user, pk, p.RECORD)
    form = f.VisitForm(request.POST, members=())
    if not form.is_valid():
        messages.error(request, _("Choose what happened at the door."))
    else:
        _record(request, d, form)
    household = form.cleaned_data.get("household") if form.is_valid() else None
    entrance = (
        selectors.scoped_households(request.user)
        .filter(pk=household or 0, grid_id__in=selectors.area_grid_ids(d))
        .values_list("dwelling__entrance_id", flat=True)
        .first()
    )
    if entrance:
        return redirect("outreach:door_entrance", pk=pk, entrance=entrance)
    return redirect("outreach:door_distribution", pk=pk)


@login_required
def door_household(request, pk: int, household: int):
    """One household: how many and to whom, or refused / nobody at home, with a note."""
    d = selectors.distribution_get(request.user, pk, p.RECORD)
    h = selectors.door_household(request.user, d, household)
    members = list(h.members.order_by("id"))
    form = f.VisitForm(
        request.POST or None, members=members, initial={"household": h.pk, "quantity": 1}
    )
    valid = request.method == "POST" and form.is_valid()
    if valid and form.cleaned_data["household"] == h.pk and _record(request, d, form):
        return redirect("outreach:door_entrance", pk=pk, entrance=h.dwelling.entrance_id)
    visits = selectors.household_visits(request.user, h)
    return render(
        request,
        "outreach/door_household.html",
        {
            "row": d,
            "household": h,
            "form": form,
            "visits": [v for v in visits if v.distribution_id == d.pk],
        },
        status=400 if form.errors else 200,
    )


urlpatterns = [
    path("door/", door, name="door"),
    path("door/<int:pk>/", door_distribution, name="door_distribution"),
    path("door/<int:pk>/buildings/<int:building>/", door_building, name="door_building"),
    path("door/<int:pk>/entrances/<int:entrance>/", door_entrance, name="door_entrance"),
    path("door/<int:pk>/record/", door_record, name="door_record"),
    path("door/<int:pk>/households/<int:household>/", door_household, name="door_household"),
]
