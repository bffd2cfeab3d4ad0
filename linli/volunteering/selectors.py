"""Reads of volunteering, each starting from the scope engine."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.workflow import Transition
from linli.grids import permissions as perms
from linli.grids.models import GridNode, NodeKind, Role, StaffAssignment

from . import permissions as p
from .machine import CLAIMS, ORDERS, WISHES
from .models import (
    HOLDING,
    OrderClaim,
    OrderEvent,
    OrderStatus,
    ServiceRecord,
    Team,
    TeamMember,
    Volunteer,
    VolunteerOrder,
    Wish,
    WishEvent,
    WishStatus,
)

ORDER_RELATED = ("grid", "team", "resident", "dwelling__entrance__building__compound")

# How the steps read on an order's or a wish's timeline (beyond the workflows' own labels).
VERBS = {
    "create": _("Written"),
    "post": _("Posted"),
    "claim": _("Claimed a place"),
    "assign": _("Given a place"),
    "withdraw": _("Withdrew"),
    "remove": _("Taken off the order"),
    "check_in": _("Arrived"),
    "check_out": _("Finished"),
}


def label_events(events, *workflows) -> None:
    """Give each timeline event its words: a workflow's transition label, else ``VERBS``."""
    for e in events:
        t = next((wf.transitions[e.verb] for wf in workflows if e.verb in wf.transitions), None)
        e.label = str(t.label) if t else str(VERBS.get(e.verb, e.verb))


def my_volunteer(actor) -> Volunteer | None:
    return Volunteer.objects.filter(user_id=actor.pk).select_related("resident", "grid").first()


