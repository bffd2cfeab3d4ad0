"""Campaigns for the street and the neighbourhood: the board, a new campaign, its page
(list of sites, live tallies, the summary paragraph, its actions), the printable report,
the campaign ledger (.xlsx) and checklist templates."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.actions import act_on_page
from linli.core.db import reading_from_replica
from linli.core.errors import InvalidInput, LinliError
from linli.core.paging import keyset_page
from linli.grids import permissions as perms
from linli.grids.models import GridNode, NodeKind

from .. import forms as f
from .. import permissions as p
from .. import selectors, services
from ..actions import CAMPAIGN_ACTIONS
from ..ledger import campaign_workbook
from ..models import CampaignStatus, Checklist, Target

SHOWN = 100  # sites listed on a campaign's page


@login_required
def board(request):
    perms.require(request.user, p.VIEW)
    status = request.GET.get("status", "")
    status = status if status in CampaignStatus.values else ""
    qs = selectors.campaigns(request.user)
    if status:
        qs = qs.filter(status=status)
    page = keyset_page(qs, order=("-starts_on", "-id"), after=request.GET.get("after", ""))
    return render(
        request,
        "safety/board.html",
        {
            "page": page,
            "rows": page.rows,
            "status": status,
            "statuses": CampaignStatus.choices,
            "query": f"status={status}" if status else "",
            "can_create": perms.can(request.user, p.CAMPAIGNS),
            "work": selectors.my_open_work(request.user),
        },
    )


def _campaign_form(actor, data=None):
    nodes = selectors.campaign_nodes(actor)
    streets = {n.street_id for n in nodes}
    for street_id in streets:
        services.default_checklist(street_id)
    return f.CampaignForm(
        data,
        nodes=nodes,
        units=selectors.street_units(streets, selectors.TEAM_KINDS),
        checklists=selectors.checklists(streets),
    )


@login_required
def campaign_new(request):
    actor = request.user
    perms.require(actor, p.CAMPAIGNS)
    form = _campaign_form(actor, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(
                actor=actor,
                idempotency_key=form.cleaned_data["form_token"],
                **form.campaign_values(),
            )
        except InvalidInput as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Campaign set up: now put its sites on the list."))
            return redirect("safety:campaign", pk=campaign.pk)
    return render(
        request, "safety/campaign_new.html", {"form": form}, status=400 if form.errors else 200
    )


def _area_grids(campaign) -> list[GridNode]:
    return list(
        GridNode.objects.filter(
            path__startswith=campaign.node.path, kind=NodeKind.GRID, street_id=campaign.street_id
        ).order_by("path")
    )


def _render_campaign(request, detail, *, status=200, bound=None, open_form="", targets_form=None):
    actor = request.user
    campaign = detail.campaign
    can_manage = perms.allows(actor, p.CAMPAIGNS, campaign)
    # The sites still to inspect first; a long list shows its first hundred.
    targets = sorted(selectors.campaign_targets(actor, campaign), key=lambda t: t.inspected)
    shown = targets[:SHOWN]
    forms = CAMPAIGN_ACTIONS.forms_for(detail, bound=bound)
    return render(
        request,
        "safety/campaign.html",
        {
            "d": detail,
            "campaign": campaign,
            "r": detail.report,
            "panels": [(CAMPAIGN_ACTIONS.get(n), form) for n, form in forms.items()],
            "open_form": open_form,
            "targets": shown,
            "targets_more": len(targets) - len(shown),
            "can_manage": can_manage,
            "can_inspect": perms.can(actor, p.INSPECT) and campaign.status == "running",
            "targets_form": targets_form
            if targets_form is not None
            else (f.TargetsForm(grids=_area_grids(campaign)) if can_manage else None),
            "units": list(campaign.units.all()),
        },
        status=status,
    )


@login_required
def campaign(request, pk: int):
    return _render_campaign(request, selectors.campaign_detail(actor=request.user, pk=pk))


@login_required
@require_POST
def campaign_act(request, pk: int, name: str):
    return act_on_page(
        request,
        CAMPAIGN_ACTIONS,
        lambda: selectors.campaign_detail(actor=request.user, pk=pk),
        lambda detail, **kw: _render_campaign(request, detail, **kw),
        reverse("safety:campaign", args=[pk]),
    )


@login_required
@require_POST
def targets_add(request, pk: int):
    detail = selectors.campaign_detail(actor=request.user, pk=pk)
    form = f.TargetsForm(request.POST, grids=_area_grids(detail.campaign))
    if form.is_valid():
        d = form.cleaned_data
        try:
            n = services.targets_add(
                actor=request.user,
                campaign=detail.campaign,
                kinds=d["kinds"],
                grid=form.grids.get(d.get("grid")),
                only_with_open_hazards=d["only_with_open_hazards"],
            )
        except InvalidInput as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("%(n)d sites put on the list.") % {"n": n})
            return redirect("safety:campaign", pk=pk)
    return _render_campaign(request, detail, status=400, targets_form=form)


@login_required
@require_POST
def target_remove(request, pk: int, target_pk: int):
    detail = selectors.campaign_detail(actor=request.user, pk=pk)
    target = Target.objects.filter(campaign=detail.campaign, pk=target_pk).first()
    if target is None:
        raise Http404
    try:
        services.target_remove(actor=request.user, target=target)
    except LinliError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Taken off the list."))
    return redirect("safety:campaign", pk=pk)


@login_required
@reading_from_replica()
def report(request, pk: int):
    """The campaign report on A4, as it is handed to the street's leaders."""
    detail = selectors.campaign_detail(actor=request.user, pk=pk)
    return render(
        request,
        "safety/report_print.html",
        {
            "d": detail,
            "campaign": detail.campaign,
            "r": detail.report,
            "units": list(detail.campaign.units.all()),
        },
    )


