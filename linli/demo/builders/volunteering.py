"""Demo builders for volunteering and points: the 37 members of the repair team log in
(volunteer1 … volunteer37), the street's points standard, a season of volunteer orders in
every state (claimed within minutes, as in the newspaper: "不到5分钟，群内就有4人报名"),
the points store with its stock and redemptions, a settled quarter and an open one, and
small wishes. Everything goes through the services, dated back from the build day, so the
timelines, service records, points entries and statements are what real use leaves."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from linli.accounts.models import User
from linli.core.errors import Conflict
from linli.grids.models import Role, StaffAssignment
from linli.points import services as points
from linli.points.models import EarnKind, StockSource
from linli.registry.models import Household, Resident
from linli.volunteering import services
from linli.volunteering.models import (
    OrderResult,
    TeamMember,
    Volunteer,
    VolunteerOrder,
    WishKind,
)
from linli.workorders import services as wo_services
from linli.workorders.models import Category

from .context import DEMO_PASSWORD, DemoContext
from .registry import TEAM_NAME
from .workorders import _photo

H = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
MINUTE = dt.timedelta(minutes=1)

# What each member can do: a third carpenters (木门维修), then plumbing and wiring, appliances,
# drains, haircuts, keeping the elderly company, teaching phones. Cycled over the team.
SKILL_SETS = [
    ["carpentry"],
    ["plumbing_electric", "appliances"],
    ["carpentry", "drains"],
    ["appliances"],
    ["plumbing_electric"],
    ["carpentry", "elder_care"],
    ["haircut", "elder_care"],
    ["digital", "elder_care"],
    ["drains", "plumbing_electric"],
]
AVAILABILITY = ["工作日晚上", "周末全天", "随时可以", "工作日上午", "周六下午"]

# (skill, job, volunteers wanted, hours on the job)
JOBS = [
    ("carpentry", "卧室门框开裂需要维修", 4, (1.5, 2.5)),
    ("carpentry", "衣柜门合页松动", 1, (0.5, 1.0)),
    ("carpentry", "木门关不严需要调整", 2, (1.0, 1.5)),
    ("plumbing_electric", "卫生间灯不亮需更换灯座", 1, (0.5, 1.0)),
    ("plumbing_electric", "厨房水龙头漏水需更换阀芯", 1, (0.5, 1.0)),
    ("plumbing_electric", "插座松动有火花", 2, (0.5, 1.5)),
    ("appliances", "洗衣机不脱水", 1, (1.0, 2.0)),
    ("appliances", "电饭煲不加热", 1, (0.5, 1.0)),
    ("drains", "厨房下水道堵塞", 2, (1.0, 2.0)),
    ("drains", "卫生间地漏返味", 1, (0.5, 1.0)),
    ("haircut", "为行动不便的老人上门理发", 1, (0.5, 1.0)),
    ("elder_care", "陪独居老人去医院复查", 1, (2.0, 3.5)),
    ("digital", "教老人用手机预约挂号", 1, (1.0, 1.5)),
]
RESULTS = [OrderResult.FIXED] * 17 + [OrderResult.NOT_FIXED, OrderResult.TO_PROPERTY]

# The points standard (积分标准): per order and skill, and for other ways of taking part.
STANDARD = [
    (EarnKind.VOLUNTEER_ORDER, "", 10, None),
    (EarnKind.VOLUNTEER_ORDER, "carpentry", 15, None),
    (EarnKind.VOLUNTEER_ORDER, "plumbing_electric", 20, None),
    (EarnKind.VOLUNTEER_ORDER, "appliances", 20, None),
    (EarnKind.VOLUNTEER_ORDER, "drains", 15, None),
    (EarnKind.CIVILISATION, "", 5, 20),  # 文明实践: at most 20 a month
    (EarnKind.CONSULTATION, "", 10, None),  # 协商共治
    (EarnKind.ACTIVITY, "", 5, None),
]
# The points store: what the newspaper saw on the shelves — toys, towels, thermos flasks,
# small appliances. (name, price, per-person limit, bought, cost each, donated by)
STORE = [
    ("纯棉毛巾", 30, 2, 40, Decimal("12.50"), ("和平商厦", 30)),
    ("保温暖壶", 80, 1, 20, Decimal("35.00"), None),
    ("儿童积木玩具", 120, 1, 12, Decimal("58.00"), None),
    ("益智拼图", 60, 1, 15, Decimal("22.00"), None),
    ("电热水壶", 200, 1, 8, Decimal("89.00"), None),
    ("电吹风", 150, 1, 4, Decimal("69.00"), None),
    ("洗衣液（2公斤）", 40, 2, 30, Decimal("18.90"), ("榆兰便利店", 10)),
]
WISHES = [
    # (kind, what everyone may read, what stays with staff, how far it got)
    (WishKind.GOODS, "三年级的小学生想要一个新书包", "父母在外地打工，跟奶奶生活", "confirmed"),
    (WishKind.VISIT, "独居老人希望每周有人来陪他下象棋", "耳朵背，敲门要用力", "taken"),
    (WishKind.REPAIR, "老人家的收音机坏了，想修好听戏", "", "open"),
    (WishKind.GOODS, "高龄老人想要一床厚棉被过冬", "腿脚不便，请送到家", "open"),
    (WishKind.OTHER, "行动不便的老人想上门理一次发", "", "fulfilled"),
    (WishKind.GOODS, "想要一副老花镜看报纸", "度数约 250 度", "confirmed"),
]


def quarter_start(day: dt.date) -> dt.date:
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


def _aware(day: dt.date, hour: int = 0, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def build_volunteering(ctx: DemoContext) -> None:
    started = time.monotonic()
    anchor = _aware(ctx.today)  # nothing is dated from the build day's start on
    this_quarter = quarter_start(ctx.today)
    last_quarter = quarter_start(this_quarter - DAY)
    season = _aware(last_quarter)
    admin, cadre = ctx.users["admin"], ctx.users["cadre1"]

    _standard(ctx, admin, season - 30 * DAY)
    people = _team(ctx, admin, cadre, season - 20 * DAY)
    items = _store(ctx, admin, season - 10 * DAY)
    points.period_open(actor=admin, street_id=ctx.street.pk, starts_at=season,
                       ends_at=_aware(this_quarter))  # fmt: skip
    settle_at = _aware(this_quarter) + 3 * DAY + 10 * H
    settled = False

    made: list[VolunteerOrder] = []
    days = (anchor - season).days
    done_days = sorted(ctx.rng.sample(range(2, days - 3), min(24, days - 6)))
    for n, day in enumerate(done_days):
        at = season + day * DAY + (9 + ctx.rng.randint(0, 7)) * H
        if not settled and at + 2 * DAY > settle_at:
            _settle(ctx, admin, this_quarter, settle_at)
            settled = True
        made.append(_done_order(ctx, people, at, JOBS[n % len(JOBS)], withdraw=n == 5))
        if n % 3 == 2:
            _shopping(ctx, people, items, at + 2 * DAY + 4 * H)
    if not settled:
        _settle(ctx, admin, this_quarter, settle_at)
    made += _current_orders(ctx, people, anchor)
    _residents_take_part(ctx, admin, anchor)
    _wishes(ctx, people, anchor)
    _suggestions(ctx, people)
    ctx.log(
        f"volunteering: {len(people)} volunteers, {len(made)} orders, "
        f"{len(items)} store items in {time.monotonic() - started:.1f} s"
    )


def _standard(ctx: DemoContext, admin, at: dt.datetime) -> None:
    for kind, skill, n, monthly in STANDARD:
        points.rule_publish(
            actor=admin, street_id=ctx.street.pk, kind=kind, skill=skill, points=n,
            cap_per_month=monthly, expiry_days=730, at=at,
        )  # fmt: skip
    # A change in the standard never rewrites past awards: carpentry is worth more from
    # the middle of the season on.
    points.rule_publish(
        actor=admin, street_id=ctx.street.pk, kind=EarnKind.VOLUNTEER_ORDER, skill="carpentry",
        points=20, expiry_days=730, at=_aware(quarter_start(ctx.today)) - 20 * DAY,
        note="木门维修工作量大，上调积分",
    )  # fmt: skip


def _team(ctx: DemoContext, admin, cadre, at: dt.datetime) -> list[Volunteer]:
    """Logins volunteer2 … volunteer37 for the other members (volunteer1 exists), their
    profiles, the team with every member in it, and a second team with two asking to join."""
    members: list[Resident] = ctx.extra["team"]
    password = make_password(DEMO_PASSWORD)
    users = [User(username=f"volunteer{i}", display_name=p.name, password=password)
             for i, p in enumerate(members[1:], start=2)]  # fmt: skip
    User.objects.bulk_create(users)
    StaffAssignment.objects.bulk_create(
        StaffAssignment(street=ctx.street, user=u, role=Role.VOLUNTEER, node=ctx.street)
        for u in users
    )
    for person, user in zip(members[1:], users, strict=True):
        person.user = user
        ctx.users[user.username] = user
    Resident.objects.bulk_update(members[1:], ["user"])
    people = []
    for i, person in enumerate(members):
        profile = services.volunteer_save(
            actor=person.user, street_id=ctx.street.pk, resident=person,
            skills=SKILL_SETS[i % len(SKILL_SETS)], availability=AVAILABILITY[i % len(AVAILABILITY)],
            at=at + i * MINUTE,
        )  # fmt: skip
        people.append(profile)
    team = services.team_save(
        actor=admin, street_id=ctx.street.pk, name=TEAM_NAME, leader=cadre, needs_approval=True,
        description="面向全社区有维修技术的居民招募，物业管不到的户内小修由队员抢单上门。",
    )  # fmt: skip
    TeamMember.objects.bulk_create(
        TeamMember(street=ctx.street, team=team, volunteer=v, state="member",
                   asked_at=at, decided_at=at, decided_by=cadre)
        for v in people
    )  # fmt: skip
    ctx.extra["vol_team"] = team
    care = services.team_save(
        actor=admin, street_id=ctx.street.pk, name="助老陪护志愿服务队", leader=cadre,
        description="陪独居、高龄老人聊天、就医、办事。",
    )  # fmt: skip
    for v in people[6:8]:
        services.team_join(actor=v.user, team=care, at=_aware(ctx.today) - 2 * DAY)
    return people


def _store(ctx: DemoContext, admin, at: dt.datetime) -> list:
    items = []
    for n, (name, price, limit, bought, cost, donated) in enumerate(STORE):
        item = points.item_save(
            actor=admin, street_id=ctx.street.pk, name=name, price=price,
            per_person_limit=limit, photo=_photo(ctx, f"store-{n}"),
        )  # fmt: skip
        points.stock_in(actor=admin, item=item, quantity=bought, source=StockSource.PURCHASE,
                        cost=cost, at=at)  # fmt: skip
        if donated:
            points.stock_in(actor=admin, item=item, quantity=donated[1],
                            source=StockSource.DONATION, donor=donated[0], at=at + DAY)  # fmt: skip
        items.append(item)
    return items


def _where(ctx: DemoContext, first: bool) -> Household:
    """The household served: for the first door frame, 2-2-1401 of 雨泉花园 as in the
    newspaper when it exists; else an older household of the team's grids."""
    if "vol_households" not in ctx.extra:
        ctx.extra["vol_households"] = list(
            Household.objects.filter(
                street=ctx.street, grid__in=[m.grid_id for m in ctx.extra["team"]]
            ).select_related("dwelling__entrance__building__compound", "grid")
        )
    households = ctx.extra["vol_households"]
    if first:
        for h in households:
            d = h.dwelling
            if (d.entrance.building.number, d.entrance.number, d.room) == ("2", "2", "1401"):
                return h
    return ctx.rng.choice(households)


