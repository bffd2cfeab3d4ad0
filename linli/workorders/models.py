"""Resident requests (诉求) as work orders: categories, orders, handling units, timeline, photos.

Reads go through ``selectors.py``, writes through ``services.py``; status moves
follow ``workflow.TRANSITIONS``. Scope (see grids/permissions.py):

* node staff reach an order through its ``grid`` (the grid where it arose);
* unit staff reach orders dispatched to their unit (``assignments__unit``;
  a unit that returned an order still sees its history, but may not act);
* residents reach the orders they reported themselves (``reporter_user``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import pii
from linli.core.attachments import PhotoBase
from linli.core.models import StreetOwned
from linli.core.sla import ClockUnit
from linli.core.timeline import TimelineEvent
from linli.grids.models import GridNode, Unit
from linli.grids.scope import NODE, UNIT, Rule, ScopeSpec
from linli.registry.models import Building, Compound, Dwelling, Resident

from .workflow import OPEN, RUNNING, Level, Satisfaction, Status


class HandlerKind(models.TextChoices):
    """Who handles a category by default; resolved to a concrete unit at dispatch."""

    PROPERTY_COMPANY = "property_company", _("Property company of the compound")
    MUNICIPAL = "municipal", _("Municipal / utility company")
    CITY_MANAGEMENT = "city_management", _("City management squad (城管中队)")
    POLICE = "police", _("Police station (派出所)")
    VOLUNTEER_TEAM = "volunteer_team", _("Volunteer team")
    NEIGHBOURHOOD = "neighbourhood", _("The neighbourhood committee itself")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class Category(StreetOwned):
    """A kind of request (房屋漏水, 停电 ...), configurable per street, as a tree via ``parent``.

    Deadlines: ``response_limit`` (until verified on site) and ``resolve_limit``
    (until closed), both in ``clock_unit`` (working days, or clock hours for
    urgent categories). ``auto_escalate``: the deadline sweep raises an overdue
    order one level (grid → neighbourhood → street) once per overdue episode.
    """

    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent category"),
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=40)
    handler_kind = models.CharField(
        _("default handler"),
        max_length=20,
        choices=HandlerKind.choices,
        default=HandlerKind.NEIGHBOURHOOD,
    )
    default_unit = models.ForeignKey(
        Unit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("default unit"),
        help_text=_("Used when the handler is not the compound's property company."),
    )
    response_limit = models.PositiveSmallIntegerField(_("response deadline"), default=1)
    resolve_limit = models.PositiveSmallIntegerField(_("resolution deadline"), default=5)
    clock_unit = models.CharField(
        _("deadline unit"), max_length=20, choices=ClockUnit.choices, default=ClockUnit.WORKING_DAYS
    )
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    public_area = models.BooleanField(
        _("public-area job"),
        default=False,
        help_text=_("Public areas are the property company's; jobs inside a dwelling are not."),
    )
    auto_escalate = models.BooleanField(_("escalate automatically when overdue"), default=True)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("display order"), default=0)

    scope = ScopeSpec(node=None)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["street", "code"], name="wo_category_code_unique"),
            models.CheckConstraint(
                condition=Q(clock_unit__in=ClockUnit.values), name="wo_category_clock_unit_valid"
            ),
        ]
        ordering = ["order", "id"]
        verbose_name = _("request category")
        verbose_name_plural = _("request categories")

    def __str__(self) -> str:
        return self.name


class Channel(models.TextChoices):
    DESK = "desk", _("Service desk")  # 民生小站 / 党群会客厅
    PROXY = "proxy", _("On behalf of the resident (帮办代办)")
    SELF_SERVICE = "self_service", _("Resident self-service")
    HOTLINE = "hotline", _("Phone hotline")
    WECHAT_GROUP = "wechat_group", _("WeChat group message")
    OPEN311 = "open311", _("Open311 integration")


class ProxyConsent(models.TextChoices):
    """How a resident agreed that a worker files a request for them (帮办代办)."""

    IN_PERSON = "in_person", _("Asked in person, at the desk or at home")
    BY_PHONE = "by_phone", _("Asked by phone")
    FAMILY = "family", _("A family member or guardian agreed for them")
    SIGNED = "signed", _("Signed a paper authorisation")


STAFF_CHANNELS = frozenset(
    {Channel.DESK, Channel.PROXY, Channel.HOTLINE, Channel.WECHAT_GROUP, Channel.OPEN311}
)


class WorkOrder(StreetOwned):
    """One resident request and the work it becomes (诉求 / 工单).

    ``number`` is human-readable and unique per street (WO-2026-000123),
    allocated race-free by ``core.numbering``. ``grid`` is derived at intake
    from the dwelling / building / compound (or chosen by staff for a free-text
    location) so the order lands in that grid's queue. Due dates are computed
    by ``core.sla`` from the category at intake and moved only by ``extend``.
    ``warned_at`` / ``overdue_at`` / ``auto_escalated_at`` are the sweep's
    markers: each is set once by a conditional UPDATE, which makes the sweep
    idempotent.
    """

    number = models.CharField(_("number"), max_length=24)
    public_token = models.UUIDField(default=uuid.uuid4, editable=False)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    # Reporter: a registered resident, a logged-in user, or an outsider known by name and phone.
    reporter_resident = models.ForeignKey(
        Resident,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
        verbose_name=_("reporter (resident)"),
    )
    # grid, category, dwelling and reporter_user are looked up within a street, through the
    # (street, ...) indexes in Meta; an index on each alone only made every write slower.
    reporter_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
        verbose_name=_("reporter (account)"),
        db_index=False,
    )
    reporter_name = models.CharField(_("reporter name"), max_length=60, blank=True)
    reporter_phone_enc = models.TextField(blank=True, editable=False)
    reporter_phone_last4 = models.CharField(max_length=4, blank=True, editable=False)
    intake_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("taken in by"),
    )
    # Location: a dwelling, a compound's (or building's) public area, or free text.
    dwelling = models.ForeignKey(
        Dwelling,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
        db_index=False,
        verbose_name=_("dwelling"),
    )
    building = models.ForeignKey(
        Building,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
        verbose_name=_("building"),
    )
    compound = models.ForeignKey(
        Compound,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
        verbose_name=_("compound"),
    )
    location_text = models.CharField(_("location"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    grid = models.ForeignKey(
        GridNode,
        on_delete=models.PROTECT,
        related_name="work_orders",
        db_index=False,
        verbose_name=_("grid"),
    )
    public_area = models.BooleanField(_("public area"), default=False)

    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="work_orders",
        db_index=False,
        verbose_name=_("category"),
    )
    description = models.TextField(_("description"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACCEPTED
    )
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    response_due = models.DateTimeField(_("respond by"))
    resolve_due = models.DateTimeField(_("resolve by"))
    warn_at = models.DateTimeField(editable=False)
    warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    overdue_at = models.DateTimeField(_("overdue since"), null=True, blank=True)
    auto_escalated_at = models.DateTimeField(null=True, blank=True, editable=False)
    extension_count = models.PositiveSmallIntegerField(_("extensions"), default=0)
    rework_count = models.PositiveSmallIntegerField(_("reworks"), default=0)
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation level"), choices=Level.choices, default=Level.GRID
    )

    lead_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lead unit"),
    )
    in_house = models.BooleanField(
        _("handled by the neighbourhood itself"),
        default=False,
        help_text=_("Dispatched to no outside unit: the neighbourhood committee handles it."),
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("merged into"),
    )
    satisfaction = models.CharField(
        _("satisfaction"), max_length=12, choices=Satisfaction.choices, blank=True
    )
    satisfaction_comment = models.CharField(_("comment"), max_length=300, blank=True)

    created_at = models.DateTimeField(_("accepted at"))
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    reported_done_at = models.DateTimeField(_("reported done at"), null=True, blank=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    scope = ScopeSpec(
        node="grid",
        unit="assignments__unit",  # every unit it was ever dispatched to sees it
        owner="reporter_user",
        rules={
            "in_house": Rule(NODE, "grid", (("in_house", True),)),
            "lead_unit": Rule(UNIT, "lead_unit"),
            "serving": Rule(UNIT, "assignments__unit", (("assignments__active", True),)),
        },
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["street", "number"], name="wo_number_unique"),
            models.UniqueConstraint(fields=["public_token"], name="wo_public_token_unique"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="wo_status_valid"),
            models.CheckConstraint(
                condition=Q(escalation_level__gte=0, escalation_level__lte=3),
                name="wo_escalation_level_valid",
            ),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | Q(status="merged"),
                name="wo_merged_into_only_when_merged",
            ),
        ]
        indexes = [
            models.Index(fields=["street", "grid", "status"]),
            # Queues and overdue lists; with grid and category, "overdue now" per grid is
            # an index-only scan too.
            models.Index(
                fields=["street", "status", "resolve_due", "grid", "category"],
                name="wo_status_due",
            ),
            models.Index(fields=["street", "category", "created_at"]),
            models.Index(fields=["street", "reporter_user"]),
            models.Index(fields=["street", "dwelling"]),
            # The figures (metrics.py) for a period: orders received, due and closed in it,
            # each read by an index-only scan (the trailing columns are what they count and
            # group by; grid and category never change).
            models.Index(
                fields=["street", "created_at", "status", "grid", "category"],
                name="wo_received",
            ),
            models.Index(
                fields=["street", "resolve_due", "status", "closed_at", "grid", "category"],
                name="wo_due_in_period",
            ),
            models.Index(
                fields=["street", "closed_at", "created_at", "grid", "category"],
                condition=Q(status="closed"),
                name="wo_closed",
            ),
            # Duplicate suggestions at intake: the newest open orders of a place and category.
            models.Index(
                fields=["street", "compound", "category", "created_at"],
                condition=Q(status__in=sorted(OPEN)),
                name="wo_open_at_compound",
            ),
            # The street admin's and cadres' queues: open orders escalated above the grid
            # (few), most urgent first; without it a street's queue read every open order.
            models.Index(
                fields=["street", "resolve_due", "id"],
                condition=Q(escalation_level__gt=0, status__in=sorted(OPEN)),
                name="wo_escalated_due",
            ),
            # The sweep's candidates: running orders past their warning time or deadline
            # (finished orders leave these indexes). The sweep's markers (warned_at,
            # overdue_at, auto_escalated_at) are in no index, so stamping them rewrites the
            # row in place (a HOT update: no index is written); see tasks.py.
            models.Index(
                fields=["warn_at"], condition=Q(status__in=sorted(RUNNING)), name="wo_warn"
            ),
            models.Index(
                fields=["resolve_due"], condition=Q(status__in=sorted(RUNNING)), name="wo_due"
            ),
        ]
        ordering = ["-created_at", "-id"]
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")

    def __str__(self) -> str:
        return self.number

    # Clear values only for services (notifications by SMS) and audited unmasking.
    @property
    def reporter_phone(self) -> str:
        if self.reporter_resident_id:
            return self.reporter_resident.phone
        return pii.decrypt(self.reporter_phone_enc)

    def set_reporter_phone(self, value: str) -> None:
        self.reporter_phone_enc = pii.encrypt(value)
        self.reporter_phone_last4 = value[-4:] if value else ""

    @property
    def reporter_phone_masked(self) -> str:
        if self.reporter_resident_id:
            return self.reporter_resident.phone_masked
        return pii.mask_phone(pii.decrypt(self.reporter_phone_enc))

    @property
    def reporter_display(self) -> str:
        if self.reporter_resident_id:
            return self.reporter_resident.name
        if self.reporter_name:
            return self.reporter_name
        return str(self.reporter_user or "")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def location_display(self) -> str:
        """Human location; needs dwelling/building/compound loaded (selectors do it)."""
        if self.dwelling_id:
            return self.dwelling.address
        if self.building_id:
            return str(self.building)
        parts = [self.compound.name] if self.compound_id else []
        if self.location_text:
            parts.append(self.location_text)
        return " ".join(parts)


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("Lead unit")
    CO = "co", _("Co-handler")


class WorkOrderUnit(StreetOwned):
    """A unit a work order was dispatched to. ``active`` is False once the order was
    returned or re-dispatched; the row stays so the unit keeps seeing what it handled."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="work_assignments")
    role = models.CharField(_("role"), max_length=4, choices=AssignmentRole.choices)
    active = models.BooleanField(default=True)
    dispatched_at = models.DateTimeField()
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["order", "unit"], condition=Q(active=True), name="wo_unit_active_unique"
            ),
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(active=True, role="lead"),
                name="wo_one_active_lead",
            ),
        ]
        indexes = [models.Index(fields=["street", "unit", "active"])]
        verbose_name = _("dispatched unit")
        verbose_name_plural = _("dispatched units")

    def __str__(self) -> str:
        return f"{self.order_id} → {self.unit_id} ({self.role})"


