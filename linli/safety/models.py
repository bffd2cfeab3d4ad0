"""Joint safety inspections (三清四查): campaigns, checklists, inspections, hazards,
rectification notices (《责令立即改正通知书》) and re-inspections (回头看).

* A **site** is what gets inspected: a residential compound of the registry, a unit of
  the street that is a place (a rental site 规模性租赁场所, an enterprise, a shop), or a
  public area of a grid named in words. Every row about a site carries the same four
  columns (``Site``): its kind, the compound or the unit, the grid it lies in (the scope)
  and, for a public area, its name.
* A **campaign** runs a checklist over a list of target sites with a joint team of units
  and closes with a report whose figures come from the inspections.
* An **inspection** records each checklist item's result (合格 / 隐患 / 不适用) and the
  counts some items carry (e-bikes, places cleared). Each failed item becomes a
  **hazard** on the site's record; some are fixed on the spot. Patrols, volunteers and
  residents' requests raise hazards too.
* A **notice** orders the site's responsible person to put its hazards right by a
  deadline; the re-inspection closes the fixed hazards and escalates the rest; an overdue
  or failed notice escalates (joint enforcement), and may end in a recommendation to
  suspend business (责令停业整顿).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.core.attachments import PhotoBase
from linli.core.models import StreetOwned
from linli.core.timeline import TimelineEvent
from linli.grids.models import GridNode, Unit
from linli.grids.scope import ScopeSpec


class SiteKind(models.TextChoices):
    COMPOUND = "compound", _("Residential compound")  # 居民小区
    RENTAL_SITE = "rental_site", _("Rental site")  # 规模性租赁场所
    ENTERPRISE = "enterprise", _("Enterprise")  # 企业
    SHOP = "shop", _("Shop")  # 沿街商铺
    PUBLIC_AREA = "public_area", _("Public area")  # 公共区域


# The kind of registry unit each unit-site kind is.
UNIT_SITE_KINDS: dict[str, str] = {
    SiteKind.RENTAL_SITE: "rental_site",
    SiteKind.ENTERPRISE: "enterprise",
    SiteKind.SHOP: "merchant",
}


class Site(StreetOwned):
    """The four columns that say which site a row is about (see the module docstring)."""

    site_kind = models.CharField(_("kind of site"), max_length=12, choices=SiteKind.choices)
    compound = models.ForeignKey(
        "registry.Compound", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    grid = models.ForeignKey(GridNode, on_delete=models.PROTECT, related_name="+")
    place = models.CharField(_("public area"), max_length=120, blank=True)

    class Meta:
        abstract = True

    @property
    def site_name(self) -> str:
        if self.compound_id:
            return self.compound.name
        if self.unit_id:
            return self.unit.name
        return self.place

    @property
    def site_key(self) -> tuple[str, int]:
        """(kind, id) of the site's own page; a public area's page is its grid's."""
        if self.compound_id:
            return ("compound", self.compound_id)
        if self.unit_id:
            return ("unit", self.unit_id)
        return ("grid", self.grid_id)

    def same_site(self) -> Q:
        """Rows about the same site as this one."""
        if self.compound_id:
            return Q(compound_id=self.compound_id)
        if self.unit_id:
            return Q(unit_id=self.unit_id)
        return Q(grid_id=self.grid_id, place=self.place, compound__isnull=True, unit__isnull=True)


def site_constraint(name: str) -> models.CheckConstraint:
    """A compound, a unit or a public area's name: exactly one."""
    return models.CheckConstraint(
        name=name,
        condition=(
            Q(site_kind="compound", compound__isnull=False, unit__isnull=True)
            | Q(site_kind__in=list(UNIT_SITE_KINDS), unit__isnull=False, compound__isnull=True)
            | Q(site_kind="public_area", compound__isnull=True, unit__isnull=True) & ~Q(place="")
        ),
    )


# --- checklists ----------------------------------------------------------------------------


class Tally(models.TextChoices):
    """How an item's results add up in the campaign report."""

    CHECKED = "checked", _("Places checked")  # 检查消防管网56处: results other than 不适用
    HAZARDS = "hazards", _("Places with the hazard")  # 清理公共区域堆物21处: hazards found
    COUNT = "count", _("Sum of the counts")  # 电动自行车违规停放充电140余辆


class Checklist(StreetOwned):
    """A checklist template (检查表). A campaign uses one; its items are fixed once an
    inspection has used them (a change makes a new template)."""

    name = models.CharField(_("name"), max_length=60)
    created_at = models.DateTimeField(auto_now_add=True)

    scope = ScopeSpec(node=None)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["street", "name"], name="safety_checklist_name")
        ]
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")

    def __str__(self) -> str:
        return self.name


