"""Volunteers (志愿者), teams (志愿服务队), volunteer orders (订单, claimed first come first
served: 抢单), their service records (志愿服务记录) and small wishes (微心愿).

* A volunteer is a person of the street with a login: usually a resident (their household
  tells where they live and, to those allowed, whether they are a party member), sometimes
  staff. Skills say what orders they are offered; teams group them (joining may need the
  team's approval).
* An order is a job with a capacity: ``capacity`` volunteers win it, however many claim
  at once (``core.claims``); each claim is checked in and out on the job, and when the
  served resident or staff confirm the result, each volunteer who checked out gets a
  service record and the points the standard gives (``linli.points``). An order made
  from a work order moves that order along with it.
* A small wish is posted for a resident in difficulty; one claimant fulfils it, with a
  photo, and the resident confirms. Its public text names no one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from linli.core.attachments import PhotoBase
from linli.core.models import StreetOwned
from linli.core.timeline import TimelineEvent
from linli.grids.models import GridNode, Unit
from linli.grids.scope import NODE, OWNER, Rule, ScopeSpec


class Skill(models.TextChoices):
    CARPENTRY = "carpentry", _("Carpentry, wooden doors")  # 木工/木门维修
    PLUMBING_ELECTRIC = "plumbing_electric", _("Plumbing and wiring")  # 水电
    APPLIANCES = "appliances", _("Household appliances")  # 家电维修
    DRAINS = "drains", _("Unblocking drains")  # 管道疏通
    HAIRCUT = "haircut", _("Haircuts")  # 理发
    ELDER_CARE = "elder_care", _("Keeping the elderly company")  # 助老陪护
    DIGITAL = "digital", _("Teaching phones and computers")  # 电脑手机教学
    GENERAL = "general", _("General help")  # 其他


class Volunteer(StreetOwned):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="volunteer"
    )
    resident = models.ForeignKey(
        "registry.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="volunteer_profiles",
        verbose_name=_("resident"),
    )
    grid = models.ForeignKey(
        GridNode,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lives in grid"),
        help_text=_("Orders nearest to this grid are shown first."),
    )
    skills = models.JSONField(_("skills"), default=list, blank=True)
    availability = models.CharField(_("available"), max_length=100, blank=True)
    active = models.BooleanField(_("active"), default=True)
    joined_at = models.DateTimeField(_("joined"))

    scope = ScopeSpec(node="grid", owner="user")

    class Meta:
        indexes = [models.Index(fields=["street", "active"])]
        ordering = ["id"]
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if self.resident_id:
            return self.resident.name
        return getattr(self.user, "display_name", "") or str(self.user)

    def skill_labels(self) -> list[str]:
        return [str(Skill(s).label) for s in self.skills if s in Skill.values]


class Team(StreetOwned):
    """A volunteer team (阡上"微"修志愿服务队). ``unit``: the team as a unit work orders can
    be dispatched to. With ``needs_approval`` a request to join waits for the leader."""

    name = models.CharField(_("name"), max_length=60)
    unit = models.OneToOneField(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="volunteer_team"
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    needs_approval = models.BooleanField(_("joining needs approval"), default=True)
    description = models.CharField(_("about the team"), max_length=200, blank=True)

    scope = ScopeSpec(node=None)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["street", "name"], name="team_name_unique")]
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")

    def __str__(self) -> str:
        return self.name


class MemberState(models.TextChoices):
    PENDING = "pending", _("Asked to join")
    MEMBER = "member", _("Member")
    LEFT = "left", _("Left")
    DECLINED = "declined", _("Not accepted")


class TeamMember(StreetOwned):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="memberships")
    state = models.CharField(_("state"), max_length=10, choices=MemberState.choices)
    asked_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "volunteer"],
                condition=Q(state__in=["pending", "member"]),
                name="team_member_once",
            )
        ]
        indexes = [models.Index(fields=["street", "team", "state"])]
        verbose_name = _("team member")
        verbose_name_plural = _("team members")

    def __str__(self) -> str:
        return f"{self.volunteer_id} in {self.team_id} ({self.state})"


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # written, not yet published
    OPEN = "open", _("Open for claiming")  # published: volunteers claim places
    WORKING = "working", _("Being done")  # a volunteer checked in
    DONE = "done", _("Done")  # the result is confirmed (terminal)
    CANCELLED = "cancelled", _("Cancelled")  # (terminal)
    EXPIRED = "expired", _("Expired")  # nobody claimed it in time (terminal)


class OrderResult(models.TextChoices):
    FIXED = "fixed", _("Fixed")  # 修好
    NOT_FIXED = "not_fixed", _("Not fixed")  # 未修好
    TO_PROPERTY = "to_property", _("Needs the property company")  # 需转物业


class VolunteerOrder(StreetOwned):
    """One volunteer job (维修订单): what, which skill, how many volunteers, when, where, for
    whom, and the points on offer (the standard's, when published)."""

    number = models.CharField(_("number"), max_length=24)
    title = models.CharField(_("what"), max_length=120)
    description = models.TextField(_("details"), blank=True)
    skill = models.CharField(_("skill needed"), max_length=20, choices=Skill.choices)
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="orders",
        verbose_name=_("team"), help_text=_("Blank: every volunteer of the street with the skill."),
    )  # fmt: skip
    capacity = models.PositiveSmallIntegerField(_("volunteers needed"), default=1)
    taken = models.PositiveSmallIntegerField(default=0)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("until"))
    grid = models.ForeignKey(GridNode, on_delete=models.PROTECT, related_name="+")
    dwelling = models.ForeignKey(
        "registry.Dwelling", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    place = models.CharField(_("where"), max_length=200, blank=True)
    resident = models.ForeignKey(
        "registry.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="volunteer_orders",
        verbose_name=_("for (resident)"),
    )
    work_order = models.OneToOneField(
        "workorders.WorkOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="volunteer_order",
    )
    points = models.PositiveIntegerField(_("points per volunteer"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.DRAFT
    )
    result = models.CharField(_("result"), max_length=12, choices=OrderResult.choices, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    full_at = models.DateTimeField(null=True, blank=True)  # when the last place was taken
    confirmed_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)  # the sweep's marker
    updated_at = models.DateTimeField(auto_now=True)

    scope = ScopeSpec(
        node="grid",
        owner="claims__volunteer__user",  # the orders I claimed
        rules={
            "served": Rule(OWNER, "resident__user"),  # the resident the job is for
            "open": Rule(NODE, "grid", (("status", "open"),)),  # what volunteers may claim
        },
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["street", "number"], name="volunteer_order_number"),
            models.CheckConstraint(
                condition=Q(taken__lte=F("capacity")), name="volunteer_order_not_overfilled"
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1, capacity__lte=50), name="volunteer_order_capacity"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="volunteer_order_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="volunteer_order_rating",
            ),
        ]
        indexes = [
            models.Index(fields=["street", "status", "starts_at"]),
            models.Index(fields=["street", "grid", "status"]),
            models.Index(
                fields=["starts_at"], condition=Q(status="open"), name="volunteer_order_open"
            ),
        ]
        ordering = ["-created_at", "-id"]
        verbose_name = _("volunteer order")
        verbose_name_plural = _("volunteer orders")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def places_left(self) -> int:
        return self.capacity - self.taken

    @property
    def stars(self) -> str:
        return "★" * (self.rating or 0)