def _title(household: Household, job: str) -> str:
    d = household.dwelling
    return f"{d.entrance.building.number}号楼{d.entrance.number}单元{d.room} {job}"


def _head(household: Household) -> Resident | None:
    return household.members.order_by("relation", "id").first()


def _staff_for(ctx: DemoContext, household: Household):
    """The community secretary in 榆兰 posts the orders; elsewhere the grid's leader."""
    if household.grid.path.startswith(ctx.nodes["榆兰居民区"].path):
        return ctx.users["cadre1"]
    return household.grid.leader or ctx.users["admin"]


def _skilled(ctx: DemoContext, people: list[Volunteer], skill: str, n: int) -> list[Volunteer]:
    able = [v for v in people if skill in v.skills]
    return ctx.rng.sample(able, min(n, len(able)))


def _new_order(ctx, household, job, at, *, starts_at, work_order=None, publish=True, capacity=None):
    skill, what, wanted, _hours = job
    return services.order_create(
        actor=_staff_for(ctx, household), title=_title(household, what), skill=skill,
        capacity=capacity or wanted, starts_at=starts_at, ends_at=starts_at + 3 * H,
        dwelling=household.dwelling, resident=_head(household), team=ctx.extra["vol_team"],
        work_order=work_order, publish=publish, at=at,
    )  # fmt: skip


