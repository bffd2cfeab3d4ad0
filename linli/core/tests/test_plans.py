"""Plans that do not depend on luck (PostgreSQL only): with a few thousand households and
work orders in another street, and fresh statistics, the pages of a grid worker in the
canonical world read no large table from end to end.

Each query a page runs is given to ``EXPLAIN (FORMAT JSON)``; no plan node may be a
sequential scan of the residents, households, dwellings or work orders. The generated
street is T; the worker's scope is a grid of street S, a few rows.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from linli.core.db import update_statistics
from linli.registry.models import (
    Building,
    Compound,
    Dwelling,
    Entrance,
    Household,
    Resident,
    address_sort_key,
)
from linli.workorders.categories import ensure_default_categories

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans"),
]

BIG = {
    "registry_resident",
    "registry_household",
    "registry_dwelling",
    "workorders_workorder",
}
COMPOUNDS, BUILDINGS, ENTRANCES, ROOMS = 10, 5, 2, 30  # 3,000 households, 6,000 residents
ORDERS = 5000
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


def _generate(world) -> None:
    street, grid = world.street_t, world.grid_t1
    compounds = Compound.objects.bulk_create(
        Compound(street=street, grid=grid, name=f"生成小区{c}") for c in range(COMPOUNDS)
    )
    buildings = Building.objects.bulk_create(
        Building(street=street, grid=grid, compound=c, number=str(b + 1))
        for c in compounds
        for b in range(BUILDINGS)
    )
    entrances = Entrance.objects.bulk_create(
        Entrance(street=street, building=b, number=str(e + 1))
        for b in buildings
        for e in range(ENTRANCES)
    )
    names = {b.pk: (c.name, b.number) for c in compounds for b in buildings if b.compound == c}
    dwellings = Dwelling.objects.bulk_create(
        Dwelling(street=street, grid=grid, entrance=e, room=f"{r // 2 + 1}0{r % 2 + 1}")
        for e in entrances
        for r in range(ROOMS)
    )
    by_entrance = {e.pk: e for e in entrances}
    households = Household.objects.bulk_create(
        Household(
            street=street,
            grid=grid,
            dwelling=d,
            address_key=address_sort_key(
                *names[by_entrance[d.entrance_id].building_id],
                by_entrance[d.entrance_id].number,
                d.room,
            ),
        )
        for d in dwellings
    )
    Resident.objects.bulk_create(
        Resident(
            street=street,
            grid=grid,
            household=h,
            name=SURNAMES[(i * 7 + k) % len(SURNAMES)] + GIVEN[(i + k * 3) % len(GIVEN)],
            phone_last4=f"{(i * 37 + k) % 10000:04d}",
        )
        for i, h in enumerate(households)
        for k in range(2)
    )
    category = ensure_default_categories(street)["leak"]
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO workorders_workorder (
                street_id, number, public_token, channel, reporter_name, reporter_phone_enc,
                reporter_phone_last4, location_text, grid_id, public_area, category_id,
                description, status, urgency, response_due, resolve_due, warn_at,
                extension_count, rework_count,
                escalation_level, in_house, satisfaction, satisfaction_comment, created_at,
                updated_at)
            SELECT %(street)s, 'WO-T-' || lpad(g::text, 6, '0'), gen_random_uuid(), 'desk',
                '居民', '', '', '楼道', %(grid)s, false, %(category)s, '楼道灯不亮',
                CASE WHEN g %% 5 = 0 THEN 'in_progress' ELSE 'closed' END, 'normal',
                now(), now() + interval '4 days', now() + interval '3 days',
                0, 0, 0, false, '', '', now() - g * interval '1 hour',
                now() - g * interval '1 hour'
            FROM generate_series(1, %(n)s) AS g
            """,
            {"street": street.pk, "grid": grid.pk, "category": category.pk, "n": ORDERS},
        )
    update_statistics()


def _seq_scans(plan: dict) -> list[str]:
    """The big tables that a plan (node and its children) reads sequentially."""
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in BIG:
        found.append(plan["Relation Name"])
    for child in plan.get("Plans", []):
        found += _seq_scans(child)
    return found


def _page_seq_scans(client, url: str) -> list[tuple[str, str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    selects = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]
    assert selects
    bad = []
    for sql in selects:
        with connection.cursor() as cur:
            cur.execute(f"EXPLAIN (FORMAT JSON) {sql}")
            plan = cur.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        bad += [(table, sql) for table in _seq_scans(plan[0]["Plan"])]
    return bad


@pytest.fixture
def big(world, client):
    _generate(world)
    assert Household.objects.filter(street=world.street_t).count() > 3000
    client.force_login(world.grid_a1_worker)
    return client


@pytest.mark.parametrize("q", ["周美华", "周", "美华", "1234", "雨泉花园", "1-1-301"])
def test_household_search_reads_only_the_actors_street(world, big, q):
    url = reverse("registry:search") + "?" + f"q={q}"
    assert _page_seq_scans(big, url) == []


def test_grid_tree_reads_no_big_table(world, big):
    assert _page_seq_scans(big, reverse("registry:tree")) == []
    assert _page_seq_scans(big, reverse("registry:node", args=[world.grid_a1.pk])) == []


@pytest.mark.parametrize("query", ["", "?number=WO", "?open=1"])
def test_work_order_list_reads_no_big_table(world, big, query):
    assert _page_seq_scans(big, reverse("workorders:list") + query) == []


def test_the_check_finds_a_sequential_scan(world, big):
    """The test above can fail: a query on no index is reported."""
    from django.db.models import Q

    qs = Resident.objects.filter(Q(name__endswith="华") | Q(phone_last4="1234"))
    assert "registry_resident" in _seq_scans(json.loads(qs.explain(format="json"))[0]["Plan"])
