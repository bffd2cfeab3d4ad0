"""On site, on a phone: pick the site (the campaign's list, or a search), fill in the
checklist, see what was recorded; a site's safety record; a hazard seen on patrol."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from linli.core.attachments import photo_response
from linli.core.errors import InvalidInput
from linli.core.forms import done_at
from linli.grids import permissions as perms
from linli.workorders.selectors import workorder_get

from .. import forms as f
from .. import permissions as p
from .. import selectors, services
from ..models import Campaign, CampaignStatus
from ..services import SiteRef


def _campaign(actor, value) -> Campaign | None:
    """The running campaign named in the request (``?campaign=``), if any and in scope."""
    if not value:
        return None
    try:
        pk = int(value)
    except ValueError:
        raise Http404 from None
    found = selectors.campaigns(actor).filter(pk=pk, status=CampaignStatus.RUNNING).first()
    if found is None:
        raise Http404
    return found


def _site(request, kind: str, pk: int) -> SiteRef:
    try:
        return services.resolve(kind, pk, request.GET.get("place") or request.POST.get("place", ""))
    except InvalidInput as exc:
        messages.error(request, exc.message)
        raise Http404 from None


@login_required
def pick(request):
    """Step 1: which site (the campaign's sites still to inspect come first)."""
    actor = request.user
    perms.require(actor, p.INSPECT)
    campaign = _campaign(actor, request.GET.get("campaign"))
    q = request.GET.get("q", "")
    return render(
        request,
        "safety/pick.html",
        {
            "campaign": campaign,
            "campaigns": selectors.running_campaigns(actor),
            "rows": selectors.sites_to_pick(actor, q=q, campaign=campaign),
            "q": q,
        },
    )


@login_required
def inspect(request, kind: str, pk: int):
    """Step 2: the checklist for one site (kept on the phone when there is no signal)."""
    actor = request.user
    site = _site(request, kind, pk)
    services.require_reach(actor, p.INSPECT, site)
    campaign = _campaign(actor, request.GET.get("campaign") or request.POST.get("campaign"))
    form = f.InspectionForm(
        request.POST or None,
        request.FILES or None,
        items=services.checklist_items(site, campaign),
        units=selectors.team_units(site.street_id, campaign),
    )
    if request.method == "POST" and form.is_valid():
        try:
            inspection = services.inspection_record(
                actor=actor, site=site, campaign=campaign, **form.inspection_values()
            )
        except InvalidInput as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            found = inspection.hazards_found
            messages.success(
                request,
                ngettext(
                    "Inspection %(number)s recorded: %(n)d hazard on the site's record.",
                    "Inspection %(number)s recorded: %(n)d hazards on the site's record.",
                    found,
                )
                % {"number": inspection.number, "n": found}
                if found
                else _("Inspection %(number)s recorded: no hazard found.")
                % {"number": inspection.number},
            )
            return redirect("safety:inspection", pk=inspection.pk)
    return render(
        request,
        "safety/inspect.html",
        {"form": form, "site": site, "campaign": campaign, "rows": form.item_rows()},
        status=400 if form.errors else 200,
    )


@login_required
def inspection(request, pk: int):
    d = selectors.inspection_detail(actor=request.user, pk=pk)
    site = SiteRef.of(d.inspection)
    return render(
        request,
        "safety/inspection.html",
        {
            "d": d,
            "i": d.inspection,
            "site": site,
            "can_notice": perms.allows(request.user, p.NOTICES, d.inspection)
            and any(h.status == "open" for h in d.hazards),
        },
    )


@login_required
def inspection_photo(request, pk: int, photo_pk: int):
    d = selectors.inspection_detail(actor=request.user, pk=pk)
    photo = next((ph for ph in d.photos if ph.pk == photo_pk), None)
    if photo is None:
        raise Http404
    return photo_response(photo.image)


@login_required
def site(request, kind: str, pk: int):
    record = selectors.site_record(actor=request.user, kind=kind, pk=pk)
    return render(request, "safety/site.html", {"r": record, "site": record.site})


@login_required
def report_hazard(request, kind: str, pk: int):
    """A hazard seen on patrol (飞线充电 in a stairwell), by staff, a volunteer or a
    building leader."""
    actor = request.user
    site = _site(request, kind, pk)
    services.require_reach(actor, p.REPORT, site)
    items = services.checklist_items(site, None)
    form = f.HazardForm(request.POST or None, request.FILES or None, items=items)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            hazard = services.hazard_report(
                actor=actor,
                site=site,
                description=d["description"],
                item=form.items.get(d.get("item")),
                severity=d["severity"],
                source=d["source"],
                photos=d["photos"],
                idempotency_key=d["form_token"],
                at=done_at(d),
            )
        except InvalidInput as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                _("Thank you: hazard %(number)s is on the record; the grid's staff will see to it.")
                % {"number": hazard.number},
            )
            if perms.allows(actor, p.VIEW, hazard):
                return redirect("safety:hazard", pk=hazard.pk)
            return redirect("core:home")
    return render(
        request,
        "safety/hazard_new.html",
        {"form": form, "site": site},
        status=400 if form.errors else 200,
    )


@login_required
def hazard_from_request(request, pk: int):
    """A resident's request (飞线充电 in the stairwell) put on the compound's safety record:
    the hazard names the request."""
    actor = request.user
    order = workorder_get(actor=actor, pk=pk)
    site = services.request_site(order)
    if site is None:
        raise Http404
    services.require_reach(actor, p.INSPECT, site)
    form = f.HazardForm(
        request.POST or None,
        request.FILES or None,
        items=services.checklist_items(site, None),
        initial={"description": order.description[:300], "source": "patrol"},
    )
    del form.fields["source"]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            hazard = services.hazard_report(
                actor=actor, site=site, description=d["description"],
                item=form.items.get(d.get("item")), severity=d["severity"],
                work_order=order, photos=d["photos"], idempotency_key=d["form_token"],
                at=done_at(d),
            )  # fmt: skip
        except InvalidInput as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Hazard %(number)s is on the site's record.")
                             % {"number": hazard.number})  # fmt: skip
            return redirect("safety:hazard", pk=hazard.pk)
    return render(
        request,
        "safety/hazard_new.html",
        {"form": form, "site": site, "work_order": order},
        status=400 if form.errors else 200,
    )


urlpatterns = [
    path("hazards/from-request/<int:pk>/", hazard_from_request, name="hazard_from_request"),
    path("inspect/", pick, name="pick"),
    path("inspect/<slug:kind>/<int:pk>/", inspect, name="inspect"),
    path("inspections/<int:pk>/", inspection, name="inspection"),
    path("inspections/<int:pk>/photos/<int:photo_pk>/", inspection_photo, name="inspection_photo"),
    path("sites/<slug:kind>/<int:pk>/", site, name="site"),
    path("sites/<slug:kind>/<int:pk>/hazard/", report_hazard, name="hazard_new"),
]
