"""Volunteer orders for everyone who deals with one: the staff board and the new-order form
(also from a resident's request), the order page (staff, the volunteers on it or who may
claim it, the resident it is for), the repair ledger (维修统计表) and its export, the
roster with join requests."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.actions import attempt
from linli.core.attachments import photo_response
from linli.core.db import reading_from_replica
from linli.core.errors import InvalidInput, LinliError
from linli.core.paging import keyset_page
from linli.grids import permissions as perms
from linli.workorders.selectors import workorder_get

from .. import forms as f
from .. import permissions as p
from .. import selectors, services
from ..actions import CLAIM_ACTIONS, ORDER_ACTIONS, claim_context
from ..ledger import repair_ledger_rows, repair_ledger_workbook
from ..models import OrderStatus
from .photos import shown_photo


@login_required
def board(request):
    """The staff board: orders in one's area, by status, newest first."""
    perms.require(request.user, p.MANAGE)
    status = request.GET.get("status", "")
    status = status if status in OrderStatus.values else ""
    page = keyset_page(
        selectors.orders(request.user, status=status),
        order=("-created_at", "-id"),
        after=request.GET.get("after", ""),
        exact=request.GET.get("count") == "exact",
    )
    query = f"status={status}" if status else ""
    return render(
        request,
        "volunteering/board.html",
        {
            "page": page,
            "rows": page.rows,
            "status": status,
            "statuses": OrderStatus.choices,
            "query": query,
        },
    )


@login_required
def order_new(request):
    """A new order, on its own or from a resident's request (``?work_order=<id>``: a job
    inside a dwelling that the property company does not do)."""
    actor = request.user
    perms.require(actor, p.MANAGE)
    work_order = None
    if request.GET.get("work_order") or request.POST.get("work_order"):
        try:
            wo_id = int(request.GET.get("work_order") or request.POST.get("work_order"))
        except ValueError:
            raise Http404 from None
        work_order = workorder_get(actor=actor, pk=wo_id)
    form = f.OrderForm(
        request.POST or None,
        grids=selectors.order_grids(actor),
        teams=selectors.teams(actor),
        from_request=work_order is not None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            order = services.order_create(
                actor=actor,
                work_order=work_order,
                idempotency_key=form.cleaned_data["form_token"],
                **form.order_values(),
            )
        except InvalidInput as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            said = (
                _("Order %(number)s published: the volunteers are told.")
                if order.status == OrderStatus.OPEN
                else _("Order %(number)s saved as a draft.")
            )
            messages.success(request, said % {"number": order.number})
            return redirect("volunteering:order", pk=order.pk)
    elif request.method == "GET" and work_order is not None:
        form.initial.update(title=work_order.description[:120], place=work_order.location_display)
    return render(
        request,
        "volunteering/order_new.html",
        {"form": form, "work_order": work_order},
        status=400 if form.errors else 200,
    )


def _render_order(request, detail, *, status=200, bound=None, open_form=""):
    claim_forms = {}
    if detail.my_claim is not None:
        claim_forms = CLAIM_ACTIONS.forms_for(claim_context(request.user, detail.my_claim))
    forms = ORDER_ACTIONS.forms_for(detail, bound=bound)
    return render(
        request,
        "volunteering/order.html",
        {
            "d": detail,
            "order": detail.order,
            "panels": [(ORDER_ACTIONS.get(n), form) for n, form in forms.items()],
            "forms": forms,
            "claim_forms": claim_forms,
            "open_form": open_form,
            "can_claim": detail.can_claim,
            "now": timezone.now(),
        },
        status=status,
    )


@login_required
def order(request, pk: int):
    return _render_order(request, selectors.order_detail(actor=request.user, pk=pk))


@login_required
def order_photo(request, pk: int, photo_pk: int):
    """A photo of a step the viewer may see on the order's page (check-in, check-out)."""
    detail = selectors.order_detail(actor=request.user, pk=pk)
    return photo_response(shown_photo(detail, photo_pk).image)


@login_required
@require_POST
def order_act(request, pk: int, name: str):
    detail = selectors.order_detail(actor=request.user, pk=pk)
    tried = attempt(ORDER_ACTIONS, request.user, detail, name, request.POST, request.FILES)
    if tried.outcome is None:
        if tried.error:
            messages.error(request, tried.error)
        fresh = selectors.order_detail(actor=request.user, pk=pk)
        return _render_order(
            request, fresh, status=tried.status, bound=tried.bound, open_form=tried.open_form
        )
    messages.success(request, tried.outcome.message)
    return redirect("volunteering:order", pk=pk)


@login_required
@require_POST
def assign(request, pk: int):
    """Staff give a free place to a volunteer of the roster."""
    detail = selectors.order_detail(actor=request.user, pk=pk)
    volunteer = selectors.roster(request.user).filter(pk=request.POST.get("volunteer") or 0).first()
    if volunteer is None:
        messages.error(request, _("Choose a volunteer of the roster."))
        return redirect("volunteering:order", pk=pk)
    try:
        services.claim_assign(actor=request.user, order=detail.order, volunteer=volunteer)
    except LinliError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("%(name)s has the place and is told.") % {"name": volunteer.name}
        )
    return redirect("volunteering:order", pk=pk)


