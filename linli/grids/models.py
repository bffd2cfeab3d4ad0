"""The grid tree, the organisations that handle work, and who holds which role where."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from linli.core import pii
from linli.core.models import AuditEvent, PiiAccess

from .scope import ScopeSpec


class NodeKind(models.TextChoices):
    DISTRICT = "district", _("District")
    STREET = "street", _("Street")
    AREA = "area", _("Area")
    NEIGHBOURHOOD = "neighbourhood", _("Neighbourhood")
    GRID = "grid", _("Grid")


# Which kinds may sit directly under which (an area is optional between street and neighbourhood).
CHILD_KINDS = {
    NodeKind.DISTRICT: {NodeKind.STREET},
    NodeKind.STREET: {NodeKind.AREA, NodeKind.NEIGHBOURHOOD},
    NodeKind.AREA: {NodeKind.NEIGHBOURHOOD},
    NodeKind.NEIGHBOURHOOD: {NodeKind.GRID},
    NodeKind.GRID: set(),
}


class GridNode(MP_Node):
    """One node of 区 → 街道 → (片区) → 居民区 → 网格, stored as a materialized path.

    ``street`` is the tenant: a street node points at itself, nodes below point
    at their street, a district has none. A grant on a node covers every node
    whose path starts with this node's path.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=NodeKind.choices)
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=80)
    street = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("leader"),
    )
    bound_east = models.CharField(_("east boundary"), max_length=120, blank=True)
    bound_west = models.CharField(_("west boundary"), max_length=120, blank=True)
    bound_south = models.CharField(_("south boundary"), max_length=120, blank=True)
    bound_north = models.CharField(_("north boundary"), max_length=120, blank=True)
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)

    node_order_by = ["code"]
    scope = ScopeSpec(node="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["code"], name="gridnode_code_unique")]
        indexes = [models.Index(fields=["street", "kind"])]
        verbose_name = _("grid node")
        verbose_name_plural = _("grid nodes")

    def __str__(self) -> str:
        return self.name

    @property
    def four_bounds(self) -> list[tuple[str, str]]:
        pairs = [
            (_("East to"), self.bound_east),
            (_("West to"), self.bound_west),
            (_("South to"), self.bound_south),
            (_("North to"), self.bound_north),
        ]
        return [(label, text) for label, text in pairs if text]


class UnitKind(models.TextChoices):
    PROPERTY_COMPANY = "property_company", _("Property company")
    OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")
    DEPARTMENT = "department", _("Department")
    MUNICIPAL = "municipal", _("Municipal / utility company")
    ENTERPRISE = "enterprise", _("Enterprise")
    RENTAL_SITE = "rental_site", _("Rental site")
    MERCHANT = "merchant", _("Merchant")
    THIRD_PARTY = "third_party", _("Third-party organisation")
    VOLUNTEER_TEAM = "volunteer_team", _("Volunteer team")


# Kinds of unit that take on residents' requests (shops and rental sites are inspected, not
# dispatched to).
HANDLING_KINDS = frozenset(
    {
        UnitKind.PROPERTY_COMPANY,
        UnitKind.OWNERS_COMMITTEE,
        UnitKind.DEPARTMENT,
        UnitKind.MUNICIPAL,
        UnitKind.THIRD_PARTY,
        UnitKind.VOLUNTEER_TEAM,
    }
)


class Unit(models.Model):
    """An organisation (单位) in a street: it handles work or is a place that gets inspected.

    Kept beside the grid tree because it is the second axis of the scope engine:
    unit staff see what belongs to their unit, as grid staff see their subtree.
    """

    street = models.ForeignKey(GridNode, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    name = models.CharField(_("name"), max_length=120)
    node = models.ForeignKey(
        GridNode,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
        verbose_name=_("located in"),
        help_text=_("The grid or neighbourhood where the unit is located, if any."),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=60, blank=True)
    contact_phone_enc = models.TextField(blank=True, editable=False)  # encrypted like residents'

    scope = ScopeSpec(node=None, unit="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["street", "kind", "name"], name="unit_name_unique")
        ]
        indexes = [models.Index(fields=["street", "kind"])]
        ordering = ["kind", "name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name

    @property
    def handles_requests(self) -> bool:
        return self.kind in HANDLING_KINDS

    @property
    def contact_phone(self) -> str:
        return pii.decrypt(self.contact_phone_enc)

    @contact_phone.setter
    def contact_phone(self, value: str) -> None:
        self.contact_phone_enc = pii.encrypt(value)

    @property
    def contact_phone_masked(self) -> str:
        return pii.mask_phone(self.contact_phone)


class Role(models.TextChoices):
    STREET_ADMIN = "street_admin", _("Street administrator")
    UNIT_STAFF = "unit_staff", _("Department / unit staff")
    CADRE = "cadre", _("Neighbourhood cadre / social worker")
    GRID_WORKER = "grid_worker", _("Grid leader / grid worker")
    BUILDING_LEADER = "building_leader", _("Building leader")
    VOLUNTEER = "volunteer", _("Volunteer")
    RESIDENT = "resident", _("Resident")


class StaffAssignment(models.Model):
    """A role held on a node (covering its subtree); unit staff also name their unit."""

    street = models.ForeignKey(GridNode, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    node = models.ForeignKey(
        GridNode, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("node")
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("unit"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope = ScopeSpec(node="node")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "node"],
                condition=Q(unit__isnull=True),
                name="assignment_unique_node",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "node", "unit"],
                condition=Q(unit__isnull=False),
                name="assignment_unique_unit",
            ),
            models.CheckConstraint(
                condition=Q(role="unit_staff", unit__isnull=False)
                | (~Q(role="unit_staff") & Q(unit__isnull=True)),
                name="assignment_unit_iff_unit_staff",
            ),
        ]
        indexes = [models.Index(fields=["street", "role"])]
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.node}"


class StreetAuditEvent(AuditEvent):
    """The change history as the oversight pages read it: core keeps the log, this proxy
    tells the scope engine that node roles reach the rows of their street. Which of those
    rows a role below the street sees is narrowed by the target (see ``oversight``)."""

    scope = ScopeSpec(node=None)

    class Meta:
        proxy = True
        verbose_name = _("change record")
        verbose_name_plural = _("change records")


class StreetPiiAccess(PiiAccess):
    """The personal-data access log as the oversight pages read it (see StreetAuditEvent)."""

    scope = ScopeSpec(node=None)

    class Meta:
        proxy = True
        verbose_name = _("personal data access record")
        verbose_name_plural = _("personal data access records")
