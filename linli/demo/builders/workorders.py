"""Demo work orders (诉求), made through the work-order services so every timeline is real.

* the default categories of the street, and one staff login per handling unit that has
  none yet (申宏物业, 港丽物业, the municipal and power companies, 城管中队, 派出所,
  the "微修" team), all with the demo password;
* story 2 of STORIES.md: 刘女士, 雨泉花园 1号楼3楼, melt-water down the outside wall →
  verified on site with a photo → dispatched to 慧海物业 with 虹口区市政养护公司 (lift
  truck) as co-handler → done → checked → 满意 → closed;
* the 9 pm power cut at 榆兰新村 2号楼 (urgent, clock hours), handled the same night;
* about 170 more orders across every grid, category and channel, received day by day
  from the first of last month up to the day before the build, ending in every state.
  Like a real street: what came in more than a few days ago is mostly settled (closed,
  some after rework or a 不满意; a few rejected, withdrawn or merged as duplicates),
  what came in during the last days is still on its way (waiting for verification,
  dispatch, start, report-back, check or follow-up, or returned), and a handful are
  stuck for weeks, overdue and escalated. So last month is nearly all closed and this
  month's 结案率 is what a street would see on this day of the month.

Deterministic: every choice comes from the context's seeded ``rng`` and every
moment is an offset back from the start of the build day (``ctx.today``), passed
to the services as ``at`` — nothing happens later than the start of the build day,
and the same seed and day always give the same requests.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from linli.accounts.models import User
from linli.grids.models import NodeKind, Role, StaffAssignment
from linli.workorders import services
from linli.workorders.categories import ensure_default_categories
from linli.workorders.models import Channel, ProxyConsent, WorkOrder
from linli.workorders.models_open311 import Open311ApiKey, hash_key
from linli.workorders.selectors import suggest_handler
from linli.workorders.workflow import OPEN, Status

from .context import DEMO_PASSWORD, DemoContext

OPEN311_DEMO_KEY = "linli-demo-open311"
STORY2_PHONE = "13953201234"  # fictional
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

# username, display name, unit name — staff logins for the units that handle demo orders.
UNIT_STAFF = [
    ("shenhong1", "陈志刚", "申宏物业"),
    ("gangli1", "吴海燕", "港丽物业"),
    ("shizheng1", "马建华", "虹口区市政养护公司"),
    ("power1", "孙国强", "市北供电公司"),
    ("chengguan1", "郑伟", "宝山路街道城管中队"),
    ("police1", "林涛", "宝山路派出所"),
]

# What residents report, per category code: (description, detail of the place).
TEXTS = {
    "leak": [
        ("卫生间顶板渗水，楼上可能水管破裂，滴到地板上", ""),
        ("下雨后卧室墙角发霉渗水，墙皮脱落", ""),
        ("厨房吊顶滴水，已经用盆接着", ""),
    ],
    "doors_windows": [
        ("卧室门框开裂需要维修，门关不上", ""),
        ("阳台推拉窗滑轮坏了，推不动", ""),
    ],
    "water_electric": [
        ("家里水龙头漏水，阀门拧不紧", ""),
        ("厨房插座冒火花，不敢用", ""),
    ],
    "public_lighting": [
        ("楼道声控灯不亮，晚上上下楼看不清", "楼道"),
        ("小区路灯坏了两盏，晚上很黑", "小区主干道"),
    ],
    "power_cut": [("整栋楼突然停电，家里有老人", "")],
    "lift": [
        ("电梯停在6楼不动，里面没人但一直报警", "电梯"),
        ("电梯门关不严，运行时有异响", "电梯"),
    ],
    "greenery": [
        ("楼下大树枝条压到电线，刮风时很危险", "楼下绿地"),
        ("绿化带杂草很多，蚊虫多", "绿化带"),
    ],
    "sanitation": [
        ("垃圾箱房满了没人清运，有异味", "垃圾箱房"),
        ("楼道里有人乱扔垃圾，气味很大", "楼道"),
    ],
    "clutter": [
        ("楼道堆满纸箱旧家具，堵住通道，消防隐患", "楼道"),
        ("架空层堆物杂乱，希望清理", "架空层"),
    ],
    "flying_wire": [
        ("有人从窗口拉电线给电动车充电，很危险", "楼下"),
        ("楼道里有电瓶车充电，电线拖在地上", "楼道"),
    ],
    "noise": [
        ("楼下商铺晚上十点后还在装修，噪声很大", ""),
        ("隔壁夜里经常大声放音乐", ""),
    ],
    "dispute": [
        ("楼上漏水到我家，协商赔偿没有结果", ""),
        ("邻居在公共走道放鞋柜，沟通不了", "走道"),
    ],
    "illegal_building": [
        ("一楼住户在院子里搭建彩钢板房", "一楼院子"),
        ("顶楼有人加盖阁楼", "楼顶"),
    ],
    "assistance": [
        ("独居老人腿脚不便，希望有人帮忙配药", ""),
        ("家里老人行动不便，想申请上门照护服务", ""),
    ],
    "other": [
        ("小区门口共享单车乱停，出入不便", "小区门口"),
        ("希望小区增设休息座椅", "小区中心花园"),
    ],
}

CHANNELS = [Channel.DESK, Channel.DESK, Channel.PROXY, Channel.HOTLINE, Channel.WECHAT_GROUP]

# Final states and how many plain orders end in each (on top of the two stories). A real
# street closes most requests within days, so only the last few days' requests are open;
# ``stuck_*`` requests stay at that state for weeks and are overdue and escalated.
PLAN = [
    ("closed", 130),
    ("closed_rework", 10),
    ("closed_dissatisfied", 6),
    ("followed_up", 2),
    ("checked", 2),
    ("reported_done", 2),
    ("in_progress", 3),
    ("dispatched", 2),
    ("returned", 1),
    ("verified", 1),
    ("accepted", 3),
    ("stuck_verified", 1),
    ("stuck_dispatched", 1),
    ("stuck_in_progress", 2),
    ("rejected", 4),
    ("merged", 3),
    ("withdrawn", 3),
]
# Settled requests: received at any time of the period (at least this many days ago).
SETTLED = {"closed", "closed_rework", "closed_dissatisfied", "rejected", "withdrawn"}
SETTLED_MIN_DAYS = 0.5  # one slot per settled request, each under half a day: every day has some
# Open requests: received this many days before the build day (low, high), by the state they
# are left in (under 1: yesterday).
OPEN_DAYS = {
    "accepted": (0.02, 1.5),
    "verified": (0.02, 2),
    "merged": (0.02, 2.5),
    "dispatched": (0.5, 3),
    "returned": (0.5, 3),
    "in_progress": (1, 4),
    "reported_done": (1, 3.5),
    "checked": (1.5, 4),
    "followed_up": (2, 4.5),
}
# Stuck requests: weeks old, past any deadline of their categories (at most 5 working days,
# which even around the Spring Festival or National Day is well under three weeks).
STUCK_DAYS = (22, 27.5)
STUCK_CATEGORIES = ["public_lighting", "sanitation", "clutter"]
# The longest a request's steps may take, in hours (verify … close, the slowest draw of
# each step; a rework or a 不满意 adds a round): younger requests move faster.
PATH_HOURS = {"closed_rework": 123, "closed_dissatisfied": 147}
DEFAULT_PATH_HOURS = 81
LATE_STRETCH = 3.0  # a late request's slowest path is three times its time allowed


def _photo(ctx: DemoContext, label: str) -> SimpleUploadedFile:
    """A small, deterministic picture standing in for a phone photo."""
    rng = ctx.rng
    image = Image.new("RGB", (320, 240), (rng.randint(150, 220),) * 3)
    draw = ImageDraw.Draw(image)
    for _i in range(4):
        x, y = rng.randint(0, 260), rng.randint(0, 180)
        colour = (rng.randint(40, 200), rng.randint(40, 200), rng.randint(40, 200))
        draw.rectangle([x, y, x + rng.randint(20, 60), y + rng.randint(20, 60)], fill=colour)
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=70)
    return SimpleUploadedFile(f"{label}.jpg", buf.getvalue(), content_type="image/jpeg")


@dataclass
class _Grid:
    node: object
    worker: object
    households: list
    compounds: list


def _unit_staff(ctx: DemoContext) -> None:
    password = make_password(DEMO_PASSWORD)
    users = []
    for username, display, unit_name in UNIT_STAFF:
        if unit_name not in ctx.units or User.objects.filter(username=username).exists():
            continue
        users.append((User(username=username, display_name=display, password=password), unit_name))
    User.objects.bulk_create([u for u, _n in users])
    StaffAssignment.objects.bulk_create(
        StaffAssignment(
            street=ctx.street, user=u, role=Role.UNIT_STAFF, node=ctx.street, unit=ctx.units[n]
        )
        for u, n in users
    )
    for u, _n in users:
        ctx.users[u.username] = u


def _handler_of(ctx: DemoContext, unit) -> object | None:
    """A staff user of ``unit`` (property1 for 慧海物业, the logins made above for others)."""
    cache = ctx.extra.setdefault("wo_unit_users", {})
    if unit.pk not in cache:
        grant = (
            StaffAssignment.objects.filter(unit=unit, role=Role.UNIT_STAFF)
            .select_related("user")
            .order_by("id")
            .first()
        )
        cache[unit.pk] = grant.user if grant else None
    return cache[unit.pk]


class _Story:
    """Walks one order through the services, each step a little later than the last.

    ``pace`` (at most 1) shortens every step of a request received recently, so that
    its whole path fits before the build day begins."""

    def __init__(self, ctx: DemoContext, order: WorkOrder, at: dt.datetime, worker):
        self.ctx, self.order, self.at, self.worker = ctx, order, at, worker
        self.pace = 1.0

    def later(self, low: float, high: float) -> dt.datetime:
        """A moment ``low``..``high`` hours after the last step, never after the build day began."""
        step = dt.timedelta(hours=self.ctx.rng.uniform(low, high) * self.pace)
        self.at = min(self.at + step, self.ctx.extra["wo_anchor"] - dt.timedelta(minutes=1))
        return self.at

    def verify(self, note="已到现场核实情况属实。", photo=True):
        photos = [_photo(self.ctx, "verify")] if photo else []
        self.order = services.workorder_verify(
            actor=self.worker, order=self.order, note=note, photos=photos, at=self.later(0.3, 3)
        )

    def dispatch(self, lead=None, co=(), in_house=False, note=""):
        self.order = services.workorder_dispatch(
            actor=self.worker,
            order=self.order,
            lead_unit=lead,
            co_units=list(co),
            in_house=in_house,
            note=note,
            at=self.later(0.2, 2),
        )

    def handler(self):
        if self.order.in_house or self.order.lead_unit_id is None:
            return self.worker
        return _handler_of(self.ctx, self.order.lead_unit)

    def start(self, note="已安排人员处理。"):
        self.order = services.workorder_start(
            actor=self.handler(), order=self.order, note=note, at=self.later(0.5, 6)
        )

    def report_back(self, note="已处理完毕。"):
        self.order = services.workorder_report_back(
            actor=self.handler(),
            order=self.order,
            note=note,
            photos=[_photo(self.ctx, "after")],
            at=self.later(2, 30),
        )

    def check(self, passed=True, note=""):
        self.order = services.workorder_check(
            actor=self.worker,
            order=self.order,
            passed=passed,
            note=note or ("" if passed else "现场复核仍有问题，请继续处理。"),
            at=self.later(1, 12),
        )

    def follow_up(self, satisfaction="satisfied", comment=""):
        actor = self.worker
        if self.order.channel == Channel.SELF_SERVICE and self.order.reporter_user_id:
            actor = self.order.reporter_user
        self.order = services.workorder_follow_up(
            actor=actor,
            order=self.order,
            satisfaction=satisfaction,
            comment=comment,
            at=self.later(2, 24),
        )

    def close(self, note=""):
        self.order = services.workorder_close(
            actor=self.worker, order=self.order, note=note, at=self.later(0.2, 4)
        )


def build_workorders(ctx: DemoContext) -> None:
    """Categories, unit staff logins, the Open311 demo key, and the demo orders."""
    started = time.monotonic()
    street = ctx.street
    cats = ensure_default_categories(street)
    cats["power_cut"].default_unit = ctx.units.get("市北供电公司")
    cats["power_cut"].save(update_fields=["default_unit"])
    _unit_staff(ctx)
    _open311_key(ctx)
    anchor = timezone.make_aware(dt.datetime.combine(ctx.today, dt.time.min))
    ctx.extra["wo_anchor"] = anchor
    grids = _grids(ctx)
    made = [_story2(ctx, cats, grids, anchor), _power_cut(ctx, cats, grids, anchor)]
    made += _plain_orders(ctx, cats, grids, anchor)
    open_now = sum(1 for o in made if o.status in OPEN)
    ctx.log(f"work orders: {len(made)} ({open_now} open) in {time.monotonic() - started:.1f} s")


def _open311_key(ctx: DemoContext) -> None:
    admin = ctx.users.get("admin")
    if admin is None or Open311ApiKey.objects.filter(key_hash=hash_key(OPEN311_DEMO_KEY)).exists():
        return
    Open311ApiKey.objects.create(
        street=ctx.street, user=admin, name="Open311 demo", key_hash=hash_key(OPEN311_DEMO_KEY)
    )


def _grids(ctx: DemoContext) -> dict[int, _Grid]:
    out: dict[int, _Grid] = {}
    for node in ctx.nodes.values():
        if node.kind != NodeKind.GRID or node.street_id != ctx.street.pk:
            continue
        out[node.pk] = _Grid(node, node.leader, [], [])
    for h in ctx.households:
        if h.grid_id in out:
            out[h.grid_id].households.append(h)
    for c in ctx.compounds.values():
        if c.grid_id in out:
            out[c.grid_id].compounds.append(c)
    return {k: g for k, g in out.items() if g.worker is not None and g.households}


def _members(ctx: DemoContext) -> dict[int, list]:
    cached = ctx.extra.get("wo_members")
    if cached is None:
        cached = {}
        for person in ctx.residents:
            cached.setdefault(person.household_id, []).append(person)
        ctx.extra["wo_members"] = cached
    return cached


def _story2(ctx: DemoContext, cats, grids, anchor) -> WorkOrder:
    """刘女士 at the 民生小站 desk: melt-water runs down her wall (seed 001)."""
    compound = ctx.compounds["雨泉花园"]
    grid = next(g for g in grids.values() if g.node.pk == compound.grid_id)
    dwelling = next(
        h.dwelling
        for h in grid.households
        if h.dwelling.entrance.building.compound_id == compound.pk
        and h.dwelling.entrance.building.number == "1"
        and h.dwelling.floor == 3
    )
    at = anchor - 12 * DAY + 9.5 * HOUR
    order = services.workorder_intake(
        actor=grid.worker,
        channel=Channel.DESK,
        category=cats["leak"],
        description=(
            "楼顶积雪融化后，大量雪水沿着外墙淌下，家里外墙浸湿、阳台积水。"
            "担心夏天雨季来临后漏水更严重。（民生小站登记）"
        ),
        dwelling=dwelling,
        location_text="1号楼3楼外墙、阳台",
        reporter_name="刘女士",
        reporter_phone=STORY2_PHONE,
        at=at,
    )
    s = _Story(ctx, order, at, grid.worker)
    s.at += 0.4 * HOUR
    s.order = services.workorder_verify(
        actor=grid.worker,
        order=order,
        note="值班人员到现场查看拍照：落水管在3楼断开，脱落部分卡在墙缝中，随时可能掉落，"
        "存在安全隐患。已第一时间上报社区。",
        photos=[_photo(ctx, "story2-verify"), _photo(ctx, "story2-verify-2")],
        at=s.at,
    )
    s.at += 0.8 * HOUR
    s.order = services.workorder_dispatch(
        actor=grid.worker,
        order=s.order,
        lead_unit=ctx.units["慧海物业"],
        co_units=[ctx.units["虹口区市政养护公司"]],
        note="社区党委书记联系物业一同查看；市政公司借调升降车，联合物业共同作业。",
        at=s.at,
    )
    s.at += 1.5 * HOUR
    s.order = services.workorder_start(
        actor=ctx.users["property1"],
        order=s.order,
        note="升降车到场，开始更换破碎的连接部件。",
        at=s.at,
    )
    s.at += 3 * HOUR
    s.order = services.workorder_report_back(
        actor=ctx.users["property1"],
        order=s.order,
        note="更换破碎的连接部件、卡紧固定，落水管维修完毕，隐患消除。",
        photos=[_photo(ctx, "story2-after")],
        at=s.at,
    )
    s.at += 0.5 * HOUR
    s.order = services.workorder_check(
        actor=grid.worker,
        order=s.order,
        passed=True,
        note="现场核查：落水管已固定，外墙不再淌水。",
        at=s.at,
    )
    s.at += 18 * HOUR
    s.order = services.workorder_follow_up(
        actor=grid.worker,
        order=s.order,
        satisfaction="satisfied",
        comment="非常感谢社区党委书记和工作人员，这么快就把我的问题解决了。",
        at=s.at,
    )
    s.at += 0.2 * HOUR
    s.close("件件有着落、事事有回音。")
    return s.order


def _power_cut(ctx: DemoContext, cats, grids, anchor) -> WorkOrder:
    """A power cut at 榆兰新村 2号楼 at 9 pm: urgent, handled the same night."""
    compound = ctx.compounds["榆兰新村"]
    grid = next(g for g in grids.values() if g.node.pk == compound.grid_id)
    household = next(
        h
        for h in grid.households
        if h.dwelling.entrance.building.compound_id == compound.pk
        and h.dwelling.entrance.building.number == "2"
    )
    building = household.dwelling.entrance.building
    reporter = _members(ctx)[household.pk][0]
    at = anchor - 9 * DAY + 21 * HOUR
    order = services.workorder_intake(
        actor=grid.worker,
        channel=Channel.HOTLINE,
        category=cats["power_cut"],
        description="2号楼晚上9点整栋突然停电，楼里有多户独居老人，请尽快处理。",
        building=building,
        location_text="2号楼",
        reporter_resident=reporter,
        at=at,
    )
    s = _Story(ctx, order, at, grid.worker)
    s.at += 0.3 * HOUR
    s.order = services.workorder_verify(
        actor=grid.worker,
        order=order,
        note="网格长到场：2号楼楼道总闸跳闸，电表箱有焦味。",
        photos=[_photo(ctx, "power-verify")],
        at=s.at,
    )
    s.at += 0.2 * HOUR
    s.dispatch(lead=ctx.units["市北供电公司"], note="紧急：请供电抢修立即到场。")
    s.order = services.workorder_start(
        actor=ctx.users["power1"], order=s.order, note="抢修人员到场。", at=s.at + 0.3 * HOUR
    )
    s.at += 0.3 * HOUR
    s.order = services.workorder_report_back(
        actor=ctx.users["power1"],
        order=s.order,
        note="更换老化空气开关，23:05 恢复供电。",
        photos=[_photo(ctx, "power-after")],
        at=s.at + 1.6 * HOUR,
    )
    s.at += 1.6 * HOUR
    s.check(True, "已恢复供电，楼道照明正常。")
    s.follow_up("satisfied", "当晚就来电了，谢谢网格长。")
    s.close()
    return s.order


# Outcomes of resident1's own requests (made on the phone page), so that login has a
# request waiting for its rating, one in progress, one just sent and closed ones.
RESIDENT1_OUTCOMES = ["checked", "in_progress", "accepted", "closed", "closed_rework"]


def period_start(today: dt.date) -> dt.date:
    """The first day of last month: the demo's requests run from it to the day before ``today``."""
    return (today.replace(day=1) - DAY).replace(day=1)


