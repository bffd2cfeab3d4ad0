"""Many streets on PostgreSQL: every page as a street and a city grow, pages per second
under concurrent users, and every street's ledger import (issue 14).

    LINLI_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/scale.py

It creates its own database (``linli_bench_scale``, or LINLI_BENCH_DB) on the server
LINLI_DATABASE_URL points at, migrates it, builds the canonical test world and drops the
database at the end (LINLI_BENCH_KEEP=1 keeps it). The world's street S is "the first
street"; its street admin and the grid worker of grid A1 are the users measured.

1. **small**: S gets a tenth of its data (R/10 residents, O/10 work orders) and every
   page is timed;
2. **large**: S grows to R residents and O orders, every page timed again;
3. **N streets**: N - 1 more streets, each of R residents and O2 orders; the first
   LINLI_BENCH_IMPORTS of them get their residents by ledger import, one after another
   (the workbook of benchmarks/registry.py; each commit timed, all reported), the rest
   from the generator; S's pages timed again;
4. **under load**: gunicorn started as ``make run`` starts it (production settings, three
   workers) and ``wrk`` with C connections for S ``/healthz`` (the bare framework), then
   the work-order list and the household file, each with a logged-in session cookie.

A page is timed through the whole stack in-process (``django.test.Client``, warm: two
requests first), p50 / p95 of LINLI_BENCH_SAMPLES requests; its SQL statements are
counted on one more. After each load the planner's statistics, the work-order tables'
visibility maps (VACUUM, as autovacuum would have by then) and the kept registry counts
(``registry.counting.refresh``) are brought up to date. Work orders keep no counters of
their own.

Sizes: LINLI_BENCH_STREETS (N, 20), LINLI_BENCH_RESIDENTS (R per street, 100,000),
LINLI_BENCH_ORDERS (O in S, 1,000,000), LINLI_BENCH_OTHER_ORDERS (O2 per other street,
100,000), LINLI_BENCH_IMPORTS (4), LINLI_BENCH_SAMPLES (25), LINLI_BENCH_USERS (C, 20),
LINLI_BENCH_SECONDS (per wrk run, 20). LINLI_BENCH_WORKBOOK keeps the workbook for the next
run. A quick try: LINLI_BENCH_STREETS=3 LINLI_BENCH_RESIDENTS=10000 LINLI_BENCH_ORDERS=100000
LINLI_BENCH_OTHER_ORDERS=10000 LINLI_BENCH_IMPORTS=2.

Targets (issue 14): every page p95 <= 150 ms at R / O; N streets within 1.3x of one street;
no page more than 1.5x slower with 10x data; the same query count at every size; under
load, the list and the household file >= 0.05 of /healthz's pages per second; every
street's import commit within 1.5x of the first's. The last line is JSON.
"""

from __future__ import annotations

import base64
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STREETS = int(os.environ.get("LINLI_BENCH_STREETS", "20"))
RESIDENTS = int(os.environ.get("LINLI_BENCH_RESIDENTS", "100000"))
ORDERS = int(os.environ.get("LINLI_BENCH_ORDERS", "1000000"))
OTHER_ORDERS = int(os.environ.get("LINLI_BENCH_OTHER_ORDERS", "100000"))
IMPORTS = int(os.environ.get("LINLI_BENCH_IMPORTS", "4"))
SAMPLES = int(os.environ.get("LINLI_BENCH_SAMPLES", "25"))
USERS = int(os.environ.get("LINLI_BENCH_USERS", "20"))
SECONDS = int(os.environ.get("LINLI_BENCH_SECONDS", "20"))
BENCH_DB = os.environ.get("LINLI_BENCH_DB", "linli_bench_scale")
DEEP = 40  # the deep list page: this many "next page" links down (row 1,001 on)
# The same keys for the benchmark and the server it starts (production settings need them).
KEYS = {
    "LINLI_PII_KEY": base64.urlsafe_b64encode(b"linli-scale-benchmark-pii-key-32").decode(),
    "LINLI_BLIND_INDEX_KEY": base64.urlsafe_b64encode(b"linli-scale-benchmark-idx-key-32").decode(),
}


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


