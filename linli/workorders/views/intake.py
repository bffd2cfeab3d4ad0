"""Intake pages: staff (desk 民生小站 / 党群会客厅, 帮办代办, hotline, WeChat group) and
the resident's own "new request" and "my requests".

Staff intake shows possible duplicates while the form is filled in (HTMX, from
``selectors.duplicate_candidates`` on an unsaved order), and again on the new
order's page where they can be merged. A bad photo or missing field re-renders
the form with everything typed kept (files cannot be kept by browsers).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core.errors import InvalidInput
from linli.grids import permissions as perms

from .. import forms as f
from .. import permissions as p
from .. import selectors, selectors_pages, services
from ..models import Channel, WorkOrder

CHANNEL_TITLES = {
    Channel.DESK: gettext_lazy("Service desk intake"),
    Channel.PROXY: gettext_lazy("On behalf of a resident (帮办代办)"),
    Channel.HOTLINE: gettext_lazy("Phone hotline intake"),
    Channel.WECHAT_GROUP: gettext_lazy("Request from a WeChat group message"),
}


def _staff_lists(actor):
    return {
        "categories": selectors_pages.intake_categories(actor),
        "compounds": selectors_pages.intake_compounds(actor),
        "grids": selectors_pages.intake_grids(actor),
    }


@login_required
def staff_new(request):
    actor = request.user
    if not selectors_pages.is_node_staff(actor, p.INTAKE):
        raise Http404
    lists = _staff_lists(actor)
    channel = request.GET.get("channel") or Channel.DESK
    if channel not in dict(f.STAFF_CHANNEL_CHOICES):
        channel = Channel.DESK
    status = 200
    resident = None
    if request.method == "POST":
        form = f.StaffIntakeForm(request.POST, request.FILES, **lists)
        resident = selectors_pages.intake_resident(actor, request.POST.get("reporter_resident"))
        if form.is_valid():
            try:
                order = _staff_intake(actor, form, resident, lists)
            except InvalidInput as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(
                    request,
                    _("Request %(number)s registered. Check the possible duplicates below.")
                    % {"number": order.number},
                )
                return redirect("workorders:detail", pk=order.pk)
        status = 400
        channel = form.data.get("channel") or channel
    else:
        where = f.WHERE_HOME if channel == Channel.PROXY else f.WHERE_COMPOUND
        form = f.StaffIntakeForm(
            initial={"channel": channel, "where": where}, channel=channel, **lists
        )
    return render(
        request,
        "workorders/intake_staff.html",
        {
            "form": form,
            "title": CHANNEL_TITLES.get(channel, CHANNEL_TITLES[Channel.DESK]),
            "channel": channel,
            "channels": f.STAFF_CHANNEL_CHOICES,
            "resident": resident,
            **selectors_pages.page_flags(actor),
        },
        status=status,
    )


def _staff_intake(actor, form, resident, lists) -> WorkOrder:
    d = form.cleaned_data
    if d.get("reporter_resident") and resident is None:
        raise InvalidInput(_("Pick the resident again."), field="reporter_resident")
    proxy = d["channel"] == Channel.PROXY
    categories = {c.pk: c for c in lists["categories"]}
    category = categories.get(d["category"])
    if category is None:
        raise InvalidInput(_("Choose a category."), field="category")
    place: dict = {}
    if d["where"] == f.WHERE_HOME:
        place["dwelling"] = resident.household.dwelling
    elif d["where"] == f.WHERE_COMPOUND:
        compound = {c.pk: c for c in lists["compounds"]}.get(d["compound"])
        if compound is None:
            raise InvalidInput(_("Choose the compound."), field="compound")
        place["compound"] = compound
    else:
        grid = {g.pk: g for g in lists["grids"]}.get(d["grid"])
        if grid is None:
            raise InvalidInput(_("Choose the grid where the problem is."), field="grid")
        place["grid"] = grid
    return services.workorder_intake(
        actor=actor,
        channel=d["channel"],
        category=category,
        description=d["description"],
        location_text=d.get("location_text") or "",
        reporter_resident=resident,
        reporter_name="" if resident else d.get("reporter_name") or "",
        reporter_phone="" if resident else d.get("reporter_phone") or "",
        urgency="urgent" if d.get("urgent") else None,
        photos=d["photos"],
        proxy_consent=d.get("proxy_consent") or "" if proxy else "",
        proxy_present=d.get("proxy_present") or "" if proxy else "",
        idempotency_key=d.get("form_token") or "",
        **place,
    )


@login_required
def resident_search(request):
    """HTMX: residents matching the typed name / last four digits, to pick as the reporter."""
    actor = request.user
    if not selectors_pages.is_node_staff(actor, p.INTAKE):
        raise Http404
    q = (request.GET.get("q") or "").strip()
    rows = selectors_pages.intake_resident_search(actor, q) if q else []
    return render(request, "workorders/_resident_pick.html", {"rows": rows, "q": q})


@login_required
def similar(request):
    """HTMX: open requests that look like the one being typed (same category and place)."""
    actor = request.user
    if not selectors_pages.is_node_staff(actor, p.INTAKE):
        raise Http404
    lists = _staff_lists(actor)
    candidates = []
    try:
        category = {c.pk: c for c in lists["categories"]}.get(int(request.GET.get("category") or 0))
        compound = {c.pk: c for c in lists["compounds"]}.get(int(request.GET.get("compound") or 0))
        resident = selectors_pages.intake_resident(actor, request.GET.get("reporter_resident"))
    except ValueError:
        category = compound = resident = None
    description = (request.GET.get("description") or "")[:2000]
    place = None
    if category is not None and description:
        if request.GET.get("where") == f.WHERE_HOME and resident is not None:
            place = selectors.resolve_place(dwelling=resident.household.dwelling)
        elif compound is not None:
            place = selectors.resolve_place(compound=compound)
    if place is not None:
        probe = selectors.unfiled_order(category=category, description=description, place=place)
        candidates = selectors.duplicate_candidates(actor=actor, order=probe)
    return render(request, "workorders/_similar.html", {"candidates": candidates})


# --- residents -------------------------------------------------------------------------------


@login_required
def mine(request):
    actor = request.user
    if not perms.can(actor, p.REPORT) and not selectors_pages.is_reporter_only(actor):
        raise Http404
    page = Paginator(selectors_pages.my_requests(actor), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "workorders/mine.html",
        {"page": page, "rows": list(page), "can_report": selectors_pages.can_report(actor)},
    )


@login_required
def resident_new(request):
    actor = request.user
    if not selectors_pages.can_report(actor):
        raise Http404
    home = selectors_pages.resident_home(actor)
    lists = {
        "categories": selectors_pages.intake_categories(actor),
        "compounds": selectors_pages.resident_compounds(actor),
        "has_home": home is not None,
    }
    status = 200
    if request.method == "POST":
        form = f.ResidentIntakeForm(request.POST, request.FILES, **lists)
        if form.is_valid():
            try:
                order = _resident_intake(actor, form, home, lists)
            except InvalidInput as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(
                    request,
                    _("Thank you. Your request %(number)s has been received.")
                    % {"number": order.number},
                )
                return redirect("workorders:mine_detail", pk=order.pk)
        status = 400
    else:
        form = f.ResidentIntakeForm(**lists)
    return render(
        request, "workorders/resident_new.html", {"form": form, "home": home}, status=status
    )


def _resident_intake(actor, form, home, lists) -> WorkOrder:
    d = form.cleaned_data
    category = {c.pk: c for c in lists["categories"]}.get(d["category"])
    if category is None:
        raise InvalidInput(_("Choose what kind of problem it is."), field="category")
    place: dict = {}
    if d["where"] == f.WHERE_HOME:
        if home is None:
            raise InvalidInput(_("Choose where the problem is."), field="where")
        place["dwelling"] = home
    elif d["where"] == f.WHERE_COMPOUND:
        compound = {c.pk: c for c in lists["compounds"]}.get(d["compound"])
        if compound is None:
            raise InvalidInput(_("Choose the compound."), field="compound")
        place["compound"] = compound
    return services.workorder_intake(
        actor=actor,
        channel=Channel.SELF_SERVICE,
        category=category,
        description=d["description"],
        location_text=d.get("location_text") or "",
        photos=d["photos"],
        idempotency_key=d.get("form_token") or "",
        **place,
    )


urlpatterns = [
    path("new/", staff_new, name="new"),
    path("new/residents/", resident_search, name="resident_search"),
    path("new/similar/", similar, name="similar"),
    path("mine/", mine, name="mine"),
    path("mine/new/", resident_new, name="resident_new"),
]
