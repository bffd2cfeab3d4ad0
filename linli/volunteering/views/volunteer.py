"""The volunteer's phone pages: orders to claim (nearest first), my jobs with check-in and
check-out, my hours and the service certificate, my profile and teams. Large type, one
task per screen."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.actions import attempt
from linli.core.errors import InvalidInput, LinliError
from linli.grids import permissions as perms

from .. import forms as f
from .. import permissions as p
from .. import selectors, services
from ..actions import CLAIM_ACTIONS, claim_context
from ..models import ClaimState


@login_required
def open_orders(request):
    """抢单: the open orders a volunteer may claim, nearest to where they live first."""
    perms.require(request.user, p.BROWSE)
    return render(
        request,
        "volunteering/open.html",
        {"orders": selectors.open_orders(request.user), "me": selectors.my_volunteer(request.user)},
    )


@login_required
@require_POST
def claim(request, pk: int):
    """Claim a place; "已被抢完" and the other refusals come back as a message, not an error
    page, and nothing changes."""
    order = get_object_or_404(selectors.visible_orders(request.user).only("pk"), pk=pk)
    try:
        services.order_claim(actor=request.user, order=order)
    except LinliError as exc:
        messages.error(request, exc.message)
        return redirect("volunteering:order", pk=pk)
    messages.success(request, _("The place is yours. Thank you! Check in when you arrive."))
    return redirect("volunteering:order", pk=pk)


@login_required
def mine(request):
    """My jobs: coming, on the job, done; each with the one next step as a big button."""
    perms.require(request.user, p.SERVE)
    claims = list(selectors.my_claims(request.user)[:50])
    coming = [c for c in claims if c.status in (ClaimState.HELD, ClaimState.CHECKED_IN)]
    done = [c for c in claims if c.status == ClaimState.CHECKED_OUT]
    me = selectors.my_volunteer(request.user)
    return render(
        request,
        "volunteering/mine.html",
        {
            "coming": coming,
            "done": done[:10],
            "hours": selectors.volunteer_hours(me) if me else 0,
            "me": me,
        },
    )


@login_required
@require_POST
def claim_act(request, pk: int, name: str):
    """A step on one's place (check in, check out, withdraw), or staff taking one off."""
    claim = selectors.claim_get(request.user, pk, p.SERVE if name != "remove" else p.MANAGE)
    tried = attempt(
        CLAIM_ACTIONS,
        request.user,
        claim_context(request.user, claim),
        name,
        request.POST,
        request.FILES,
    )
    if tried.outcome is not None:
        messages.success(request, tried.outcome.message)
    elif tried.error:
        messages.error(request, tried.error)
    else:
        form = next(iter(tried.bound.values()))
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("volunteering:order", pk=claim.order_id)


@login_required
def hours(request):
    """My service records and hours (志愿服务记录), and the certificate to print."""
    perms.require(request.user, p.SERVE)
    me = selectors.my_volunteer(request.user)
    records = list(selectors.my_records(request.user)[:200])
    return render(
        request,
        "volunteering/hours.html",
        {"records": records, "total": sum((r.hours for r in records), 0), "me": me},
    )


@login_required
def certificate(request):
    """志愿服务时长证明: one A4 page listing the confirmed services, to print."""
    perms.require(request.user, p.SERVE)
    me = selectors.my_volunteer(request.user)
    if me is None:
        raise Http404
    records = list(selectors.my_records(request.user).order_by("started_at", "id"))
    return render(
        request,
        "volunteering/certificate.html",
        {
            "me": me,
            "records": records,
            "total": sum((r.hours for r in records), 0),
            "printed_at": timezone.now(),
            "street": me.street,
        },
    )


@login_required
def profile(request):
    """My skills and when I am free; the teams I am in or may ask to join."""
    actor = request.user
    perms.require(actor, p.JOIN)
    me = selectors.my_volunteer(actor)
    street_id = me.street_id if me else min(perms.streets(actor, p.JOIN))
    form = f.ProfileForm(
        request.POST or None,
        initial={"skills": me.skills, "availability": me.availability} if me else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.volunteer_save(
                actor=actor,
                street_id=street_id,
                skills=form.cleaned_data["skills"],
                availability=form.cleaned_data["availability"],
            )
        except InvalidInput as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Saved. Orders needing your skills will come to you."))
            return redirect("volunteering:profile")
    memberships = {m.team_id: m for m in me.memberships.all()} if me else {}
    return render(
        request,
        "volunteering/profile.html",
        {
            "form": form,
            "me": me,
            "teams": [(t, memberships.get(t.pk)) for t in selectors.teams(actor)],
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def join(request, pk: int):
    team = selectors.teams(request.user).filter(pk=pk).first()
    if team is None:
        raise Http404
    try:
        member = services.team_join(actor=request.user, team=team)
    except LinliError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Welcome to the team.")
            if member.state == "member"
            else _("Asked: the team's leader will answer."),
        )
    return redirect("volunteering:profile")


urlpatterns = [
    path("open/", open_orders, name="open"),
    path("orders/<int:pk>/claim/", claim, name="claim"),
    path("mine/", mine, name="mine"),
    path("claims/<int:pk>/act/<slug:name>/", claim_act, name="claim_act"),
    path("hours/", hours, name="hours"),
    path("hours/certificate/", certificate, name="certificate"),
    path("profile/", profile, name="profile"),
    path("teams/<int:pk>/join/", join, name="join"),
]
