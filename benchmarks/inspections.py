"""The campaign report of safety inspections on PostgreSQL.

    LINLI_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/inspections.py

It creates its own database (``linli_bench_safety``, or LINLI_BENCH_DB) on the server
LINLI_DATABASE_URL points at, migrates it, builds the canonical test world and drops the
database at the end (LINLI_BENCH_KEEP=1 keeps it). Into one campaign with a five-item
checklist it bulk-loads LINLI_BENCH_INSPECTIONS inspections (default 10,000) of 500
rental sites and compounds, five item results each (50,000), a hazard for one result in
six, a notice for one hazard site in three, then ANALYZE. Figures, p50/p95 over
LINLI_BENCH_SAMPLES runs (default 50):

- report: ``safety.report.campaign_report`` and the summary paragraph (what the campaign
  page and the API compute);
- raw: the same figures from hand-written aggregate SQL over the same tables (the
  baseline no report can beat: one query per table, no ORM);
- page: the campaign page through ``django.test.Client`` as the street admin.

Target (issue 17): report p95 ≤ 300 ms and ≤ 2× the raw SQL's. The last line is JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

INSPECTIONS = int(os.environ.get("LINLI_BENCH_INSPECTIONS", "10000"))
SAMPLES = int(os.environ.get("LINLI_BENCH_SAMPLES", "50"))
BENCH_DB = os.environ.get("LINLI_BENCH_DB", "linli_bench_safety")
SITES = 500

RAW = [
    # sites inspected, by kind (first inspections only)
    """SELECT site_kind, COUNT(DISTINCT compound_id) + COUNT(DISTINCT unit_id)
         FROM safety_inspection WHERE campaign_id = %(c)s AND notice_id IS NULL
        GROUP BY site_kind""",
    """SELECT COUNT(*), COUNT(*) FILTER (WHERE night), COUNT(*) FILTER (WHERE notice_id IS NOT NULL)
         FROM safety_inspection WHERE campaign_id = %(c)s""",
    """SELECT r.item_id, COUNT(*) FILTER (WHERE r.result <> 'na'),
              COUNT(*) FILTER (WHERE r.result = 'hazard'), SUM(r.count)
         FROM safety_itemresult r JOIN safety_inspection i ON i.id = r.inspection_id
        WHERE i.campaign_id = %(c)s GROUP BY r.item_id""",
    """SELECT COUNT(*), COUNT(*) FILTER (WHERE h.on_the_spot),
              COUNT(*) FILTER (WHERE h.status = 'fixed')
         FROM safety_hazard h JOIN safety_inspection i ON i.id = h.inspection_id
        WHERE i.campaign_id = %(c)s""",
    """SELECT COUNT(*), COUNT(*) FILTER (WHERE status = 'rectified'),
              COUNT(*) FILTER (WHERE overdue_at IS NOT NULL)
         FROM safety_notice WHERE campaign_id = %(c)s""",
    "SELECT site_kind, COUNT(*) FROM safety_target WHERE campaign_id = %(c)s GROUP BY site_kind",
]


def _db_url(url: str, dbname: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + dbname))


def _recreate(url: str, *, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(_db_url(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _timed(run, n: int) -> dict:
    run()  # warm-up
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1000)
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(_p(times, 0.95), 1)}


def generate(world) -> object:
    """The campaign and its inspections, results, hazards and notices, bulk-loaded."""
    from django.utils import timezone

    from linli.grids.models import Unit, UnitKind
    from linli.registry.models import Compound
    from linli.safety import services
    from linli.safety.models import (
        Hazard,
        Inspection,
        ItemResult,
        Notice,
        Target,
    )

    street = world.street
    checklist = services.checklist_create(
        actor=world.admin, street_id=street.pk, name="基准检查表",
        items="通道堆物 | 处 | 清理通道堆物{n}处\n消防管网 | | 检查消防管网{n}处\n"
              "电动自行车违规停放/充电 | 辆 | 电动自行车违规停放充电{n}辆\n飞线充电 | | 飞线充电{n}处\n"
              "安全出口 | | 检查安全出口{n}处",
    )  # fmt: skip
    items = list(checklist.items.all())
    now = timezone.now()
    campaign = services.campaign_create(
        actor=world.admin, name="基准行动", node=street, starts_on=now.date(),
        ends_on=now.date(), checklist=checklist, target_kinds=["compound", "rental_site"],
    )  # fmt: skip
    grids = [world.grid_a1, world.grid_a2, world.grid_b1]
    units = Unit.objects.bulk_create(
        Unit(street=street, kind=UnitKind.RENTAL_SITE, name=f"租赁点{i}", node=grids[i % 3])
        for i in range(SITES // 2)
    )
    compounds = Compound.objects.bulk_create(
        Compound(street=street, grid=grids[i % 3], name=f"小区{i}") for i in range(SITES // 2)
    )
    sites = [("rental_site", None, u, u.node) for u in units] + [
        ("compound", c, None, c.grid) for c in compounds
    ]
    Target.objects.bulk_create(
        Target(street=street, campaign=campaign, site_kind=k, compound=c, unit=u, grid=g)
        for k, c, u, g in sites
    )
    rows = []
    for n in range(INSPECTIONS):
        kind, compound, unit, grid = sites[n % len(sites)]
        rows.append(
            Inspection(
                street=street, site_kind=kind, compound=compound, unit=unit, grid=grid,
                number=f"JC-B-{n:06d}", campaign=campaign, night=n % 7 == 0,
                inspected_at=now - dt.timedelta(minutes=n), created_by=world.admin,
                created_at=now, hazards_found=1 if n % 6 == 0 else 0,
            )
        )  # fmt: skip
    inspections = Inspection.objects.bulk_create(rows, batch_size=2000)
    results, hazards = [], []
    for n, inspection in enumerate(inspections):
        for i, item in enumerate(items):
            hazard = n % 6 == 0 and i == n % len(items)
            result = "hazard" if hazard else "na" if (n + i) % 11 == 0 else "ok"
            count = (n % 5) if item.count_unit else None
            results.append(ItemResult(street=street, inspection=inspection, item=item,
                                      result=result, count=count))  # fmt: skip
            if hazard:
                hazards.append(
                    Hazard(
                        street=street, site_kind=inspection.site_kind,
                        compound=inspection.compound, unit=inspection.unit, grid=inspection.grid,
                        number=f"YH-B-{n:06d}", item=item, description=item.label,
                        source="inspection", inspection=inspection, raised_by=world.admin,
                        raised_at=now, status="fixed" if n % 4 == 0 else "open",
                        on_the_spot=n % 4 == 0,
                    )
                )  # fmt: skip
    ItemResult.objects.bulk_create(results, batch_size=5000)
    Hazard.objects.bulk_create(hazards, batch_size=2000)
    Notice.objects.bulk_create(
        (
            Notice(
                street=street, site_kind=h.site_kind, compound=h.compound, unit=h.unit,
                grid=h.grid, number=f"B{n}", year=2026, serial=n + 1, campaign=campaign,
                responsible="负责人", legal_basis="", demand="", deadline=now.date(),
                reinspect_on=now.date(), issued_by=world.admin, issued_at=now,
                status="rectified" if n % 2 else "issued",
            )
            for n, h in enumerate(hazards[::3])
        ),
        batch_size=2000,
    )  # fmt: skip
    from linli.core.db import update_statistics

    update_statistics(Inspection, ItemResult, Hazard, Notice, Target)
    return campaign, len(results), len(hazards)


def main() -> None:
    base = os.environ.get("LINLI_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not base.startswith("postgres"):
        sys.exit("benchmarks/inspections.py needs LINLI_DATABASE_URL pointing at PostgreSQL")
    _recreate(base)
    os.environ["LINLI_DATABASE_URL"] = _db_url(base, BENCH_DB)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection, connections
        from django.test import Client

        from linli.safety.report import campaign_report, summary
        from linli.testing.world import build_world

        call_command("migrate", verbosity=0)
        world = build_world()
        t0 = time.perf_counter()
        campaign, results_n, hazards_n = generate(world)
        print(
            f"safety benchmark: {INSPECTIONS} inspections, {results_n} item results, "
            f"{hazards_n} hazards (loaded in {time.perf_counter() - t0:.1f} s)"
        )

        def report():
            summary(campaign_report(campaign))

        def raw():
            with connection.cursor() as cursor:
                for sql in RAW:
                    cursor.execute(sql, {"c": campaign.pk})
                    cursor.fetchall()

        client = Client()
        client.force_login(world.admin)

        def page():
            assert client.get(f"/safety/campaigns/{campaign.pk}/").status_code == 200

        out = {"inspections": INSPECTIONS, "item_results": results_n}
        for name, run in (("report", report), ("raw", raw), ("page", page)):
            figures = _timed(run, SAMPLES)
            out |= {f"{name}_{k}": v for k, v in figures.items()}
            print(f"  {name}: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms")
        out["ratio_p95"] = round(out["report_p95_ms"] / out["raw_p95_ms"], 2)
        out["targets_met"] = out["report_p95_ms"] <= 300 and out["ratio_p95"] <= 2
        out["load_avg"] = round(os.getloadavg()[0], 2)
        print(f"  report / raw at p95: {out['ratio_p95']}; targets met: {out['targets_met']}")
        connections.close_all()
        print(json.dumps(out))
    finally:
        if os.environ.get("LINLI_BENCH_KEEP") != "1":
            _recreate(base, drop_only=True)


if __name__ == "__main__":
    main()
