"""The household registry (一户一档): compounds, buildings, entrances, dwellings, households,
residents, tags and facilities, all under a grid of the tree.

``grid`` is stored on dwellings and households as well as on buildings: it is the
column every scope query filters on, so it sits on the row itself rather than
three joins away. Only ``services.building_move`` changes it, and it moves the
rows below in the same transaction.

Place keys (PostgreSQL, migration 0004): a row's street and grid must be those of the
place it hangs from, and one composite foreign key per row says so:

* dwelling (entrance, street) → entrance (id, street);
* household (dwelling, street, grid) → dwelling (id, street, grid);
* resident (household, street, grid) → household (id, street, grid).

Each replaces two or three single-column keys (household, street, grid), so a large
import queues a third fewer checks at commit, and the keys say more: a resident cannot
sit in another grid than their household. The household and resident
keys cascade a grid change (``building_move``).

Tag keys (migration 0006) do the same for tag links: a household's or resident's link
(tag, street) → tag (id, street), one check instead of two, and a link cannot carry a
tag of another street. SQLite keeps none of these checks.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import pii
from linli.core.models import SortKeyField, StreetOwned, street_key
from linli.grids.models import GridNode, Unit
from linli.grids.scope import ScopeSpec

# A worker job's progress report: (phase, rows done, rows in all).
Progress = Callable[[str, int, int], None]


class CompoundKind(models.TextChoices):
    COMMODITY = "commodity", _("Commodity housing")
    PUBLIC = "public", _("Public housing (公房)")
    OLD_LANE = "old_lane", _("Old lane housing (旧里)")
    RESETTLEMENT = "resettlement", _("Resettlement housing (回迁)")
    OTHER = "other", _("Other")


class Compound(StreetOwned):
    """小区. No property company means an open compound without management (无物业开放式小区)."""

    grid = models.ForeignKey(GridNode, on_delete=models.PROTECT, related_name="compounds")
    name = models.CharField(_("name"), max_length=80)
    address = models.CharField(_("address"), max_length=200, blank=True)
    year_built = models.PositiveSmallIntegerField(_("year built"), null=True, blank=True)
    kind = models.CharField(
        _("type"), max_length=20, choices=CompoundKind.choices, default=CompoundKind.COMMODITY
    )
    property_company = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_compounds",
        verbose_name=_("property company"),
        limit_choices_to={"kind": "property_company"},
    )

    scope = ScopeSpec(node="grid", unit="property_company")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["street", "name"], name="compound_name_unique")
        ]
        indexes = [models.Index(fields=["street", "grid"])]
        ordering = ["name"]
        verbose_name = _("compound")
        verbose_name_plural = _("compounds")

    def __str__(self) -> str:
        return self.name

    @property
    def is_unmanaged(self) -> bool:
        return self.property_company_id is None


class Building(StreetOwned):
    """楼 / 幢, numbered inside its compound ("2" → 2号楼)."""

    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="buildings")
    grid = models.ForeignKey(GridNode, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("building number"), max_length=20)
    floors = models.PositiveSmallIntegerField(_("floors"), null=True, blank=True)
    has_lift = models.BooleanField(_("has a lift"), default=False)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_buildings",
        verbose_name=_("building leader"),
    )

    scope = ScopeSpec(node="grid", unit="compound__property_company", leader="leader")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["compound", "number"], name="building_number_unique")
        ]
        indexes = [models.Index(fields=["street", "grid"])]
        ordering = ["compound", "number"]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")

    def __str__(self) -> str:
        return f"{self.compound.name} {self.label}"

    @property
    def label(self) -> str:
        return _("Building %(number)s") % {"number": self.number}


class Entrance(StreetOwned):
    """单元: a stairway / entrance of a building."""

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="entrances")
    number = models.CharField(_("entrance number"), max_length=20)

    scope = ScopeSpec(
        node="building__grid",
        unit="building__compound__property_company",
        leader="building__leader",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["building", "number"], name="entrance_number_unique")
        ]
        indexes = [models.Index(fields=["street", "building"])]
        ordering = ["building", "number"]
        verbose_name = _("entrance")
        verbose_name_plural = _("entrances")

    def __str__(self) -> str:
        return f"{self.building} {self.label}"

    @property
    def label(self) -> str:
        return _("Entrance %(number)s") % {"number": self.number}


class Dwelling(StreetOwned):
    """室: one flat with its registered area and its owners."""

    # Checked on PostgreSQL by a place key (module docstring). Indexed by (entrance, room).
    street = street_key(db_constraint=False)
    entrance = models.ForeignKey(
        Entrance,
        on_delete=models.PROTECT,
        related_name="dwellings",
        db_constraint=False,
        db_index=False,
    )
    grid = models.ForeignKey(GridNode, on_delete=models.PROTECT, related_name="+")
    room = models.CharField(_("room"), max_length=20)
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    area_m2 = models.DecimalField(
        _("registered area (m²)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    owners = models.ManyToManyField(
        "Resident", blank=True, related_name="owned_dwellings", verbose_name=_("owners")
    )

    scope = ScopeSpec(node="grid", leader="entrance__building__leader")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entrance", "room"], name="dwelling_room_unique")
        ]
        indexes = [
            models.Index(fields=["street", "grid"]),
            # The search box's four digits are a room number too (every building's 1401).
            models.Index(fields=["street", "room"]),
        ]
        ordering = ["entrance", "room"]
        verbose_name = _("dwelling")
        verbose_name_plural = _("dwellings")

    def __str__(self) -> str:
        return self.address

    @property
    def sort_key(self) -> str:
        """``address_sort_key`` of this dwelling; needs entrance→building→compound loaded."""
        building = self.entrance.building
        return address_sort_key(
            building.compound.name, building.number, self.entrance.number, self.room
        )

    @property
    def address(self) -> str:
        """'榆兰新村 2号楼2单元1401室' in Chinese; needs entrance→building→compound loaded."""
        building = self.entrance.building
        return _("%(compound)s %(building)s-%(entrance)s-%(room)s") % {
            "compound": building.compound.name,
            "building": building.number,
            "entrance": self.entrance.number,
            "room": self.room,
        }


_DIGITS = re.compile(r"\d+")


def _counted(digits: re.Match) -> str:
    # A number becomes its length then its digits, so that 2 < 10 < 1401 as text too.
    number = digits[0].lstrip("0") or "0"
    return f"{len(number)}{number}"


def numeric_order(text: str) -> str:
    """``text`` with its numbers made comparable as text: 2 < 2A < 10 < 1401 (numbers of
    up to nine digits). The sort key of building and entrance numbers and rooms."""
    return _DIGITS.sub(_counted, text)


def address_sort_key(compound: str, building: str, entrance: str, room: str) -> str:
    """What households are listed by: compound, building, entrance, room, each in
    ``numeric_order`` (2号楼 before 10号楼)."""
    key = "\x01".join(numeric_order(part) for part in (compound, building, entrance, room))
    return key[: Household.address_key.field.max_length]


class Tenure(models.TextChoices):
    OWNER = "owner", _("Owner-occupier")
    TENANT = "tenant", _("Tenant")
    OTHER = "other", _("Other")


class Household(StreetOwned):
    """户: the people living in one dwelling. A dwelling may hold more than one household."""

    # Checked on PostgreSQL by a place key (module docstring). The grid is indexed with
    # the street (Meta.indexes).
    street = street_key(db_constraint=False)
    dwelling = models.ForeignKey(
        Dwelling, on_delete=models.PROTECT, related_name="households", db_constraint=False
    )
    grid = models.ForeignKey(
        GridNode, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    tenure = models.CharField(
        _("tenure"), max_length=10, choices=Tenure.choices, default=Tenure.OWNER
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    # ``address_sort_key`` of the dwelling, set when the household is created (by
    # ``save``, or by whoever bulk-creates): a household never changes dwelling, and no
    # place is renamed or renumbered (a service that did would rewrite the keys below).
    address_key = SortKeyField(max_length=200, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = ScopeSpec(
        node="grid", leader="dwelling__entrance__building__leader", owner="members__user"
    )

    class Meta:
        indexes = [
            models.Index(fields=["street", "grid"]),
            models.Index(fields=["street", "address_key", "id"]),
        ]
        ordering = ["address_key", "id"]
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return self.dwelling.address

    def save(self, *args, **kwargs):
        if not self.address_key:
            dwelling = Dwelling.objects.select_related("entrance__building__compound").get(
                pk=self.dwelling_id
            )
            self.address_key = dwelling.sort_key
        super().save(*args, **kwargs)


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    GRANDCHILD = "grandchild", _("Grandchild")
    SIBLING = "sibling", _("Sibling")
    OTHER_RELATIVE = "relative", _("Other relative")
    TENANT = "tenant", _("Co-tenant")
    OTHER = "other", _("Other")


class ResidenceStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered (户籍)")
    RESIDENT = "resident", _("Long-term resident (常住)")
    MIGRANT = "migrant", _("Migrant (流动)")


class Resident(StreetOwned):
    """居民. The ID number and phone are stored encrypted, with blind indexes for exact lookup.

    ``phone_last4`` stays in clear on purpose: every masked display shows those four
    digits anyway, and community workers search by them.
    """

    # Checked on PostgreSQL by a place key (module docstring). A resident who moved out
    # (no household) keeps the street and grid they had, unchecked.
    street = street_key(db_constraint=False)
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("household"),
        db_constraint=False,
    )
    # Indexed with the street (Meta.indexes) only: every scope query names the street.
    # A large import pays for each index on this table, so there is none twice (members
    # are found through the household's own index).
    grid = models.ForeignKey(
        GridNode, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    name = models.CharField(_("name"), max_length=60)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    id_number_enc = models.TextField(blank=True, editable=False)
    id_number_bidx = models.CharField(max_length=40, blank=True, editable=False)
    phone_enc = models.TextField(blank=True, editable=False)
    phone_bidx = models.CharField(max_length=40, blank=True, editable=False)
    phone_last4 = models.CharField(max_length=4, blank=True, editable=False)
    relation = models.CharField(
        _("relation to head"), max_length=12, choices=Relation.choices, default=Relation.HEAD
    )
    residence_status = models.CharField(
        _("residence status"),
        max_length=12,
        choices=ResidenceStatus.choices,
        default=ResidenceStatus.REGISTERED,
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resident",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = ScopeSpec(
        node="grid",
        leader="household__dwelling__entrance__building__leader",
        owner="household__members__user",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["street", "id_number_bidx"],
                condition=~Q(id_number_bidx=""),
                name="resident_id_number_unique",
            )
        ]
        indexes = [
            models.Index(fields=["street", "grid"]),
            models.Index(fields=["street", "name"]),
            # One index for both phone searches: the last four digits, and a whole number
            # (its blind index, with the last four it ends in): each resident written
            # updates one index for the phone instead of two.
            models.Index(fields=["street", "phone_last4", "phone_bidx"]),
        ]
        ordering = ["household", "id"]
        verbose_name = _("resident")
        verbose_name_plural = _("residents")

    def __str__(self) -> str:
        return self.name

    # Clear values: only for services, exports and audited unmasking, never for templates.
    @property
    def id_number(self) -> str:
        return pii.decrypt(self.id_number_enc)

    @property
    def phone(self) -> str:
        return pii.decrypt(self.phone_enc)

    def set_id_number(self, value: str) -> None:
        """Store an already validated ID number (see ``pii.validate_id_number``)."""
        self.id_number_enc = pii.encrypt(value)
        self.id_number_bidx = pii.blind_index(value)

    def set_phone(self, value: str) -> None:
        self.phone_enc = pii.encrypt(value)
        self.phone_bidx = pii.blind_index(value)
        self.phone_last4 = value[-4:] if value else ""

    @property
    def id_number_masked(self) -> str:
        return pii.mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return pii.mask_phone(self.phone)

    def age_on(self, day: dt.date) -> int | None:
        if not self.birth_date:
            return None
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


class TagTarget(models.TextChoices):
    HOUSEHOLD = "household", _("Household")
    RESIDENT = "resident", _("Resident")


class TagSensitivity(models.TextChoices):
    NONE = "", _("Not sensitive")
    HEALTH = "health", _("Health / disability")
    PARTY = "party", _("Party membership")


class TagRule(models.TextChoices):
    """How a derived tag is computed; staff-set tags have no rule."""

    NONE = "", _("Set by staff")
    ELDERLY_ONLY = "elderly_only", _("Every member is 60 or older")
    LIVES_ALONE = "lives_alone", _("60 or older and the only member of the household")
    MIGRANT = "migrant", _("Residence status is migrant")
    TENANT = "tenant", _("Household rents its dwelling")


class Tag(StreetOwned):
    """A label on households or residents (纯老户, 独居老人, 残疾 ...), configurable per street."""

    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=40)
    target = models.CharField(_("applies to"), max_length=10, choices=TagTarget.choices)
    rule = models.CharField(_("derived by"), max_length=20, choices=TagRule.choices, blank=True)
    sensitivity = models.CharField(
        _("sensitivity"), max_length=10, choices=TagSensitivity.choices, blank=True
    )
    has_level = models.BooleanField(_("has a level"), default=False)
    order = models.PositiveSmallIntegerField(default=0)

    scope = ScopeSpec(node=None)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["street", "code"], name="tag_code_unique")]
        ordering = ["order", "id"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name

    @property
    def is_derived(self) -> bool:
        return bool(self.rule)


class HouseholdTag(StreetOwned):
    # The street and the tag are checked together on PostgreSQL (tag key, module docstring).
    street = street_key(db_constraint=False)
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="tag_links")
    tag = models.ForeignKey(Tag, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    level = models.CharField(_("level"), max_length=20, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["household", "tag"], name="household_tag_unique")
        ]
        indexes = [models.Index(fields=["street", "tag"])]
        verbose_name = _("household tag")
        verbose_name_plural = _("household tags")


class ResidentTag(StreetOwned):
    # The street and the tag are checked together on PostgreSQL (tag key, module docstring).
    street = street_key(db_constraint=False)
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="tag_links")
    tag = models.ForeignKey(Tag, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    level = models.CharField(_("level"), max_length=20, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resident", "tag"], name="resident_tag_unique")
        ]
        indexes = [models.Index(fields=["street", "tag"])]
        verbose_name = _("resident tag")
        verbose_name_plural = _("resident tags")


class FacilityKind(models.TextChoices):
    CHARGING_PILE = "charging_pile", _("E-bike charging pile")
    SHED = "shed", _("E-bike shed")
    FIRE_HYDRANT = "fire_hydrant", _("Fire hydrant")
    EXTINGUISHER = "extinguisher", _("Fire extinguisher point")
    FIRE_MAIN = "fire_main", _("Fire main")
    STATION = "station", _("Service station")
    OTHER = "other", _("Other")


class Facility(StreetOwned):
    """A facility with a location: charging piles, fire equipment, service stations."""

    grid = models.ForeignKey(GridNode, on_delete=models.PROTECT, related_name="facilities")
    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, null=True, blank=True, related_name="facilities"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=FacilityKind.choices)
    name = models.CharField(_("name"), max_length=120)
    location = models.CharField(_("location"), max_length=200, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)

    scope = ScopeSpec(node="grid", unit="compound__property_company")

    class Meta:
        indexes = [models.Index(fields=["street", "grid", "kind"])]
        ordering = ["kind", "name"]
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")

    def __str__(self) -> str:
        return self.name


class WorkerJob(StreetOwned):
    """What a job the worker runs for a person shows while it runs: the phase it is in, how
    many rows it has done of how many, when it last said so, and why it stopped if it
    failed (``failure``, in the person's words). Ledger imports and exports share it, and
    their pages share its progress card (``registry/ledger/_progress.html``).

    A running job whose ``progress_at`` is older than ``STALE`` was abandoned (its worker
    was killed mid-way): it no longer holds anything up (``alive``), and ``stalled`` says so.
    """

    STALE = dt.timedelta(minutes=30)
    UNCOUNTED: frozenset[str] = frozenset()  # phases whose rows cannot be watched

    running = models.BooleanField(default=False)
    phase = models.CharField(max_length=12, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    progress_at = models.DateTimeField(null=True, blank=True)
    failure = models.CharField(max_length=300, blank=True)

    class Meta:
        abstract = True

    @classmethod
    def alive(cls) -> Q:
        """Running, and not abandoned."""
        return Q(running=True, progress_at__gt=timezone.now() - cls.STALE)

    @property
    def stalled(self) -> bool:
        return self.running and (
            self.progress_at is None or self.progress_at <= timezone.now() - self.STALE
        )

    @property
    def percent(self) -> int | None:
        """How far the phase is, or None where that cannot be told."""
        if not self.rows_total or self.phase in self.UNCOUNTED:
            return None
        return min(100, self.rows_done * 100 // self.rows_total)

    @classmethod
    def reporter(cls, pk: int, also: Progress | None = None) -> Progress:
        """A progress callback that records the phase and rows on the job's row."""

        def report(phase: str, done: int, total: int) -> None:
            cls.objects.filter(pk=pk).update(  # type: ignore[attr-defined]
                phase=phase, rows_done=done, rows_total=total, progress_at=timezone.now()
            )
            if also:
                also(phase, done, total)

        return report


class ImportStatus(models.TextChoices):
    CHECKING = "checking", _("Being checked")
    PREVIEWED = "previewed", _("Previewed (dry run)")
    COMMITTED = "committed", _("Imported")
    REJECTED = "rejected", _("Rejected")


class ImportPhase(models.TextChoices):
    QUEUED = "queued", _("Waiting for the worker")
    READING = "reading", _("Reading the rows")
    CHECKING = "checking", _("Checking against the registry")
    SAVING = "saving", _("Saving")


class ImportJob(WorkerJob):
    """One upload of a household ledger: the dry-run preview, then (maybe) the commit.

    The uploaded file is kept so the commit imports exactly what was previewed
    (checked by its SHA-256). Errors name row and column, never the cell's value,
    so no personal data is copied into this table. A running job holds its street: one
    import at a time per street (``ledger.services``).
    """

    # Saving is one transaction: its rows are not seen until it ends.
    UNCOUNTED = frozenset({ImportPhase.SAVING})

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(_("file name"), max_length=200)
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=ImportStatus.choices)
    counts = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    phase = models.CharField(max_length=12, choices=ImportPhase.choices, blank=True)

    scope = ScopeSpec(node=None)

    class Meta:
        indexes = [models.Index(fields=["street", "created_at"])]
        ordering = ["-created_at"]
        verbose_name = _("ledger import")
        verbose_name_plural = _("ledger imports")