class ChecklistItem(StreetOwned):
    """One thing to check. ``count_unit`` (辆, 处, 个): the item carries a count. The report
    says ``phrase`` with the tallied number in place of ``{n}`` ("清理公共区域堆物{n}处")."""

    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(default=0)
    label = models.CharField(_("item"), max_length=60)
    count_unit = models.CharField(_("counted in"), max_length=6, blank=True)
    tally = models.CharField(
        _("in the report"), max_length=8, choices=Tally.choices, default=Tally.HAZARDS
    )
    phrase = models.CharField(_("report wording"), max_length=60, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["checklist", "label"], name="safety_item_label")
        ]
        ordering = ["checklist", "position", "id"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")

    def __str__(self) -> str:
        return self.label


# --- campaigns -----------------------------------------------------------------------------


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    RUNNING = "running", _("Under way")
    CLOSED = "closed", _("Finished")
    CANCELLED = "cancelled", _("Cancelled")


class Campaign(StreetOwned):
    """A named campaign (疫情防控期间"三清四查"): who leads it, which units take part, what
    is checked where, and when."""

    name = models.CharField(_("name"), max_length=80)
    node = models.ForeignKey(
        GridNode, on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    lead_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lead office"),
    )
    units = models.ManyToManyField(Unit, blank=True, related_name="+", verbose_name=_("units"))
    leader = models.CharField(_("led by"), max_length=60, blank=True)
    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="+")
    target_kinds = models.JSONField(_("kinds of site"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    scope = ScopeSpec(node="node")

    class Meta:
        indexes = [models.Index(fields=["street", "status", "starts_on"])]
        ordering = ["-starts_on", "-id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.name

    def kind_labels(self) -> list[str]:
        return [str(SiteKind(k).label) for k in self.target_kinds if k in SiteKind.values]


class CampaignEvent(TimelineEvent):
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="events")

    class Meta(TimelineEvent.Meta):
        indexes = [models.Index(fields=["campaign", "at"])]
        verbose_name = _("campaign event")
        verbose_name_plural = _("campaign events")


class Target(Site):
    """A site on a campaign's list."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="targets")

    scope = ScopeSpec(node="grid", unit="unit")

    class Meta:
        constraints = [
            site_constraint("safety_target_site"),
            models.UniqueConstraint(
                fields=["campaign", "compound"],
                condition=Q(compound__isnull=False),
                name="safety_target_compound_once",
            ),
            models.UniqueConstraint(
                fields=["campaign", "unit"],
                condition=Q(unit__isnull=False),
                name="safety_target_unit_once",
            ),
            models.UniqueConstraint(
                fields=["campaign", "grid", "place"],
                condition=Q(site_kind="public_area"),
                name="safety_target_area_once",
            ),
        ]
        indexes = [models.Index(fields=["street", "campaign", "grid"])]
        verbose_name = _("campaign site")
        verbose_name_plural = _("campaign sites")

    def __str__(self) -> str:
        return self.site_name


# --- inspections ---------------------------------------------------------------------------


class Inspection(Site):
    """One visit to a site: the team, the time, each item's result, notes and photos. A
    re-inspection (回头看) names the notice it checks and records per hazard whether it
    was put right."""

    number = models.CharField(_("number"), max_length=24)
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, null=True, blank=True, related_name="inspections"
    )
    notice = models.ForeignKey(
        "Notice", on_delete=models.PROTECT, null=True, blank=True, related_name="reinspections"
    )
    inspected_at = models.DateTimeField(_("inspected at"))
    night = models.BooleanField(_("night inspection (夜查)"), default=False)
    units = models.ManyToManyField(Unit, blank=True, related_name="+", verbose_name=_("units"))
    members = models.CharField(_("people on the team"), max_length=200, blank=True)
    note = models.TextField(_("notes"), blank=True)
    hazards_found = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    scope = ScopeSpec(node="grid", unit="unit")

    class Meta:
        constraints = [
            site_constraint("safety_inspection_site"),
            models.UniqueConstraint(fields=["street", "number"], name="safety_inspection_number"),
        ]
        indexes = [
            models.Index(fields=["street", "campaign", "site_kind"]),
            models.Index(fields=["street", "grid", "inspected_at"]),
            models.Index(fields=["street", "compound"]),
            models.Index(fields=["street", "unit"]),
        ]
        ordering = ["-inspected_at", "-id"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")

    def __str__(self) -> str:
        return f"{self.number} {self.site_name}"


class Result(models.TextChoices):
    OK = "ok", _("Meets the standard")  # 合格
    HAZARD = "hazard", _("Hazard")  # 隐患
    NA = "na", _("Not applicable")  # 不适用


class ItemResult(StreetOwned):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("result"), max_length=6, choices=Result.choices)
    count = models.PositiveIntegerField(_("count"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="safety_result_once")
        ]
        indexes = [models.Index(fields=["street", "item", "result"])]
        verbose_name = _("item result")
        verbose_name_plural = _("item results")


class InspectionPhoto(PhotoBase):
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="photos")

    class Meta:
        indexes = [models.Index(fields=["street", "inspection"])]
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")


# --- hazards -------------------------------------------------------------------------------


class Severity(models.TextChoices):
    MINOR = "minor", _("Ordinary")  # 一般隐患
    MAJOR = "major", _("Serious")  # 较大隐患
    CRITICAL = "critical", _("Grave")  # 重大隐患


class HazardSource(models.TextChoices):
    INSPECTION = "inspection", _("Inspection")
    PATROL = "patrol", _("Patrol")  # 巡查
    VOLUNTEER = "volunteer", _("Volunteer")
    REQUEST = "request", _("Resident's request")


class HazardStatus(models.TextChoices):
    OPEN = "open", _("To be put right")
    NOTIFIED = "notified", _("Under a notice")
    ESCALATED = "escalated", _("Escalated")
    FIXED = "fixed", _("Put right")
    DISMISSED = "dismissed", _("Dismissed")


class Hazard(Site):
    """A hazard (隐患) on a site's record."""

    number = models.CharField(_("number"), max_length=24)
    item = models.ForeignKey(
        ChecklistItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("item"),
    )
    description = models.CharField(_("what was found"), max_length=300)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.MINOR
    )
    source = models.CharField(_("raised by"), max_length=10, choices=HazardSource.choices)
    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, null=True, blank=True, related_name="hazards"
    )
    work_order = models.ForeignKey(
        "workorders.WorkOrder", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notice = models.ForeignKey(
        "Notice", on_delete=models.PROTECT, null=True, blank=True, related_name="hazards"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=HazardStatus.choices, default=HazardStatus.OPEN
    )
    on_the_spot = models.BooleanField(_("put right on the spot (当场整改)"), default=False)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField()
    fixed_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)  # the overdue sweep's marker
    updated_at = models.DateTimeField(auto_now=True)

    scope = ScopeSpec(node="grid", unit="unit")

    class Meta:
        constraints = [
            site_constraint("safety_hazard_site"),
            models.UniqueConstraint(fields=["street", "number"], name="safety_hazard_number"),
        ]
        indexes = [
            models.Index(fields=["street", "status", "grid"]),
            models.Index(fields=["street", "compound", "status"]),
            models.Index(fields=["street", "unit", "status"]),
            models.Index(fields=["street", "item", "raised_at"]),
        ]
        ordering = ["-raised_at", "-id"]
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")

    def __str__(self) -> str:
        return f"{self.number} {self.description}"


