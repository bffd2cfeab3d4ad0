"""Generated data the benchmarks share: households with their residents, and work orders
with their timelines, in bulk.

``households`` fills a street with compounds of 20 buildings × 2 entrances × 30 rooms,
one household of two residents per room (benchmarks/search.py, benchmarks/scale.py).
``orders`` writes work orders over the last year and their timeline events in set-based
SQL (benchmarks/workorders.py, benchmarks/scale.py). Neither refreshes the planner's
statistics: the caller does, once its data is in.
"""

from __future__ import annotations

import random

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


def _name(rng: random.Random) -> str:
    if rng.random() < 0.02:
        return "欧阳" + rng.choice(GIVEN) + rng.choice(GIVEN)
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    return rng.choice(SURNAMES) + given


def households(street, grids: list, count: int, rng: random.Random) -> None:
    """``count`` more households of two residents each in ``street``, in compounds named
    生成小区N (1,200 households each) spread over ``grids`` in turn. Dwellings,
    households and residents go in by COPY (the ledger import's ``Inserter``)."""
    from django.db import transaction
    from django.utils import timezone

    from linli.registry.ledger.bulk import Inserter
    from linli.registry.models import (
        Building,
        Compound,
        Dwelling,
        Entrance,
        Household,
        Relation,
        ResidenceStatus,
        Resident,
        Tenure,
        address_sort_key,
    )

    now = timezone.now()
    first = Compound.objects.filter(street=street, name__startswith="生成小区").count()
    rooms = []  # (grid, entrance, the household's address key, room), in creation order
    with transaction.atomic():
        for c in range(first, first + (count + 1199) // 1200):
            grid = grids[c % len(grids)]
            compound = Compound.objects.create(street=street, grid=grid, name=f"生成小区{c}")
            buildings = Building.objects.bulk_create(
                Building(street=street, grid=grid, compound=compound, number=str(b + 1))
                for b in range(20)
            )
            entrances = Entrance.objects.bulk_create(
                Entrance(street=street, building=b, number=str(e + 1))
                for b in buildings
                for e in range(2)
            )
            number_of = {b.pk: b.number for b in buildings}
            for e in entrances:
                for r in range(30):
                    room = f"{r // 2 + 1}0{r % 2 + 1}"
                    key = address_sort_key(compound.name, number_of[e.building_id], e.number, room)
                    rooms.append((grid.pk, e.pk, key, room))
        columns = ["street_id", "entrance_id", "grid_id", "room", "floor", "area_m2"]
        with Inserter(Dwelling, columns, expected=len(rooms)) as rows:
            dwelling_ids = [
                rows.add(street.pk, entrance, grid, room, None, None)
                for grid, entrance, _key, room in rooms
            ]
        columns = ["street_id", "dwelling_id", "grid_id", "tenure", "note", "address_key",
                   "created_at", "updated_at"]  # fmt: skip
        with Inserter(Household, columns, expected=len(rooms)) as rows:
            household_ids = [
                rows.add(street.pk, dwelling, grid, Tenure.OWNER.value, "", key, now, now)
                for dwelling, (grid, _entrance, key, _room) in zip(dwelling_ids, rooms, strict=True)
            ]
        columns = ["street_id", "household_id", "grid_id", "name", "gender", "birth_date",
                   "id_number_enc", "id_number_bidx", "phone_enc", "phone_bidx", "phone_last4",
                   "relation", "residence_status", "user_id", "created_at", "updated_at"]  # fmt: skip
        with Inserter(Resident, columns, expected=2 * len(rooms)) as rows:
            for household, (grid, *_rest) in zip(household_ids, rooms, strict=True):
                for _k in range(2):
                    rows.add(
                        street.pk, household, grid, _name(rng), "", None, "", "", "", "",
                        f"{rng.randrange(10000):04d}", Relation.HEAD.value,
                        ResidenceStatus.REGISTERED.value, None, now, now,
                    )  # fmt: skip


def orders(street, grids: list, categories: list, unit, count: int) -> None:
    """``count`` more work orders in ``street`` over the last year, with their events
    (accept; check / follow-up / close for closed ones, some reworks): 85 % closed, 10 % in
    progress, 5 % accepted and waiting for the grid's staff. Numbers go on from the
    street's orders already there."""
    from django.db import connection, transaction

    from linli.workorders.models import WorkOrder

    start = WorkOrder.objects.filter(street=street).count()
    last_id = WorkOrder.objects.order_by("-id").values_list("id", flat=True).first() or 0
    with transaction.atomic(), connection.cursor() as cur:
        # The rows' keys are right by construction: as a superuser (the benchmarks connect
        # as postgres), skip their checks, four per order and per event (half the time).
        cur.execute("SELECT current_setting('is_superuser') = 'on'")
        if cur.fetchone()[0]:
            cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute(
            """
            INSERT INTO workorders_workorder (
                street_id, number, public_token, channel, reporter_name, reporter_phone_enc,
                reporter_phone_last4, location_text, grid_id, public_area, category_id,
                description, status, urgency, response_due, resolve_due, warn_at,
                extension_count, rework_count, escalation_level, in_house, satisfaction,
                satisfaction_comment, created_at, updated_at, closed_at, lead_unit_id)
            SELECT %(street)s, 'WO-B-' || lpad(g::text, 7, '0'), gen_random_uuid(), 'desk',
                '居民', '', '', '楼道', (%(grids)s::bigint[])[1 + g %% %(ngrid)s], false,
                (%(cats)s::bigint[])[1 + g %% %(ncat)s], '楼道灯不亮，晚上看不清台阶',
                CASE WHEN g %% 20 < 17 THEN 'closed' WHEN g %% 20 < 19 THEN 'in_progress'
                     ELSE 'accepted' END, 'normal',
                c + interval '1 day', c + interval '5 days', c + interval '4 days',
                0, CASE WHEN g %% 20 = 3 THEN 1 ELSE 0 END, 0,
                false, CASE WHEN g %% 20 < 17 THEN 'satisfied' ELSE '' END, '', c, c,
                CASE WHEN g %% 20 < 17 THEN c + ((g::bigint * 7919) %% 11520) * interval '1 minute' END,
                %(unit)s
            FROM generate_series(%(first)s, %(last)s) AS g,
                 LATERAL (SELECT now() - (g %% 525600) * interval '1 minute' AS c) AS t
            """,
            {
                "street": street.pk,
                "grids": [g.pk for g in grids],
                "ngrid": len(grids),
                "cats": [c.pk for c in categories],
                "ncat": len(categories),
                "first": start + 1,
                "last": start + count,
                "unit": unit.pk,
            },
        )
        # Events carry copies of their order's grid and category, as the services write them.
        common = (
            "street_id, order_id, grid_id, category_id, at, actor_role, verb, from_status,"
            " to_status, note, data, public"
        )
        events = [
            ("created_at", "'accept'", "''", "'accepted'", "true"),
            ("closed_at - interval '3 hours'", "'rework'", "'reported_done'", "'in_progress'",
             "number_rework"),
            ("closed_at - interval '1 hour'", "'check'", "'reported_done'", "'checked'", "closed"),
            ("closed_at - interval '30 minutes'", "'follow_up'", "'checked'", "'followed_up'",
             "closed"),
            ("closed_at", "'close'", "'followed_up'", "'closed'", "closed"),
        ]  # fmt: skip
        for at, verb, frm, to, cond in events:
            where = {
                "true": "TRUE",
                "closed": "status = 'closed'",
                "number_rework": "status = 'closed' AND rework_count = 1",
            }[cond]
            cur.execute(
                f"INSERT INTO workorders_workorderevent ({common}) "
                f"SELECT street_id, id, grid_id, category_id, {at}, 'grid_worker', {verb}, {frm}, "
                f"{to}, '', '{{}}'::jsonb, true "
                f"FROM workorders_workorder WHERE id > %s AND {where}",
                [last_id],
            )
