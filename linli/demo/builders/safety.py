"""Demo builder for safety inspections: the street's rental sites and enterprises, a
finished 三清四查 campaign (every compound and rental site inspected, night inspections of
the rental sites, notices put right after 回头看, one site ordered to suspend business)
whose report reads like the newspaper's, a running winter campaign with open notices (one
due for re-inspection tomorrow, one overdue), and hazards reported on patrol. Everything
goes through the services, dated back from the build day."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from linli.grids.models import Role, StaffAssignment, Unit, UnitKind
from linli.registry.models import Compound, Facility
from linli.safety import services
from linli.safety.models import Hazard, HazardSource, Result, Severity

from .context import DemoContext
from .workorders import _photo

DAY = dt.timedelta(days=1)
H = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)

# More rental sites (规模性租赁场所) and the street's enterprises, by grid.
RENTAL_SITES = [
    ("天通庵路 190 弄群租公寓", "香港丽园第二责任区"),
    ("东宝兴路 300 号租赁公寓", "香港丽园第一责任区"),
    ("宝山路 520 号职工宿舍", "三宝第二责任区"),
    ("三宝路 90 号青年公寓", "三宝第三责任区"),
    ("同心路 250 号租赁公寓", "榆兰第一责任区"),
    ("新港路 180 号集体宿舍", "榆兰第二责任区"),
]
ENTERPRISES = [
    ("宝山制衣厂", "三宝第三责任区"),
    ("申新电梯维保公司", "榆兰第一责任区"),
]

# Per item of the default checklist: (chance of a hazard, a count drawn for counted items,
# what was found). Rental sites are riskier than compounds (factor applied below).
FINDINGS = {
    "公共区域堆物": (0.25, (1, 4), "楼道、地下室堆放杂物"),
    "通道堆物": (0.2, (1, 3), "疏散通道堆放纸箱、旧家具"),
    "擅自搭建隔层": (0.05, None, "房间内擅自搭建隔层"),
    "消防设施设备维护": (0.15, None, "灭火器过期、消火栓箱内水带缺失"),
    "消防管网": (0.05, None, "消防管网压力不足"),
    "消防车通道/疏散通道畅通": (0.1, None, "消防车通道被车辆占用"),
    "安全出口": (0.08, None, "安全出口指示灯不亮"),
    "电动自行车违规停放/充电": (0.35, (2, 9), "电动自行车在楼道内停放充电"),
    "飞线充电": (0.15, (1, 2), "从窗口拉电线给电动车充电"),
    "电线老化": (0.1, None, "楼道电线老化外露"),
    "燃气使用": (0.05, None, "燃气软管老化"),
}
# Checked items that do not apply everywhere (an old lane has no fire mains of its own).
SOMETIMES_NA = {"消防管网": 0.3, "安全出口": 0.1}


def _aware(day: dt.date, hour: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _sites(ctx: DemoContext) -> list[Unit]:
    nodes = ctx.nodes
    made = Unit.objects.bulk_create(
        [
            Unit(
                street=ctx.street,
                kind=UnitKind.RENTAL_SITE,
                name=name,
                node=nodes[grid],
                address=name.split(" ")[0] if " " in name else "",
                contact_name=ctx.faker.name(),
            )
            for name, grid in RENTAL_SITES
        ]
        + [
            Unit(
                street=ctx.street,
                kind=UnitKind.ENTERPRISE,
                name=name,
                node=nodes[grid],
                contact_name=ctx.faker.name(),
            )
            for name, grid in ENTERPRISES
        ]
    )
    for unit in made:
        ctx.units[unit.name] = unit
    return list(Unit.objects.filter(street=ctx.street, kind=UnitKind.RENTAL_SITE).order_by("name"))


def _inspectors(ctx: DemoContext) -> dict[int, object]:
    """grid id → the grid's leader (who records its inspections)."""
    out = {}
    for grant in StaffAssignment.objects.filter(
        street=ctx.street, role=Role.GRID_WORKER
    ).select_related("user"):
        out.setdefault(grant.node_id, grant.user)
    return out


