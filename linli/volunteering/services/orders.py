"""Volunteer orders: write, publish (the volunteers with the skill are told), claim first
come first served (抢单), withdraw, check in and out, reassign, confirm (service records,
points, and the work order moved along), cancel, and the sweep that expires unclaimed
orders.

Every status change goes through the kit (``machine.ORDERS`` / ``CLAIMS``); places through
``machine.PLACES`` (``core.claims``): exactly ``capacity`` volunteers win however many
claim at once, and each volunteer holds at most one place on an order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core.attachments import CleanPhoto, clean_photos
from linli.core.errors import Conflict, InvalidInput
from linli.core.idempotency import claim_key
from linli.core.notify import Message, notify
from linli.core.numbering import next_number
from linli.core.text import clean_text
from linli.grids import permissions as perms
from linli.grids import recipients
from linli.points import services as points
from linli.points.models import EarnKind
from linli.workorders import services as workorders
from linli.workorders.models import WorkOrder
from linli.workorders.workflow import Status as WorkOrderStatus

from .. import permissions as p
from ..machine import CLAIMS, ORDERS, PLACES
from ..models import (
    ClaimState,
    OrderClaim,
    OrderResult,
    OrderStatus,
    ServiceRecord,
    Skill,
    Team,
    Volunteer,
    VolunteerOrder,
)

# The API answers 409 with these; the page shows them as they are. Lazy: said in the
# language of the request that is refused, not of the process that imported this.
FULL = gettext_lazy("All places on this order are taken (已被抢完).")


def _link(order: VolunteerOrder) -> str:
    return reverse("volunteering:order", args=[order.pk])


def _tell(user_ids: Iterable[int], order: VolunteerOrder, kind: str, subject: str) -> list[Message]:
    return [
        Message(
            kind=kind, subject=subject, link=_link(order), user_id=uid, street_id=order.street_id
        )
        for uid in sorted(set(user_ids))
    ]


def eligible_volunteers(order: VolunteerOrder) -> list[int]:
    """Users of the active volunteers who may take this order: the skill, the team."""
    volunteers = Volunteer.objects.filter(street_id=order.street_id, active=True)
    if order.team_id:
        volunteers = volunteers.filter(
            memberships__team_id=order.team_id, memberships__state="member"
        )
    return [
        uid
        for uid, skills in volunteers.values_list("user_id", "skills")
        if order.skill == Skill.GENERAL or order.skill in (skills or [])
    ]


def order_create(
    *,
    actor,
    title: str,
    skill: str,
    capacity: int,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    description: str = "",
    grid=None,
    dwelling=None,
    resident=None,
    place: str = "",
    team: Team | None = None,
    work_order: WorkOrder | None = None,
    publish: bool = False,
    idempotency_key: str = "",
    at: dt.datetime | None = None,
) -> VolunteerOrder:
    """Write an order (a draft; ``publish`` publishes it at once). From a work order (a job
    inside a dwelling the property company does not do): its place and resident, and the
    work order is dispatched to the team's unit, to be moved on by this order."""
    title = clean_text(
        title, field="title", label=_("what is to be done"), required=True, limit=120
    )
    description = clean_text(description, field="description", label=_("the details"), limit=2000)
    place = clean_text(place, field="place", label=_("the place"), limit=200)
    if skill not in Skill.values:
        raise InvalidInput(_("Choose the skill the job needs."), field="skill")
    if not isinstance(capacity, int) or not 1 <= capacity <= 50:
        raise InvalidInput(_("Ask for 1 to 50 volunteers."), field="capacity")
    if ends_at <= starts_at:
        raise InvalidInput(_("The end must be after the start."), field="ends_at")
    now = at or timezone.now()
    with transaction.atomic():
        once = claim_key(
            actor=actor, scope="volunteering.order", key=idempotency_key, model=VolunteerOrder
        )
        if isinstance(once.earlier, VolunteerOrder):
            return once.earlier
        if work_order is not None:
            work_order = perms.get_in_scope(
                WorkOrder.objects.select_related("dwelling__grid", "grid", "reporter_resident"),
                actor, "workorders.dispatch", pk=work_order.pk,
            )  # fmt: skip
            if work_order.status not in (WorkOrderStatus.VERIFIED, WorkOrderStatus.RETURNED):
                raise InvalidInput(
                    _("Only a verified (or returned) request can become a volunteer order."),
                    field="work_order",
                )
            if VolunteerOrder.objects.filter(work_order=work_order).exists():
                raise InvalidInput(
                    _("This request already has a volunteer order."), field="work_order"
                )
            grid = work_order.grid
            dwelling = dwelling or work_order.dwelling
            resident = resident or work_order.reporter_resident
            place = place or work_order.location_display
        if dwelling is not None:
            grid = dwelling.grid
            place = place or dwelling.address
        if grid is None:
            raise InvalidInput(_("Say where the job is."), field="place")
        if not perms.allows(actor, p.MANAGE, grid):
            raise Http404
        if team is not None and team.street_id != grid.street_id:
            raise InvalidInput(_("Choose a team of this street."), field="team")
        if resident is not None and resident.street_id != grid.street_id:
            raise InvalidInput(_("The resident lives in another street."), field="resident")
        street_id = grid.street_id
        number = next_number(street_id, f"volunteer-order-{now.year}")
        order = VolunteerOrder.objects.create(
            street_id=street_id,
            number=f"VO-{now.year}-{number:06d}",
            title=title,
            description=description,
            skill=skill,
            team=team,
            capacity=capacity,
            starts_at=starts_at,
            ends_at=ends_at,
            grid=grid,
            dwelling=dwelling,
            place=place,
            resident=resident,
            work_order=work_order,
            created_by=actor,
            created_at=now,
        )
        ORDERS.append(
            order, actor=actor, role=perms.acting_role(actor, p.MANAGE, order), verb="create",
            from_status="", to_status=OrderStatus.DRAFT, at=now,
            data={"work_order": work_order.number} if work_order else {},
        )  # fmt: skip
        if work_order is not None:
            # The request is dispatched to the team's unit, or kept in the neighbourhood
            # when the order goes to every volunteer with the skill.
            unit = team.unit if team is not None else None
            workorders.workorder_dispatch(
                actor=actor, order=work_order, lead_unit=unit, in_house=unit is None,
                note=_("Made volunteer order %(number)s") % {"number": order.number}, at=now,
            )  # fmt: skip
        once.record(order)
        if publish:
            order = order_publish(actor=actor, order=order, at=now)
    return order