def _say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}, load {os.getloadavg()[0]:.1f}] {text}", flush=True)


# --- data ------------------------------------------------------------------------------------


def settle(street_ids: list[int]) -> None:
    """After a bulk load: statistics, visibility maps, the kept registry counts."""
    from django.db import connection

    from linli.core.db import update_statistics
    from linli.registry import counting

    start = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("VACUUM workorders_workorder")
        cur.execute("VACUUM workorders_workorderevent")
        cur.execute("CHECKPOINT")
    update_statistics()
    for street_id in street_ids:
        counting.refresh(street_id)
    _say(f"statistics, vacuum and counts in {time.perf_counter() - start:.0f} s")


def grow_first_street(world, residents: int, orders: int, rng: random.Random) -> None:
    """S up to ``residents`` residents and ``orders`` work orders (on its three grids)."""
    from generators import households
    from generators import orders as make_orders

    from linli.registry.models import Resident
    from linli.workorders.models import WorkOrder

    start = time.perf_counter()
    have = Resident.objects.filter(street=world.street).count()
    households(world.street, world.grids, max(0, residents - have) // 2, rng)
    more = orders - WorkOrder.objects.filter(street=world.street).count()
    make_orders(world.street, world.grids, world.categories, world.property_co, max(0, more))
    _say(f"street S: {residents:,} residents, {orders:,} orders "
         f"(generated in {time.perf_counter() - start:.0f} s)")  # fmt: skip


def add_street(world, k: int) -> SimpleNamespace:
    """Street k: two neighbourhoods of four grids, a compound per grid named as the
    benchmark workbook names them, a street admin, a property company, the categories."""
    from linli.grids.models import NodeKind, Role, StaffAssignment, Unit, UnitKind
    from linli.grids.services import node_add
    from linli.registry.models import Compound
    from linli.testing.world import user
    from linli.workorders.categories import ensure_default_categories

    code = f"310109{200 + k:03d}"
    street = node_add(actor=None, parent=world.district, kind=NodeKind.STREET,
                      code=f"{code}000", name=f"第{k}街道")  # fmt: skip
    grids = []
    for n in range(2):
        nbh = node_add(actor=None, parent=street, kind=NodeKind.NEIGHBOURHOOD,
                       code=f"{code}00{n + 1}", name=f"第{k}街道第{n + 1}居民区")  # fmt: skip
        grids += [
            node_add(actor=None, parent=nbh, kind=NodeKind.GRID,
                     code=f"{code}00{n + 1}00{g + 1}", name=f"第{n + 1}居民区第{g + 1}网格")
            for g in range(4)
        ]  # fmt: skip
    for i, grid in enumerate(grids):
        Compound.objects.create(street=street, grid=grid, name=f"基准小区{i + 1}")
    admin = user(f"admin_{k}", f"第{k}街道管理员")
    StaffAssignment.objects.create(street=street, user=admin, role=Role.STREET_ADMIN, node=street)
    unit = Unit.objects.create(street=street, kind=UnitKind.PROPERTY_COMPANY, name=f"第{k}物业")
    categories = list(ensure_default_categories(street).values())
    return SimpleNamespace(
        street=street, grids=grids, admin=admin, unit=unit, categories=categories
    )


def add_streets(world, workbook: str, rng: random.Random) -> list[dict]:
    """The other streets; the first IMPORTS of them filled by ledger import, one after
    another. Returns each import's figures."""
    from django.test.utils import override_settings
    from generators import households, orders
    from registry import timed_import

    imports = []
    for k in range(1, STREETS):
        start = time.perf_counter()
        s = add_street(world, k)
        if k <= IMPORTS:
            # The worker recounts the street's figures after an import (counts are kept
            # data); the tests' settings would recount inside the commit.
            with override_settings(LINLI_COUNTS_IMMEDIATE=False):
                preview_s, commit_s, _cpu, analyse_s, job = timed_import(
                    s.admin, s.street.pk, workbook
                )
            imports.append({"street": k, "preview_s": round(preview_s, 2),
                            "commit_s": round(commit_s, 2), "analyse_after_s": round(analyse_s, 2),
                            "residents": job.counts["residents"]["new"]})  # fmt: skip
            how = f"imported (dry run {preview_s:.1f} s, commit {commit_s:.1f} s)"
        else:
            households(s.street, s.grids, RESIDENTS // 2, rng)
            how = "generated"
        orders(s.street, s.grids, s.categories, s.unit, OTHER_ORDERS)
        _say(f"street {k}: residents {how}, {OTHER_ORDERS:,} orders; "
             f"{time.perf_counter() - start:.0f} s")  # fmt: skip
    return imports


# --- pages -----------------------------------------------------------------------------------


def _client(user):
    from django.test import Client

    from linli.accounts.middleware import SECOND_STEP_KEY

    client = Client()
    client.force_login(user)
    session = client.session
    session[SECOND_STEP_KEY] = user.pk  # as after a login with its second step
    session.save()
    return client


def _deep(client, url: str) -> str:
    """The address DEEP "next page" links down the list at ``url``."""
    for _ in range(DEEP):
        html = client.get(url).content.decode()
        found = re.search(r"after=([\w-]+)", html)
        if not found:
            break
        url = f"{url.split('?')[0]}?after={found.group(1)}"
    return url


def pages(world) -> list[tuple[str, object, str]]:
    """(label, client, url) of each page measured, as S's users open them."""
    from linli.workorders.models import WorkOrder

    admin, worker = world.clients["admin"], world.clients["worker"]
    closed = WorkOrder.objects.filter(street=world.street, grid=world.grid_a1, status="closed")
    order = closed.latest("id")
    month = world.last_month
    return [
        ("grid tree /grids/ (street admin)", admin, "/grids/"),
        ("street node page (street admin)", admin, f"/grids/{world.street.pk}/"),
        ("grid node page (grid worker)", worker, f"/grids/{world.grid_a1.pk}/"),
        ("search, name of 3 (street admin)", admin, "/search/?q=欧阳明"),
        ("search, name of 2 (street admin)", admin, "/search/?q=王芳"),
        ("search, 4 digits (street admin)", admin, "/search/?q=4321"),
        ("search, name of 3 (grid worker)", worker, "/search/?q=欧阳明"),
        ("search, 4 digits (grid worker)", worker, "/search/?q=4321"),
        ("work-order list (street admin)", admin, "/workorders/list/"),
        ("work-order list, deep (street admin)", admin, _deep(admin, "/workorders/list/")),
        ("work-order list (grid worker)", worker, "/workorders/list/"),
        ("work-order list, deep (grid worker)", worker, _deep(worker, "/workorders/list/")),
        ("order detail (grid worker)", worker, f"/workorders/{order.pk}/"),
        ("household file (grid worker)", worker, f"/households/{world.hh_a1.pk}/"),
        ("metrics page (street admin)", admin, f"/workorders/metrics/?month={month}"),
        ("queue (grid worker)", worker, "/workorders/"),
        ("queue (street admin)", admin, "/workorders/"),
    ]


def measure(world, phase: str) -> dict[str, dict]:
    """p50 / p95 (ms) and SQL statements of every page."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    out = {}
    for label, client, url in pages(world):
        for _ in range(2):
            response = client.get(url)
            assert response.status_code == 200, (label, response.status_code)
        times = []
        for _ in range(SAMPLES):
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (label, response.status_code)
        reset_queries()  # each request starts a fresh log: count from its start
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        out[label] = {"p50": round(statistics.median(times), 1),
                      "p95": round(_p(times, 0.95), 1), "queries": len(queries)}  # fmt: skip
        print(f"  {phase:8} {label:40} p50 {out[label]['p50']:7.1f}  p95 "
              f"{out[label]['p95']:7.1f} ms  {len(queries):3} queries", flush=True)  # fmt: skip
    return out


# --- under load ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, cookie: str) -> int:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect (to the login page) is an answer here, not followed


def _wrk(url: str, cookie: str) -> dict:
    args = ["wrk", "-t2", f"-c{USERS}", f"-d{SECONDS}s", "--timeout", "60s", url]
    if cookie:
        args[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"per_s": round(rate, 1), "non_2xx": int(bad.group(1)) if bad else 0,
            "socket_errors": errors.group(1) if errors else ""}  # fmt: skip


def under_load(world) -> dict:
    """Pages per second with USERS connections at once against gunicorn (``make run``)."""
    from django.conf import settings

    if shutil.which("wrk") is None:
        print("  wrk is not installed (apt-get install wrk): no figures under load")
        return {}
    sessions = {}
    for who in ("admin", "worker"):
        client = _client(world.users[who])
        sessions[who] = (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
    targets = [
        ("/healthz (bare framework)", "/healthz", ""),
        ("work-order list (street admin)", "/workorders/list/", sessions["admin"]),
        ("work-order list (grid worker)", "/workorders/list/", sessions["worker"]),
        ("household file (grid worker)", f"/households/{world.hh_a1.pk}/", sessions["worker"]),
    ]
    port = _free_port()
    env = {
        **os.environ,
        **KEYS,
        "LINLI_SECRET_KEY": settings.SECRET_KEY,  # the sessions' signatures
        "LINLI_ALLOWED_HOSTS": "127.0.0.1",
        "LINLI_SSL_REDIRECT": "0",  # plain HTTP here; a TLS proxy would redirect
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)  # make run sets the production settings
    log = open(Path(tempfile.gettempdir()) / f"{BENCH_DB}-gunicorn.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        ["make", "run", f"PORT={port}", "HOST=127.0.0.1"], cwd=ROOT, env=env,
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    out = {}
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 180
        while _get_quietly(base + "/healthz") != 200:
            assert time.time() < deadline and server.poll() is None, (
                f"server did not start: {log.name}"
            )
            time.sleep(1)
        for label, path, cookie in targets:
            status = _get(base + path, cookie)
            assert status == 200, (label, status, log.name)
            out[label] = _wrk(base + path, cookie)
            print(f"  under load ({USERS} connections) {label:34} {out[label]['per_s']:8.1f} pages/s"
                  f"{'  non-2xx: ' + str(out[label]['non_2xx']) if out[label]['non_2xx'] else ''}",
                  flush=True)  # fmt: skip
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
        log.close()
    return out


def _get_quietly(url: str) -> int:
    try:
        return _get(url, "")
    except OSError:
        return 0


# --- the run ---------------------------------------------------------------------------------


def run() -> dict:
    import django

    django.setup()
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    from linli.testing.world import build_world
    from linli.workorders.categories import ensure_default_categories

    call_command("migrate", verbosity=0)
    world = build_world()
    world.grids = [world.grid_a1, world.grid_a2, world.grid_b1]
    world.categories = list(ensure_default_categories(world.street).values())
    world.users = {"admin": world.admin, "worker": world.grid_a1_worker}
    world.clients = {who: _client(u) for who, u in world.users.items()}
    world.last_month = f"{timezone.localdate().replace(day=1) - dt.timedelta(days=1):%Y-%m}"
    rng = random.Random(7)
    _say(f"{STREETS} streets of {RESIDENTS:,} residents; S with {ORDERS:,} orders, the others "
         f"{OTHER_ORDERS:,} each; {IMPORTS} imported; {os.cpu_count()} CPUs")  # fmt: skip
    figures: dict = {}

    grow_first_street(world, RESIDENTS // 10, ORDERS // 10, rng)
    settle([world.street.pk])
    figures["small"] = measure(world, "small")

    grow_first_street(world, RESIDENTS, ORDERS, rng)
    settle([world.street.pk])
    figures["large"] = measure(world, "large")

    from registry import write_workbook

    with tempfile.TemporaryDirectory() as tmp:
        workbook = os.environ.get("LINLI_BENCH_WORKBOOK") or os.path.join(tmp, "ledger.xlsx")
        if not os.path.exists(workbook):
            write_workbook(workbook, [f"基准小区{i + 1}" for i in range(8)])
        figures["imports"] = add_streets(world, workbook, rng)

    from linli.grids.models import GridNode, NodeKind

    settle(list(GridNode.objects.filter(kind=NodeKind.STREET).values_list("pk", flat=True)))
    figures["city"] = measure(world, f"{STREETS} st.")
    figures["load"] = under_load(world)
    return figures


def report(figures: dict) -> dict:
    """The table, the targets, and the figures flat for the JSON line."""
    small, large, city = figures["small"], figures["large"], figures["city"]
    print(f"\n{'page (p50 / p95 ms)':40} {'small':>15} {'large':>15} {f'{STREETS} streets':>15}"
          f" {'growth':>7} {'city':>6}  queries")  # fmt: skip
    for label in large:
        a, b, c = small[label], large[label], city[label]
        print(f"{label:40} {a['p50']:6.1f}/{a['p95']:7.1f} {b['p50']:6.1f}/{b['p95']:7.1f} "
              f"{c['p50']:6.1f}/{c['p95']:7.1f} {b['p95'] / a['p95']:6.2f}x "
              f"{c['p95'] / b['p95']:5.2f}x  {a['queries']}/{b['queries']}/{c['queries']}")  # fmt: skip
    imports = figures["imports"]
    first = imports[0]["commit_s"] if imports else None
    for i in imports:
        print(f"import into street {i['street']}: dry run {i['preview_s']} s, commit "
              f"{i['commit_s']} s ({i['commit_s'] / first:.2f}x the first)")  # fmt: skip
    load = figures["load"]
    base = load.get("/healthz (bare framework)", {}).get("per_s")
    ratios = {label: round(v["per_s"] / base, 4) for label, v in load.items() if base}
    for label, ratio in ratios.items():
        print(f"under load: {label:34} {ratio:.4f} of /healthz")
    targets = {
        "every page p95 <= 150 ms (large)": all(v["p95"] <= 150 for v in large.values()),
        f"{STREETS} streets within 1.3x of one": all(
            city[k]["p95"] <= 1.3 * large[k]["p95"] for k in large
        ),
        "no page > 1.5x with 10x data": all(
            large[k]["p95"] <= 1.5 * small[k]["p95"] for k in large
        ),
        "query counts constant": all(
            small[k]["queries"] == large[k]["queries"] == city[k]["queries"] for k in large
        ),
        "list and household file >= 0.05 of /healthz": bool(ratios)
        and all(r >= 0.05 for label, r in ratios.items() if not label.startswith("/healthz")),
        "every import within 1.5x of the first": all(i["commit_s"] <= 1.5 * first for i in imports),
    }
    for name, ok in targets.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    return {
        "streets": STREETS, "residents_per_street": RESIDENTS, "orders_first_street": ORDERS,
        "orders_other_streets": OTHER_ORDERS, "samples": SAMPLES, "users": USERS,
        **{f"{phase} {label} {k}": v for phase in ("small", "large", "city")
           for label, row in figures[phase].items() for k, v in row.items()},
        "import_commits_s": [i["commit_s"] for i in imports],
        "import_previews_s": [i["preview_s"] for i in imports],
        **{f"load {label} per_s": v["per_s"] for label, v in load.items()},
        **{f"load {label} ratio": r for label, r in ratios.items()},
        "targets_met": all(targets.values()),
        "load_avg": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),
    }  # fmt: skip


def main() -> None:
    base = os.environ.get("LINLI_DATABASE_URL", "")
    if not base.startswith("postgres"):
        sys.exit("Set LINLI_DATABASE_URL to a PostgreSQL server (postgres://user@host:port/db).")
    _recreate(base)
    os.environ["LINLI_DATABASE_URL"] = _db_url(base, BENCH_DB)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ.update(KEYS)
    start = time.perf_counter()
    try:
        figures = run()
        from django.db import connections

        connections.close_all()
    finally:
        if not os.environ.get("LINLI_BENCH_KEEP"):
            _recreate(base, drop_only=True)
    results = report(figures)
    results["run_minutes"] = round((time.perf_counter() - start) / 60, 1)
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
