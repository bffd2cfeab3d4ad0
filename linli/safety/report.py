"""A campaign's figures, counted from its inspections, hazards and notices, and its summary
paragraph in the words the street's newspaper uses:

    清查期间，工作组共对辖区内76处居民小区和51处规模性租赁场所展开行动，清理公共区域堆物
    21处，电动自行车违规停放充电140余辆；检查消防管网56处，消防车通道、疏散通道等是否畅通48处。

Every figure is one aggregate query (a handful in all, whatever the campaign's size); the
wording functions take numbers only, so they are tested without a database.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Sum

from .models import (
    Campaign,
    ChecklistItem,
    Hazard,
    HazardStatus,
    Inspection,
    ItemResult,
    Notice,
    NoticeStatus,
    Result,
    SiteKind,
    Tally,
    Target,
)

# How the paragraph names each kind of site after its number ("76处居民小区").
SITE_WORDS = {
    SiteKind.COMPOUND: "处居民小区",
    SiteKind.RENTAL_SITE: "处规模性租赁场所",
    SiteKind.ENTERPRISE: "家企业",
    SiteKind.SHOP: "家沿街商铺",
    SiteKind.PUBLIC_AREA: "处公共区域",
}


def approx(n: int) -> str:
    """A counted number as the paper writes it: exact below 100; above, rounded down with
    余 ("140余" for 143, "1200余" for 1,234; "1.2万余" for 12,345); a round number stays
    exact ("140", "2万")."""
    if n < 100:
        return str(n)
    if n >= 10_000:
        tenths = n // 1_000
        text = f"{tenths // 10}.{tenths % 10}" if tenths % 10 else str(tenths // 10)
        return f"{text}万" + ("" if n % 1_000 == 0 else "余")
    step = 10 if n < 1_000 else 100
    return str(n - n % step) + ("" if n % step == 0 else "余")


def _join(parts: list[str]) -> str:
    """ "a和b", "a、b和c"."""
    if len(parts) <= 1:
        return "".join(parts)
    return "、".join(parts[:-1]) + "和" + parts[-1]


@dataclass
class ItemTally:
    item: ChecklistItem
    checked: int = 0  # results other than 不适用
    hazards: int = 0  # results 隐患
    count: int = 0  # the sum of the counts recorded

    @property
    def figure(self) -> int:
        return {Tally.CHECKED: self.checked, Tally.COUNT: self.count}.get(
            self.item.tally, self.hazards
        )

    @property
    def text(self) -> str:
        """The item's phrase with its figure ("电动自行车违规停放充电140余辆")."""
        if not self.item.phrase or not self.figure:
            return ""
        shown = approx(self.figure) if self.item.tally == Tally.COUNT else str(self.figure)
        return self.item.phrase.replace("{n}", shown)


@dataclass
class CampaignReport:
    campaign: Campaign
    targets: dict[str, int] = field(default_factory=dict)  # kind → sites on the list
    sites: dict[str, int] = field(default_factory=dict)  # kind → sites inspected
    inspections: int = 0
    night: int = 0  # 夜查
    reinspections: int = 0  # 回头看
    items: list[ItemTally] = field(default_factory=list)
    hazards: int = 0
    on_the_spot: int = 0  # 当场整改
    fixed: int = 0  # put right (on the spot or later)
    open_hazards: int = 0
    notices: int = 0
    rectified_on_time: int = 0
    rectified_late: int = 0
    overdue: int = 0  # escalated because the deadline passed
    escalated: int = 0  # now under joint enforcement
    suspended: int = 0  # 责令停业整顿

    @property
    def sites_total(self) -> int:
        return sum(self.sites.values())

    @property
    def targets_total(self) -> int:
        return sum(self.targets.values())

    def site_rows(self) -> list[tuple[str, int, int]]:
        """(kind's label, inspected, on the list) per kind, in the campaign's order."""
        kinds = [k for k in SiteKind.values if self.targets.get(k) or self.sites.get(k)]
        return [
            (str(SiteKind(k).label), self.sites.get(k, 0), self.targets.get(k, 0)) for k in kinds
        ]


