"""The demo street: the numbers from the seeds, valid personal data, the logins and their
scopes, idempotency and determinism.

Building the street takes a few seconds, so the module builds it once (inside a
transaction rolled back when the module ends) and every test reads it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from itertools import combinations
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone, translation

from linli.core import pii
from linli.demo.builders import BUILDERS, LOGIN_USERNAMES, build_demo, demo_street
from linli.demo.builders.context import DEMO_PASSWORD
from linli.grids import permissions as perms
from linli.grids.models import GridNode, NodeKind, Role, StaffAssignment, Unit, UnitKind
from linli.registry import permissions as rp
from linli.registry.models import (
    Building,
    Compound,
    CompoundKind,
    Dwelling,
    Facility,
    Household,
    HouseholdTag,
    ResidenceStatus,
    Resident,
    ResidentTag,
    Tenure,
)
from linli.workorders.models import WorkOrder

User = get_user_model()


def checksum(n: int = 400) -> str:
    """Names, ID numbers, birth dates and tenures of the first rows, independent of pk values."""
    digest = hashlib.sha256()
    for r in Resident.objects.order_by("id")[:n]:
        digest.update(f"{r.name}|{r.id_number}|{r.birth_date}|{r.residence_status}\n".encode())
    for tenure in Household.objects.order_by("id").values_list("tenure", flat=True)[:n]:
        digest.update(tenure.encode())
    digest.update(f"{Resident.objects.count()}/{Household.objects.count()}".encode())
    orders = WorkOrder.objects.order_by("id").values_list(
        "number", "status", "category__code", "created_at", "closed_at", "resolve_due"
    )
    for row in orders:
        digest.update(repr(row).encode())
    return digest.hexdigest()


def counts() -> dict[str, int]:
    models = [GridNode, Unit, Compound, Building, Dwelling, Household, Resident, Facility]
    models += [ResidentTag, HouseholdTag, StaffAssignment, User]
    return {m.__name__: m.objects.count() for m in models}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Build once, throw it away, build again through the command: the second build is the
    one the tests read, and both builds' checksums are kept for the determinism test."""
    # One build day for both builds, even if the clock passes midnight between them.
    today = timezone.localdate()
    with django_db_blocker.unblock(), transaction.atomic():
        before = transaction.savepoint()
        seen = {}

        def record(ctx):
            seen.update(households=len(ctx.households), users=set(ctx.users), tags=set(ctx.tags))

        BUILDERS.append(record)  # as a later module's builder would be
        try:
            build_demo(log=lambda line: None, today=today)
        finally:
            BUILDERS.remove(record)
        first = checksum()
        transaction.savepoint_rollback(before)
        assert demo_street() is None
        out = io.StringIO()
        with translation.override("en"):
            call_command("demo", stdout=out, today=today)
        yield SimpleNamespace(
            first_checksum=first,
            seen_by_later_builder=seen,
            second_checksum=checksum(),
            output=out.getvalue(),
            street=demo_street(),
        )
        transaction.set_rollback(True)


def node(name: str) -> GridNode:
    return GridNode.objects.get(name=name)


def households_in(node_: GridNode):
    return Household.objects.filter(grid__path__startswith=node_.path)


def test_a_builder_appended_to_the_list_gets_the_shared_context(demo):
    seen = demo.seen_by_later_builder
    assert seen["households"] == 3000
    assert set(LOGIN_USERNAMES) <= seen["users"]
    assert {"volunteer", "party_member", "elderly_only"} <= seen["tags"]