class OrderEvent(TimelineEvent):
    order = models.ForeignKey(VolunteerOrder, on_delete=models.PROTECT, related_name="events")

    class Meta(TimelineEvent.Meta):
        indexes = [models.Index(fields=["order", "at"])]
        verbose_name = _("volunteer order event")
        verbose_name_plural = _("volunteer order events")


class OrderPhoto(PhotoBase):
    order = models.ForeignKey(VolunteerOrder, on_delete=models.PROTECT, related_name="photos")
    event = models.ForeignKey(
        OrderEvent, on_delete=models.PROTECT, null=True, related_name="photos"
    )

    class Meta:
        indexes = [models.Index(fields=["street", "order"])]
        verbose_name = _("volunteer order photo")
        verbose_name_plural = _("volunteer order photos")

    def __str__(self) -> str:
        return f"{self.order_id} photo"


class ClaimState(models.TextChoices):
    HELD = "held", _("Place taken")
    CHECKED_IN = "checked_in", _("On the job")
    CHECKED_OUT = "checked_out", _("Job finished")
    WITHDRAWN = "withdrawn", _("Withdrew")
    REMOVED = "removed", _("Reassigned by staff")


HOLDING = (ClaimState.HELD, ClaimState.CHECKED_IN, ClaimState.CHECKED_OUT)