def _plain_orders(ctx: DemoContext, cats, grids, anchor) -> list[WorkOrder]:
    rng = ctx.rng
    codes = list(TEXTS)
    grid_list = sorted(grids.values(), key=lambda g: g.node.path)
    members = _members(ctx)
    resident1 = ctx.users.get("resident1")
    home = None
    if resident1 is not None:
        person = next((p for p in ctx.residents if p.user_id == resident1.pk), None)
        home = next((h for h in ctx.households if person and h.pk == person.household_id), None)
    outcomes = [name for name, n in PLAN for _i in range(n)]
    rng.shuffle(outcomes)
    # Duplicates last, so there are open requests to be duplicates of.
    outcomes.sort(key=lambda name: name == "merged")
    ages = _ages(rng, outcomes, (ctx.today - period_start(ctx.today)).days)
    resident_left = list(RESIDENT1_OUTCOMES) if home is not None else []
    made: list[WorkOrder] = []
    for i, (outcome, days_back) in enumerate(zip(outcomes, ages, strict=True)):
        grid = grid_list[i % len(grid_list)] if i % 3 else rng.choice(grid_list)
        code = codes[i % len(codes)] if i % 4 else rng.choice(codes)
        if outcome.startswith("stuck_"):
            code = rng.choice(STUCK_CATEGORIES)
        text, place_detail = rng.choice(TEXTS[code])
        self_service = outcome in resident_left
        if self_service:
            resident_left.remove(outcome)
            grid = grids[home.grid_id]
            code = rng.choice(["leak", "doors_windows", "water_electric", "assistance"])
            text, place_detail = rng.choice(TEXTS[code])
        at = anchor - dt.timedelta(days=days_back)
        at = at.replace(hour=rng.randint(8, 18), minute=rng.choice([0, 10, 20, 30, 40, 50]))
        household = home if self_service else rng.choice(grid.households)
        kwargs: dict = {}
        category = cats[code]
        target = _duplicate_target(made) if outcome == "merged" else None
        if target is not None:
            grid = grids[target.grid_id]
            category = target.category
            text = f"{target.description}（又有居民反映）"
            at = max(at, target.created_at + HOUR)
            kwargs = {
                "dwelling": target.dwelling,
                "compound": target.compound if target.dwelling_id is None else None,
                "grid": target.grid if target.compound_id is None else None,
                "location_text": target.location_text,
            }
            household = next(
                (h for h in grid.households if h.dwelling_id == target.dwelling_id),
                rng.choice(grid.households),
            )
        elif (category.public_area or place_detail) and grid.compounds:
            own = household.dwelling.entrance.building.compound_id
            compound = next((c for c in grid.compounds if c.pk == own), grid.compounds[0])
            kwargs.update(compound=compound, location_text=place_detail or "")
        else:
            kwargs.update(dwelling=household.dwelling)
        if self_service:
            order = services.workorder_intake(
                actor=resident1,
                channel=Channel.SELF_SERVICE,
                category=category,
                description=text,
                photos=[_photo(ctx, "report")],
                at=at,
                **kwargs,
            )
        else:
            channel = rng.choice(CHANNELS)
            if channel == Channel.PROXY:  # at the resident's home, with whoever was in
                kwargs.update(proxy_consent=ProxyConsent.IN_PERSON, proxy_present="本人及家属")
            order = services.workorder_intake(
                actor=grid.worker,
                channel=channel,
                category=category,
                description=text,
                reporter_resident=rng.choice(members[household.pk]),
                photos=[_photo(ctx, "report")] if rng.random() < 0.3 else [],
                at=at,
                **kwargs,
            )
        made.append(_walk(ctx, order, at, grid, outcome, made))
    return made


