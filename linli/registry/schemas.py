"""Request and response shapes of the registry API.

Only what is declared here leaves the server: ``id_number`` and ``phone`` are filled
by ``registry.api`` with masked values unless an audited unmasking was asked for and
allowed, and ``pii_masked`` says which one the caller got.
"""

from __future__ import annotations

from typing import Any, Literal

from ninja import Field, Schema

from linli.core.api import NO_NUL, Id, PageIn

NodeKind = Literal["district", "street", "area", "neighbourhood", "grid"]


class PersonBrief(Schema):
    id: int
    name: str


class TagCountOut(Schema):
    id: int
    code: str
    name: str
    target: str = Field(..., description="household or resident")
    count: int
    share: float = Field(..., description="0..1 of households or of residents, by target")


class CountsOut(Schema):
    """Households and residents in your scope under this place, and each visible tag."""

    households: int
    residents: int
    tags: list[TagCountOut]


class BoundsOut(Schema):
    """四至: what the node borders on each side (free text, as on the ledger)."""

    east: str
    west: str
    south: str
    north: str


class NodeBrief(Schema):
    id: int
    kind: NodeKind
    code: str
    name: str


class NodeOut(NodeBrief):
    parent_id: int | None = Field(
        ..., description="the parent node if it is inside your scope, else null"
    )
    street_id: int | None
    depth: int
    leader: PersonBrief | None
    bounds: BoundsOut
    boundary: dict[str, Any] | None = Field(..., description="GeoJSON geometry or feature")


class NodeDetailOut(NodeOut):
    children: list[NodeBrief] = Field(..., description="child nodes inside your scope")
    counts: CountsOut | None = Field(
        ..., description="rolled up over the subtree; null if you may not see households"
    )


class TagOut(Schema):
    id: int
    code: str
    name: str
    level: str = Field("", description="e.g. the disability level; empty when the tag has none")


class TagInfoOut(Schema):
    id: int
    street_id: int
    code: str
    name: str
    target: str = Field(..., description="household or resident")
    derived: bool = Field(..., description="computed from the registry, not set by staff")
    has_level: bool


class UnitBrief(Schema):
    id: int
    name: str


class CompoundBrief(Schema):
    id: int
    name: str


class CompoundOut(Schema):
    id: int
    street_id: int
    grid_id: int
    name: str
    address: str
    year_built: int | None
    kind: str
    property_company: UnitBrief | None
    unmanaged: bool = Field(..., description="no property company (无物业开放式小区)")


class BuildingBrief(Schema):
    id: int
    number: str
    floors: int | None
    has_lift: bool


class CompoundRowOut(CompoundOut):
    building_count: int = Field(..., description="all buildings of the compound")


class CompoundDetailOut(CompoundOut):
    buildings: list[BuildingBrief] = Field(..., description="buildings inside your scope")
    counts: CountsOut | None = Field(
        ..., description="households living here in your scope; null if you may not see them"
    )


class CompoundPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[CompoundRowOut]


class BuildingOut(BuildingBrief):
    street_id: int
    grid_id: int
    compound: CompoundBrief
    leader: PersonBrief | None = Field(..., description="building leader (楼组长): user id, name")


class BuildingRowOut(BuildingOut):
    entrance_count: int
    dwelling_count: int


class DwellingBrief(Schema):
    id: int
    room: str
    floor: int | None


class EntranceOut(Schema):
    id: int
    number: str
    dwellings: list[DwellingBrief] = Field(..., description="dwellings inside your scope")


class BuildingDetailOut(BuildingOut):
    entrances: list[EntranceOut] = Field(..., description="entrances (单元) inside your scope")


class BuildingPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[BuildingRowOut]


class MemberBrief(Schema):
    id: int
    name: str
    relation: str
    phone: str = Field(..., description="always masked here, e.g. 138****1234")


class HouseholdOut(Schema):
    id: int
    street_id: int
    grid_id: int
    address: str
    compound: CompoundBrief
    building_id: int
    tenure: str = Field(..., description="owner, tenant or other")
    members: list[MemberBrief]
    tags: list[TagOut] = Field(..., description="household tags you may see")


class HouseholdPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[HouseholdOut]


class ResidentOut(Schema):
    id: int
    street_id: int
    grid_id: int
    household_id: int | None
    address: str
    name: str
    gender: str = Field(..., description="M, F or empty")
    age: int | None
    relation: str
    residence_status: str = Field(..., description="registered, resident or migrant")
    id_number: str = Field(..., description="masked (3101**********1234) unless pii_masked=false")
    phone: str = Field(..., description="masked (138****1234) unless pii_masked=false")
    pii_masked: bool
    tags: list[TagOut] = Field(..., description="resident tags you may see")


class ResidentPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ResidentOut]


class HouseholdDetailOut(Schema):
    id: int
    street_id: int
    grid_id: int
    address: str
    compound: CompoundBrief
    building_id: int
    entrance_id: int
    dwelling_id: int
    room: str
    floor: int | None
    area_m2: float | None = Field(..., description="registered area in m²")
    property_company: UnitBrief | None
    owners: list[PersonBrief] = Field(
        ..., description="registered owners of the dwelling (resident id and name)"
    )
    tenure: str
    note: str
    members: list[ResidentOut]
    tags: list[TagOut]
    pii_masked: bool


# --- requests ---------------------------------------------------------------------------------


class ResidentSearchIn(PageIn):
    q: str = Field(
        "", max_length=100, pattern=NO_NUL, description="name, phone last four, full ID or phone"
    )


class HouseholdSearchIn(PageIn):
    q: str = Field(
        "",
        max_length=100,
        pattern=NO_NUL,
        description="name, phone last four, address ('2号楼2单元1401'), full ID or phone number",
    )
    node: Id | None = Field(None, description="within this grid node's subtree")
    compound: Id | None = Field(None, description="only households of this compound")
    building: Id | None = Field(None, description="only households of this building")
    tag: list[Id] = Field([], description="tag ids (repeatable): households having all of them")
    tenure: Literal["owner", "tenant", "other"] | None = None