def test_yulan_xincun_matches_the_seed(demo, db):
    compound = Compound.objects.get(name="榆兰新村")
    assert compound.year_built == 1958
    assert compound.property_company is None and compound.is_unmanaged
    assert compound.kind == CompoundKind.OLD_LANE
    grid = node("榆兰第二责任区")
    assert compound.grid == grid
    households = Household.objects.filter(dwelling__entrance__building__compound=compound)
    assert households.count() == 344
    assert households_in(grid).count() == 344

    elderly_only = HouseholdTag.objects.filter(household__in=households, tag__code="elderly_only")
    assert elderly_only.count() / 344 > 0.30
    # The derived tag agrees with the data: every member of a tagged household is 60+.
    today = dt.date.today()
    for household in Household.objects.filter(pk__in=elderly_only.values("household_id"))[:50]:
        ages = [m.age_on(today) for m in household.members.all()]
        assert ages and min(ages) >= 60

    residents = Resident.objects.filter(household__in=households)
    migrants = residents.filter(residence_status=ResidenceStatus.MIGRANT)
    assert migrants.count() / residents.count() > 0.30
    migrant_tag = ResidentTag.objects.filter(resident__in=residents, tag__code="migrant")
    assert migrant_tag.count() == migrants.count()
    with_migrants = households.filter(members__residence_status=ResidenceStatus.MIGRANT)
    assert with_migrants.distinct().count() / 344 > 0.30


def test_sanbao_has_2012_households_and_about_42_percent_tenants(demo, db):
    households = households_in(node("三宝居民区"))
    assert households.count() == 2012
    tenants = households.filter(tenure=Tenure.TENANT).count()
    assert 0.40 < tenants / 2012 < 0.45
    tagged = HouseholdTag.objects.filter(household__in=households, tag__code="tenant").count()
    assert tagged == tenants


def test_every_household_is_listed_by_its_dwellings_address(demo, db):
    households = Household.objects.select_related("dwelling__entrance__building__compound")
    assert all(h.address_key == h.dwelling.sort_key != "" for h in households)


def test_street_totals_and_property_companies(demo, db):
    street = demo.street
    assert 2900 <= Household.objects.filter(street=street).count() <= 3100
    assert Resident.objects.filter(street=street, household__isnull=True).count() == 0
    companies = set(
        Unit.objects.filter(street=street, kind=UnitKind.PROPERTY_COMPANY).values_list(
            "name", flat=True
        )
    )
    assert "慧海物业" in companies and len(companies) >= 2
    managed = Compound.objects.filter(street=street, property_company__isnull=False)
    assert managed.count() == Compound.objects.filter(street=street).count() - 1
    for kind in (UnitKind.DEPARTMENT, UnitKind.OWNERS_COMMITTEE, UnitKind.MUNICIPAL):
        assert Unit.objects.filter(street=street, kind=kind).exists()
    assert Unit.objects.filter(kind=UnitKind.DEPARTMENT, name="宝山路派出所").exists()
    rental = Unit.objects.filter(kind=UnitKind.RENTAL_SITE, name__startswith="天通庵路")
    assert rental.exists()
    facilities = Facility.objects.filter(street=street)
    assert {"charging_pile", "fire_hydrant", "station"} <= set(
        facilities.values_list("kind", flat=True)
    )
    assert not facilities.filter(latitude__isnull=True).exists()
    assert Building.objects.filter(street=street, has_lift=True).exists()
    assert Building.objects.filter(street=street, has_lift=False).exists()
    rooms = set(Dwelling.objects.filter(street=street).values_list("room", flat=True))
    assert {"1401", "302"} <= rooms
    assert not Dwelling.objects.filter(street=street, area_m2__isnull=True).exists()
    owned = Household.objects.filter(street=street, tenure=Tenure.OWNER)
    assert owned.filter(dwelling__owners__isnull=True).count() == 0


def _box(polygon: dict) -> tuple[float, float, float, float]:
    ring = polygon["coordinates"][0]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    return min(lons), min(lats), max(lons), max(lats)


def _inside(inner, outer) -> bool:
    return (
        inner[0] >= outer[0]
        and inner[1] >= outer[1]
        and inner[2] <= outer[2]
        and inner[3] <= outer[3]
    )