def _ages(rng, outcomes: list[str], period_days: int) -> list[float]:
    """How many days before the build day each request was received (same order as
    ``outcomes``). Settled requests are spread evenly over the whole period, one slot
    each with some jitter, so every day of it has requests; open ones are recent, stuck
    ones weeks old. ``period_days`` (28 to 61: from the first of last month) bounds them all.
    """
    settled = [i for i, outcome in enumerate(outcomes) if outcome in SETTLED]
    span = period_days - SETTLED_MIN_DAYS
    slots = [
        SETTLED_MIN_DAYS + span * (k + rng.random()) / len(settled) for k in range(len(settled))
    ]
    rng.shuffle(slots)
    ages = [0.0] * len(outcomes)
    for i, age in zip(settled, slots, strict=True):
        ages[i] = age
    for i, outcome in enumerate(outcomes):
        if outcome in SETTLED:
            continue
        low, high = STUCK_DAYS if outcome.startswith("stuck_") else OPEN_DAYS[outcome]
        ages[i] = min(rng.uniform(low, high), period_days - 0.01)
    return ages


def _duplicate_target(made: list[WorkOrder]) -> WorkOrder | None:
    """The most recent open request made so far (a duplicate reports the same problem)."""
    return next(
        (
            o
            for o in reversed(made)
            if o.status in (Status.ACCEPTED, Status.VERIFIED, Status.DISPATCHED, Status.IN_PROGRESS)
            and o.merged_into_id is None
        ),
        None,
    )