def _claim_all(ctx, order, takers, at) -> list:
    claims, t = [], at
    for v in takers:
        t += ctx.rng.randint(30, 100) * dt.timedelta(seconds=1)  # all gone within minutes
        claims.append(services.order_claim(actor=v.user, order=order, at=t))
    return claims


def _done_order(ctx, people, at, job, *, withdraw=False) -> VolunteerOrder:
    rng = ctx.rng
    skill, _what, _wanted, (low, high) = job
    household = _where(ctx, first=False)
    start = (at + DAY).replace(hour=rng.choice([9, 14]), minute=0)
    order = _new_order(ctx, household, job, at, starts_at=start)
    takers = _skilled(ctx, people, skill, order.capacity + (1 if withdraw else 0))
    if len(takers) < order.capacity:
        services.order_cancel(actor=order.created_by, order=order, reason="队员都没空，改约时间",
                              at=at + 2 * H)  # fmt: skip
        return order
    claims = _claim_all(ctx, order, takers[: order.capacity], at)
    if withdraw:  # one gives the place back the evening before; another takes it at once
        services.claim_withdraw(actor=claims[0].volunteer.user, claim=claims[0],
                                reason="临时要加班", at=at + 8 * H)  # fmt: skip
        claims = claims[1:] + _claim_all(ctx, order, takers[-1:], at + 8 * H + 5 * MINUTE)
    hours = round(rng.uniform(low, high), 1)
    for c in claims:
        services.claim_check_in(actor=c.volunteer.user, claim=c, at=start + 5 * MINUTE,
                                photos=[_photo(ctx, f"in-{order.pk}")] if c is claims[0] else [])  # fmt: skip
    for c in claims:
        services.claim_check_out(
            actor=c.volunteer.user, claim=c, at=start + 5 * MINUTE + hours * H,
            photos=[_photo(ctx, f"out-{order.pk}")] if c is claims[0] else [],
        )  # fmt: skip
    result = rng.choice(RESULTS)
    services.order_confirm(
        actor=order.created_by, order=order, result=result,
        rating=rng.choice([4, 5, 5]) if result == OrderResult.FIXED else 3,
        note={OrderResult.NOT_FIXED: "配件需要另买，下次再来",
              OrderResult.TO_PROPERTY: "是楼上管道的问题，转物业处理"}.get(result, ""),
        at=start + hours * H + 2 * H,
    )  # fmt: skip
    return order


