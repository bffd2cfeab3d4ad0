"""Reads of safety inspections, each starting from the scope engine."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import sla
from linli.core.workflow import Transition
from linli.grids import permissions as perms
from linli.grids.models import GridNode, NodeKind, Unit
from linli.registry.models import Compound

from . import permissions as p
from .machine import CAMPAIGNS, HAZARDS, NOTICES
from .models import (
    UNIT_SITE_KINDS,
    Campaign,
    CampaignStatus,
    Checklist,
    Hazard,
    HazardStatus,
    Inspection,
    Notice,
    NoticeStatus,
    SiteKind,
    Target,
)
from .report import CampaignReport, campaign_report, summary
from .services.sites import SiteRef, compound_site, unit_site

SITE_RELATED = ("grid", "compound", "unit")
OPEN_HAZARDS = (HazardStatus.OPEN, HazardStatus.NOTIFIED, HazardStatus.ESCALATED)
OPEN_NOTICES = (
    NoticeStatus.ISSUED,
    NoticeStatus.ACKNOWLEDGED,
    NoticeStatus.ESCALATED,
    NoticeStatus.SUSPENSION,
)

# How the steps read on a timeline (beyond the workflows' own labels).
VERBS = {
    "create": _("Campaign set up"),
    "targets": _("Sites added"),
    "raise": _("Found"),
    "issue": _("Notice issued"),
}


def label_events(events, workflow) -> list:
    events = list(events)
    for e in events:
        t = workflow.transitions.get(e.verb)
        e.label = str(t.label) if t else str(VERBS.get(e.verb, e.verb))
    return events


# --- campaigns -------------------------------------------------------------------------------


def campaigns(actor) -> QuerySet[Campaign]:
    """Campaigns over the actor's area, and those listing a site the actor inspects (a grid
    worker sees the street's campaign that lists sites of their grid)."""
    over = perms.filter_to_scope(Campaign.objects.all(), actor, p.VIEW).values("pk")
    listing = perms.filter_to_scope(Target.objects.all(), actor, p.INSPECT).values("campaign_id")
    return Campaign.objects.filter(Q(pk__in=over) | Q(pk__in=listing)).select_related("node")


def running_campaigns(actor) -> list[Campaign]:
    return list(campaigns(actor).filter(status=CampaignStatus.RUNNING).order_by("-starts_on"))


def campaign_nodes(actor) -> list[GridNode]:
    """The streets and neighbourhoods where the actor may set up a campaign."""
    return list(
        perms.filter_to_scope(
            GridNode.objects.filter(kind__in=[NodeKind.STREET, NodeKind.NEIGHBOURHOOD]),
            actor,
            p.CAMPAIGNS,
        ).order_by("path")
    )


def checklists(street_ids) -> list[Checklist]:
    return list(Checklist.objects.filter(street_id__in=street_ids).order_by("name"))


# Units that go on inspections: departments (派出所, 城管中队, 平安办), utilities, property
# companies.
TEAM_KINDS = ("department", "municipal", "property_company")


def team_units(street_id: int, campaign: Campaign | None) -> list[Unit]:
    """The units one may tick as on the team: the campaign's, or the street's."""
    if campaign is not None:
        return list(campaign.units.order_by("kind", "name"))
    return street_units([street_id], TEAM_KINDS)


def street_units(street_ids, kinds=None) -> list[Unit]:
    qs = Unit.objects.filter(street_id__in=street_ids)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return list(qs.order_by("kind", "name"))


@dataclass
class CampaignDetail:
    campaign: Campaign
    actions: list[Transition]
    report: CampaignReport
    summary: str
    events: list
    owner_view: bool = False

    @property
    def row(self) -> Campaign:
        return self.campaign


def campaign_detail(*, actor, pk: int) -> CampaignDetail:
    campaign = campaigns(actor).select_related("lead_unit", "checklist").filter(pk=pk).first()
    if campaign is None:
        raise Http404
    report = campaign_report(campaign)
    events = label_events(campaign.events.select_related("actor"), CAMPAIGNS.workflow)
    return CampaignDetail(
        campaign, CAMPAIGNS.allowed(actor, campaign), report, summary(report), events
    )