def _lead(ctx: DemoContext, order: WorkOrder):
    suggestion = suggest_handler(order)
    unit = suggestion.unit
    if unit is not None and _handler_of(ctx, unit) is None:
        unit = None
    return unit


def _walk(ctx: DemoContext, order: WorkOrder, at, grid: _Grid, outcome: str, made) -> WorkOrder:
    rng = ctx.rng
    s = _Story(ctx, order, at, grid.worker)
    # Most requests are done well within their deadline, about one in eight runs late.
    path = PATH_HOURS.get(outcome, DEFAULT_PATH_HOURS)
    room = (ctx.extra["wo_anchor"] - at) / HOUR - 1
    budget = (order.resolve_due - at) / HOUR * (LATE_STRETCH if rng.random() < 0.12 else 1.4)
    s.pace = min(1.0, room / path, budget / path)
    if outcome.startswith("stuck_"):
        return _stuck(ctx, s, outcome.removeprefix("stuck_"))
    if outcome == "accepted":
        return s.order
    if outcome == "withdrawn":
        s.order = services.workorder_withdraw(
            actor=s.order.reporter_user if s.order.channel == Channel.SELF_SERVICE else grid.worker,
            order=s.order,
            reason="居民表示问题已自行解决。",
            at=s.later(1, 20),
        )
        return s.order
    if outcome == "rejected":
        s.order = services.workorder_reject(
            actor=grid.worker,
            order=s.order,
            reason="经核实不属于社区受理范围，已告知居民向相关部门反映。",
            at=s.later(1, 8),
        )
        return s.order
    if outcome == "merged":
        target = _duplicate_target(made)
        if target is not None and target.category_id == s.order.category_id:
            s.order = services.workorder_merge(
                actor=grid.worker,
                order=s.order,
                into=target,
                note="同一问题已有工单，合并处理。",
                at=s.later(0.5, 4),
            )
            return s.order
        outcome = "verified"
    s.verify(photo=rng.random() < 0.7)
    if outcome == "verified":
        return _maybe_overdue(ctx, s)
    lead = _lead(ctx, s.order)
    co = []
    if (
        lead is not None
        and s.order.category.code in ("leak", "lift", "greenery")
        and rng.random() < 0.3
    ):
        co = [ctx.units["虹口区市政养护公司"]] if lead.name != "虹口区市政养护公司" else []
    if outcome == "returned":
        wrong = ctx.units.get("宝山路街道城管中队")
        s.dispatch(lead=wrong)
        s.order = services.workorder_return(
            actor=_handler_of(ctx, wrong),
            order=s.order,
            reason="不属于城管职责范围，请派给物业。",
            at=s.later(1, 8),
        )
        return s.order
    s.dispatch(lead=lead, co=co, in_house=lead is None)
    if outcome == "dispatched":
        return _maybe_overdue(ctx, s)
    s.start()
    if outcome == "in_progress":
        if rng.random() < 0.4:
            s.order = services.workorder_update(
                actor=s.handler(), order=s.order, note="材料已订购，等待到货。", at=s.later(2, 20)
            )
        return _maybe_overdue(ctx, s)
    s.report_back()
    if outcome == "reported_done":
        return s.order
    if outcome == "closed_rework":
        s.check(False)
        s.report_back("已按要求返工处理。")
    s.check(True)
    if outcome == "checked":
        return s.order
    if outcome == "closed_dissatisfied":
        s.follow_up("dissatisfied", "处理不彻底，问题又出现了。")
        s.report_back("再次上门彻底处理。")
        s.check(True)
    satisfaction = rng.choice(["satisfied"] * 5 + ["basically"])
    s.follow_up(satisfaction, "" if satisfaction == "satisfied" else "基本解决，希望以后及时一些。")
    if outcome == "followed_up":
        return s.order
    s.close()
    return s.order