def test_grids_have_four_bounds_codes_and_geojson_inside_their_parents(demo, db):
    street = demo.street
    assert street.code == "310109011000"
    grids = list(GridNode.objects.filter(street=street, kind=NodeKind.GRID))
    assert len(grids) >= 6
    neighbourhoods = GridNode.objects.filter(street=street, kind=NodeKind.NEIGHBOURHOOD)
    assert neighbourhoods.count() == 3
    street_box = _box(street.boundary)
    for grid in grids:
        assert all([grid.bound_east, grid.bound_west, grid.bound_south, grid.bound_north])
        assert grid.boundary["type"] == "Polygon"
        ring = grid.boundary["coordinates"][0]
        assert ring[0] == ring[-1] and len(ring) >= 4
        parent = GridNode.objects.get(path=grid.path[: -grid.steplen])
        assert len(grid.code) == 15 and grid.code.startswith(parent.code)
        box = _box(grid.boundary)
        assert 121.4 < box[0] < box[2] < 121.6 and 31.2 < box[1] < box[3] < 31.3
        assert _inside(box, _box(parent.boundary)) and _inside(box, street_box)
        assert grid.leader is not None
    for a, b in combinations([_box(g.boundary) for g in grids], 2):
        overlap_w = min(a[2], b[2]) - max(a[0], b[0])
        overlap_h = min(a[3], b[3]) - max(a[1], b[1])
        assert overlap_w <= 0 or overlap_h <= 0
    yulan = node("榆兰第二责任区")
    assert (yulan.bound_east, yulan.bound_west, yulan.bound_south, yulan.bound_north) == (
        "和平商厦",
        "远洋新村",
        "新港路",
        "和平公园围墙",
    )


def test_volunteer_repair_team_has_37_members_one_third_party(demo, db):
    team = Unit.objects.get(kind=UnitKind.VOLUNTEER_TEAM, name__contains="微")
    assert "微修" in team.name
    members = Resident.objects.filter(tag_links__tag__code="volunteer")
    assert members.count() == 37
    party = members.filter(
        pk__in=ResidentTag.objects.filter(tag__code="party_member").values("resident_id")
    )
    assert party.count() in (12, 13)
    assert members.filter(user__username="volunteer1").exists()


def test_every_id_number_and_phone_is_valid_and_matches_the_person(demo, db):
    residents = Resident.objects.filter(street=demo.street)
    seen = set()
    for person in residents:
        idn = person.id_number
        assert pii.validate_id_number(idn) == idn
        assert pii.id_number_birth_date(idn) == person.birth_date
        assert pii.id_number_gender(idn) == person.gender
        local = idn.startswith("310109")
        assert local == (person.residence_status == ResidenceStatus.REGISTERED)
        seen.add(idn)
        if person.phone_enc:
            assert pii.validate_phone(person.phone) == person.phone
            assert person.phone_last4 == person.phone[-4:]
    assert len(seen) == residents.count()


EXPECTED_GRANTS = {
    "admin": (Role.STREET_ADMIN, "宝山路街道", None),
    "cadre1": (Role.CADRE, "榆兰居民区", None),
    "gridleader1": (Role.GRID_WORKER, "榆兰第二责任区", None),
    "property1": (Role.UNIT_STAFF, "宝山路街道", "慧海物业"),
    "volunteer1": (Role.VOLUNTEER, "宝山路街道", None),
    "resident1": (Role.RESIDENT, "榆兰第二责任区", None),
}


def test_demo_logins_have_their_roles_and_the_demo_password(demo, db):
    assert set(EXPECTED_GRANTS) == set(LOGIN_USERNAMES)
    for username, (role, node_name, unit_name) in EXPECTED_GRANTS.items():
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
        grants = list(StaffAssignment.objects.filter(user=user))
        assert [(g.role, g.node.name, g.unit.name if g.unit else None) for g in grants] == [
            (role, node_name, unit_name)
        ]
        assert username in demo.output
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert not User.objects.filter(is_superuser=True).exclude(username="admin").exists()
    assert node("榆兰第二责任区").leader.username == "gridleader1"
    assert Resident.objects.get(user__username="resident1").grid.name == "榆兰第二责任区"
    assert Resident.objects.get(user__username="volunteer1").grid.name == "榆兰第二责任区"