class ExportKind(models.TextChoices):
    HOUSEHOLDS = "households", _("Households")
    RESIDENTS = "residents", _("Residents")
    COMPOUNDS = "compounds", _("Compounds")


class ExportPhase(models.TextChoices):
    QUEUED = "queued", _("Waiting for the worker")
    READING = "reading", _("Reading the registry")
    WRITING = "writing", _("Writing the file")


class ExportJob(WorkerJob):
    """One .xlsx export of a registry list, built by the worker (``ledger.export_jobs``).

    ``filters`` are the search page's filters as data (never in a URL of the job), so the
    file holds what the list showed when it was asked for. The built file is kept sealed
    with the personal-data key (``core.pii.seal``), masked or not, until ``expires_at``;
    only ``actor`` may download it, and each download of an unmasked file is written to
    the personal-data access log with ``reason``. ``unmasked`` is what that log needs:
    ``[[street id, records shown in full, the record's id when there is one], ...]``.
    The street is the actor's (the lowest, for someone exporting from several streets).
    """

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("list"), max_length=12, choices=ExportKind.choices)
    filters = models.JSONField(default=dict, blank=True)
    unmask = models.BooleanField(default=False)
    reason = models.CharField(max_length=300, blank=True)
    phase = models.CharField(max_length=12, choices=ExportPhase.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    unmasked = models.JSONField(default=list, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["street", "actor", "created_at"]),
            models.Index(fields=["street", "expires_at"]),
        ]
        ordering = ["-created_at", "-id"]
        verbose_name = _("ledger export")
        verbose_name_plural = _("ledger exports")

    @property
    def ready(self) -> bool:
        """Built, and not expired yet: the file may be downloaded."""
        return bool(self.file) and self.expires_at is not None and self.expires_at > timezone.now()