def _answers(ctx: DemoContext, items, *, risky: bool, force: set[str] = frozenset()):
    rng = ctx.rng
    out = []
    for item in items:
        chance, counted, found = FINDINGS.get(item.label, (0.1, None, item.label))
        chance *= 2 if risky else 1
        hazard = item.label in force or rng.random() < chance
        na = not hazard and rng.random() < SOMETIMES_NA.get(item.label, 0)
        count = None
        if item.count_unit:
            count = rng.randint(*counted) if hazard and counted else 0
        fixable = hazard and item.label in ("公共区域堆物", "通道堆物", "飞线充电")
        on_spot = fixable and rng.random() < 0.6
        out.append(
            services.ItemInput(
                item=item,
                result=Result.HAZARD if hazard else Result.NA if na else Result.OK,
                count=count,
                note=found if hazard else "",
                severity=Severity.MAJOR if item.label == "擅自搭建隔层" else Severity.MINOR,
                fixed_on_spot=on_spot,
                after_photos=[_photo(ctx, "after")] if on_spot else [],
            )
        )
    return out


def _inspect_all(ctx, campaign, items, sites, inspectors, start: dt.datetime, days: int):
    """Inspect every (site, risky) within ``days`` from ``start``; returns the inspections."""
    done = []
    for n, (site, risky) in enumerate(sites):
        at = start + (n * days // max(1, len(sites))) * DAY + (9 + ctx.rng.randint(0, 7)) * H
        night = risky and n % 3 == 0
        if night:
            at = at.replace(hour=21)
        force = {"擅自搭建隔层", "通道堆物", "消防设施设备维护"} if n == 0 and risky else set()
        done.append(
            services.inspection_record(
                actor=inspectors.get(site.grid.pk, ctx.users["admin"]),
                site=site,
                campaign=campaign,
                items=_answers(ctx, items, risky=risky, force=force),
                night=night,
                units=list(campaign.units.all()),
                members="张宇、李坚、派出所民警、城管队员" if risky else "网格长、物业经理",
                inspected_at=at,
                at=at,
            )
        )
    return done


def _notices(ctx, inspections, inspectors, *, reinspect: bool, last_fails: bool):
    """A notice for each risky site's open hazards; with ``reinspect`` the 回头看 follows:
    all put right, except (``last_fails``) the last notice, escalated and suspended."""
    made = []
    for inspection in inspections:
        open_hazards = list(inspection.hazards.filter(status="open"))
        if inspection.site_kind != "rental_site" or not open_hazards:
            continue
        at = inspection.inspected_at + H
        actor = inspectors.get(inspection.grid_id, ctx.users["admin"])
        notice = services.notice_issue(
            actor=actor,
            hazards=open_hazards,
            responsible=inspection.unit.contact_name or "负责人",
            deadline=(at + 7 * DAY).date(),
            reinspect_on=(at + 6 * DAY).date(),
            units=list(inspection.units.all()),
            at=at,
        )
        services.notice_acknowledge(
            actor=actor, notice=notice, signed_by=notice.responsible, at=at + 10 * MINUTE
        )
        made.append((notice, actor))
    if not reinspect:
        return made
    for i, (notice, actor) in enumerate(made):
        at = _aware(notice.reinspect_on, 10)
        hazards = list(notice.hazards.all())
        failing = last_fails and i == len(made) - 1
        fixed = {h.pk for h in hazards[: 1 if failing else None]}
        services.notice_reinspect(
            actor=actor,
            notice=notice,
            fixed=fixed,
            at=at,
            members="张宇、李坚",
            note="隔层仍未拆除" if failing else "经复查，隐患已整改到位",
            photos=[_photo(ctx, "recheck")],
        )
        if failing:
            services.notice_suspend(
                actor=ctx.users["admin"],
                notice=notice,
                at=at + 2 * DAY,
                note="经联合检查组研究，责令该场所停业整顿，整改到位后方可恢复经营。",
            )
    return made


def build_safety(ctx: DemoContext) -> None:
    admin = ctx.users["admin"]
    street = ctx.street
    rentals = _sites(ctx)
    inspectors = _inspectors(ctx)
    checklist = services.default_checklist(street.pk)
    items = list(checklist.items.all())
    units = ctx.units
    anchor = _aware(ctx.today)
    compounds = list(Compound.objects.filter(street=street).select_related("grid").order_by("name"))
    everything = [(services.compound_site(c), False) for c in compounds] + [
        (services.unit_site(u), True) for u in rentals
    ]

    # 1. The finished 三清四查 campaign, two months back.
    start = anchor - 62 * DAY
    done = services.campaign_create(
        actor=admin,
        name="疫情防控期间“三清四查”",
        node=street,
        starts_on=start.date(),
        ends_on=(start + 30 * DAY).date(),
        checklist=checklist,
        target_kinds=["compound", "rental_site"],
        lead_unit=units["社区平安办"],
        units=[
            units["宝山路派出所"],
            units["社区管理办"],
            units["宝山路街道城管中队"],
            units["慧海物业"],
        ],
        leader="街道党工委副书记张宇",
        at=start - 3 * DAY,
    )
    services.targets_add(actor=admin, campaign=done, kinds=["compound", "rental_site"])
    done = services.campaign_start(actor=admin, campaign=done, at=start)
    inspections = _inspect_all(ctx, done, items, everything, inspectors, start, 20)
    _notices(ctx, inspections, inspectors, reinspect=True, last_fails=True)
    services.campaign_close(
        actor=admin,
        campaign=done,
        at=start + 31 * DAY,
        note="“三清四查”工作告一段落，转入常态化检查。",
    )

    # 2. The winter campaign under way: half the sites so far, notices still open.
    start = anchor - 12 * DAY
    winter = services.campaign_create(
        actor=admin,
        name="冬季消防安全大检查",
        node=street,
        starts_on=start.date(),
        ends_on=(anchor + 20 * DAY).date(),
        checklist=checklist,
        target_kinds=["compound", "rental_site", "enterprise"],
        lead_unit=units["街道安委办"],
        units=[units["宝山路派出所"], units["宝山路街道城管中队"]],
        leader="街道安委办主任",
        at=start - DAY,
    )
    services.targets_add(
        actor=admin, campaign=winter, kinds=["compound", "rental_site", "enterprise"]
    )
    winter = services.campaign_start(actor=admin, campaign=winter, at=start)
    half = everything[::2]
    inspections = _inspect_all(ctx, winter, items, half, inspectors, start, 10)
    # Notices of the first days are past their deadline by now (the sweep escalates them);
    # the later ones wait for their 回头看 in the days to come.
    _notices(ctx, inspections, inspectors, reinspect=False, last_fails=False)
    services.escalate_overdue(anchor)

    # 3. Hazards seen on patrol by volunteers and grid leaders.
    volunteer = ctx.users.get("volunteer1", admin)
    for n, compound in enumerate(compounds[:3]):
        services.hazard_report(
            actor=volunteer if n == 0 else inspectors.get(compound.grid_id, admin),
            site=services.compound_site(compound),
            description=[
                "3号楼楼道有电线从窗口拉下给电动车充电",
                "地下车库电动车集中充电无人看管",
                "架空层堆放废旧家具",
            ][n],
            item=next(i for i in items if i.label == ("飞线充电" if n < 2 else "公共区域堆物")),
            source=HazardSource.VOLUNTEER if n == 0 else HazardSource.PATROL,
            photos=[_photo(ctx, "patrol")],
            at=anchor - (n + 1) * DAY,
        )
    # 4. E-bike charging: a place turned down (a gas pipe beneath it), piles between two
    # entrances and a shed built this year (70 ports added), one more place proposed.
    first, second, third = compounds[0], compounds[1], compounds[2]

    def near(compound):  # beside the compound's charging piles already on the map
        f = Facility.objects.filter(compound=compound, latitude__isnull=False).first()
        return (f.latitude, f.longitude) if f else None

    west = services.charging_propose(
        actor=admin,
        compound=first,
        kind="piles",
        location="西边靠围墙处",
        ports=40,
        at=anchor - 60 * DAY,
    )
    services.charging_reject(
        actor=admin, site=west, reason="燃气管道在下方，不宜安装", at=anchor - 55 * DAY
    )
    middle = services.charging_propose(
        actor=admin,
        compound=first,
        kind="piles",
        location="两个单元中间",
        ports=40,
        at=anchor - 54 * DAY,
    )
    services.charging_build(
        actor=admin,
        site=middle,
        installed_on=(anchor - 20 * DAY).date(),
        position=near(first),
        installer="市北供电公司",
        ports=40,
        cost_sharing="电缆费用由街道和物业共同承担",
        electricity="扫码付费，物业代收电费",
        at=anchor - 20 * DAY,
    )
    shed = services.charging_propose(
        actor=admin,
        compound=second,
        kind="shed",
        location="3号楼北侧空地",
        ports=30,
        at=anchor - 90 * DAY,
    )
    services.charging_build(
        actor=admin,
        site=shed,
        installed_on=(anchor - 45 * DAY).date(),
        position=near(second),
        installer="港丽物业",
        ports=30,
        cost_sharing="街道补贴一半",
        electricity="按次计费",
        at=anchor - 45 * DAY,
    )
    services.charging_propose(
        actor=admin,
        compound=third,
        kind="piles",
        location="架空层东侧",
        ports=20,
        at=anchor - 3 * DAY,
    )
    ctx.log(
        f"safety: 2 campaigns, {Hazard.objects.filter(street=street).count()} hazards, "
        f"{len(rentals)} rental sites"
    )