def _settle(ctx: DemoContext, admin, this_quarter: dt.date, at: dt.datetime) -> None:
    """Close last quarter (定期清算) and open this one."""
    from linli.points.models import Period

    period = Period.objects.get(street=ctx.street, ends_at=_aware(this_quarter))
    points.period_settle(actor=admin, period=period, now=at)
    nxt = quarter_start(this_quarter + 95 * DAY)
    points.period_open(actor=admin, street_id=ctx.street.pk, starts_at=_aware(this_quarter),
                       ends_at=_aware(nxt))  # fmt: skip


def _shopping(ctx: DemoContext, people, items, at: dt.datetime) -> None:
    """A few volunteers spend points: at the counter, or reserved on the phone and collected."""
    from linli.points import selectors as points_selectors

    cadre = ctx.users["cadre1"]
    for n, v in enumerate(ctx.rng.sample(people, 4)):
        account = points.account_for(street_id=ctx.street.pk, resident=v.resident, user=v.user)
        affordable = [i for i in items if i.price <= points_selectors.balance(account)]
        if not affordable:
            continue
        item = ctx.rng.choice(affordable)
        when = at + n * 10 * MINUTE
        try:
            if n % 2:
                r = points.redeem(actor=v.user, account=account, item=item, reserve=True, at=when)
                points.redemption_collect(actor=cadre, code=r.pickup_code,
                                          street_id=ctx.street.pk, at=when + DAY)  # fmt: skip
            else:
                points.redeem(actor=cadre, account=account, item=item, at=when)
        except Conflict:  # the per-person limit, or the shelf ran out: as at a real counter
            continue