class PlaceCount(StreetOwned):
    """The figures of one grid node (its whole subtree) or one compound, kept as data:
    households, residents (those living in a household), and each tag's count. Written
    by ``registry.counting.refresh`` for a whole street at once (within a minute of a
    change, by the worker); pages read them in time proportional to the places shown."""

    NODE, COMPOUND = "node", "compound"

    kind = models.CharField(max_length=10)
    place_id = models.BigIntegerField()
    households = models.PositiveIntegerField(default=0)
    residents = models.PositiveIntegerField(default=0)
    tags = models.JSONField(default=dict, blank=True)  # tag id → count
    as_of = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["street", "kind", "place_id"], name="placecount_unique")
        ]
        verbose_name = _("kept count")
        verbose_name_plural = _("kept counts")

    def __str__(self) -> str:
        return f"{self.kind} {self.place_id}: {self.households}/{self.residents}"


class CountsStale(models.Model):
    """A street whose figures changed since they were last counted (one row per street;
    ``changed_at`` is the latest change, so a recount that began before it leaves the
    mark for the next one)."""

    street = models.OneToOneField(
        GridNode, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("street to recount")
        verbose_name_plural = _("streets to recount")

    def __str__(self) -> str:
        return f"{self.street_id} changed {self.changed_at:%H:%M}"