def campaign_targets(actor, campaign: Campaign, *, limit: int = 500) -> list[Target]:
    """The campaign's sites in the actor's scope, grid by grid, each with ``inspected``
    (a first inspection of it in this campaign): the inspected sites are read in one
    query and matched here, whatever the list's length."""
    first = Inspection.objects.filter(campaign=campaign, notice__isnull=True)
    done = set(first.values_list("compound_id", "unit_id", "grid_id", "place").distinct())
    compounds = {c for c, _u, _g, _p in done if c}
    units = {u for _c, u, _g, _p in done if u}
    areas = {(g, place) for c, u, g, place in done if not c and not u}
    rows = list(
        perms.filter_to_scope(Target.objects.filter(campaign=campaign), actor, p.VIEW)
        .select_related(*SITE_RELATED)
        .order_by("grid__path", "site_kind", "id")[:limit]
    )
    for t in rows:
        t.inspected = (
            t.compound_id in compounds or t.unit_id in units or (t.grid_id, t.place) in areas
        )
    return rows


# --- inspections -----------------------------------------------------------------------------


def inspections(actor) -> QuerySet[Inspection]:
    return perms.filter_to_scope(Inspection.objects.all(), actor, p.VIEW).select_related(
        *SITE_RELATED, "campaign"
    )


@dataclass
class InspectionDetail:
    inspection: Inspection
    results: list
    hazards: list[Hazard]
    photos: list
    units: list[Unit]


def inspection_detail(*, actor, pk: int) -> InspectionDetail:
    inspection = perms.get_in_scope(
        Inspection.objects.select_related(*SITE_RELATED, "campaign", "notice", "created_by"),
        actor,
        p.VIEW,
        pk=pk,
    )
    return InspectionDetail(
        inspection,
        list(inspection.results.select_related("item").order_by("item__position", "item_id")),
        list(inspection.hazards.select_related("item").order_by("id")),
        list(inspection.photos.all()),
        list(inspection.units.all()),
    )


# --- hazards ---------------------------------------------------------------------------------


def hazards(actor, *, status: str = "", grid_id: int | None = None) -> QuerySet[Hazard]:
    qs = perms.filter_to_scope(Hazard.objects.all(), actor, p.VIEW).select_related(
        *SITE_RELATED, "item", "notice"
    )
    if status == "open":
        qs = qs.filter(status__in=OPEN_HAZARDS)
    elif status in HazardStatus.values:
        qs = qs.filter(status=status)
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    return qs


@dataclass
class HazardDetail:
    hazard: Hazard
    actions: list[Transition]
    events: list
    photos: list
    owner_view: bool = False

    @property
    def row(self) -> Hazard:
        return self.hazard


def hazard_detail(*, actor, pk: int) -> HazardDetail:
    hazard = perms.get_in_scope(
        Hazard.objects.select_related(*SITE_RELATED, "item", "notice", "inspection", "work_order"),
        actor,
        p.VIEW,
        pk=pk,
    )
    events = label_events(hazard.events.select_related("actor"), HAZARDS.workflow)
    return HazardDetail(
        hazard, HAZARDS.allowed(actor, hazard), events, list(hazard.photos.order_by("id"))
    )


# --- notices ---------------------------------------------------------------------------------


def notices(actor, *, status: str = "") -> QuerySet[Notice]:
    qs = perms.filter_to_scope(Notice.objects.all(), actor, p.VIEW).select_related(
        *SITE_RELATED, "campaign"
    )
    if status == "open":
        qs = qs.filter(status__in=OPEN_NOTICES)
    elif status in NoticeStatus.values:
        qs = qs.filter(status=status)
    return qs


@dataclass
class NoticeDetail:
    notice: Notice
    actions: list[Transition]
    hazards: list[Hazard]
    events: list
    units: list[Unit]
    reinspections: list[Inspection]
    deadline_state: str
    owner_view: bool = False

    @property
    def row(self) -> Notice:
        return self.notice


def notice_detail(*, actor, pk: int) -> NoticeDetail:
    notice = perms.get_in_scope(
        Notice.objects.select_related(*SITE_RELATED, "campaign", "issued_by"), actor, p.VIEW, pk=pk
    )
    events = label_events(notice.events.select_related("actor"), NOTICES.workflow)
    today = sla.local_date(timezone.now())
    closed = notice.status == NoticeStatus.RECTIFIED
    state = (
        "ok"
        if closed or notice.deadline > today
        else "warn"
        if notice.deadline == today
        else "overdue"
    )
    return NoticeDetail(
        notice,
        NOTICES.allowed(actor, notice),
        list(notice.hazards.select_related("item").order_by("id")),
        events,
        list(notice.units.all()),
        list(notice.reinspections.order_by("inspected_at")),
        state,
    )