def order_publish(*, actor, order: VolunteerOrder, at=None) -> VolunteerOrder:
    """Publish: the points on offer are the standard's now; the eligible volunteers are told."""

    def apply(o, now):
        rule = points.rule_in_force(o.street_id, EarnKind.VOLUNTEER_ORDER, o.skill, now)
        o.points = rule.points if rule else 0
        o.published_at = now
        return ["points", "published_at"]

    with transaction.atomic():
        order, _e = ORDERS.transition(actor=actor, row=order, name="publish", at=at, apply=apply)
        notify(
            _tell(
                eligible_volunteers(order), order, "volunteering.published",
                _("New volunteer order %(number)s: %(title)s") % {"number": order.number, "title": order.title},
            )
        )  # fmt: skip
    return order


def order_cancel(*, actor, order: VolunteerOrder, reason: str, at=None) -> VolunteerOrder:
    reason = clean_text(reason, field="reason", label=_("the reason"), required=True, limit=500)
    with transaction.atomic():
        order, _e = ORDERS.transition(actor=actor, row=order, name="cancel", at=at, note=reason)
        held = OrderClaim.objects.filter(order=order, status=ClaimState.HELD)
        users = list(held.values_list("volunteer__user_id", flat=True))
        held.update(status=ClaimState.REMOVED, ended_at=at or timezone.now())
        VolunteerOrder.objects.filter(pk=order.pk).update(taken=0)
        notify(
            _tell(
                users,
                order,
                "volunteering.cancelled",
                _("Volunteer order %(number)s is cancelled") % {"number": order.number},
            )
        )
    return order


# --- places ----------------------------------------------------------------------------------


def _volunteer_of(actor, street_id: int) -> Volunteer:
    volunteer = Volunteer.objects.filter(user=actor, street_id=street_id, active=True).first()
    if volunteer is None:
        raise InvalidInput(
            _("Your volunteer profile is not active in this street."), field="volunteer"
        )
    return volunteer