class HazardEvent(TimelineEvent):
    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, related_name="events")

    class Meta(TimelineEvent.Meta):
        indexes = [models.Index(fields=["hazard", "at"])]
        verbose_name = _("hazard event")
        verbose_name_plural = _("hazard events")


class HazardPhoto(PhotoBase):
    """A photo of a hazard as found (``after`` False) or put right (``after`` True)."""

    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, related_name="photos")
    event = models.ForeignKey(
        HazardEvent, on_delete=models.PROTECT, null=True, related_name="photos"
    )
    after = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["street", "hazard"])]
        verbose_name = _("hazard photo")
        verbose_name_plural = _("hazard photos")


# --- notices -------------------------------------------------------------------------------


class NoticeStatus(models.TextChoices):
    ISSUED = "issued", _("Issued to the site")
    ACKNOWLEDGED = (
        "acknowledged",
        _("Signed for by the site"),
    )  # the responsible person signed for it
    RECTIFIED = "rectified", _("Put right")
    ESCALATED = "escalated", _("Escalated to joint enforcement")
    SUSPENSION = "suspension", _("Ordered to suspend business")  # 责令停业整顿


class Notice(Site):
    """《责令立即改正通知书》: numbered per street and year, handed to the site's responsible
    person, who signs for it; checked again (回头看) by ``reinspect_on``."""

    number = models.CharField(_("number"), max_length=40)
    year = models.PositiveSmallIntegerField()
    serial = models.PositiveIntegerField()
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, null=True, blank=True, related_name="notices"
    )
    responsible = models.CharField(_("responsible person"), max_length=60)
    legal_basis = models.TextField(_("legal basis"))
    demand = models.TextField(_("what must be done"))
    deadline = models.DateField(_("put right by"))
    reinspect_on = models.DateField(_("re-inspection on"))
    units = models.ManyToManyField(
        Unit, blank=True, related_name="+", verbose_name=_("issuing units")
    )
    status = models.CharField(
        _("status"), max_length=14, choices=NoticeStatus.choices, default=NoticeStatus.ISSUED
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField()
    acknowledged_by = models.CharField(_("signed for by"), max_length=60, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    archive = models.FileField(upload_to="notices/%Y/", blank=True)  # the PDF as handed over
    reminded_at = models.DateTimeField(null=True, blank=True)  # the reminder's marker
    overdue_at = models.DateTimeField(null=True, blank=True)  # the overdue sweep's marker
    updated_at = models.DateTimeField(auto_now=True)

    scope = ScopeSpec(node="grid", unit="unit")

    class Meta:
        constraints = [
            site_constraint("safety_notice_site"),
            models.UniqueConstraint(
                fields=["street", "year", "serial"], name="safety_notice_serial"
            ),
            models.CheckConstraint(
                condition=Q(reinspect_on__lte=models.F("deadline")),
                name="safety_notice_reinspect_by_deadline",
            ),
        ]
        indexes = [
            models.Index(fields=["street", "status", "deadline"]),
            models.Index(fields=["street", "campaign", "status"]),
        ]
        ordering = ["-issued_at", "-id"]
        verbose_name = _("rectification notice")
        verbose_name_plural = _("rectification notices")

    def __str__(self) -> str:
        return self.number


class NoticeEvent(TimelineEvent):
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="events")

    class Meta(TimelineEvent.Meta):
        indexes = [models.Index(fields=["notice", "at"])]
        verbose_name = _("notice event")
        verbose_name_plural = _("notice events")


class NoticeSettings(models.Model):
    """A street's wording for its notices: the issuing authority's title and the legal basis
    printed on every notice (editable by the street's admin)."""

    street = models.OneToOneField(
        GridNode, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    authority = models.CharField(_("issued in the name of"), max_length=80)
    legal_basis = models.TextField(_("legal basis"))
    days_to_rectify = models.PositiveSmallIntegerField(_("days to put right"), default=7)

    class Meta:
        verbose_name = _("notice wording")
        verbose_name_plural = _("notice wording")

    def __str__(self) -> str:
        return self.authority


# --- e-bike charging -------------------------------------------------------------------------


class ChargingKind(models.TextChoices):
    PILES = "piles", _("Charging piles")  # 充电桩
    SHED = "shed", _("Charging shed")  # 充电车棚


class ChargingStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")  # 拟选址
    BUILT = "built", _("Built")  # 已建成
    REJECTED = "rejected", _("Not suitable")  # 不宜安装


class ChargingSite(StreetOwned):
    """A place for e-bike charging at a compound, from the proposal to the piles built: where,
    how many ports, and when built who installed it, how the cost was shared and how the
    electricity is paid for; a place found unsuitable keeps why ("燃气管道在下方，不宜安装").
    Built, it is also a facility of the registry (``facility``)."""

    compound = models.ForeignKey(
        "registry.Compound", on_delete=models.PROTECT, related_name="+", verbose_name=_("compound")
    )
    grid = models.ForeignKey(GridNode, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=6, choices=ChargingKind.choices)
    location = models.CharField(_("where"), max_length=120)
    ports = models.PositiveSmallIntegerField(_("charging ports"))
    status = models.CharField(
        _("status"), max_length=10, choices=ChargingStatus.choices, default=ChargingStatus.PROPOSED
    )
    reason = models.CharField(_("why not here"), max_length=200, blank=True)
    installer = models.CharField(_("installed by"), max_length=80, blank=True)
    installed_on = models.DateField(_("installed on"), null=True, blank=True)
    cost_sharing = models.CharField(_("cost sharing"), max_length=200, blank=True)
    electricity = models.CharField(_("electricity"), max_length=200, blank=True)
    facility = models.OneToOneField(
        "registry.Facility", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    scope = ScopeSpec(node="grid", unit="compound__property_company")

    class Meta:
        indexes = [
            models.Index(fields=["street", "grid", "status"]),
            models.Index(fields=["street", "compound"]),
        ]
        ordering = ["compound", "-proposed_at"]
        verbose_name = _("charging site")
        verbose_name_plural = _("charging sites")

    def __str__(self) -> str:
        return self.location