class WorkOrderEvent(TimelineEvent):
    """One step on a work order's timeline (append-only; see core.timeline).

    ``grid`` and ``category`` are copies of the order's (neither changes after
    intake), so the figures (``metrics.py``) count, scope and group a month's
    events from one index without joining them to their orders.
    """

    # Indexed by (order, at) below; a second index on order alone only slowed every append.
    order = models.ForeignKey(
        WorkOrder, on_delete=models.PROTECT, related_name="events", db_index=False
    )
    grid = models.ForeignKey(GridNode, on_delete=models.PROTECT, related_name="+", db_index=False)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta(TimelineEvent.Meta):
        indexes = [
            # A period's counts per verb (and grid, category) are an index-only scan.
            models.Index(
                fields=["street", "verb", "at", "grid", "category", "order"],
                name="wo_event_figures",
            ),
            models.Index(fields=["order", "at"]),
        ]
        verbose_name = _("work-order event")
        verbose_name_plural = _("work-order events")

    COPIED = ("grid_id", "category_id")  # the order's columns each event carries a copy of

    def __str__(self) -> str:
        from .views.display import verb_label  # the pages' wording; views import models

        return f"{timezone.localtime(self.at):%Y-%m-%d %H:%M} {verb_label(self.verb)}"


class PhotoKind(models.TextChoices):
    REPORT = "report", _("As reported")
    VERIFY = "verify", _("On-site verification")
    PROGRESS = "progress", _("Progress")
    AFTER = "after", _("After the work")
    CHECK = "check", _("Check")


class WorkOrderPhoto(PhotoBase):
    """A cleaned photo attached to a work order, at one timeline event."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="photos")
    event = models.ForeignKey(
        WorkOrderEvent, on_delete=models.PROTECT, null=True, related_name="photos"
    )
    kind = models.CharField(max_length=10, choices=PhotoKind.choices)

    class Meta:
        indexes = [models.Index(fields=["street", "order"])]
        ordering = ["uploaded_at", "id"]
        verbose_name = _("work-order photo")
        verbose_name_plural = _("work-order photos")

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}"


from .models_open311 import Open311ApiKey  # noqa: E402, F401  (Open311 keys; see that module)