def notice_document(notice: Notice) -> dict:
    """What the printed notice shows (the print page and the archived PDF)."""
    from .services.notices import notice_settings

    return {
        "n": notice,
        "hazards": list(notice.hazards.select_related("item").order_by("id")),
        "units": list(notice.units.all()),
        "wording": notice_settings(notice.street_id),
    }


# --- sites -----------------------------------------------------------------------------------


@dataclass
class SiteRecord:
    site: SiteRef
    hazards: list[Hazard]
    notices: list[Notice]
    inspections: list[Inspection]
    can_inspect: bool
    can_report: bool
    open_hazards: list[Hazard] = field(default_factory=list)


def site_of(kind: str, pk: int) -> SiteRef:
    if kind == "compound":
        compound = Compound.objects.select_related("grid").filter(pk=pk).first()
        if compound is not None:
            return compound_site(compound)
    elif kind == "unit":
        unit = (
            Unit.objects.select_related("node")
            .filter(pk=pk, kind__in=list(UNIT_SITE_KINDS.values()))
            .first()
        )
        if unit is not None and unit.node is not None:
            return unit_site(unit)
    raise Http404


def site_record(*, actor, kind: str, pk: int) -> SiteRecord:
    """A site's safety record: its hazards, notices and inspections (what the actor may
    see; a site with nothing the actor may see of is 404)."""
    site = site_of(kind, pk)
    probe = Inspection(**site.columns())
    if not perms.allows(actor, p.VIEW, probe):
        raise Http404
    same = Q(compound=site.compound) if site.compound else Q(unit=site.unit)
    found = list(hazards(actor).filter(same).order_by("-raised_at", "-id")[:200])
    return SiteRecord(
        site,
        found,
        list(notices(actor).filter(same).order_by("-issued_at")[:100]),
        list(inspections(actor).filter(same).order_by("-inspected_at")[:100]),
        perms.allows(actor, p.INSPECT, probe),
        perms.allows(actor, p.REPORT, probe),
        [h for h in found if h.status == HazardStatus.OPEN],
    )


def sites_to_pick(actor, *, q: str = "", campaign: Campaign | None = None) -> list[dict]:
    """Sites the inspector may inspect, for the phone's picker: the campaign's sites not yet
    inspected first; else compounds and unit sites matching ``q``. At most 50."""
    rows: list[dict[str, Any]] = []
    if campaign is not None:
        for t in campaign_targets(actor, campaign):
            rows.append(
                {
                    "kind": t.site_key[0],
                    "id": t.site_key[1],
                    "name": t.site_name,
                    "grid": t.grid.name,
                    "label": t.get_site_kind_display(),
                    "done": t.inspected,  # type: ignore[attr-defined]
                    "place": t.place,
                }
            )
        rows.sort(key=lambda r: r["done"])
        return rows[:50]
    q = q.strip()[:40]
    compounds = perms.filter_to_scope(Compound.objects.all(), actor, p.INSPECT)
    # Units say where they lie with ``node``; their own scope is the whole street.
    reach = Q(pk__in=[])
    for g in perms.grants_for(actor, p.INSPECT, kind=perms.NODE):
        reach |= perms.under_grant(actor, g, field="node")
    units = Unit.objects.filter(reach, kind__in=list(UNIT_SITE_KINDS.values()), node__isnull=False)
    if q:
        compounds = compounds.filter(name__icontains=q)
        units = units.filter(name__icontains=q)
    kinds = {v: k for k, v in UNIT_SITE_KINDS.items()}
    for c in compounds.select_related("grid").order_by("name")[:25]:
        rows.append(
            {
                "kind": "compound",
                "id": c.pk,
                "name": c.name,
                "grid": c.grid.name,
                "label": _("Residential compound"),
                "done": False,
                "place": "",
            }
        )
    for u in units.select_related("node").order_by("name")[:25]:
        rows.append(
            {
                "kind": "unit",
                "id": u.pk,
                "name": u.name,
                "grid": u.node.name if u.node else "",
                "label": SiteKind(kinds[u.kind]).label,
                "done": False,
                "place": "",
            }
        )
    return rows