def order_claim(*, actor, order: VolunteerOrder, at=None) -> OrderClaim:
    """抢单: a place on an open order for the volunteer, first come first served. Full, not
    open, not theirs to take, or already taken by them: 409 with the reason, nothing changes."""
    now = at or timezone.now()
    with transaction.atomic():
        order = perms.get_in_scope(VolunteerOrder.objects.all(), actor, p.CLAIM, pk=order.pk)
        volunteer = _volunteer_of(actor, order.street_id)
        if order.skill != Skill.GENERAL and order.skill not in (volunteer.skills or []):
            raise Conflict(
                _("This order needs a skill your profile does not list."), code="no_skill"
            )
        if (
            order.team_id
            and not volunteer.memberships.filter(team_id=order.team_id, state="member").exists()
        ):
            raise Conflict(_("This order is for the members of its team."), code="not_in_team")
        if now >= order.starts_at:
            raise Conflict(
                _("This order has started; it takes no more volunteers."), code="started"
            )
        # The timeline event before the place: taking the place locks the order's row until
        # the commit, and every other volunteer pressing at the same moment waits for it.
        ORDERS.append(order, actor=actor, role="volunteer", verb="claim", at=now,
                      data={"volunteer": volunteer.pk})  # fmt: skip
        claim: OrderClaim = PLACES.take(  # type: ignore[assignment]
            holder_id=order.pk,
            person_id=volunteer.pk,
            open=Q(status=OrderStatus.OPEN),
            values={"street_id": order.street_id, "claimed_at": now},
            messages={"full": str(FULL), "not_open": _("This order is not open for claiming.")},
        )
        VolunteerOrder.objects.filter(
            pk=order.pk, taken=F("capacity"), full_at__isnull=True
        ).update(full_at=now)
    return claim


def claim_withdraw(*, actor, claim: OrderClaim, reason: str = "", at=None) -> OrderClaim:
    """A volunteer gives their place back before the start; the place reopens and the
    eligible volunteers are told."""
    reason = clean_text(reason, field="reason", label=_("the reason"), limit=300)
    now = at or timezone.now()

    def before_start(c, t) -> list[str]:
        if t >= c.order.starts_at:
            raise Conflict(
                _("The job has started: ask the community to take you off it."), code="started"
            )
        return _ended(c, t)

    with transaction.atomic():
        claim, _e = CLAIMS.transition(
            actor=actor, row=claim, name="withdraw", at=now, apply=before_start
        )
        _give_place_back(claim)
        order = claim.order
        ORDERS.append(order, actor=actor, role="volunteer", verb="withdraw", note=reason, at=now,
                      data={"volunteer": claim.volunteer_id})  # fmt: skip
        others = [u for u in eligible_volunteers(order) if u != actor.pk]
        notify(
            _tell(
                others,
                order,
                "volunteering.reopened",
                _("A place is free again on %(number)s: %(title)s")
                % {"number": order.number, "title": order.title},
            )
        )
    return claim


def claim_remove(*, actor, claim: OrderClaim, reason: str, at=None) -> OrderClaim:
    """Staff take a volunteer off an order (to reassign the place); the volunteer is told."""
    reason = clean_text(reason, field="reason", label=_("the reason"), required=True, limit=300)
    now = at or timezone.now()
    with transaction.atomic():
        claim, _e = CLAIMS.transition(actor=actor, row=claim, name="remove", at=now, apply=_ended)
        _give_place_back(claim)
        ORDERS.append(claim.order, actor=actor, role=perms.acting_role(actor, p.MANAGE, claim.order),
                      verb="remove", note=reason, at=now, data={"volunteer": claim.volunteer_id})  # fmt: skip
        notify(
            _tell(
                [claim.volunteer.user_id],
                claim.order,
                "volunteering.removed",
                _("You were taken off %(number)s") % {"number": claim.order.number},
            )
        )
    return claim