@login_required
@reading_from_replica()
def ledger(request, pk: int):
    """The campaign ledger (检查台账): one row per inspection and one per hazard."""
    detail = selectors.campaign_detail(actor=request.user, pk=pk)
    data, name = campaign_workbook(request.user, detail.campaign)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def checklists(request):
    """The street's checklist templates (a new one starts from a copy of another) and the
    wording printed on its notices."""
    actor = request.user
    perms.require(actor, p.CAMPAIGNS)
    streets = perms.streets(actor, p.CAMPAIGNS)
    street_id = min(streets)
    for street in streets:
        services.default_checklist(street)
    rows = list(
        Checklist.objects.filter(street_id__in=streets).prefetch_related("items").order_by("name")
    )
    source = next((c for c in rows if str(c.pk) == request.GET.get("copy")), rows[0])
    wording = services.notice_settings(street_id)
    posted = request.POST if request.method == "POST" else None
    which = request.POST.get("form", "")
    form = f.ChecklistForm(
        posted if which == "checklist" else None, initial={"items": services.items_text(source)}
    )
    wording_form = f.WordingForm(
        posted if which == "wording" else None,
        initial={"authority": wording.authority, "legal_basis": wording.legal_basis,
                 "days_to_rectify": wording.days_to_rectify},
    )  # fmt: skip
    try:
        if which == "checklist" and form.is_valid():
            made = services.checklist_create(actor=actor, street_id=street_id, **form.cleaned_data)
            messages.success(request, _("Checklist %(name)s saved.") % {"name": made.name})
            return redirect("safety:checklists")
        if which == "wording" and wording_form.is_valid():
            services.notice_settings_save(
                actor=actor, street_id=street_id, **wording_form.cleaned_data
            )
            messages.success(request, _("The notices' wording is saved."))
            return redirect("safety:checklists")
    except InvalidInput as exc:
        bound = form if which == "checklist" else wording_form
        bound.add_error(exc.field if exc.field in bound.fields else None, exc.message)
    failed = form.errors or wording_form.errors
    return render(
        request,
        "safety/checklists.html",
        {"rows": rows, "form": form, "source": source, "wording_form": wording_form},
        status=400 if failed else 200,
    )


urlpatterns = [
    path("", board, name="board"),
    path("campaigns/new/", campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", campaign, name="campaign"),
    path("campaigns/<int:pk>/act/<slug:name>/", campaign_act, name="campaign_act"),
    path("campaigns/<int:pk>/targets/", targets_add, name="targets_add"),
    path("campaigns/<int:pk>/targets/<int:target_pk>/remove/", target_remove, name="target_remove"),
    path("campaigns/<int:pk>/report/", report, name="report"),
    path("campaigns/<int:pk>/ledger.xlsx", ledger, name="ledger"),
    path("checklists/", checklists, name="checklists"),
]