def my_open_work(actor) -> dict[str, int]:
    """For the home page: open hazards and notices due for re-inspection in one's area."""
    soon = sla.local_date(timezone.now()) + dt.timedelta(days=2)
    return {
        "hazards": hazards(actor, status="open").count(),
        "due": notices(actor, status="open").filter(reinspect_on__lte=soon).count(),
    }


# --- e-bike charging -------------------------------------------------------------------------

FLYING_WIRE = "飞线充电"  # the checklist item whose hazards show where piles are needed


@dataclass
class ChargingRow:
    """One compound: charging ports and sheds the registry holds, ports added this year,
    飞线充电 hazards in the last twelve months (and still open), and its charging sites."""

    compound: Compound
    ports: int = 0
    sheds: int = 0
    added: int = 0
    wires: int = 0
    wires_open: int = 0
    sites: list = field(default_factory=list)


@dataclass
class ChargingOverview:
    rows: list[ChargingRow]
    by_neighbourhood: list[tuple[str, int, int, int]]  # name, ports, added this year, wires
    months: list[tuple[str, int]]  # 飞线充电 hazards per month, the last twelve
    year: int


def _month_start(day: dt.date, back: int) -> dt.date:
    """The first day of the month ``back`` months before ``day``'s."""
    years, month = divmod(day.month - 1 - back, 12)
    return dt.date(day.year + years, month + 1, 1)


def charging_overview(actor) -> ChargingOverview:
    """Per compound of the actor's area; a few grouped queries, whatever the area's size."""
    from linli.registry.models import Facility, FacilityKind

    from .models import ChargingSite, ChargingStatus

    today = sla.local_date(timezone.now())
    months = [_month_start(today, back) for back in range(11, -1, -1)]  # the last twelve
    since = months[0]
    compounds = list(
        perms.filter_to_scope(Compound.objects.all(), actor, p.VIEW)
        .select_related("grid")
        .order_by("name")
    )
    rows = {c.pk: ChargingRow(c) for c in compounds}
    facilities = Facility.objects.filter(
        compound_id__in=rows, kind__in=[FacilityKind.CHARGING_PILE, FacilityKind.SHED]
    )
    for compound_id, kind, n in facilities.values_list("compound_id", "kind").annotate(
        n=Sum("quantity")
    ):
        if kind == FacilityKind.CHARGING_PILE:
            rows[compound_id].ports = n or 0
        else:
            rows[compound_id].sheds = n or 0
    sites = ChargingSite.objects.filter(compound_id__in=rows).order_by("-proposed_at")
    for site in sites:
        rows[site.compound_id].sites.append(site)
        if (
            site.status == ChargingStatus.BUILT
            and site.installed_on
            and (site.installed_on.year == today.year)
        ):
            rows[site.compound_id].added += site.ports
    wires = Hazard.objects.filter(
        compound_id__in=rows, item__label=FLYING_WIRE, raised_at__date__gte=since
    )
    for compound_id, n, still in wires.values_list("compound_id").annotate(
        n=Count("id"), still=Count("id", filter=Q(status__in=OPEN_HAZARDS))
    ):
        rows[compound_id].wires, rows[compound_id].wires_open = n, still
    per_month = {
        timezone.localtime(month).date(): n
        for month, n in wires.annotate(month=TruncMonth("raised_at"))
        .values_list("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    }
    series = [(f"{m:%Y-%m}", per_month.get(m, 0)) for m in months]
    parents = {
        g.pk: g
        for g in GridNode.objects.filter(
            path__in={c.grid.path[: -GridNode.steplen] for c in compounds}
        )
    }
    by_path = {g.path: g.name for g in parents.values()}
    totals: dict[str, list[int]] = {}
    for row in rows.values():
        name = by_path.get(row.compound.grid.path[: -GridNode.steplen], row.compound.grid.name)
        t = totals.setdefault(name, [0, 0, 0])
        t[0] += row.ports
        t[1] += row.added
        t[2] += row.wires
    ordered = sorted(rows.values(), key=lambda r: (-r.wires_open, -r.wires, r.compound.name))
    return ChargingOverview(
        ordered, [(n, t[0], t[1], t[2]) for n, t in sorted(totals.items())], series, today.year
    )