def claim_assign(*, actor, order: VolunteerOrder, volunteer: Volunteer, at=None) -> OrderClaim:
    """Staff give a free place to a volunteer (after taking someone off, or by phone)."""
    now = at or timezone.now()
    with transaction.atomic():
        order = perms.get_in_scope(VolunteerOrder.objects.all(), actor, p.MANAGE, pk=order.pk)
        if volunteer.street_id != order.street_id or not volunteer.active:
            raise InvalidInput(_("Choose an active volunteer of this street."), field="volunteer")
        claim: OrderClaim = PLACES.take(  # type: ignore[assignment]
            holder_id=order.pk, person_id=volunteer.pk, open=Q(status=OrderStatus.OPEN),
            values={"street_id": order.street_id, "claimed_at": now},
            messages={"full": str(FULL), "not_open": _("This order is not open for claiming.")},
        )  # fmt: skip
        ORDERS.append(order, actor=actor, role=perms.acting_role(actor, p.MANAGE, order),
                      verb="assign", at=now, data={"volunteer": volunteer.pk})  # fmt: skip
        notify(
            _tell(
                [volunteer.user_id],
                order,
                "volunteering.assigned",
                _("You have a place on %(number)s: %(title)s")
                % {"number": order.number, "title": order.title},
            )
        )
    return claim


def _ended(claim, now) -> list[str]:
    claim.ended_at = now
    return ["ended_at"]


def _give_place_back(claim: OrderClaim) -> None:
    """The place a claim held is free again (``core.claims``; the claim's status already
    changed, so its place is given back by the counter alone)."""
    VolunteerOrder.objects.filter(pk=claim.order_id, taken__gt=0).update(
        taken=F("taken") - 1, full_at=None
    )


def claim_check_in(*, actor, claim: OrderClaim, photos: Iterable = (), at=None) -> OrderClaim:
    """到场: the volunteer checks in (a photo may show the job before). The first check-in
    starts the order, and the work order it came from."""
    cleaned = clean_photos(photos)
    now = at or timezone.now()
    with transaction.atomic():
        claim, _e = CLAIMS.transition(
            actor=actor,
            row=claim,
            name="check_in",
            at=now,
            apply=lambda c, t: _stamp(c, "checked_in_at", t),
        )
        order = VolunteerOrder.objects.select_for_update().get(pk=claim.order_id)
        if order.status == OrderStatus.OPEN:
            order, event = ORDERS.transition(actor=actor, row=order, name="start", at=now)
            if order.work_order_id:
                workorders.workorder_volunteer_started(
                    order=order.work_order, by=actor, role="volunteer", at=now,
                    note=_("Volunteer order %(number)s: the volunteers are at work") % {"number": order.number},
                )  # fmt: skip
        event = ORDERS.append(order, actor=actor, role="volunteer", verb="check_in", at=now,
                              data={"volunteer": claim.volunteer_id})  # fmt: skip
        ORDERS.store_photos(order, event, cleaned, actor)
    return claim


def claim_check_out(
    *, actor, claim: OrderClaim, photos: Iterable = (), note: str = "", at=None
) -> OrderClaim:
    """离开: the volunteer checks out, with a photo of the work done if they have one."""
    cleaned = clean_photos(photos)
    note = clean_text(note, field="note", label=_("what was done"), limit=500)
    now = at or timezone.now()
    with transaction.atomic():
        claim, _e = CLAIMS.transition(
            actor=actor,
            row=claim,
            name="check_out",
            at=now,
            apply=lambda c, t: _stamp(c, "checked_out_at", t),
        )
        order = claim.order
        event = ORDERS.append(order, actor=actor, role="volunteer", verb="check_out", note=note, at=now,
                              data={"volunteer": claim.volunteer_id})  # fmt: skip
        ORDERS.store_photos(order, event, cleaned, actor)
        notify(_tell(recipients.staff_of_grid(order.grid_id), order, "volunteering.checked_out",
                     _("A volunteer finished on %(number)s; confirm the result") % {"number": order.number}))  # fmt: skip
    return claim


def _stamp(row, field: str, now) -> list[str]:
    setattr(row, field, now)
    return [field]