def open_orders(actor) -> list[VolunteerOrder]:
    """Open orders the volunteer may claim, nearest first: their own grid, then their
    neighbourhood, then the rest of the street; each by start time."""
    volunteer = my_volunteer(actor)
    qs = perms.filter_to_scope(VolunteerOrder.objects.all(), actor, p.BROWSE).filter(
        status=OrderStatus.OPEN, starts_at__gt=timezone.now()
    )
    if volunteer is not None and volunteer.grid is not None:
        home = volunteer.grid
        neighbourhood = home.path[: -GridNode.steplen]
        qs = qs.annotate(
            distance=Case(
                When(grid_id=home.pk, then=Value(0)),
                When(grid__path__startswith=neighbourhood, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        ).order_by("distance", "starts_at", "id")
    else:
        qs = qs.order_by("starts_at", "id")
    orders = list(qs.select_related(*ORDER_RELATED)[:100])
    mine = set()
    if volunteer is not None:
        mine = set(
            OrderClaim.objects.filter(
                volunteer=volunteer, status__in=HOLDING, order__in=[o.pk for o in orders]
            ).values_list("order_id", flat=True)
        )
    for o in orders:
        o.mine = o.pk in mine
        o.skilled = volunteer is not None and (o.skill == "general" or o.skill in volunteer.skills)
    return orders


def my_claims(actor) -> QuerySet[OrderClaim]:
    return (
        perms.filter_to_scope(OrderClaim.objects.all(), actor, p.SERVE)
        .select_related("order__grid", "order__dwelling__entrance__building__compound")
        .order_by("-order__starts_at", "-id")
    )


def orders(actor, *, status: str = "") -> QuerySet[VolunteerOrder]:
    """The staff board: orders in the actor's subtree, newest first."""
    qs = perms.filter_to_scope(VolunteerOrder.objects.all(), actor, p.MANAGE)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related(*ORDER_RELATED)


def order_grids(actor) -> list[GridNode]:
    """The grids an order may be written for (the new-order form's choices)."""
    grids = GridNode.objects.filter(kind=NodeKind.GRID)
    return list(perms.filter_to_scope(grids, actor, p.MANAGE).order_by("path"))


def visible_orders(actor) -> QuerySet[VolunteerOrder]:
    """Every order the actor may open: staff those of their subtree, a volunteer the ones
    they hold a place on and the open ones of their street, a resident those for them."""
    return VolunteerOrder.objects.filter(
        Q(pk__in=perms.filter_to_scope(VolunteerOrder.objects.all(), actor, p.VIEW).values("pk"))
        | Q(
            pk__in=perms.filter_to_scope(VolunteerOrder.objects.all(), actor, p.BROWSE).values("pk")
        )
    )


def order_list(actor, *, status: str = "", mine: bool = False) -> QuerySet[VolunteerOrder]:
    """``visible_orders`` newest first; ``mine``: only those the actor holds a place on."""
    qs = visible_orders(actor)
    if status:
        qs = qs.filter(status=status)
    if mine:
        held = OrderClaim.objects.filter(volunteer__user_id=actor.pk, status__in=HOLDING)
        qs = qs.filter(pk__in=held.values("order_id"))
    return qs.select_related(*ORDER_RELATED).order_by("-created_at", "-id")


@dataclass
class OrderDetail:
    order: VolunteerOrder
    events: list[OrderEvent]
    claims: list[OrderClaim]
    actions: list[Transition]
    my_claim: OrderClaim | None
    claim_actions: list[Transition] = field(default_factory=list)
    staff: bool = False
    viewer: object = None
    can_claim: bool = False  # a place is the viewer's to claim (when one is left)

    @property
    def row(self) -> VolunteerOrder:
        return self.order

    @property
    def owner_view(self) -> bool:
        return not self.staff


def order_detail(*, actor, pk: int) -> OrderDetail:
    """One order as this viewer may see it: staff, a volunteer who claimed it or may claim
    it, or the resident it is for; everyone else gets 404."""
    order = visible_orders(actor).select_related(*ORDER_RELATED, "work_order").filter(pk=pk).first()
    if order is None:
        raise Http404
    staff = perms.allows(actor, p.MANAGE, order)
    claims = list(
        order.claims.select_related("volunteer__resident", "volunteer__user").order_by(
            "claimed_at", "id"
        )
    )
    my_claim = next(
        (c for c in claims if c.volunteer.user_id == actor.pk and c.status in HOLDING), None
    )
    events = list(
        order.events.select_related("actor").prefetch_related("photos").order_by("at", "id")
    )
    label_events(events, ORDERS.workflow)
    return OrderDetail(
        order=order,
        events=events if staff else [e for e in events if e.public],
        claims=claims if staff else [],
        actions=ORDERS.allowed(actor, order),
        my_claim=my_claim,
        claim_actions=CLAIMS.allowed(actor, my_claim) if my_claim else [],
        staff=staff,
        viewer=actor,
        can_claim=my_claim is None and perms.allows(actor, p.CLAIM, order),
    )


def claim_get(actor, pk: int, action: str = p.SERVE) -> OrderClaim:
    return perms.get_in_scope(OrderClaim.objects.select_related("order"), actor, action, pk=pk)


def claim_for(actor, pk: int) -> OrderClaim:
    """A place the actor may act on: their own (to check in, out, withdraw) or one on an
    order of their subtree (staff, to take the volunteer off); else 404."""
    for action in (p.SERVE, p.MANAGE):
        found = (
            perms.filter_to_scope(OrderClaim.objects.all(), actor, action)
            .select_related("order__grid", "volunteer__resident", "volunteer__user")
            .filter(pk=pk)
            .first()
        )
        if found is not None:
            return found
    raise Http404


def volunteer_hours(volunteer: Volunteer, since: dt.datetime | None = None) -> Decimal:
    qs = ServiceRecord.objects.filter(volunteer=volunteer)
    if since is not None:
        qs = qs.filter(started_at__gte=since)
    return qs.aggregate(h=Sum("hours"))["h"] or Decimal("0")


def my_records(actor) -> QuerySet[ServiceRecord]:
    return perms.filter_to_scope(ServiceRecord.objects.all(), actor, p.SERVE).select_related(
        "order", "confirmed_by"
    )


def roster(actor) -> QuerySet[Volunteer]:
    """The street's volunteers the actor manages, with their hours and orders done."""
    return (
        perms.filter_to_scope(Volunteer.objects.all(), actor, p.TEAMS)
        .select_related("resident__household__dwelling", "user", "grid")
        .annotate(hours=Sum("records__hours"), jobs=Count("records", distinct=True))
        .order_by("-hours", "id")
    )


def teams(actor) -> QuerySet[Team]:
    streets = perms.streets(actor, p.TEAMS) | perms.streets(actor, p.JOIN)
    return Team.objects.filter(street_id__in=streets).order_by("name")


def team_rows(actor) -> QuerySet[Team]:
    """The teams the actor manages, with their members counted."""
    return (
        Team.objects.filter(street_id__in=perms.streets(actor, p.TEAMS))
        .select_related("leader")
        .annotate(member_count=Count("members", filter=Q(members__state="member")))
        .order_by("name")
    )


def possible_leaders(actor) -> list:
    """Who may lead a team: the street's cadres, grid workers and volunteers."""
    leaders = (
        StaffAssignment.objects.filter(
            street_id__in=perms.streets(actor, p.TEAMS),
            role__in=[Role.CADRE, Role.GRID_WORKER, Role.VOLUNTEER],
        )
        .select_related("user")
        .order_by("role", "user__username")
    )
    return list({a.user_id: a.user for a in leaders}.values())


def pending_members(actor) -> QuerySet[TeamMember]:
    led = Q(team__leader_id=actor.pk) | Q(street_id__in=perms.streets(actor, p.TEAMS))
    return TeamMember.objects.filter(led, state="pending").select_related(
        "team", "volunteer__resident", "volunteer__user"
    )


# --- small wishes ------------------------------------------------------------------------------


def public_wishes(street_id: int) -> QuerySet[Wish]:
    """What anyone may read: open and recent wishes, by their published text only."""
    return (
        Wish.objects.filter(street_id=street_id)
        .exclude(status=WishStatus.CANCELLED)
        .only("number", "kind", "public_text", "status", "posted_at", "claimant_name", "grid__name")
        .select_related("grid")
        .order_by("-posted_at", "-id")
    )


def wishes(actor, *, status: str = "") -> QuerySet[Wish]:
    """Wishes the actor may see: staff in their subtree, helpers the open ones and their own,
    a resident those posted for them."""
    ids = Q(pk__in=[])
    for action in (p.WISHES, p.WISH_HELP, p.WISH_FULFIL, p.WISH_CONFIRM):
        ids |= Q(pk__in=perms.filter_to_scope(Wish.objects.all(), actor, action).values("pk"))
    qs = Wish.objects.filter(ids)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("grid").order_by("-posted_at", "-id")


def taken_by_someone_else(actor, pk: int) -> bool:
    """A wish of the actor's street that another helper took up first: the late helper is
    told so (it is no secret that a wish was taken up) rather than shown a missing page."""
    return Wish.objects.filter(
        pk=pk, street_id__in=perms.streets(actor, p.WISH_HELP),
        status__in=[WishStatus.CLAIMED, WishStatus.FULFILLED, WishStatus.CONFIRMED],
    ).exists()  # fmt: skip


@dataclass
class WishDetail:
    wish: Wish
    events: list[WishEvent]
    actions: list[Transition]
    staff: bool
    details_visible: bool
    viewer: object = None

    @property
    def row(self) -> Wish:
        return self.wish

    @property
    def owner_view(self) -> bool:
        return not self.staff


def wish_detail(*, actor, pk: int) -> WishDetail:
    wish = wishes(actor).select_related("resident", "claimant").filter(pk=pk).first()
    if wish is None:
        raise Http404
    staff = perms.allows(actor, p.WISHES, wish)
    helper = wish.claimant_id == actor.pk
    events = list(
        wish.events.select_related("actor").prefetch_related("photos").order_by("at", "id")
    )
    label_events(events, WISHES.workflow)
    return WishDetail(
        wish=wish,
        events=events,
        actions=WISHES.allowed(actor, wish),
        staff=staff,
        details_visible=staff or helper,
        viewer=actor,
    )


# --- figures -------------------------------------------------------------------------------------


@dataclass
class Figures:
    volunteers: int = 0
    party_members: int = 0
    orders_by_status: dict[str, int] = field(default_factory=dict)
    hours: Decimal = Decimal("0")
    avg_minutes_to_full: float | None = None
    top: list[tuple[str, Decimal]] = field(default_factory=list)

    @property
    def party_share(self) -> float:
        return self.party_members / self.volunteers if self.volunteers else 0.0


def figures(actor, *, start: dt.datetime, end: dt.datetime) -> Figures | None:
    """The street's volunteering figures for a period (staff holding the metrics action)."""
    if not perms.can(actor, p.METRICS):
        return None
    streets = perms.streets(actor, p.METRICS)
    volunteers = Volunteer.objects.filter(street_id__in=streets, active=True)
    out = Figures(volunteers=volunteers.count())
    if perms.can(actor, perms.VIEW_PARTY_TAGS):
        out.party_members = (
            volunteers.filter(resident__tag_links__tag__code="party_member").distinct().count()
        )
    in_period = VolunteerOrder.objects.filter(
        street_id__in=streets, created_at__gte=start, created_at__lt=end
    )
    out.orders_by_status = dict(in_period.order_by().values_list("status").annotate(n=Count("id")))
    records = ServiceRecord.objects.filter(
        street_id__in=streets, started_at__gte=start, started_at__lt=end
    )
    out.hours = records.aggregate(h=Sum("hours"))["h"] or Decimal("0")
    filled: list[tuple[dt.datetime, dt.datetime]] = list(
        in_period.filter(full_at__isnull=False, published_at__isnull=False).values_list(
            "published_at", "full_at"
        )  # type: ignore[arg-type]
    )
    if filled:
        out.avg_minutes_to_full = round(
            sum((full - pub).total_seconds() for pub, full in filled) / len(filled) / 60, 1
        )
    top = records.order_by().values_list("volunteer_id").annotate(h=Sum("hours")).order_by("-h")[:5]
    names = {
        v.pk: v.name
        for v in Volunteer.objects.filter(pk__in=[t[0] for t in top]).select_related(
            "resident", "user"
        )
    }
    out.top = [(names.get(vid, ""), h) for vid, h in top]
    return out