def test_every_demo_role_logs_in_with_the_demo_password(demo, db):
    """One login per role through the login page, building leaders (louzu…) included."""
    by_role: dict[str, str] = {}
    for role, username in (
        StaffAssignment.objects.filter(street=demo.street)
        .order_by("user__username")
        .values_list("role", "user__username")
    ):
        by_role.setdefault(role, username)
    assert set(by_role) == set(Role.values)
    for role, username in by_role.items():
        client = Client()
        response = client.post(
            "/accounts/login/", {"username": username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, (role, username)
        assert client.session["_auth_user_id"] == str(User.objects.get(username=username).pk)
    leaders = User.objects.filter(username__startswith="louzu")
    assert leaders.count() == Building.objects.filter(street=demo.street).count()
    assert all(u.check_password(DEMO_PASSWORD) for u in leaders)


def test_the_command_prints_every_login_with_its_role_and_scope(demo, db):
    lines = demo.output.splitlines()
    with translation.override("en"):  # the command ran in English
        labels = {role: str(label) for role, label in Role.choices}
    grants = StaffAssignment.objects.filter(street=demo.street).select_related(
        "user", "node", "unit"
    )
    for grant in grants.exclude(role=Role.BUILDING_LEADER):
        name = grant.user.username
        if grant.role == Role.VOLUNTEER and name != "volunteer1":  # "volunteer2 … volunteer37"
            name = "volunteer2"
        line = next(x for x in lines if x.split() and x.split()[0] == name)
        assert labels[grant.role] in line
        assert (grant.unit.name if grant.unit else grant.node.name) in line
        assert DEMO_PASSWORD in line
    for unit_login in ("shenhong1", "gangli1", "shizheng1", "power1", "chengguan1", "police1"):
        assert any(x.startswith(unit_login + " ") for x in lines)
    # Building leaders: one line per compound naming the range of usernames and buildings.
    for building in Building.objects.filter(street=demo.street).select_related(
        "compound", "leader"
    ):
        line = next(x for x in lines if f" {building.compound.name} " in x and "louzu" in x)
        first, _dots, last = line.split()[:3]
        assert first <= building.leader.username <= last
        assert labels[Role.BUILDING_LEADER] in line


def test_every_building_has_a_building_leader_with_the_role(demo, db):
    buildings = Building.objects.filter(street=demo.street)
    assert buildings.count() > 0
    assert not buildings.filter(leader__isnull=True).exists()
    for building in buildings.select_related("leader")[:20]:
        grant = StaffAssignment.objects.get(user=building.leader)
        assert grant.role == Role.BUILDING_LEADER
        assert building.leader.resident.tag_links.filter(tag__code="building_leader").exists()
        assert building.leader.resident.household.dwelling.entrance.building == building


def test_scope_engine_shows_each_login_its_share(demo, db):
    grid = node("榆兰第二责任区")
    gridleader = User.objects.get(username="gridleader1")
    seen = perms.filter_to_scope(Household.objects.all(), gridleader, rp.VIEW)
    assert seen.count() == 344
    assert set(seen.values_list("grid_id", flat=True)) == {grid.pk}

    cadre = User.objects.get(username="cadre1")
    cadre_seen = perms.filter_to_scope(Household.objects.all(), cadre, rp.VIEW)
    assert cadre_seen.count() == households_in(node("榆兰居民区")).count() > 344

    admin = User.objects.get(username="admin")
    all_seen = perms.filter_to_scope(Household.objects.all(), admin, rp.VIEW)
    assert all_seen.count() == Household.objects.filter(street=demo.street).count()

    resident = User.objects.get(username="resident1")
    own = perms.filter_to_scope(Household.objects.all(), resident, rp.VIEW)
    assert list(own) == [resident.resident.household]

    prop = User.objects.get(username="property1")
    compounds = perms.filter_to_scope(Compound.objects.all(), prop, perms.PLACES_VIEW)
    assert set(compounds.values_list("property_company__name", flat=True)) == {"慧海物业"}
    assert perms.filter_to_scope(Household.objects.all(), prop, rp.VIEW).count() == 0


def test_running_the_command_again_changes_nothing(demo, db):
    before = counts()
    out = io.StringIO()
    with translation.override("en"):
        call_command("demo", stdout=out)
    assert counts() == before
    text = out.getvalue()
    assert "already loaded" in text
    assert "Households: 3000" in text
    for username in LOGIN_USERNAMES:
        assert username in text
    assert DEMO_PASSWORD in text


def test_two_builds_on_fresh_databases_are_identical(demo):
    assert demo.first_checksum == demo.second_checksum


def test_volunteering_demo_has_the_team_a_season_of_orders_and_the_store(demo, db):
    from linli.points.models import Period, StoreItem
    from linli.volunteering.models import OrderStatus, Volunteer, VolunteerOrder, Wish

    volunteers = Volunteer.objects.filter(
        street=demo.street, user__username__startswith="volunteer"
    )
    assert volunteers.count() == 37
    for n in (1, 37):
        assert User.objects.get(username=f"volunteer{n}").check_password(DEMO_PASSWORD)
    assert "volunteer2 … volunteer37" in demo.output
    orders = VolunteerOrder.objects.filter(street=demo.street)
    assert set(orders.values_list("status", flat=True)) == set(OrderStatus.values)
    # The door frame of the newspaper: from a resident's request, open, every place free.
    door = orders.get(title__contains="卧室门框", status=OrderStatus.OPEN, work_order__isnull=False)
    assert door.capacity == 4 and door.taken == 0 and not door.claims.exists()
    names = set(StoreItem.objects.filter(street=demo.street).values_list("name", flat=True))
    assert {"纯棉毛巾", "保温暖壶", "儿童积木玩具", "电热水壶"} <= names
    periods = Period.objects.filter(street=demo.street)
    assert periods.filter(settled_at__isnull=False).exists()
    assert periods.filter(settled_at__isnull=True).exists()
    assert Wish.objects.filter(street=demo.street).count() == 6


MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{6}(?:19|20)\d{9}[\dXx](?![0-9A-Za-z])")


def test_a_dump_of_the_whole_demo_database_holds_no_phone_or_id_number_in_clear(demo, db):
    """Every phone and ID number anywhere in the schema is stored encrypted: every row of
    every table of the demo street, read as text, shows none (SQLite and PostgreSQL)."""
    from django.db import connection

    dump = io.StringIO()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                dump.write("|".join(map(str, row)))
                dump.write("\n")
    text = dump.getvalue()
    assert len(text) > 1_000_000  # the whole street is in it
    assert Resident.objects.filter(street=demo.street).exclude(phone_enc="").exists()
    assert MOBILE.findall(text) == []
    assert ID_NUMBER.findall(text) == []


def test_safety_demo_has_a_finished_campaign_reading_like_the_paper_and_a_running_one(demo, db):
    from linli.safety.models import Campaign, Hazard, Notice, NoticeStatus
    from linli.safety.report import campaign_report, summary

    done = Campaign.objects.get(street=demo.street, status="closed")
    report = campaign_report(done)
    compounds = Compound.objects.filter(street=demo.street).count()
    rentals = Unit.objects.filter(street=demo.street, kind=UnitKind.RENTAL_SITE).count()
    assert report.sites == {"compound": compounds, "rental_site": rentals}
    text = summary(report)
    assert text.startswith(
        f"清查期间，工作组共对辖区内{compounds}处居民小区和{rentals}处规模性租赁场所展开行动"
    )
    assert "检查消防管网" in text and "电动自行车违规停放充电" in text
    assert report.notices >= 2 and report.suspended == 1 and report.on_the_spot > 0
    assert report.rectified_on_time == report.notices - 1
    running = Campaign.objects.get(street=demo.street, status="running")
    open_notices = Notice.objects.filter(campaign=running).exclude(status=NoticeStatus.RECTIFIED)
    assert open_notices.exists()
    assert Hazard.objects.filter(street=demo.street, source="volunteer").exists()