def campaign_report(campaign: Campaign) -> CampaignReport:
    report = CampaignReport(campaign)
    report.targets = dict(
        Target.objects.filter(campaign=campaign)
        .values_list("site_kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    first = Inspection.objects.filter(campaign=campaign, notice__isnull=True)
    # A site inspected twice counts once: distinct compounds, units and public areas.
    kinds: Counter = Counter()
    for row in (
        first.values("site_kind")
        .annotate(
            compounds=Count("compound", distinct=True),
            units=Count("unit", distinct=True),
            areas=Count("place", distinct=True, filter=Q(site_kind=SiteKind.PUBLIC_AREA)),
        )
        .order_by()
    ):
        kinds[row["site_kind"]] = row["compounds"] + row["units"] + row["areas"]
    report.sites = dict(kinds)
    totals = Inspection.objects.filter(campaign=campaign).aggregate(
        all=Count("id"),
        night=Count("id", filter=Q(night=True)),
        again=Count("id", filter=Q(notice__isnull=False)),
    )
    report.inspections = totals["all"] - totals["again"]
    report.night = totals["night"]
    report.reinspections = totals["again"]
    by_item = {
        row["item"]: row
        for row in ItemResult.objects.filter(inspection__campaign=campaign)
        .values("item")
        .annotate(
            checked=Count("id", filter=~Q(result=Result.NA)),
            hazards=Count("id", filter=Q(result=Result.HAZARD)),
            count=Sum("count"),
        )
        .order_by()
    }
    for item in campaign.checklist.items.all():
        row = by_item.get(item.pk, {})
        report.items.append(
            ItemTally(item, row.get("checked", 0), row.get("hazards", 0), row.get("count") or 0)
        )
    hazards = Hazard.objects.filter(inspection__campaign=campaign).aggregate(
        all=Count("id"),
        spot=Count("id", filter=Q(on_the_spot=True)),
        fixed=Count("id", filter=Q(status=HazardStatus.FIXED)),
        open=Count(
            "id",
            filter=Q(status__in=[HazardStatus.OPEN, HazardStatus.NOTIFIED, HazardStatus.ESCALATED]),
        ),
    )
    report.hazards = hazards["all"]
    report.on_the_spot = hazards["spot"]
    report.fixed = hazards["fixed"]
    report.open_hazards = hazards["open"]
    notices = Notice.objects.filter(campaign=campaign).aggregate(
        all=Count("id"),
        on_time=Count(
            "id", filter=Q(status=NoticeStatus.RECTIFIED, closed_at__date__lte=F("deadline"))
        ),
        late=Count(
            "id", filter=Q(status=NoticeStatus.RECTIFIED, closed_at__date__gt=F("deadline"))
        ),
        overdue=Count("id", filter=Q(overdue_at__isnull=False)),
        escalated=Count("id", filter=Q(status=NoticeStatus.ESCALATED)),
        suspended=Count("id", filter=Q(status=NoticeStatus.SUSPENSION)),
    )
    report.notices = notices["all"]
    report.rectified_on_time = notices["on_time"]
    report.rectified_late = notices["late"]
    report.overdue = notices["overdue"]
    report.escalated = notices["escalated"]
    report.suspended = notices["suspended"]
    return report


def summary(report: CampaignReport) -> str:
    """The paragraph, built from the figures alone (nothing said of what is zero)."""
    sites = [f"{report.sites[k]}{SITE_WORDS[k]}" for k in SiteKind.values if report.sites.get(k)]
    if not sites:
        return ""
    text = f"清查期间，工作组共对辖区内{_join(sites)}展开行动"
    if report.night:
        text += f"，其中夜查{report.night}次"
    found = [t.text for t in report.items if t.item.tally != Tally.CHECKED and t.text]
    checked = [t.text for t in report.items if t.item.tally == Tally.CHECKED and t.text]
    clauses = "，".join(found)
    if checked:  # 检查 said once: "检查消防管网56处，消防车通道…畅通48处"
        checks = checked[:1] + [c.removeprefix("检查") for c in checked[1:]]
        clauses += ("；" if clauses else "") + "，".join(checks)
    text += ("，" + clauses if clauses else "") + "。"
    if report.hazards:
        text += f"共发现安全隐患{report.hazards}处"
        if report.on_the_spot:
            text += f"，当场整改{report.on_the_spot}处"
        text += "。"
    if report.notices:
        text += f"开具《责令立即改正通知书》{report.notices}份"
        done = report.rectified_on_time + report.rectified_late
        if done:
            text += f"，经“回头看”已整改到位{done}份"
            if report.rectified_late:
                text += f"（其中逾期整改{report.rectified_late}份）"
        if report.escalated:
            text += f"，{report.escalated}份移交联合执法"
        if report.suspended:
            text += f"，责令停业整顿{report.suspended}处"
        text += "。"
    return text