def _stuck(ctx: DemoContext, s: _Story, state: str) -> WorkOrder:
    """A request left at ``state`` for weeks: past its deadline, escalated to the neighbourhood."""
    s.verify(photo=False)
    if state in ("dispatched", "in_progress"):
        lead = _lead(ctx, s.order)
        s.dispatch(lead=lead, in_house=lead is None)
    if state == "in_progress":
        s.start()
    at = min(
        max(s.order.resolve_due, s.at) + HOUR, ctx.extra["wo_anchor"] - dt.timedelta(minutes=1)
    )
    return services.workorder_escalate(
        actor=s.worker, order=s.order, reason="逾期未办结，提请居民区协调。", at=at
    )


def _maybe_overdue(ctx: DemoContext, s: _Story) -> WorkOrder:
    """Some open orders stay past their deadline; a few of those are escalated or extended.
    Judged at the start of the build day, not the clock's now, so a day's demo is one street."""
    rng = ctx.rng
    order = s.order
    now = ctx.extra["wo_anchor"]
    if (
        order.resolve_due < now
        and rng.random() < 0.5
        and order.status
        in (
            Status.VERIFIED,
            Status.DISPATCHED,
            Status.IN_PROGRESS,
        )
    ):
        at = max(order.resolve_due + HOUR, s.at + HOUR)
        if at < now:
            if rng.random() < 0.5:
                order = services.workorder_escalate(
                    actor=s.worker, order=order, reason="逾期未办结，提请居民区协调。", at=at
                )
            else:
                extender = _extender(ctx, order)
                if extender is not None:
                    order = services.workorder_extend(
                        actor=extender,
                        order=order,
                        amount=3 if order.category.clock_unit == "working_days" else 24,
                        reason="需等待配件到货，申请延期。",
                        at=at,
                    )
    return order


def _extender(ctx: DemoContext, order: WorkOrder):
    """Cadres and the street admin may extend deadlines (grid workers may not)."""
    cadre = ctx.users.get("cadre1")
    if cadre is not None and order.grid.path.startswith(ctx.nodes["榆兰居民区"].path):
        return cadre
    return ctx.users.get("admin")
