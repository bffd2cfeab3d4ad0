"""Demo builders for the grid tree, units, the household registry, tags, the volunteer
repair team and the demo logins.

Modelled on the seed articles: 榆兰居民区第二责任区 with 榆兰新村 (built 1958, no
property company, 344 households, pure-elderly and migrant shares over 30%),
三宝居民区 with 2,012 households of which about 42% rent, 慧海物业, 宝山路派出所,
城管中队, 社区平安办, rental sites on 天通庵路, and the 37-member "微修" team.
All people, numbers and ID numbers are fictional; ID numbers carry valid GB 11643
check digits so every registry check accepts them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from linli.accounts.models import User
from linli.core import pii
from linli.grids.models import GridNode, NodeKind, Role, StaffAssignment, Unit, UnitKind
from linli.grids.services import node_add
from linli.registry.models import (
    Building,
    Compound,
    CompoundKind,
    Dwelling,
    Entrance,
    Facility,
    FacilityKind,
    Household,
    HouseholdTag,
    Relation,
    ResidenceStatus,
    Resident,
    ResidentTag,
    Tenure,
)
from linli.registry.tags import ensure_default_tags, refresh_derived_tags

from .context import (
    DEMO_PASSWORD,
    DISTRICT_CODE,
    DISTRICT_NAME,
    REFERENCE_YEAR,
    STREET_CODE,
    STREET_NAME,
    DemoContext,
)

# --- the tree ----------------------------------------------------------------------------------
# (neighbourhood, 3-digit number, [(grid name, 3-digit number, (west, south, east, north),
#   (east, west, south, north) 四至)]). Grid rectangles tile their neighbourhood, and the
# neighbourhoods tile the street, so parents are exactly the union of their children.
NEIGHBOURHOODS = [
    (
        "榆兰居民区",
        "001",
        [
            (
                "榆兰第一责任区",
                "001",
                (121.4700, 31.2610, 121.4800, 31.2700),
                ("宝山路", "同心路", "远洋新村", "中兴路"),
            ),
            (
                "榆兰第二责任区",
                "002",
                (121.4700, 31.2520, 121.4800, 31.2610),
                ("和平商厦", "远洋新村", "新港路", "和平公园围墙"),
            ),
        ],
    ),
    (
        "三宝居民区",
        "002",
        [
            (
                "三宝第一责任区",
                "001",
                (121.4800, 31.2520, 121.4920, 31.2580),
                ("天通庵路", "和平商厦", "新港路", "三宝路"),
            ),
            (
                "三宝第二责任区",
                "002",
                (121.4800, 31.2580, 121.4920, 31.2640),
                ("天通庵路", "宝山路", "三宝路", "雨泉路"),
            ),
            (
                "三宝第三责任区",
                "003",
                (121.4800, 31.2640, 121.4920, 31.2700),
                ("天通庵路", "宝山路", "雨泉路", "中兴路"),
            ),
        ],
    ),
    (
        "香港丽园居民区",
        "003",
        [
            (
                "香港丽园第一责任区",
                "001",
                (121.4920, 31.2610, 121.5000, 31.2700),
                ("东宝兴路", "天通庵路", "香港丽园南门", "中兴路"),
            ),
            (
                "香港丽园第二责任区",
                "002",
                (121.4920, 31.2520, 121.5000, 31.2610),
                ("东宝兴路", "天通庵路", "新港路", "香港丽园南门"),
            ),
        ],
    ),
]

# --- compounds ---------------------------------------------------------------------------------
# name, grid, year, kind, property company (None = 无物业开放式小区), address, households,
# household profile, (floors, entrances per building, flats per floor and entrance, lift),
# area range m².
COMPOUNDS = [
    (
        "和平花苑",
        "榆兰第一责任区",
        1996,
        CompoundKind.COMMODITY,
        "慧海物业",
        "同心路 288 弄",
        200,
        "mixed",
        (6, 2, 2, False),
        (58, 96),
    ),
    (
        "榆兰新村",
        "榆兰第二责任区",
        1958,
        CompoundKind.OLD_LANE,
        None,
        "新港路 150 弄",
        344,
        "yulan",
        (3, 2, 4, False),
        (16, 42),
    ),
    (
        "三宝新村",
        "三宝第一责任区",
        1985,
        CompoundKind.PUBLIC,
        "申宏物业",
        "三宝路 66 弄",
        700,
        "sanbao",
        (6, 3, 3, False),
        (34, 62),
    ),
    (
        "雨泉花园",
        "三宝第二责任区",
        2003,
        CompoundKind.COMMODITY,
        "慧海物业",
        "雨泉路 100 弄",
        662,
        "sanbao",
        (18, 2, 4, True),
        (72, 140),
    ),
    (
        "三宝苑",
        "三宝第三责任区",
        1992,
        CompoundKind.COMMODITY,
        "申宏物业",
        "宝山路 520 弄",
        650,
        "sanbao",
        (11, 2, 3, True),
        (55, 92),
    ),
    (
        "香港丽园",
        "香港丽园第一责任区",
        1998,
        CompoundKind.COMMODITY,
        "港丽物业",
        "东宝兴路 255 弄",
        300,
        "mixed",
        (14, 2, 2, True),
        (80, 132),
    ),
    (
        "天通庵小区",
        "香港丽园第二责任区",
        1988,
        CompoundKind.PUBLIC,
        "申宏物业",
        "天通庵路 190 弄",
        144,
        "mixed",
        (6, 2, 2, False),
        (38, 66),
    ),
]

YULAN_ELDERLY_ONLY = 131  # of 344: 38% pure-elderly households
YULAN_MIGRANT = 138  # of 344: 40% migrant tenant households
SANBAO_TENANTS = 845  # of 2,012: 42.0% tenant households

LOCAL_AREA = "310109"  # 虹口区
# Other places of household registration (县级 codes): Anhui, Jiangsu, Henan, Sichuan, Hunan,
# Jiangxi, Yunnan (富宁, see the seeds), Shandong.
MIGRANT_AREAS = ["342401", "320321", "410523", "511623", "430524", "362426", "532628", "370211"]
OTHER_SHANGHAI_AREAS = ["310110", "310107", "310113", "310115"]
MOBILE_PREFIXES = ["138", "139", "135", "136", "137", "150", "151", "158", "159", "186", "189"]
DISABILITY_LEVELS = ["一级", "二级", "三级", "四级"]
TEAM_NAME = '"微修"志愿服务队'
TEAM_SIZE = 37
TEAM_PARTY_MEMBERS = 12  # one third of 37


def build_tree(ctx: DemoContext) -> None:
    """区 → 街道 → 3 居民区 → 7 网格, with 四至 text and GeoJSON rectangles."""
    district = GridNode.objects.filter(kind=NodeKind.DISTRICT, code=DISTRICT_CODE).first()
    if district is None:
        district = node_add(
            actor=None, parent=None, kind=NodeKind.DISTRICT, code=DISTRICT_CODE, name=DISTRICT_NAME
        )
    ctx.district = district
    all_boxes = [box for _n, _c, grids in NEIGHBOURHOODS for _g, _gc, box, _b in grids]
    street = node_add(
        actor=None,
        parent=district,
        kind=NodeKind.STREET,
        code=STREET_CODE,
        name=STREET_NAME,
        boundary=_polygon(_bbox(all_boxes)),
    )
    ctx.street = street
    ctx.nodes[street.name] = street
    prefix = STREET_CODE[:9]
    for nbh_name, nbh_no, grids in NEIGHBOURHOODS:
        nbh = node_add(
            actor=None,
            parent=street,
            kind=NodeKind.NEIGHBOURHOOD,
            code=f"{prefix}{nbh_no}",
            name=nbh_name,
            boundary=_polygon(_bbox([box for _g, _gc, box, _b in grids])),
        )
        ctx.nodes[nbh_name] = nbh
        for grid_name, grid_no, box, (east, west, south, north) in grids:
            ctx.nodes[grid_name] = node_add(
                actor=None,
                parent=nbh,
                kind=NodeKind.GRID,
                code=f"{prefix}{nbh_no}{grid_no}",
                name=grid_name,
                bound_east=east,
                bound_west=west,
                bound_south=south,
                bound_north=north,
                boundary=_polygon(box),
            )
            ctx.extra.setdefault("boxes", {})[grid_name] = box
    ctx.log(f"tree: {len(ctx.nodes)} nodes")


def build_units(ctx: DemoContext) -> None:
    """Property companies, owners' committees, departments, utilities, rental sites,
    merchants and the volunteer repair team."""
    street, nodes = ctx.street, ctx.nodes
    spec = [
        (UnitKind.PROPERTY_COMPANY, "慧海物业", street, "宝山路 560 号"),
        (UnitKind.PROPERTY_COMPANY, "申宏物业", street, "三宝路 70 号"),
        (UnitKind.PROPERTY_COMPANY, "港丽物业", nodes["香港丽园第一责任区"], "东宝兴路 255 弄"),
        (UnitKind.OWNERS_COMMITTEE, "和平花苑业主委员会", nodes["榆兰第一责任区"], ""),
        (UnitKind.OWNERS_COMMITTEE, "雨泉花园业主委员会", nodes["三宝第二责任区"], ""),
        (UnitKind.OWNERS_COMMITTEE, "三宝苑业主委员会", nodes["三宝第三责任区"], ""),
        (UnitKind.OWNERS_COMMITTEE, "香港丽园业主委员会", nodes["香港丽园第一责任区"], ""),
        (UnitKind.DEPARTMENT, "宝山路派出所", street, "宝山路 381 号"),
        (UnitKind.DEPARTMENT, "宝山路街道城管中队", street, "同心路 90 号"),
        (UnitKind.DEPARTMENT, "社区平安办", street, "宝山路 600 号"),
        (UnitKind.DEPARTMENT, "社区管理办", street, "宝山路 600 号"),
        (UnitKind.DEPARTMENT, "街道安委办", street, "宝山路 600 号"),
        (UnitKind.MUNICIPAL, "虹口区市政养护公司", street, "中兴路 1200 号"),
        (UnitKind.MUNICIPAL, "市北供电公司", street, "中兴路 880 号"),
        (UnitKind.RENTAL_SITE, "天通庵路 128 号租赁公寓", nodes["香港丽园第二责任区"], ""),
        (UnitKind.RENTAL_SITE, "天通庵路 206 号青年公寓", nodes["香港丽园第二责任区"], ""),
        (UnitKind.RENTAL_SITE, "宝山路 455 号职工宿舍", nodes["三宝第一责任区"], ""),
        (UnitKind.MERCHANT, "和平商厦", nodes["榆兰第二责任区"], "新港路 101 号"),
        (UnitKind.MERCHANT, "榆兰便利店", nodes["榆兰第二责任区"], "新港路 150 弄口"),
        (UnitKind.MERCHANT, "三宝早点铺", nodes["三宝第一责任区"], "三宝路 58 号"),
        (UnitKind.MERCHANT, "天通庵路菜场", nodes["香港丽园第二责任区"], "天通庵路 170 号"),
        (UnitKind.VOLUNTEER_TEAM, TEAM_NAME, nodes["榆兰居民区"], ""),
    ]
    units = [
        Unit(
            street=street,
            kind=kind,
            name=name,
            node=node,
            address=address or (f"{node.name}内" if node != street else ""),
            contact_name=ctx.faker.name(),
            contact_phone=_mobile(ctx),
        )
        for kind, name, node, address in spec
    ]
    for unit in Unit.objects.bulk_create(units):
        ctx.units[unit.name] = unit
    ctx.log(f"units: {len(units)}")


def build_registry(ctx: DemoContext) -> None:
    """Compounds, buildings, entrances, dwellings, households, residents, owners, facilities."""
    street = ctx.street
    plans = _household_plans(ctx)
    compounds = [
        Compound(
            street=street,
            grid=ctx.nodes[grid],
            name=name,
            address=address,
            year_built=year,
            kind=kind,
            property_company=ctx.units[company] if company else None,
        )
        for name, grid, year, kind, company, address, *_rest in COMPOUNDS
    ]
    for compound in Compound.objects.bulk_create(compounds):
        ctx.compounds[compound.name] = compound

    # Places first, in address order, so households line up with the plans.
    buildings: list[Building] = []
    entrances: list[tuple[Entrance, Building]] = []
    dwellings: list[tuple[Dwelling, Entrance, str]] = []
    for name, grid, _y, _k, _c, _a, count, _p, layout, areas in COMPOUNDS:
        compound = ctx.compounds[name]
        floors, per_building, flats, lift = layout
        made = 0
        number = 0
        while made < count:
            number += 1
            building = Building(
                street=street,
                compound=compound,
                grid=ctx.nodes[grid],
                number=str(number),
                floors=floors,
                has_lift=lift,
            )
            buildings.append(building)
            for e in range(1, per_building + 1):
                if made >= count:
                    break
                entrance = Entrance(street=street, number=str(e))
                entrances.append((entrance, building))
                for floor in range(1, floors + 1):
                    for flat in range(1, flats + 1):
                        if made >= count:
                            break
                        area = ctx.rng.uniform(*areas)
                        dwelling = Dwelling(
                            street=street,
                            grid=ctx.nodes[grid],
                            room=f"{floor}{flat:02d}",
                            floor=floor,
                            area_m2=Decimal(f"{area:.2f}"),
                        )
                        dwellings.append((dwelling, entrance, name))
                        made += 1
    Building.objects.bulk_create(buildings, batch_size=500)
    for entrance, building in entrances:
        entrance.building = building
    Entrance.objects.bulk_create([e for e, _b in entrances], batch_size=500)
    for dwelling, entrance, _name in dwellings:
        dwelling.entrance = entrance
    Dwelling.objects.bulk_create([d for d, _e, _n in dwellings], batch_size=1000)
    ctx.buildings = buildings

    households = []
    for (dwelling, _entrance, _name), kind in zip(dwellings, plans, strict=True):
        households.append(
            Household(
                street=street,
                dwelling=dwelling,
                grid_id=dwelling.grid_id,
                tenure=Tenure.TENANT if kind in ("migrant", "renter") else Tenure.OWNER,
                address_key=dwelling.sort_key,
            )
        )
    Household.objects.bulk_create(households, batch_size=1000)
    ctx.households = households

    residents: list[Resident] = []
    owners = []
    owner_link = Dwelling.owners.through
    seen_ids: set[str] = set()
    seen_phones: set[str] = set()
    for household, kind in zip(households, plans, strict=True):
        members = _members(ctx, kind, seen_ids, seen_phones)
        for person in members:
            person.street = street
            person.household = household
            person.grid_id = household.grid_id
        residents.extend(members)
        if household.tenure == Tenure.OWNER:
            owners.append((household.dwelling, members[0]))
            if (
                len(members) > 1
                and members[1].relation == Relation.SPOUSE
                and ctx.rng.random() < 0.5
            ):
                owners.append((household.dwelling, members[1]))
    Resident.objects.bulk_create(residents, batch_size=1000)
    owner_link.objects.bulk_create(
        [owner_link(dwelling_id=d.pk, resident_id=r.pk) for d, r in owners], batch_size=2000
    )
    ctx.residents = residents
    _facilities(ctx)
    ctx.log(f"registry: {len(households)} households, {len(residents)} residents")


def build_tags(ctx: DemoContext) -> None:
    """Staff-set tags (残疾 with level, 党员, 困难家庭); derived tags come last."""
    ctx.tags = ensure_default_tags(ctx.street.pk)
    rng, street = ctx.rng, ctx.street
    links: list[ResidentTag] = []
    for person in ctx.residents:
        age = REFERENCE_YEAR - person.birth_date.year
        if rng.random() < (0.05 if age >= 60 else 0.012):
            level = rng.choice(DISABILITY_LEVELS)
            links.append(
                ResidentTag(street=street, resident=person, tag=ctx.tags["disabled"], level=level)
            )
        if age >= 22 and rng.random() < 0.07:
            links.append(ResidentTag(street=street, resident=person, tag=ctx.tags["party_member"]))
    ResidentTag.objects.bulk_create(links, batch_size=2000)
    hardship = [
        HouseholdTag(street=street, household=h, tag=ctx.tags["hardship"])
        for h in ctx.households
        if rng.random() < 0.03
    ]
    HouseholdTag.objects.bulk_create(hardship, batch_size=2000)
    ctx.log(f"tags: {len(links)} resident tags, {len(hardship)} hardship households")


def build_people(ctx: DemoContext) -> None:
    """Building leaders, the 37-member repair team, grid leaders and the six demo logins."""
    street, rng, tags = ctx.street, ctx.rng, ctx.tags
    demo_hash = _demo_password_hash()
    by_household: dict[int, list[Resident]] = {}
    for person in ctx.residents:
        by_household.setdefault(person.household_id, []).append(person)
    by_building: dict[int, list[Resident]] = {}
    for household in ctx.households:
        building_id = household.dwelling.entrance.building_id
        by_building.setdefault(building_id, []).extend(by_household[household.pk])

    taken: set[int] = set()  # residents already linked to a login
    assignments: list[StaffAssignment] = []
    resident_links: list[ResidentTag] = []

    # 楼组长: one adult registered resident per building, as a user with the building_leader role.
    leaders: list[tuple[Building, Resident]] = []
    for building in ctx.buildings:
        people = [p for p in by_building[building.pk] if _age(p) >= 35 and p.relation in _ADULT]
        leaders.append((building, rng.choice(people or by_building[building.pk])))
    leader_users = [
        User(
            username=f"louzu{i:03d}",
            display_name=person.name,
            password=demo_hash,
        )
        for i, (_building, person) in enumerate(leaders, start=1)
    ]
    User.objects.bulk_create(leader_users)
    for (building, person), user in zip(leaders, leader_users, strict=True):
        building.leader = user
        person.user = user
        taken.add(person.pk)
        assignments.append(
            StaffAssignment(street=street, user=user, role=Role.BUILDING_LEADER, node=building.grid)
        )
        resident_links.append(
            ResidentTag(street=street, resident=person, tag=tags["building_leader"])
        )
    Building.objects.bulk_update([b for b, _p in leaders], ["leader"])

    # The "微修" repair team: 37 adults from 榆兰 and 三宝, one third of them party members.
    yulan_grid = ctx.nodes["榆兰第二责任区"]
    team_grids = {
        ctx.nodes[name].pk
        for name in ("榆兰第一责任区", "榆兰第二责任区", "三宝第一责任区", "三宝第二责任区")
    }
    candidates = [
        p
        for p in ctx.residents
        if p.grid_id in team_grids
        and p.pk not in taken
        and 25 <= _age(p) <= 72
        and p.residence_status != ResidenceStatus.MIGRANT
    ]
    # volunteer1 lives in 榆兰第二责任区 so gridleader1 can see them; the rest are drawn at random.
    first = next(p for p in candidates if p.grid_id == yulan_grid.pk)
    others = rng.sample([p for p in candidates if p is not first], TEAM_SIZE - 1)
    team = [first, *others]
    party_ids = set(
        ResidentTag.objects.filter(
            tag=tags["party_member"], resident_id__in=[p.pk for p in team]
        ).values_list("resident_id", flat=True)
    )
    want_party = {p.pk for p in team[: TEAM_PARTY_MEMBERS * 3 : 3]}
    ResidentTag.objects.filter(
        tag=tags["party_member"], resident_id__in=party_ids - want_party
    ).delete()
    for person in team:
        resident_links.append(ResidentTag(street=street, resident=person, tag=tags["volunteer"]))
        if person.pk in want_party and person.pk not in party_ids:
            resident_links.append(
                ResidentTag(street=street, resident=person, tag=tags["party_member"])
            )
    ctx.extra["team"] = team
    ctx.extra["team_unit"] = ctx.units[TEAM_NAME]

    # resident1: the head of an owner family in 榆兰新村, not otherwise linked.
    resident_person = next(
        p
        for p in ctx.residents
        if p.grid_id == yulan_grid.pk
        and p.relation == Relation.HEAD
        and p.household.tenure == Tenure.OWNER
        and p.pk not in taken
        and p not in team
        and 30 <= _age(p) <= 70
    )

    logins = [
        ("admin", "张宇", Role.STREET_ADMIN, ctx.street, None, None),
        ("cadre1", "王红梅", Role.CADRE, ctx.nodes["榆兰居民区"], None, None),
        ("gridleader1", "周美华", Role.GRID_WORKER, yulan_grid, None, None),
        ("property1", "王立伟", Role.UNIT_STAFF, ctx.street, ctx.units["慧海物业"], None),
        ("volunteer1", first.name, Role.VOLUNTEER, ctx.street, None, first),
        ("resident1", resident_person.name, Role.RESIDENT, yulan_grid, None, resident_person),
    ]
    grid_names = [g for _n, _c, grids in NEIGHBOURHOODS for g, *_r in grids if g != yulan_grid.name]
    for i, grid_name in enumerate(grid_names, start=2):
        logins.append(
            (f"gridleader{i}", ctx.faker.name(), Role.GRID_WORKER, ctx.nodes[grid_name], None, None)
        )
    users = []
    for username, display, *_rest in logins:
        user = User(username=username, display_name=display)
        if username == "admin":
            user.is_superuser = user.is_staff = True
        user.password = demo_hash
        users.append(user)
    User.objects.bulk_create(users)
    for user, (_u, _d, role, node, unit, person) in zip(users, logins, strict=True):
        ctx.users[user.username] = user
        assignments.append(
            StaffAssignment(street=street, user=user, role=role, node=node, unit=unit)
        )
        if role == Role.GRID_WORKER:
            node.leader = user
        if person is not None:
            person.user = user
    GridNode.objects.bulk_update([ctx.nodes[n] for n in [yulan_grid.name, *grid_names]], ["leader"])
    linked = [p for p in ctx.residents if p.user_id is not None]
    Resident.objects.bulk_update(linked, ["user"])
    StaffAssignment.objects.bulk_create(assignments)
    ResidentTag.objects.bulk_create(resident_links, batch_size=2000)
    ctx.log(f"people: {len(leader_users)} building leaders, {len(team)} team members")


def build_derived_tags(ctx: DemoContext) -> None:
    """纯老户, 独居老人, 外来人口, 租户 from the data just loaded."""
    refresh_derived_tags(ctx.street.pk, today=ctx.today)


# --- helpers -----------------------------------------------------------------------------------
_ADULT = {Relation.HEAD, Relation.SPOUSE}


def _age(person: Resident) -> int:
    return REFERENCE_YEAR - person.birth_date.year


def _demo_password_hash() -> str:
    """One hash for every demo login: set_password on a throwaway user, so policy
    validators (meant for passwords people choose) do not apply and PBKDF2 runs once."""
    probe = User(username="demo-password-probe")
    probe.set_password(DEMO_PASSWORD)
    return probe.password


def _bbox(boxes) -> tuple[float, float, float, float]:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _polygon(box) -> dict:
    """A GeoJSON Polygon (lon, lat; counter-clockwise outer ring, closed)."""
    w, s, e, n = (round(v, 6) for v in box)
    return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}


def _household_plans(ctx: DemoContext) -> list[str]:
    """One household kind per dwelling, in the same order as COMPOUNDS builds dwellings.

    Kinds: ``elderly`` (every member 60+), ``migrant`` (renting, 流动), ``renter``
    (renting, 常住), ``family`` (owner-occupiers, maybe with an elderly parent).
    Exact counts where the seeds give numbers; shuffled with the seeded generator.
    """
    rng = ctx.rng
    plans: list[str] = []
    sanbao_total = sum(c[6] for c in COMPOUNDS if c[7] == "sanbao")
    sanbao = ["tenant"] * SANBAO_TENANTS + ["owner"] * (sanbao_total - SANBAO_TENANTS)
    rng.shuffle(sanbao)
    sanbao_iter = iter(sanbao)
    for *_head, count, profile, _layout, _areas in COMPOUNDS:
        if profile == "yulan":
            kinds = (
                ["elderly"] * YULAN_ELDERLY_ONLY
                + ["migrant"] * YULAN_MIGRANT
                + ["family"] * (count - YULAN_ELDERLY_ONLY - YULAN_MIGRANT)
            )
            rng.shuffle(kinds)
        elif profile == "sanbao":
            kinds = []
            for _i in range(count):
                if next(sanbao_iter) == "tenant":
                    kinds.append("migrant" if rng.random() < 0.7 else "renter")
                else:
                    kinds.append("elderly" if rng.random() < 0.22 else "family")
        else:
            kinds = [
                rng.choices(["elderly", "migrant", "renter", "family"], [18, 6, 6, 70])[0]
                for _i in range(count)
            ]
        plans.extend(kinds)
    return plans


def _members(ctx: DemoContext, kind: str, seen_ids: set[str], seen_phones: set[str]):
    """The people of one household of the given kind; the head comes first."""
    rng, faker = ctx.rng, ctx.faker
    Y = REFERENCE_YEAR

    def person(relation, born_from, born_to, area, status, male=None, surname=None, phone=True):
        male = rng.random() < 0.5 if male is None else male
        birth = _birth(rng, born_from, born_to)
        first = faker.first_name_male() if male else faker.first_name_female()
        idn = _id_number(rng, area, birth, male, seen_ids)
        family_name = surname or faker.last_name()
        r = Resident(
            name=family_name + first,
            gender="M" if male else "F",
            birth_date=birth,
            relation=relation,
            residence_status=status,
        )
        r.set_id_number(idn)
        r.family_name = family_name  # children take their father's, compound surnames included
        if phone:
            r.set_phone(_mobile(ctx, seen_phones))
        return r

    reg, res, mig = (
        ResidenceStatus.REGISTERED,
        ResidenceStatus.RESIDENT,
        ResidenceStatus.MIGRANT,
    )
    if kind == "elderly":
        head = person(Relation.HEAD, Y - 94, Y - 63, LOCAL_AREA, reg)
        people = [head]
        if rng.random() < 0.6:
            people.append(
                person(
                    Relation.SPOUSE,
                    head.birth_date.year - 4,
                    min(head.birth_date.year + 4, Y - 63),
                    LOCAL_AREA,
                    reg,
                    male=head.gender == "F",
                    phone=rng.random() < 0.5,
                )
            )
        return people
    if kind in ("migrant", "renter"):
        if kind == "migrant":
            area, status = rng.choice(MIGRANT_AREAS), mig
        else:
            area, status = rng.choice(MIGRANT_AREAS + OTHER_SHANGHAI_AREAS), res
        head = person(Relation.HEAD, Y - 52, Y - 21, area, status)
        people = [head]
        if rng.random() < 0.55:
            spouse_male = head.gender == "F"
            people.append(
                person(
                    Relation.SPOUSE,
                    head.birth_date.year - 3,
                    min(head.birth_date.year + 3, Y - 20),
                    area,
                    status,
                    male=spouse_male,
                )
            )
            father = people[1] if spouse_male else head
            for _i in range(rng.choice([0, 1, 1, 2])):
                born = max(head.birth_date.year + 22, Y - 16)
                if born <= Y - 1:
                    people.append(
                        person(
                            Relation.CHILD,
                            born,
                            Y - 1,
                            area,
                            status,
                            surname=father.family_name,
                            phone=False,
                        )
                    )
        elif rng.random() < 0.3:
            people.append(person(Relation.TENANT, Y - 45, Y - 20, rng.choice(MIGRANT_AREAS), mig))
        return people
    # family: owner-occupiers registered here
    head = person(Relation.HEAD, Y - 62, Y - 30, LOCAL_AREA, reg)
    people = [head]
    father = head
    if rng.random() < 0.85:
        spouse_male = head.gender == "F"
        spouse = person(
            Relation.SPOUSE,
            head.birth_date.year - 4,
            min(head.birth_date.year + 4, Y - 25),
            LOCAL_AREA,
            reg,
            male=spouse_male,
        )
        people.append(spouse)
        if spouse_male:
            father = spouse
    for _i in range(rng.choice([0, 1, 1, 1, 2])):
        born = head.birth_date.year + 24
        if born <= Y - 1:
            people.append(
                person(
                    Relation.CHILD,
                    born,
                    min(born + 12, Y - 1),
                    LOCAL_AREA,
                    reg,
                    surname=father.family_name,
                    phone=Y - born >= 16,
                )
            )
    if rng.random() < 0.2:
        people.append(
            person(
                Relation.PARENT,
                head.birth_date.year - 34,
                head.birth_date.year - 22,
                LOCAL_AREA,
                reg,
                phone=rng.random() < 0.5,
            )
        )
    return people


def _birth(rng, year_from: int, year_to: int) -> dt.date:
    year = rng.randint(min(year_from, year_to), max(year_from, year_to))
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))


def _id_number(rng, area: str, birth: dt.date, male: bool, seen: set[str]) -> str:
    """A GB 11643 number: area, birth date, sequence (odd for men), check digit; unique."""
    while True:
        sequence = rng.randrange(500) * 2 + (1 if male else 0)
        first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
        if first17 not in seen:
            seen.add(first17)
            return first17 + pii.id_check_digit(first17)


def _mobile(ctx: DemoContext, seen: set[str] | None = None) -> str:
    while True:
        number = ctx.rng.choice(MOBILE_PREFIXES) + f"{ctx.rng.randrange(10**8):08d}"
        if seen is None or number not in seen:
            if seen is not None:
                seen.add(number)
            return number


def _facilities(ctx: DemoContext) -> None:
    """Charging piles, sheds, fire equipment per compound, plus stations, inside their grids."""
    rng, street = ctx.rng, ctx.street
    boxes = ctx.extra["boxes"]
    rows: list[Facility] = []

    def at(grid_name: str) -> tuple[Decimal, Decimal]:
        w, s, e, n = boxes[grid_name]
        lon = w + (e - w) * rng.uniform(0.15, 0.85)
        lat = s + (n - s) * rng.uniform(0.15, 0.85)
        return Decimal(f"{lat:.6f}"), Decimal(f"{lon:.6f}")

    for name, grid_name, _y, _k, _c, _a, count, *_rest in COMPOUNDS:
        compound = ctx.compounds[name]
        grid = ctx.nodes[grid_name]
        buildings = max(1, sum(1 for b in ctx.buildings if b.compound_id == compound.pk))
        items = [
            (FacilityKind.CHARGING_PILE, f"{name}电动自行车充电桩", max(10, count // 20)),
            (FacilityKind.SHED, f"{name}非机动车棚", max(1, count // 150)),
            (FacilityKind.FIRE_HYDRANT, f"{name}室外消火栓", max(2, buildings // 3)),
            (FacilityKind.EXTINGUISHER, f"{name}微型消防站", 1),
        ]
        for kind, label, quantity in items:
            lat, lon = at(grid_name)
            rows.append(
                Facility(
                    street=street,
                    grid=grid,
                    compound=compound,
                    kind=kind,
                    name=label,
                    location=f"{rng.randint(1, buildings)}号楼旁",
                    latitude=lat,
                    longitude=lon,
                    quantity=quantity,
                )
            )
    for grid_name, label, location in [
        ("三宝第二责任区", "宝山路街道市民驿站", "宝山路 600 号"),
        ("榆兰第二责任区", "榆兰居民区党群服务站", "新港路 150 弄 1 号"),
        ("香港丽园第一责任区", "香港丽园居民区睦邻点", "东宝兴路 255 弄会所"),
    ]:
        lat, lon = at(grid_name)
        rows.append(
            Facility(
                street=street,
                grid=ctx.nodes[grid_name],
                kind=FacilityKind.STATION,
                name=label,
                location=location,
                latitude=lat,
                longitude=lon,
            )
        )
    Facility.objects.bulk_create(rows)