class OrderClaim(StreetOwned):
    """A volunteer's place on an order (抢单), then on the job (check-in, check-out)."""

    order = models.ForeignKey(VolunteerOrder, on_delete=models.PROTECT, related_name="claims")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="claims")
    status = models.CharField(_("status"), max_length=12, choices=ClaimState.choices)
    claimed_at = models.DateTimeField(_("claimed at"))
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out"), null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    scope = ScopeSpec(node="order__grid", owner="volunteer__user")

    class Meta:
        constraints = [
            # core.claims: one live claim per volunteer per order.
            models.UniqueConstraint(
                fields=["order", "volunteer"],
                condition=Q(status__in=["held", "checked_in", "checked_out"]),
                name="order_claim_once",
            )
        ]
        indexes = [
            models.Index(fields=["street", "volunteer", "status"]),
            models.Index(fields=["order", "status"]),
        ]
        ordering = ["claimed_at", "id"]
        verbose_name = _("order claim")
        verbose_name_plural = _("order claims")

    def __str__(self) -> str:
        return f"{self.volunteer_id} on {self.order_id} ({self.status})"


class ServiceRecord(StreetOwned):
    """志愿服务记录, after the national rules for recording volunteer service: who served,
    what, where, when, for how many hours (travel not counted), confirmed by whom."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="records")
    order = models.ForeignKey(
        VolunteerOrder, on_delete=models.PROTECT, null=True, blank=True, related_name="records"
    )
    what = models.CharField(_("service"), max_length=120)
    place = models.CharField(_("where"), max_length=200)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("until"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed at"))

    scope = ScopeSpec(node="volunteer__grid", owner="volunteer__user")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gte=0, hours__lte=24), name="service_record_hours"
            ),
            models.UniqueConstraint(
                fields=["order", "volunteer"],
                condition=Q(order__isnull=False),
                name="service_record_once_per_order",
            ),
        ]
        indexes = [models.Index(fields=["street", "volunteer", "started_at"])]
        ordering = ["-started_at", "-id"]
        verbose_name = _("service record")
        verbose_name_plural = _("service records")

    def __str__(self) -> str:
        return f"{self.volunteer_id} {self.what} {self.hours} h"


# --- small wishes (微心愿) ------------------------------------------------------------------------


class WishStatus(models.TextChoices):
    OPEN = "open", _("Waiting for someone")
    CLAIMED = "claimed", _("Someone is on it")
    FULFILLED = "fulfilled", _("Fulfilled, to be confirmed")
    CONFIRMED = "confirmed", _("Confirmed by the resident")  # (terminal)
    CANCELLED = "cancelled", _("Withdrawn")  # (terminal)


class WishKind(models.TextChoices):
    GOODS = "goods", _("Something needed")  # a school bag, a heater
    VISIT = "visit", _("A visit")
    REPAIR = "repair", _("A small repair")
    OTHER = "other", _("Something else")


class Wish(StreetOwned):
    """微心愿 of a resident in difficulty. ``public_text`` is what everyone may read (no name,
    no address below the compound); ``details`` stay with staff and the claimant."""

    number = models.CharField(_("number"), max_length=24)
    kind = models.CharField(_("kind"), max_length=10, choices=WishKind.choices)
    public_text = models.CharField(_("the wish, as published"), max_length=120)
    details = models.TextField(_("details for the helper"), blank=True)
    resident = models.ForeignKey(
        "registry.Resident", on_delete=models.PROTECT, related_name="wishes", verbose_name=_("for")
    )
    grid = models.ForeignKey(GridNode, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=WishStatus.choices, default=WishStatus.OPEN
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    posted_at = models.DateTimeField()
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    claimant_name = models.CharField(_("claimed by"), max_length=60, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = ScopeSpec(
        node="grid",
        owner="claimant",
        rules={
            "for_me": Rule(OWNER, "resident__user"),
            "open": Rule(NODE, None, (("status", "open"),)),  # anyone of the street may help
        },
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["street", "number"], name="wish_number")]
        indexes = [models.Index(fields=["street", "status", "posted_at"])]
        ordering = ["-posted_at", "-id"]
        verbose_name = _("small wish")
        verbose_name_plural = _("small wishes")

    def __str__(self) -> str:
        return f"{self.number} {self.public_text}"


class WishEvent(TimelineEvent):
    wish = models.ForeignKey(Wish, on_delete=models.PROTECT, related_name="events")

    class Meta(TimelineEvent.Meta):
        indexes = [models.Index(fields=["wish", "at"])]
        verbose_name = _("small wish event")
        verbose_name_plural = _("small wish events")


class WishPhoto(PhotoBase):
    wish = models.ForeignKey(Wish, on_delete=models.PROTECT, related_name="photos")
    event = models.ForeignKey(WishEvent, on_delete=models.PROTECT, null=True, related_name="photos")

    class Meta:
        verbose_name = _("small wish photo")
        verbose_name_plural = _("small wish photos")

    def __str__(self) -> str:
        return f"{self.wish_id} photo"