@login_required
def ledger(request):
    """维修统计表: the confirmed repairs, as the community keeps them on paper."""
    perms.require(request.user, p.MANAGE)
    rows = repair_ledger_rows(request.user, limit=200)
    return render(request, "volunteering/ledger.html", {"rows": rows})


@login_required
@reading_from_replica()
def ledger_export(request):
    """The ledger as .xlsx, with exactly the paper's eight columns (phones masked unless the
    viewer may see them, and then the export is recorded in the access log)."""
    perms.require(request.user, p.MANAGE)
    data, name = repair_ledger_workbook(request.user)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def roster(request, team_form=None):
    """The volunteers of one's area with their skills, hours and jobs; the teams (and a new
    one); join requests."""
    perms.require(request.user, p.TEAMS)
    return render(
        request,
        "volunteering/roster.html",
        {
            "volunteers": list(selectors.roster(request.user)[:300]),
            "pending": list(selectors.pending_members(request.user)),
            "teams": list(selectors.team_rows(request.user)),
            "team_form": team_form or f.TeamForm(leaders=selectors.possible_leaders(request.user)),
        },
        status=400 if team_form is not None else 200,
    )


@login_required
@require_POST
def team_new(request):
    actor = request.user
    perms.require(actor, p.TEAMS)
    leaders = selectors.possible_leaders(actor)
    form = f.TeamForm(request.POST, leaders=leaders)
    if form.is_valid():
        d = form.cleaned_data
        try:
            team = services.team_save(
                actor=actor, street_id=min(perms.streets(actor, p.TEAMS)), name=d["name"],
                description=d["description"], needs_approval=d["needs_approval"],
                leader=next((u for u in leaders if u.pk == d.get("leader")), None),
            )  # fmt: skip
        except InvalidInput as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Team %(name)s set up.") % {"name": team.name})
            return redirect("volunteering:roster")
    return roster(request, team_form=form)


@login_required
@require_POST
def decide(request, pk: int):
    member = selectors.pending_members(request.user).filter(pk=pk).first()
    if member is None:
        raise Http404
    accept = request.POST.get("accept") == "1"
    try:
        services.member_decide(actor=request.user, member=member, accept=accept)
    except LinliError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Accepted.") if accept else _("Declined."))
    return redirect("volunteering:roster")


urlpatterns = [
    path("", board, name="board"),
    path("orders/new/", order_new, name="order_new"),
    path("orders/<int:pk>/", order, name="order"),
    path("orders/<int:pk>/act/<slug:name>/", order_act, name="order_act"),
    path("orders/<int:pk>/photos/<int:photo_pk>/", order_photo, name="order_photo"),
    path("orders/<int:pk>/assign/", assign, name="assign"),
    path("ledger/", ledger, name="ledger"),
    path("ledger.xlsx", ledger_export, name="ledger_export"),
    path("roster/", roster, name="roster"),
    path("roster/teams/new/", team_new, name="team_new"),
    path("roster/requests/<int:pk>/", decide, name="decide"),
]
