"""Demo builders for outreach (消防宣传): the fire blankets of 榆兰第二责任区 half handed out
door to door by the building leaders and 王红梅 (some buildings done, some households
refusing or not at home: "不漏户" has names on it), the family fire-safety booklet handed out
before and closed, this year's fire drills held in four grids and missing in three (one of
them planned for the coming days), a 消防安全培训 on using the blanket, and the street's
"开工第一课" for its special-equipment users with 215 attending. Everything goes through the
services, dated back from the build day, so the timelines and visits are what real use
leaves."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from linli.grids.models import Role, StaffAssignment, Unit, UnitKind
from linli.outreach import services
from linli.outreach.models import DrillKind, Item, Outcome
from linli.registry.models import Building, Household

from .context import DemoContext
from .workorders import _photo

DAY = dt.timedelta(days=1)
H = dt.timedelta(hours=1)
YULAN_GRID = "榆兰第二责任区"
# (grid, what was practised, how many came); the other grids have not held theirs yet.
DRILLS_HELD = [
    (YULAN_GRID, "楼道烟雾逃生、厨房油锅起火用灭火毯扑救", 68),
    ("榆兰第一责任区", "电动自行车火灾扑救、消防器材使用", 45),
    ("三宝第一责任区", "高层住宅火灾疏散、心肺复苏救援", 82),
    ("香港丽园第一责任区", "地下车库火灾扑救、消防车通道畅通演示", 57),
]
ENTERPRISES = [
    ("上海宝兴机械制造有限公司", "三宝第一责任区", "天通庵路 301 号"),
    ("上海三宝印务有限公司", "香港丽园第二责任区", "东宝兴路 118 号"),
]


def _aware(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _grid_worker(ctx: DemoContext, grid_name: str):
    found = StaffAssignment.objects.filter(
        role=Role.GRID_WORKER, node=ctx.nodes[grid_name]
    ).select_related("user")
    return found.first().user


def build_outreach(ctx: DemoContext) -> None:
    admin, cadre = ctx.users["admin"], ctx.users["cadre1"]
    today = ctx.today
    grid = ctx.nodes[YULAN_GRID]
    households = list(
        Household.objects.filter(grid=grid)
        .select_related("dwelling__entrance__building")
        .order_by("address_key", "id")
    )
    _booklets(ctx, cadre, grid, households, today)
    _blankets(ctx, cadre, grid, households, today)
    _drills(ctx, admin, cadre, today)
    ctx.log("outreach: 2 distributions, drills and trainings")


def _booklets(ctx: DemoContext, cadre, grid, households: list[Household], today: dt.date) -> None:
    """家庭消防安全知识读本: handed out by 王红梅 two months ago, every household but a few
    that refused, then closed."""
    start = today - 70 * DAY
    d = services.distribution_create(
        actor=cadre, item=Item.BOOKLET, name="第二责任区《家庭消防安全知识读本》发放",
        starts_on=start, ends_on=start + 14 * DAY, nodes=[grid], open_now=True,
        note="配合“消防安全培训 正确使用灭火毯”系列活动，每户一本。", at=_aware(start, 8),
    )  # fmt: skip
    for i, h in enumerate(households):
        at = _aware(start + (i // 40) * DAY, 9) + (i % 40) * 6 * dt.timedelta(minutes=1)
        outcome = Outcome.REFUSED if i % 57 == 13 else Outcome.HANDED
        services.visit_record(actor=cadre, distribution=d, household=h, outcome=outcome, at=at)
    services.distribution_close(
        actor=cadre, distribution=d, note="已全部上门发放。", at=_aware(start + 14 * DAY, 17)
    )


def _blankets(ctx: DemoContext, cadre, grid, households: list[Household], today) -> None:
    """灭火毯: the building leaders knock door to door; about half the buildings are done,
    two are under way (nobody at home at a few doors, one or two refusals), the rest wait."""
    start = today - 12 * DAY
    d = services.distribution_create(
        actor=cadre, item=Item.FIRE_BLANKET, name="第二责任区灭火毯入户发放（每户一条）",
        starts_on=start, ends_on=today + 18 * DAY, nodes=[grid], stock=360, open_now=True,
        note="街道安委办配发，居委干部与楼组长挨家挨户上门，讲解使用方法。", at=_aware(start, 8),
    )  # fmt: skip
    by_building: dict[int, list[Household]] = {}
    for h in households:
        by_building.setdefault(h.dwelling.entrance.building_id, []).append(h)
    buildings = Building.objects.in_bulk(list(by_building))
    order = list(by_building)
    done, under_way = order[: len(order) // 2], order[len(order) // 2 : len(order) // 2 + 2]
    n = 0
    for b_id in done + under_way:
        leader = buildings[b_id].leader or cadre
        members = by_building[b_id]
        partial = b_id in under_way
        for i, h in enumerate(members):
            if partial and i >= len(members) * 2 // 3:
                break  # not yet knocked at
            day = start + (n // 25) * DAY
            at = min(_aware(day, 18) + (n % 25) * 4 * dt.timedelta(minutes=1),
                     _aware(today - DAY, 20))  # fmt: skip
            n += 1
            if partial and i % 5 == 1:
                services.visit_record(actor=leader, distribution=d, household=h,
                                      outcome=Outcome.NOT_HOME, at=at)  # fmt: skip
                continue
            if i % 23 == 7:
                services.visit_record(actor=leader, distribution=d, household=h,
                                      outcome=Outcome.REFUSED, note="家里已备灭火器", at=at)  # fmt: skip
                continue
            first = h.members.order_by("id").first()
            services.visit_record(actor=leader, distribution=d, household=h, outcome=Outcome.HANDED,
                                  recipient=first, at=at)  # fmt: skip


def _drills(ctx: DemoContext, admin, cadre, today: dt.date) -> None:
    year_start = dt.date(today.year, 1, 1)
    span = max((today - year_start).days, 0)

    def this_year(share: float) -> dt.date:
        return year_start + dt.timedelta(days=int(span * share))

    for i, (grid_name, topic, came) in enumerate(DRILLS_HELD):
        grid = ctx.nodes[grid_name]
        day = this_year(0.3 + 0.15 * i)
        planner = cadre if grid_name.startswith("榆兰") else admin
        drill = services.drill_plan(
            actor=planner, kind=DrillKind.FIRE_DRILL, node=grid, date=day,
            place=f"{grid.name}小区中心广场", topic=topic, at=_aware(day, 8) - 20 * DAY,
        )  # fmt: skip
        services.drill_hold(
            actor=_grid_worker(ctx, grid_name), drill=drill, attendance=came,
            note="按街道安委办要求开展年度消防演练。", photos=[_photo(ctx, f"drill-{i}")],
            at=_aware(day, 16),
        )  # fmt: skip
    training_day = this_year(0.8)
    training = services.drill_plan(
        actor=cadre, kind=DrillKind.TRAINING, node=ctx.nodes[YULAN_GRID], date=training_day,
        place="榆兰居民区党群服务站", topic="消防安全培训 正确使用灭火毯",
        at=_aware(training_day, 8) - 7 * DAY,
    )  # fmt: skip
    services.drill_hold(actor=cadre, drill=training, attendance=36,
                        note="讲解灭火毯使用方法，提醒居民时刻关注消防安全。",
                        at=_aware(training_day, 15))  # fmt: skip
    # Coming up: 三宝第二责任区's fire drill in a few days (the worker reminds its staff).
    services.drill_plan(
        actor=admin, kind=DrillKind.FIRE_DRILL, node=ctx.nodes["三宝第二责任区"],
        date=today + 4 * DAY, place="雨泉花园 3号楼前空地", topic="高层火灾逃生与初期扑救",
        at=_aware(today - DAY, 10),
    )  # fmt: skip
    services.drill_plan(
        actor=admin, kind=DrillKind.EMERGENCY_DRILL, node=ctx.nodes["三宝居民区"],
        date=today + 16 * DAY, place="三宝居民区活动室", topic="防汛防台应急疏散演练",
        at=_aware(today - DAY, 10),
    )  # fmt: skip
    units = _enterprises(ctx)
    lesson_day = max(year_start, min(year_start + 40 * DAY, today - DAY))
    lesson = services.drill_plan(
        actor=admin, kind=DrillKind.FIRST_LESSON, node=ctx.street, date=lesson_day,
        place="宝山路街道社区文化活动中心多功能厅",
        topic="特种设备使用单位安全总监培训暨“开工第一课”", units=units,
        at=_aware(lesson_day, 8) - 10 * DAY,
    )  # fmt: skip
    services.drill_hold(
        actor=admin, drill=lesson, attendance=215,
        note="辖区215家特种设备使用单位相关人员参加，围绕节后安全开工复工讲解特种设备的使用、"
        "监督管理、事故救援和处置、法律责任。",
        at=_aware(lesson_day, 16),
    )  # fmt: skip


def _enterprises(ctx: DemoContext) -> list[Unit]:
    """The street's enterprises (made here if no earlier builder made any)."""
    found = list(Unit.objects.filter(street=ctx.street, kind=UnitKind.ENTERPRISE))
    if found:
        return found
    for name, grid_name, address in ENTERPRISES:
        unit = Unit.objects.create(
            street=ctx.street, kind=UnitKind.ENTERPRISE, name=name, node=ctx.nodes[grid_name],
            address=address, contact_name=ctx.faker.name(),
        )  # fmt: skip
        ctx.units[name] = unit
        found.append(unit)
    return found
