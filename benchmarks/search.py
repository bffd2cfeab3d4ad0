"""Household search latency on PostgreSQL at two registry sizes (a minute or two).

    LINLI_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/search.py

Creates its own database (``linli_search_bench``, dropped at the end unless
LINLI_BENCH_KEEP=1), migrates it, builds the canonical test world, then adds generated
households (two residents each) to street S in bulk, refreshes the statistics, and times
what the search page does (the count, then the first page of 25 rows) for a street admin
(the whole street in scope) and a grid worker (one of three grids). Median of 5 runs per
search, in milliseconds, at LINLI_BENCH_SIZES residents (default 10,000 and 100,000).

LINLI_BENCH_PLAIN=1 drops the search indexes of registry 0010 / workorders 0011 first: the
figures without them. The last line is JSON.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = "linli_search_bench"
SIZES = [int(s) for s in os.environ.get("LINLI_BENCH_SIZES", "10000,100000").split(",")]
SEARCHES = {
    "name, 3 characters": "欧阳明",
    "name, 2 characters": "王芳",
    "name, 1 character": "欧",
    "4 digits (phone or room)": "4321",
    "compound name": "生成小区1",
    "address": "生成小区1 3-1-501",
}
PLAIN_INDEXES = [
    "registry_resident_name_trgm",
    "registry_compound_name_trgm",
    "workorders_workorder_number_trgm",
    "registry_dw_street__bda00e_idx",
]


def _url(url: str, dbname: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + dbname))


def _recreate(url: str, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(_url(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def _time(actor, q: str) -> tuple[float, int]:
    from linli.registry.selectors.households import (
        HouseholdFilters,
        household_page,
        household_search,
    )

    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        results = household_search(actor, HouseholdFilters(q=q))
        found = results.count()
        household_page(actor, results, 0, min(25, found))
        runs.append((time.perf_counter() - t0) * 1000)
    return statistics.median(runs), found


def run() -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from generators import households as generate

    from linli.core.db import update_statistics
    from linli.registry.models import Resident
    from linli.testing.world import build_world

    call_command("migrate", verbosity=0)
    if os.environ.get("LINLI_BENCH_PLAIN"):
        with connection.cursor() as cur:
            for name in PLAIN_INDEXES:
                cur.execute(f"DROP INDEX IF EXISTS {name}")
    world = build_world()
    rng = random.Random(7)
    figures: dict = {}
    made = 0
    for size in SIZES:
        t0 = time.perf_counter()
        households = size // 2 - made
        generate(world.street, [world.grid_a1, world.grid_a2, world.grid_b1], households, rng)
        made += households
        update_statistics()
        residents = Resident.objects.filter(street=world.street).count()
        print(
            f"{residents:,} residents in street S (generated in {time.perf_counter() - t0:.0f} s)"
        )
        for who in ("admin", "grid_a1_worker"):
            for label, q in SEARCHES.items():
                ms, found = _time(getattr(world, who), q)
                figures[f"{size} {who} {label}"] = round(ms, 1)
                print(f"  {who:15} {label:26} {ms:8.1f} ms  ({found} households)")
    return figures


def main() -> None:
    base_url = os.environ.get("LINLI_DATABASE_URL", "")
    if not base_url.startswith("postgres"):
        sys.exit("Set LINLI_DATABASE_URL to a PostgreSQL server (postgres://user@host:port/db).")
    _recreate(base_url)
    os.environ["LINLI_DATABASE_URL"] = _url(base_url, BENCH_DB)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    try:
        print(json.dumps(run(), ensure_ascii=False))
    finally:
        from django.db import connections

        connections.close_all()
        if not os.environ.get("LINLI_BENCH_KEEP"):
            _recreate(base_url, drop_only=True)


if __name__ == "__main__":
    main()
