"""Volunteer profiles and teams: a person's skills and availability, asking to join a team,
and the leader's (or staff's) decision."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.audit import record_change
from linli.core.errors import Conflict, InvalidInput
from linli.core.notify import Message, notify
from linli.core.text import clean_text
from linli.grids import permissions as perms
from linli.grids.models import Unit, UnitKind
from linli.registry.models import Resident

from .. import permissions as p
from ..models import MemberState, Skill, Team, TeamMember, Volunteer


def volunteer_save(
    *,
    actor,
    street_id: int,
    skills: list[str],
    availability: str = "",
    user=None,
    resident: Resident | None = None,
    at: dt.datetime | None = None,
) -> Volunteer:
    """A volunteer's profile: their own (``user`` None: the actor), or kept by staff for one
    of their volunteers. The home grid comes from the household in the registry."""
    unknown = [s for s in skills if s not in Skill.values]
    if unknown or not skills:
        raise InvalidInput(_("Choose at least one skill from the list."), field="skills")
    availability = clean_text(
        availability, field="availability", label=_("when you are free"), limit=100
    )
    user = user or actor
    if user.pk == actor.pk:
        perms.require(actor, p.JOIN)
        if street_id not in perms.streets(actor, p.JOIN):
            raise Http404
    else:
        perms.require(actor, p.TEAMS)
        if street_id not in perms.streets(actor, p.TEAMS):
            raise Http404
    if resident is None:
        resident = Resident.objects.filter(user=user, street_id=street_id).first()
    if resident is not None and resident.street_id != street_id:
        raise InvalidInput(_("The resident lives in another street."), field="resident")
    with transaction.atomic():
        volunteer, _created = Volunteer.objects.get_or_create(
            user=user,
            defaults={"street_id": street_id, "joined_at": at or timezone.now()},
        )
        if volunteer.street_id != street_id:
            raise InvalidInput(_("This person volunteers in another street."), field="user")
        volunteer.skills = sorted(set(skills))
        volunteer.availability = availability
        volunteer.resident = resident
        volunteer.grid_id = resident.grid_id if resident is not None else volunteer.grid_id
        volunteer.active = True
        volunteer.save()
    return volunteer


def team_join(*, actor, team: Team, at=None) -> TeamMember:
    """Ask to join a team: straight in, or waiting for the leader's approval."""
    now = at or timezone.now()
    volunteer = Volunteer.objects.filter(user=actor, street_id=team.street_id, active=True).first()
    if volunteer is None or team.street_id not in perms.streets(actor, p.JOIN):
        raise Http404
    state = MemberState.PENDING if team.needs_approval else MemberState.MEMBER
    try:
        with transaction.atomic():
            member = TeamMember.objects.create(
                street_id=team.street_id, team=team, volunteer=volunteer, state=state, asked_at=now,
                decided_at=None if team.needs_approval else now,
            )  # fmt: skip
    except IntegrityError:
        raise Conflict(
            _("You have already asked to join this team."), code="already_asked"
        ) from None
    if team.needs_approval and team.leader_id:
        notify(
            [
                Message(
                    kind="volunteering.join_request",
                    subject=_("%(name)s asks to join %(team)s")
                    % {"name": volunteer.name, "team": team.name},
                    user_id=team.leader_id,
                    street_id=team.street_id,
                )
            ]
        )
    return member


def member_decide(*, actor, member: TeamMember, accept: bool, at=None) -> TeamMember:
    """The team's leader (or staff) accept or decline a request to join."""
    now = at or timezone.now()
    with transaction.atomic():
        member = TeamMember.objects.select_for_update().select_related("team").get(pk=member.pk)
        team = member.team
        is_leader = team.leader_id == actor.pk
        if not is_leader and team.street_id not in perms.streets(actor, p.TEAMS):
            raise Http404
        if member.state != MemberState.PENDING:
            raise Conflict(_("This request is already decided."), code="decided")
        member.state = MemberState.MEMBER if accept else MemberState.DECLINED
        member.decided_at, member.decided_by = now, actor
        member.save(update_fields=["state", "decided_at", "decided_by"])
        record_change(actor=actor, target=member, verb="update",
                      summary=_("Request to join a team decided"),
                      changes={"team": team.pk, "volunteer": member.volunteer_id, "accepted": accept})  # fmt: skip
    notify(
        [
            Message(
                kind="volunteering.join_decided",
                subject=(
                    _("Welcome to %(team)s")
                    if accept
                    else _("Your request to join %(team)s was not accepted")
                )
                % {"team": team.name},
                user_id=member.volunteer.user_id,
                street_id=team.street_id,
            )
        ]
    )
    return member


def team_save(
    *,
    actor,
    street_id: int,
    name: str,
    needs_approval: bool = True,
    description: str = "",
    leader=None,
    team: Team | None = None,
) -> Team:
    """A new team (or its name, leader and rules changed). A new team is also a unit of
    the street, so a resident's request can be dispatched to it (派单到服务队)."""
    name = clean_text(name, field="name", label=_("the team's name"), required=True, limit=60)
    description = clean_text(description, field="description", label=_("about the team"), limit=200)
    if street_id not in perms.streets(actor, p.TEAMS):
        raise Http404
    if leader is not None and not perms.streets(leader) & {street_id}:
        raise InvalidInput(_("The leader must have a role in this street."), field="leader")
    with transaction.atomic():
        taken = Team.objects.filter(street_id=street_id, name=name)
        if team is not None:
            team = Team.objects.select_for_update().get(pk=team.pk, street_id=street_id)
            taken = taken.exclude(pk=team.pk)
        if taken.exists():
            raise InvalidInput(_("The street already has a team of that name."), field="name")
        if team is None:
            unit, _made = Unit.objects.get_or_create(  # a team unit the street already listed
                street_id=street_id, kind=UnitKind.VOLUNTEER_TEAM, name=name
            )
            if Team.objects.filter(unit=unit).exists():
                raise InvalidInput(_("The street already has a team of that name."), field="name")
            team = Team(street_id=street_id, unit=unit)
        elif team.unit_id:
            Unit.objects.filter(pk=team.unit_id).update(name=name)
        team.name, team.needs_approval = name, needs_approval
        team.description, team.leader = description, leader
        created = team.pk is None
        team.save()
        record_change(actor=actor, target=team, verb="create" if created else "update",
                      summary=_("Team saved"), changes={"name": name, "needs_approval": needs_approval,
                      "leader": leader.pk if leader else None})  # fmt: skip
    return team