def _current_orders(ctx: DemoContext, people, anchor: dt.datetime) -> list[VolunteerOrder]:
    """Orders as they stand on the build day: the door frame of the newspaper (from a
    resident's request, every place still free), one full, one half taken, one being worked
    on, one awaiting confirmation, one that expired unclaimed, a draft."""
    rng = ctx.rng
    made = []
    door = _where(ctx, first=True)
    category = Category.objects.get(street=ctx.street, code="doors_windows")
    head = _head(door)
    request = wo_services.workorder_intake(
        actor=_staff_for(ctx, door), category=category, channel="desk", at=anchor - 20 * H,
        description="卧室门框开裂，门关不上，孩子都在外地，自己修不了", dwelling=door.dwelling,
        reporter_resident=head,
    )  # fmt: skip
    request = wo_services.workorder_verify(actor=_staff_for(ctx, door), order=request,
                                           at=anchor - 19 * H, note="已上门查看，属户内维修")  # fmt: skip
    made.append(_new_order(ctx, door, JOBS[0], anchor - 2 * H, work_order=request,
                           starts_at=anchor + DAY + 9 * H))  # fmt: skip

    full = _new_order(ctx, _where(ctx, False), JOBS[2], anchor - 30 * H,
                      starts_at=anchor + 2 * DAY + 14 * H)  # fmt: skip
    _claim_all(ctx, full, _skilled(ctx, people, "carpentry", full.capacity), anchor - 30 * H)
    half = _new_order(ctx, _where(ctx, False), JOBS[8], anchor - 6 * H,
                      starts_at=anchor + 3 * DAY + 9 * H)  # fmt: skip
    _claim_all(ctx, half, _skilled(ctx, people, "drains", 1), anchor - 6 * H)
    made += [full, half]

    for job, done in ((JOBS[6], False), (JOBS[4], True)):  # at work; done, not yet confirmed
        start = anchor - 4 * H - (20 * H if done else dt.timedelta(0))
        order = _new_order(ctx, _where(ctx, False), job, start - DAY, starts_at=start)
        for c in _claim_all(ctx, order, _skilled(ctx, people, job[0], 1), start - DAY):
            services.claim_check_in(actor=c.volunteer.user, claim=c, at=start + 3 * MINUTE)
            if done:
                services.claim_check_out(actor=c.volunteer.user, claim=c, at=start + H)
        made.append(order)

    lapsed = _new_order(ctx, _where(ctx, False), JOBS[12], anchor - 5 * DAY,
                        starts_at=anchor - 3 * DAY + 15 * H)  # fmt: skip
    services.expire_unclaimed(now=lapsed.starts_at + MINUTE)
    draft = _new_order(ctx, _where(ctx, False), JOBS[10], anchor - H, publish=False,
                       starts_at=anchor + 4 * DAY + 10 * H)  # fmt: skip
    called_off = _new_order(ctx, _where(ctx, False), JOBS[1], anchor - 3 * DAY,
                            starts_at=anchor + DAY + 15 * H)  # fmt: skip
    services.order_cancel(actor=called_off.created_by, order=called_off,
                          reason="居民家人已经修好了", at=anchor - 2 * DAY)  # fmt: skip
    made += [lapsed, draft, called_off]
    rng.shuffle(people)  # the rest of the build draws from a fresh order
    return made