def service_hours(claim: OrderClaim) -> Decimal:
    """Hours served on the job, from check-in to check-out (travel not counted), to the
    tenth of an hour."""
    assert claim.checked_in_at is not None and claim.checked_out_at is not None
    seconds = (claim.checked_out_at - claim.checked_in_at).total_seconds()
    return (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def order_confirm(
    *, actor, order: VolunteerOrder, result: str, rating: int | None = None, note: str = "", at=None
) -> VolunteerOrder:
    """验收: the resident served (or staff) confirm the result (修好 / 未修好 / 需转物业) and
    rate it. Each volunteer who checked out gets a service record and the points of the
    order; the work order moves on (fixed → reported done; else returned to be sent on).
    A second confirmation is refused (409); points are credited once per volunteer."""
    if result not in OrderResult.values:
        raise InvalidInput(_("Choose the result."), field="result")
    if rating is not None and (not isinstance(rating, int) or not 1 <= rating <= 5):
        raise InvalidInput(_("Rate from 1 to 5 stars."), field="rating")
    note = clean_text(note, field="note", label=_("the note"), limit=500)
    now = at or timezone.now()

    def apply(o, t):
        o.result, o.rating, o.confirmed_at = result, rating, t
        return ["result", "rating", "confirmed_at"]

    with transaction.atomic():
        order, event = ORDERS.transition(
            actor=actor, row=order, name="confirm", at=now, note=note, apply=apply,
            data={"result": result, "rating": rating},
        )  # fmt: skip
        finished = list(
            OrderClaim.objects.filter(order=order, status=ClaimState.CHECKED_OUT).select_related(
                "volunteer__resident", "volunteer__user"
            )
        )
        if not finished:
            raise Conflict(
                _("No volunteer has checked out yet: nothing to confirm."), code="nobody_done"
            )
        for claim in finished:
            assert claim.checked_in_at is not None and claim.checked_out_at is not None
            hours = service_hours(claim)
            ServiceRecord.objects.create(
                street_id=order.street_id, volunteer=claim.volunteer, order=order, what=order.title,
                place=order.place, started_at=claim.checked_in_at, ended_at=claim.checked_out_at,
                hours=hours, confirmed_by=actor, confirmed_at=now,
            )  # fmt: skip
            account = points.account_for(
                street_id=order.street_id,
                resident=claim.volunteer.resident,
                user=claim.volunteer.user,
            )
            if order.points:
                points.earn(
                    account=account, kind=EarnKind.VOLUNTEER_ORDER, skill=order.skill,
                    source=f"volunteer-order:{order.pk}:volunteer:{claim.volunteer_id}",
                    reason=_("Volunteer order %(number)s") % {"number": order.number},
                    at=now, actor=actor,
                )  # fmt: skip
        if order.work_order is not None:
            photos = [ph for ph in order.photos.all()]
            workorders.workorder_volunteer_result(
                order=order.work_order, done=result == OrderResult.FIXED, by=actor,
                role=event.actor_role, at=now,
                note=_("Volunteer order %(number)s: %(result)s") % {"number": order.number, "result": OrderResult(result).label}
                + (f" {note}" if note else ""),
                photos=_reuse(photos),
            )  # fmt: skip
        notify(_tell([c.volunteer.user_id for c in finished], order, "volunteering.confirmed",
                     _("Thank you: %(number)s is confirmed and your hours recorded") % {"number": order.number}))  # fmt: skip
    return order


def _reuse(photos) -> list:
    """The order's stored photos, as cleaned photos for the work order's timeline."""
    out = []
    for ph in photos[:9]:
        with ph.image.open("rb") as f:
            data = f.read()
        out.append(
            CleanPhoto(
                ContentFile(data, name=ph.image.name.rsplit("/", 1)[-1]),
                ph.width,
                ph.height,
                len(data),
                "",
            )
        )
    return out


def expire_unclaimed(now: dt.datetime | None = None) -> dict[str, int]:
    """The worker's job: open orders whose start has passed with no place taken expire."""
    now = now or timezone.now()
    taken = ORDERS.bulk_transition(
        VolunteerOrder.objects.filter(status=OrderStatus.OPEN, starts_at__lte=now, taken=0),
        name="expire",
        at=now,
        marker="expired_at",
        note=_("Nobody claimed it before the start."),
    )
    return {"expired": len(taken)}
