"""The canonical test world: permission tests read as prose against it.

Street 宝山路街道 (S) has neighbourhood 三宝 (A) with grids A1 and A2, and
neighbourhood 榆兰 (B) with grid B1. A second street (T) exists only to prove
cross-street denial. Every role has one named user:

    admin      street admin of S            other_admin  street admin of T
    cadre      cadre of neighbourhood A     grid_a1      grid worker of A1
    grid_b1    grid worker of B1            leader       building leader of 1号楼 in A1
    property   staff of 慧海物业 (manages compound 雨泉花园 in A1)
    volunteer  volunteer of S               resident     member of household hh_a1 (A1)

Households: hh_a1 (雨泉花园 1-1-301, two elderly members, one a party member),
hh_a1b (雨泉花园 1-1-302, a migrant tenant couple), hh_a2 (三宝新村 2-1-1401),
hh_b1 (榆兰新村 5-1-101, an open compound with no property company), hh_t (in street T).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from linli.accounts.models import User
from linli.grids.models import GridNode, NodeKind, Role, StaffAssignment, Unit, UnitKind
from linli.grids.services import node_add
from linli.registry.models import (
    Building,
    Compound,
    Dwelling,
    Entrance,
    Household,
    Relation,
    ResidenceStatus,
    Resident,
    ResidentTag,
    Tenure,
)
from linli.registry.tags import ensure_default_tags, refresh_derived_tags

PASSWORD = "linli-test-pass-1"

# Valid GB 11643 ID numbers (check digits computed), fictional people.
IDS = {
    "zhou": "310109195203150027",  # born 1952, female
    "wang": "31010919500708003X",  # born 1950, male
    "li": "342401199001010016",  # born 1990, male
    "chen": "342401199205050028",
    "liu": "310109198001010012",
    "zhao": "370211195507070041",
    "sun": "110101198501010015",
}


def _fix_check(idn: str) -> str:
    from linli.core.pii import id_check_digit

    return idn[:17] + id_check_digit(idn[:17])


def user(username: str, display: str = "") -> User:
    u = User.objects.create(username=username, display_name=display or username)
    u.set_password(PASSWORD)
    u.save()
    return u


def node(parent: GridNode | None, kind: str, code: str, name: str, **extra) -> GridNode:
    return node_add(actor=None, parent=parent, kind=kind, code=code, name=name, **extra)


def resident(
    hh: Household,
    name: str,
    idn: str,
    phone: str,
    relation=Relation.HEAD,
    status=ResidenceStatus.REGISTERED,
) -> Resident:
    from linli.core import pii

    idn = _fix_check(idn)
    r = Resident(
        street_id=hh.street_id,
        household=hh,
        grid_id=hh.grid_id,
        name=name,
        relation=relation,
        residence_status=status,
        birth_date=pii.id_number_birth_date(idn),
        gender=pii.id_number_gender(idn),
    )
    r.set_id_number(idn)
    r.set_phone(phone)
    r.save()
    return r


def household(street, grid, compound, building_no, entrance_no, room, tenure=Tenure.OWNER):
    building, _ = Building.objects.get_or_create(
        compound=compound,
        number=building_no,
        defaults={"street": street, "grid": grid, "floors": 6},
    )
    entrance, _ = Entrance.objects.get_or_create(
        building=building, number=entrance_no, defaults={"street": street}
    )
    dwelling = Dwelling.objects.create(
        street=street,
        entrance=entrance,
        grid=grid,
        room=room,
        floor=int(room[:-2]),
        area_m2="56.30",
    )
    return Household.objects.create(street=street, dwelling=dwelling, grid=grid, tenure=tenure)


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.district = node(None, NodeKind.DISTRICT, "310109", "虹口区")
    w.street = node(w.district, NodeKind.STREET, "310109011000", "宝山路街道")
    w.nbh_a = node(w.street, NodeKind.NEIGHBOURHOOD, "310109011001", "三宝居民区")
    w.nbh_b = node(w.street, NodeKind.NEIGHBOURHOOD, "310109011002", "榆兰居民区")
    w.grid_a1 = node(
        w.nbh_a,
        NodeKind.GRID,
        "310109011001001",
        "三宝第一网格",
        bound_east="和平商厦",
        bound_west="远洋新村",
        bound_south="新港路",
        bound_north="和平公园围墙",
    )
    w.grid_a2 = node(w.nbh_a, NodeKind.GRID, "310109011001002", "三宝第二网格")
    w.grid_b1 = node(w.nbh_b, NodeKind.GRID, "310109011002001", "榆兰第二责任区")
    w.street_t = node(w.district, NodeKind.STREET, "310109012000", "嘉兴路街道")
    w.nbh_t = node(w.street_t, NodeKind.NEIGHBOURHOOD, "310109012001", "香港丽园居民区")
    w.grid_t1 = node(w.nbh_t, NodeKind.GRID, "310109012001001", "香港丽园第一网格")

    w.property_co = Unit.objects.create(
        street=w.street, kind=UnitKind.PROPERTY_COMPANY, name="慧海物业"
    )
    w.police = Unit.objects.create(street=w.street, kind=UnitKind.DEPARTMENT, name="宝山路派出所")
    w.compound_a1 = Compound.objects.create(
        street=w.street,
        grid=w.grid_a1,
        name="雨泉花园",
        year_built=2003,
        property_company=w.property_co,
    )
    w.compound_a2 = Compound.objects.create(
        street=w.street, grid=w.grid_a2, name="三宝新村", year_built=1985
    )
    w.compound_b1 = Compound.objects.create(
        street=w.street, grid=w.grid_b1, name="榆兰新村", year_built=1958, kind="old_lane"
    )
    w.compound_t = Compound.objects.create(
        street=w.street_t, grid=w.grid_t1, name="香港丽园", year_built=1998
    )

    w.hh_a1 = household(w.street, w.grid_a1, w.compound_a1, "1", "1", "301")
    w.hh_a1b = household(w.street, w.grid_a1, w.compound_a1, "1", "1", "302", tenure=Tenure.TENANT)
    w.hh_a2 = household(w.street, w.grid_a2, w.compound_a2, "2", "1", "1401")
    w.hh_b1 = household(w.street, w.grid_b1, w.compound_b1, "5", "1", "101")
    w.hh_t = household(w.street_t, w.grid_t1, w.compound_t, "8", "1", "201")

    w.zhou = resident(w.hh_a1, "周美华", IDS["zhou"], "13812341234")
    w.wang = resident(w.hh_a1, "王建国", IDS["wang"], "13900005678", relation=Relation.SPOUSE)
    w.li = resident(w.hh_a1b, "李强", IDS["li"], "15000001111", status=ResidenceStatus.MIGRANT)
    w.chen = resident(
        w.hh_a1b,
        "陈芳",
        IDS["chen"],
        "15000002222",
        relation=Relation.SPOUSE,
        status=ResidenceStatus.MIGRANT,
    )
    w.liu = resident(w.hh_a2, "刘运京", IDS["liu"], "13700003333")
    w.zhao = resident(w.hh_b1, "赵嫦娥", IDS["zhao"], "13600004444")
    w.sun = resident(w.hh_t, "孙丽", IDS["sun"], "13500005555")

    w.tags = ensure_default_tags(w.street.pk)
    ensure_default_tags(w.street_t.pk)
    ResidentTag.objects.create(street=w.street, resident=w.wang, tag=w.tags["party_member"])
    ResidentTag.objects.create(
        street=w.street, resident=w.zhao, tag=w.tags["disabled"], level="二级"
    )
    for street in (w.street, w.street_t):
        refresh_derived_tags(street.pk, today=dt.date(2026, 11, 22))

    def grant(u, role, at, unit=None):
        StaffAssignment.objects.create(street=at.street, user=u, role=role, node=at, unit=unit)
        return u

    w.admin = grant(user("admin", "街道管理员"), Role.STREET_ADMIN, w.street)
    w.other_admin = grant(user("other_admin", "嘉兴路管理员"), Role.STREET_ADMIN, w.street_t)
    w.cadre = grant(user("cadre", "王国治"), Role.CADRE, w.nbh_a)
    w.grid_a1_worker = grant(user("grid_a1", "周美华网格长"), Role.GRID_WORKER, w.grid_a1)
    w.grid_b1_worker = grant(user("grid_b1", "榆兰网格员"), Role.GRID_WORKER, w.grid_b1)
    w.property = grant(user("property", "王立伟"), Role.UNIT_STAFF, w.street, unit=w.property_co)
    w.leader = grant(user("leader", "楼组长"), Role.BUILDING_LEADER, w.grid_a1)
    Building.objects.filter(compound=w.compound_a1, number="1").update(leader=w.leader)
    w.volunteer = grant(user("volunteer", "志愿者"), Role.VOLUNTEER, w.street)
    w.resident_user = grant(user("resident", "周美华"), Role.RESIDENT, w.grid_a1)
    w.zhou.user = w.resident_user
    w.zhou.save(update_fields=["user"])
    w.nobody = user("nobody", "无角色")
    return w