def _residents_take_part(ctx: DemoContext, admin, anchor: dt.datetime) -> None:
    """Residents earn too: 文明实践 (楼道清洁, 垃圾分类值守) and 协商共治 (a residents' meeting)."""
    resident1 = ctx.users["resident1"]
    person = Resident.objects.get(user=resident1)
    others = ctx.rng.sample(
        [p for p in ctx.residents if p.user_id is None and p.grid_id == person.grid_id], 8
    )
    for n, p in enumerate([person, *others]):
        account = points.account_for(street_id=ctx.street.pk, resident=p, user=p.user)
        for k, (kind, reason) in enumerate([
            (EarnKind.CIVILISATION, "楼道清洁"),
            (EarnKind.CIVILISATION, "垃圾分类值守"),
            (EarnKind.CONSULTATION, "参加加装电梯议事会"),
        ]):  # fmt: skip
            if (n + k) % 3 == 2 and p is not person:
                continue
            points.earn(account=account, kind=kind, reason=reason, actor=admin,
                        source=f"demo:{p.pk}:{k}", at=anchor - (12 - 3 * k) * DAY)  # fmt: skip


def _wishes(ctx: DemoContext, people, anchor: dt.datetime) -> None:
    from linli.registry.models import ResidentTag

    alone = list(
        Resident.objects.filter(
            street=ctx.street, grid__in=[m.grid_id for m in ctx.extra["team"]],
            tag_links__tag__code__in=["elderly_only", "lives_alone"],
        ).distinct().order_by("id")[:10]
    )  # fmt: skip
    children = list(
        Resident.objects.filter(street=ctx.street, birth_date__year__gte=2016).order_by("id")[:3]
    )
    party = set(
        ResidentTag.objects.filter(tag__code="party_member").values_list("resident_id", flat=True)
    )
    helpers = [v for v in people if v.resident_id in party] or people
    for n, (kind, public, details, reached) in enumerate(WISHES):
        for_whom = (children if kind == WishKind.GOODS and n == 0 and children else alone)[n % 3]
        at = anchor - (20 - 3 * n) * DAY
        staff = _staff_for(ctx, for_whom.household)
        wish = services.wish_post(actor=staff, resident=for_whom, kind=kind, public_text=public,
                                  details=details, at=at)  # fmt: skip
        if reached == "open":
            continue
        helper = helpers[n % len(helpers)].user
        wish = services.wish_take(actor=helper, wish=wish, at=at + 5 * H)
        if reached == "taken":
            continue
        wish = services.wish_fulfil(actor=helper, wish=wish, note="已送到老人家中",
                                    photos=[_photo(ctx, f"wish-{n}")], at=at + 3 * DAY)  # fmt: skip
        if reached == "confirmed":
            services.wish_confirm(  # the grid worker, after a call to the family
                actor=staff, wish=wish, note="老人很高兴", at=at + 4 * DAY
            )


def _suggestions(ctx: DemoContext, people) -> None:
    """What residents want the store to stock next (one vote each)."""
    voters = [v.user for v in people[:9]] + [ctx.users["resident1"]]
    for n, user in enumerate(voters):
        text = ["老花镜", "保温杯", "雨伞"][0 if n < 5 else 1 if n < 8 else 2]
        points.suggestion_vote(actor=user, street_id=ctx.street.pk, text=text)
