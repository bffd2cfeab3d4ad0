"""Sites: what a request names ("compound 12", "unit 7", "a public area of grid 3") turned
into the four site columns, with the checks every service makes on them."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404
from django.utils.translation import gettext as _

from linli.core.errors import InvalidInput
from linli.core.text import clean_text
from linli.grids import permissions as perms
from linli.grids.models import GridNode, NodeKind, Unit
from linli.registry.models import Compound

from ..models import UNIT_SITE_KINDS, Inspection, SiteKind


@dataclass(frozen=True)
class SiteRef:
    """A site as the site columns hold it (``columns()`` spreads them into a create)."""

    kind: str
    grid: GridNode
    compound: Compound | None = None
    unit: Unit | None = None
    place: str = ""

    @property
    def street_id(self) -> int:
        return self.grid.street_id

    @property
    def name(self) -> str:
        if self.compound is not None:
            return self.compound.name
        if self.unit is not None:
            return self.unit.name
        return self.place

    @property
    def key(self) -> tuple[str, int]:
        if self.compound is not None:
            return ("compound", self.compound.pk)
        if self.unit is not None:
            return ("unit", self.unit.pk)
        return ("grid", self.grid.pk)

    def columns(self) -> dict:
        return {
            "street_id": self.street_id,
            "site_kind": self.kind,
            "compound": self.compound,
            "unit": self.unit,
            "grid": self.grid,
            "place": self.place,
        }

    @classmethod
    def of(cls, row) -> SiteRef:
        """The site a stored row is about."""
        return cls(row.site_kind, row.grid, row.compound, row.unit, row.place)


def compound_site(compound: Compound) -> SiteRef:
    return SiteRef(SiteKind.COMPOUND, compound.grid, compound=compound)


def unit_site(unit: Unit) -> SiteRef:
    kind = next((k for k, uk in UNIT_SITE_KINDS.items() if uk == unit.kind), None)
    if kind is None:
        raise InvalidInput(
            _("%(name)s is not a place that is inspected (a rental site, enterprise or shop).")
            % {"name": unit.name},
            field="site",
        )
    if unit.node is None or unit.node.kind != NodeKind.GRID:
        raise InvalidInput(
            _("Set the grid %(name)s lies in first (on the unit's page).") % {"name": unit.name},
            field="site",
        )
    return SiteRef(kind, unit.node, unit=unit)


def area_site(grid: GridNode, place: str) -> SiteRef:
    place = clean_text(place, field="place", label=_("the public area"), required=True, limit=120)
    if grid.kind != NodeKind.GRID:
        raise InvalidInput(_("Choose the grid the public area lies in."), field="grid")
    return SiteRef(SiteKind.PUBLIC_AREA, grid, place=place)


def resolve(kind: str, pk: int, place: str = "") -> SiteRef:
    """``compound``/``unit``/``grid`` (a public area: ``place`` names it) and an id; Http404
    when there is no such row."""
    if kind == "compound":
        found = Compound.objects.select_related("grid").filter(pk=pk).first()
        if found is not None:
            return compound_site(found)
    elif kind == "unit":
        unit = Unit.objects.select_related("node").filter(pk=pk).first()
        if unit is not None:
            return unit_site(unit)
    elif kind == "grid":
        grid = GridNode.objects.filter(pk=pk).first()
        if grid is not None:
            return area_site(grid, place)
    raise Http404


def require_reach(actor, action: str, site: SiteRef) -> None:
    """Http404 unless ``action`` reaches rows about ``site`` (asked of an unsaved row, so
    the answer is the scope engine's, as for a stored one)."""
    probe = Inspection(**site.columns())
    if not perms.allows(actor, action, probe):
        raise Http404


def request_site(order) -> SiteRef | None:
    """The compound a resident's request is about (its dwelling's or its public area's)."""
    if order.dwelling_id:
        return compound_site(order.dwelling.entrance.building.compound)
    if order.compound_id:
        return compound_site(order.compound)
    return None
