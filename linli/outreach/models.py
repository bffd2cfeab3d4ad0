"""Door-to-door distributions (灭火毯 发放), drills and trainings (消防演练, 开工第一课).

* A distribution hands one item — a fire blanket, the family fire-safety booklet, a smoke
  alarm — to every household of its grids. Building leaders, grid workers and cadres
  record each visit on their phones (``Visit``): handed over, refused, or nobody at home
  (to visit again). Handed is final: the database takes one "handed" per household and
  distribution. Coverage is counted from the visits, grouped by grid, building, entrance.
* A drill or training is planned for a grid (or a neighbourhood, or the street) and may be
  for enterprises (``units``); it is held (attendance, attendees, photos) or cancelled.
  ``DrillRule`` is the street's rule: how many fire drills a grid holds a year, how many
  trainings an enterprise takes part in.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from linli.core.attachments import PhotoBase
from linli.core.models import AppendOnlyModel, StreetOwned, street_key
from linli.core.timeline import TimelineEvent
from linli.grids.models import GridNode, Unit
from linli.grids.scope import ScopeSpec


class Item(models.TextChoices):
    FIRE_BLANKET = "fire_blanket", _("Fire blanket (灭火毯)")
    BOOKLET = "booklet", _("Family fire-safety booklet (家庭消防安全知识读本)")
    SMOKE_ALARM = "smoke_alarm", _("Smoke alarm (烟感报警器)")
    OTHER = "other", _("Something else")


class DistributionStatus(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    RUNNING = "running", _("Under way")
    CLOSED = "closed", _("Finished")  # (terminal)


class Distribution(StreetOwned):
    """One door-to-door distribution ("a fire blanket for every household")."""

    item = models.CharField(_("what is handed out"), max_length=20, choices=Item.choices)
    item_name = models.CharField(_("the item, in words"), max_length=60, blank=True)
    name = models.CharField(_("name"), max_length=120)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    stock = models.PositiveIntegerField(_("quantity in stock"), null=True, blank=True)
    given = models.PositiveIntegerField(_("quantity handed out"), default=0)
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DistributionStatus.choices,
        default=DistributionStatus.DRAFT,
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = ScopeSpec(node="areas__grid")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(stock__isnull=True) | Q(given__lte=F("stock")),
                name="distribution_not_over_stock",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="distribution_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["street", "status", "starts_on"])]
        ordering = ["-starts_on", "-id"]
        verbose_name = _("distribution")
        verbose_name_plural = _("distributions")

    def __str__(self) -> str:
        return self.name

    @property
    def item_label(self) -> str:
        if self.item == Item.OTHER and self.item_name:
            return self.item_name
        return str(Item(self.item).label)


class DistributionArea(StreetOwned):
    """A grid a distribution covers (a neighbourhood chosen is stored as its grids)."""

    distribution = models.ForeignKey(Distribution, on_delete=models.CASCADE, related_name="areas")
    grid = models.ForeignKey(GridNode, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["street", "distribution", "grid"], name="distribution_area_once"
            )
        ]
        verbose_name = _("distribution area")
        verbose_name_plural = _("distribution areas")

    def __str__(self) -> str:
        return f"{self.distribution_id} · {self.grid_id}"


class DistributionEvent(TimelineEvent):
    distribution = models.ForeignKey(Distribution, on_delete=models.PROTECT, related_name="events")

    class Meta(TimelineEvent.Meta):
        indexes = [models.Index(fields=["street", "distribution", "at"])]
        verbose_name = _("distribution event")
        verbose_name_plural = _("distribution events")


class Outcome(models.TextChoices):
    HANDED = "handed", _("Handed over")
    REFUSED = "refused", _("Refused")
    NOT_HOME = "not_home", _("Nobody at home")


class Visit(AppendOnlyModel):
    """One visit to a household for a distribution, as recorded at the door. Never changed
    (a visit again is a new row); one "handed" per household and distribution."""

    street = street_key()
    distribution = models.ForeignKey(Distribution, on_delete=models.PROTECT, related_name="visits")
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="outreach_visits"
    )
    grid = models.ForeignKey(GridNode, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=0)
    recipient = models.ForeignKey(
        "registry.Resident", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("handed to"),
    )  # fmt: skip
    note = models.CharField(_("note"), max_length=200, blank=True)
    at = models.DateTimeField(_("time"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    by_role = models.CharField(_("role"), max_length=20, blank=True)

    scope = ScopeSpec(
        node="grid",
        leader="household__dwelling__entrance__building__leader",
        owner="household__members__user",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["street", "distribution", "household"],
                condition=Q(outcome="handed"),
                name="outreach_handed_once",
            ),
            models.CheckConstraint(
                condition=Q(outcome="handed", quantity__gte=1, quantity__lte=20)
                | (~Q(outcome="handed") & Q(quantity=0)),
                name="outreach_visit_quantity",
            ),
        ]
        indexes = [
            models.Index(fields=["street", "distribution", "grid"]),
            models.Index(fields=["street", "distribution", "household"]),
            models.Index(fields=["street", "household"]),
        ]
        ordering = ["-at", "-id"]
        verbose_name = _("handout visit")
        verbose_name_plural = _("handout visits")

    def __str__(self) -> str:
        return f"{self.distribution_id} · {self.household_id} · {self.outcome}"


# --- drills and trainings -------------------------------------------------------------------


class DrillKind(models.TextChoices):
    FIRE_DRILL = "fire_drill", _("Fire drill (消防演练)")
    EMERGENCY_DRILL = "emergency_drill", _("Emergency drill (应急演练)")
    TRAINING = "training", _("Safety training (安全培训)")
    FIRST_LESSON = "first_lesson", _("First lesson of the year (开工第一课)")


class DrillStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")  # (terminal)
    CANCELLED = "cancelled", _("Cancelled")  # (terminal)


class Drill(StreetOwned):
    """A drill or training: held by a grid (or a neighbourhood, or the street), and for
    enterprises where ``units`` names them (开工第一课)."""

    kind = models.CharField(_("kind"), max_length=20, choices=DrillKind.choices)
    node = models.ForeignKey(
        GridNode, on_delete=models.PROTECT, related_name="+", verbose_name=_("held by")
    )
    units = models.ManyToManyField(
        Unit, blank=True, related_name="outreach_drills", verbose_name=_("for enterprises"),
        limit_choices_to={"kind": "enterprise"},
    )  # fmt: skip
    date = models.DateField(_("date"))
    place = models.CharField(_("where"), max_length=120)
    topic = models.CharField(_("topic"), max_length=200)
    attendance = models.PositiveIntegerField(_("attendance"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DrillStatus.choices, default=DrillStatus.PLANNED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    held_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)  # the reminder job's marker
    updated_at = models.DateTimeField(auto_now=True)

    scope = ScopeSpec(node="node", unit="units")

    class Meta:
        indexes = [
            models.Index(fields=["street", "status", "date"]),
            models.Index(fields=["street", "kind", "date"]),
        ]
        ordering = ["-date", "-id"]
        verbose_name = _("drill or training")
        verbose_name_plural = _("drills and trainings")

    def __str__(self) -> str:
        return f"{self.date} {self.topic}"


class DrillAttendee(StreetOwned):
    """A resident named as having taken part (besides the head count)."""

    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="attendees")
    resident = models.ForeignKey(
        "registry.Resident", on_delete=models.PROTECT, related_name="outreach_drills"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["street", "drill", "resident"], name="drill_attendee_once"
            )
        ]
        verbose_name = _("drill attendee")
        verbose_name_plural = _("drill attendees")

    def __str__(self) -> str:
        return f"{self.drill_id} · {self.resident_id}"


class DrillEvent(TimelineEvent):
    drill = models.ForeignKey(Drill, on_delete=models.PROTECT, related_name="events")

    class Meta(TimelineEvent.Meta):
        indexes = [models.Index(fields=["street", "drill", "at"])]
        verbose_name = _("drill event")
        verbose_name_plural = _("drill events")


class DrillPhoto(PhotoBase):
    drill = models.ForeignKey(Drill, on_delete=models.PROTECT, related_name="photos")
    event = models.ForeignKey(
        DrillEvent, on_delete=models.PROTECT, null=True, related_name="photos"
    )

    class Meta:
        indexes = [models.Index(fields=["street", "drill"])]
        verbose_name = _("drill photo")
        verbose_name_plural = _("drill photos")

    def __str__(self) -> str:
        return f"{self.drill_id} photo"


class DrillRule(StreetOwned):
    """The street's rule (街道安委办): fire drills each grid holds in a calendar year, and
    trainings each enterprise takes part in. 0: no such rule. Without a row: one each."""

    grid_fire_drills = models.PositiveSmallIntegerField(_("fire drills per grid a year"), default=1)
    enterprise_trainings = models.PositiveSmallIntegerField(
        _("trainings per enterprise a year"), default=1
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["street"], name="drill_rule_per_street")]
        verbose_name = _("drill rule")
        verbose_name_plural = _("drill rules")

    def __str__(self) -> str:
        return f"{self.street_id}: {self.grid_fire_drills}/{self.enterprise_trainings}"
