"""Volunteer orders, the points ledger and the points store on PostgreSQL.

    LINLI_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/points.py

It creates its own database (``linli_bench_points``, or LINLI_BENCH_DB) on the server
LINLI_DATABASE_URL points at, migrates it, builds the canonical test world and drops the
database at the end (LINLI_BENCH_KEEP=1 keeps it). Figures:

- claim and redemption through HTTP: ``django.test.Client`` POSTs to the phone pages'
  抢单 view (``volunteering:claim``) and reserve view (``points:reserve``), each client
  with a logged-in session; the whole stack runs (session, CSRF middleware, form,
  scope, the service's locks and conditional UPDATE, the timeline, the redirect).

  * one client: p50/p95 over LINLI_BENCH_SAMPLES requests (a volunteer claiming one
    order after another; a resident reserving the same towel again and again);
  * C = LINLI_BENCH_CLIENTS (default 50) clients at once, each its own volunteer or
    resident and its own connection, LINLI_BENCH_PER_CLIENT requests each; all clients
    claim the same orders in the same order (capacity C, so every claimant of an order
    contends for its row at once) and reserve the same item. Throughput = requests /
    (last end − first start), against a bare Django view (login required, the same
    middleware) doing the same single conditional UPDATE (``taken + 1 WHERE taken <
    capacity``; ``stock − 1 WHERE stock ≥ 1``) run the same way in the same run.

  Threads, not processes: fifty Django processes would not fit the two cores and the
  memory of the benchmark machine; a threaded server is what fifty concurrent phones
  meet on it, the GIL binds the bare view exactly as it binds the app, so the ratio
  compares like with like. Each thread has its own connection (PostgreSQL's default
  max_connections is 100). At the end every order's places and every item's stock are
  checked against the claims and redemptions (oversells) and every balance against its
  entries and zero (overdrafts).
- the balance page (``points:mine``, a volunteer's) and the street's points summary (the
  settlement page ``points:settlement`` with ``street_figures``; the selector alone
  too) p50/p95 at two sizes: a ledger of LINLI_BENCH_ENTRIES / 10 entries (the
  volunteer's 1,000), then of LINLI_BENCH_ENTRIES more (default 1,000,000; the
  volunteer's 10,000), each once the quarter is settled, as a street runs it; the
  summary over the whole unsettled ledger is reported too;
- settling a quarter holding LINLI_BENCH_ENTRIES entries over 10,000 accounts (time).

Targets (issue 16): one client's claim and redemption p95 ≤ 50 ms; C clients' throughput
≥ 0.5 of the bare view's; balance page and summary p95 ≤ 200 ms and flat as the ledger
grows; settling ≤ 60 s. The last line is JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ENTRIES = int(os.environ.get("LINLI_BENCH_ENTRIES", "1000000"))
BENCH_DB = os.environ.get("LINLI_BENCH_DB", "linli_bench_points")
CLIENTS = int(os.environ.get("LINLI_BENCH_CLIENTS", "50"))
PER_CLIENT = int(os.environ.get("LINLI_BENCH_PER_CLIENT", "20"))
SAMPLES = int(os.environ.get("LINLI_BENCH_SAMPLES", "200"))
PAGE_SAMPLES = int(os.environ.get("LINLI_BENCH_PAGE_SAMPLES", "60"))
ACCOUNTS = 10_000


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


# --- the bare views: one conditional UPDATE each ---------------------------------------------


def _bare_claim(request, pk: int):
    from django.db.models import F
    from django.http import HttpResponse

    from linli.volunteering.models import VolunteerOrder

    won = VolunteerOrder.objects.filter(pk=pk, taken__lt=F("capacity")).update(taken=F("taken") + 1)
    return HttpResponse("ok" if won else "full")


def _bare_redeem(request, pk: int):
    from django.db.models import F
    from django.http import HttpResponse

    from linli.points.models import StoreItem

    won = StoreItem.objects.filter(pk=pk, stock__gte=1).update(stock=F("stock") - 1)
    return HttpResponse("ok" if won else "out")


def _urls():
    from django.contrib.auth.decorators import login_required
    from django.urls import include, path
    from django.views.decorators.http import require_POST

    return [
        path("bench/claim/<int:pk>/", require_POST(login_required(_bare_claim))),
        path("bench/redeem/<int:pk>/", require_POST(login_required(_bare_redeem))),
        path("", include("config.urls")),
    ]


urlpatterns: list = []  # filled in main(), once Django is set up


# --- the people and things ------------------------------------------------------------------


def _people(world, n: int, prefix: str, role: str, node) -> list:
    from linli.accounts.models import User
    from linli.grids.models import StaffAssignment

    users = User.objects.bulk_create(
        [User(username=f"{prefix}{i}", display_name=f"{prefix}{i}") for i in range(n)]
    )
    StaffAssignment.objects.bulk_create(
        [StaffAssignment(street=world.street, user=u, role=role, node=node) for u in users]
    )
    return users


def _orders(world, n: int, capacity: int) -> list:
    from django.utils import timezone

    from linli.volunteering import services
    from linli.volunteering.models import Skill

    now = timezone.now()
    return [
        services.order_create(
            actor=world.cadre, title=f"楼道杂物清理 {i}", skill=Skill.GENERAL, capacity=capacity,
            starts_at=now + dt.timedelta(days=2), ends_at=now + dt.timedelta(days=2, hours=2),
            dwelling=world.hh_a2.dwelling, publish=True,
        )
        for i in range(n)
    ]  # fmt: skip


def _client(user):
    from django.test import Client

    c = Client()
    c.force_login(user)
    return c


def _crowd(jobs) -> tuple[float, float]:
    """Run each job (one client's loop) in its own thread, released together; returns the
    first start and the last end."""
    from django.db import connections

    ready = threading.Barrier(len(jobs))
    spans: list = [None] * len(jobs)
    errors: list = []

    def run(k: int) -> None:
        try:
            jobs[k](warm=True)
            ready.wait()
            t0 = time.perf_counter()
            jobs[k](warm=False)
            spans[k] = (t0, time.perf_counter())
        except BaseException as exc:  # reported below
            ready.abort()
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    return min(s[0] for s in spans), max(s[1] for s in spans)


def bench_http(world) -> dict:
    from django.urls import reverse

    from linli.grids.models import Role
    from linli.points import services as points
    from linli.points.models import EntryKind, PointEntry, StockSource
    from linli.volunteering.models import Volunteer

    out: dict = {}
    volunteers = _people(world, CLIENTS, "vol", Role.VOLUNTEER, world.street)
    Volunteer.objects.bulk_create(
        [Volunteer(street=world.street, user=u, skills=["general"], joined_at=world.now) for u in volunteers]
    )  # fmt: skip
    residents = _people(world, CLIENTS, "res", Role.RESIDENT, world.grid_a1)
    accounts = [points.account_for(street_id=world.street.pk, user=u) for u in residents]
    PointEntry.objects.bulk_create(
        [
            PointEntry(street=world.street, account=a, kind=EntryKind.CORRECT, points=1_000_000,
                       at=world.now - dt.timedelta(days=1), source=f"seed:{a.pk}", reason="基准")
            for a in accounts
        ]
    )  # fmt: skip
    towel = points.item_save(actor=world.admin, street_id=world.street.pk, name="毛巾", price=1)
    points.stock_in(actor=world.admin, item=towel, quantity=100_000, source=StockSource.DONATION,
                    donor="慧海物业")  # fmt: skip
    bare_item = points.item_save(actor=world.admin, street_id=world.street.pk, name="肥皂", price=1)
    points.stock_in(actor=world.admin, item=bare_item, quantity=100_000,
                    source=StockSource.DONATION, donor="慧海物业")  # fmt: skip

    # One client.
    single = _orders(world, SAMPLES + 1, 1)
    bare_single = _orders(world, SAMPLES + 1, 1)
    me, resident = _client(volunteers[0]), _client(residents[0])
    todo = iter(single)
    bare_todo = iter(bare_single)

    def claim():
        r = me.post(reverse("volunteering:claim", args=[next(todo).pk]))
        assert r.status_code == 302, r.status_code

    def bare_claim():
        assert me.post(f"/bench/claim/{next(bare_todo).pk}/").content == b"ok"

    def reserve():
        r = resident.post(reverse("points:reserve", args=[towel.pk]),
                          {"quantity": 1, "form_token": uuid.uuid4().hex})  # fmt: skip
        assert r.status_code == 302 and r.url.endswith("/store/mine/"), r

    def bare_redeem():
        assert resident.post(f"/bench/redeem/{bare_item.pk}/").content == b"ok"

    for label, run in [("claim", claim), ("bare_claim", bare_claim), ("redeem", reserve),
                       ("bare_redeem", bare_redeem)]:  # fmt: skip
        figures = _timed(run, SAMPLES)
        out |= {f"{label}_{k}": v for k, v in figures.items()}

    # C clients at once on the same rows.
    shared = _orders(world, PER_CLIENT + 1, CLIENTS)
    bare_shared = _orders(world, PER_CLIENT + 1, CLIENTS)
    v_clients = [_client(u) for u in volunteers]
    r_clients = [_client(u) for u in residents]

    def claimer(c, orders, url):
        def job(warm: bool):
            for order in orders[:1] if warm else orders[1:]:
                assert c.post(url(order.pk)).status_code in (200, 302)

        return job

    def reserver(c, url, n):
        def job(warm: bool):
            for _ in range(1 if warm else n):
                r = c.post(url, {"quantity": 1, "form_token": uuid.uuid4().hex})
                assert r.status_code in (200, 302)

        return job

    n = CLIENTS * PER_CLIENT
    claim_url = lambda pk: reverse("volunteering:claim", args=[pk])  # noqa: E731
    bare_url = lambda pk: f"/bench/claim/{pk}/"  # noqa: E731
    for label, jobs in [
        ("claim", [claimer(c, shared, claim_url) for c in v_clients]),
        ("bare_claim", [claimer(c, bare_shared, bare_url) for c in v_clients]),
        ("redeem", [reserver(c, reverse("points:reserve", args=[towel.pk]), PER_CLIENT) for c in r_clients]),
        ("bare_redeem", [reserver(c, f"/bench/redeem/{bare_item.pk}/", PER_CLIENT) for c in r_clients]),
    ]:  # fmt: skip
        start, end = _crowd(jobs)
        out[f"{label}_concurrent_per_s"] = round(n / (end - start), 1)
    for label in ("claim", "redeem"):
        out[f"{label}_concurrent_ratio"] = round(
            out[f"{label}_concurrent_per_s"] / out[f"bare_{label}_concurrent_per_s"], 3
        )
    from linli.volunteering.models import OrderClaim

    held = OrderClaim.objects.filter(order__in=shared).count()
    out["claims_won_concurrent"] = held
    assert held == len(shared) * CLIENTS, held  # every client a place on every order
    return out


def check_no_oversell_or_overdraft(world) -> dict:
    from django.db.models import Count, F, Q, Sum

    from linli.points.models import LIVE_REDEMPTIONS, PointEntry, PointsAccount, StoreItem
    from linli.points.selectors import balance
    from linli.volunteering.models import VolunteerOrder

    orders = VolunteerOrder.objects.annotate(
        held=Count("claims", filter=Q(claims__status__in=["held", "checked_in", "checked_out"]))
    )
    # Bare-view orders have places taken without claims: only the app's orders count.
    app = orders.filter(held__gt=0)
    oversold_orders = app.filter(Q(taken__gt=F("capacity")) | ~Q(taken=F("held"))).count()
    oversold_items = 0
    for item in StoreItem.objects.all():
        came = item.stock_ins.aggregate(n=Sum("quantity"))["n"] or 0
        held = (
            item.redemptions.filter(status__in=LIVE_REDEMPTIONS).aggregate(n=Sum("quantity"))["n"]
            or 0
        )
        if item.redemptions.exists() and (item.stock < 0 or item.stock != came - held):
            oversold_items += 1
    overdrafts = 0
    for account in PointsAccount.objects.filter(redemptions__isnull=False).distinct():
        total = PointEntry.objects.filter(account=account).aggregate(n=Sum("points"))["n"] or 0
        if balance(account) != total or total < 0:
            overdrafts += 1
    return {"oversells": oversold_orders + oversold_items, "overdrafts": overdrafts}


# --- the ledger at two sizes -----------------------------------------------------------------


def _accounts(world) -> tuple[int, int]:
    from linli.accounts.models import User
    from linli.points.models import PointsAccount

    users = User.objects.bulk_create([User(username=f"acct{i}") for i in range(ACCOUNTS)])
    rows = PointsAccount.objects.bulk_create(
        [PointsAccount(street=world.street, user=u, name=f"居民{i}") for i, u in enumerate(users)]
    )
    return rows[0].pk, len(rows)


def _entries(world, n: int, first_account: int, accounts: int, start, end, tag: str) -> None:
    """``n`` entries spread evenly over [start, end) and the accounts: four awards of 10
    for each redemption of 5, in one INSERT … SELECT."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO points_pointentry (street_id, account_id, kind, points, at, source, reason)
            SELECT %(street)s, %(first)s + (g %% %(accounts)s),
                   CASE WHEN g %% 5 = 0 THEN 'redeem' ELSE 'award' END,
                   CASE WHEN g %% 5 = 0 THEN -5 ELSE 10 END,
                   %(start)s + (%(span)s::bigint * g / %(n)s) * interval '1 second',
                   %(tag)s || g, ''
            FROM generate_series(1, %(n)s) AS g
            """,
            {"street": world.street.pk, "first": first_account, "accounts": accounts,
             "start": start, "span": int((end - start).total_seconds()) - 1, "n": n, "tag": tag},
        )  # fmt: skip


def _analyse() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        for table in ("points_pointentry", "points_statement", "points_period"):
            cur.execute(f"VACUUM ANALYZE {table}")
        cur.execute("CHECKPOINT")


def _pages(world, label: str) -> dict:
    from django.urls import reverse

    from linli.points.selectors import street_figures

    vol, admin = _client(world.volunteer), _client(world.admin)

    def balance_page():
        r = vol.get(reverse("points:mine"))
        assert r.status_code == 200, r.status_code

    def summary_page():
        r = admin.get(reverse("points:settlement"))
        assert r.status_code == 200, r.status_code

    out = {}
    for name, run in [("balance_page", balance_page), ("summary_page", summary_page),
                      ("summary", lambda: street_figures(world.street.pk))]:  # fmt: skip
        out |= {f"{name}_{label}_{k}": v for k, v in _timed(run, PAGE_SAMPLES).items()}
    return out


def bench_ledger(world) -> dict:
    from django.utils import timezone

    from linli.points import services as points
    from linli.points.models import PointEntry

    now = timezone.now()
    p1 = (now - dt.timedelta(days=200), now - dt.timedelta(days=110))
    p2 = (p1[1], now - dt.timedelta(days=20))
    small = max(ENTRIES // 10, 1000)
    vol_account = points.account_for(street_id=world.street.pk, user=world.volunteer)
    first, count = _accounts(world)
    # Anything before the first period (the HTTP figures' seeds) belongs to it.
    oldest = PointEntry.objects.order_by("at").values_list("at", flat=True).first() or p1[0]
    p1 = (min(p1[0], oldest - dt.timedelta(days=1)), p1[1])

    out: dict = {"entries_small": small, "entries_large": small + ENTRIES + 2 * 10_000}
    t0 = time.perf_counter()
    _entries(world, small, first, count, *p1, "p1:")
    _entries(world, 1_000, vol_account.pk, 1, *p1, "v1:")
    _entries(world, 10_000, first, count, p2[1], now, "now:")  # the open quarter so far
    _entries(world, 20, vol_account.pk, 1, p2[1], now, "vnow:")
    _analyse()
    print(f"  small ledger generated in {time.perf_counter() - t0:.1f} s")
    q1 = points.period_open(
        actor=world.admin, street_id=world.street.pk, starts_at=p1[0], ends_at=p1[1]
    )
    t0 = time.perf_counter()
    points.period_settle(actor=world.admin, period=q1)
    out["settle_small_s"] = round(time.perf_counter() - t0, 2)
    _analyse()
    out |= _pages(world, "small")

    t0 = time.perf_counter()
    _entries(world, ENTRIES, first, count, *p2, "p2:")
    _entries(world, 9_000, vol_account.pk, 1, *p2, "v2:")
    _analyse()
    print(f"  {ENTRIES} entries generated in {time.perf_counter() - t0:.1f} s")
    out |= {f"unsettled_{k}": v for k, v in _pages(world, "large").items() if "summary_" in k}
    q2 = points.period_open(
        actor=world.admin, street_id=world.street.pk, starts_at=p2[0], ends_at=p2[1]
    )
    t0 = time.perf_counter()
    settled = points.period_settle(actor=world.admin, period=q2)
    out["settle_quarter_s"] = round(time.perf_counter() - t0, 2)
    out["settle_quarter_entries"] = ENTRIES + 9_000
    out["settle_quarter_statements"] = settled.statements.count()
    _analyse()
    out |= _pages(world, "large")
    out["vol_entries"] = PointEntry.objects.filter(account=vol_account).count()
    return out


def main() -> None:
    base = os.environ.get("LINLI_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not base.startswith("postgres"):
        sys.exit("benchmarks/points.py needs LINLI_DATABASE_URL pointing at PostgreSQL")
    _recreate(base)
    os.environ["LINLI_DATABASE_URL"] = _db_url(base, BENCH_DB)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connections
        from django.utils import timezone

        from linli.points import services as points
        from linli.points.models import EarnKind
        from linli.testing.world import build_world

        urlpatterns[:] = _urls()
        settings.ROOT_URLCONF = __name__
        call_command("migrate", verbosity=0)
        world = build_world()
        world.now = timezone.now()
        points.rule_publish(actor=world.admin, street_id=world.street.pk,
                            kind=EarnKind.VOLUNTEER_ORDER, points=20,
                            at=world.now - dt.timedelta(days=400))  # fmt: skip
        note = "" if ENTRIES >= 1_000_000 else " (smaller than the issue's 1,000,000)"
        print(f"points benchmark: {ENTRIES} entries{note}, {CLIENTS} clients × {PER_CLIENT}")
        results: dict = {"entries": ENTRIES, "clients": CLIENTS}
        results |= bench_http(world)
        print(
            f"  one client: claim p50 {results['claim_p50_ms']} / p95 {results['claim_p95_ms']} ms"
            f" (bare {results['bare_claim_p95_ms']}), reserve p50 {results['redeem_p50_ms']} / "
            f"p95 {results['redeem_p95_ms']} ms (bare {results['bare_redeem_p95_ms']})"
        )
        print(
            f"  {CLIENTS} clients: claim {results['claim_concurrent_per_s']}/s vs bare "
            f"{results['bare_claim_concurrent_per_s']}/s (ratio {results['claim_concurrent_ratio']}),"
            f" reserve {results['redeem_concurrent_per_s']}/s vs bare "
            f"{results['bare_redeem_concurrent_per_s']}/s (ratio {results['redeem_concurrent_ratio']})"
        )
        results |= bench_ledger(world)
        results |= check_no_oversell_or_overdraft(world)
        for size in ("small", "large"):
            print(
                f"  {size}: balance page p95 {results[f'balance_page_{size}_p95_ms']} ms, summary "
                f"page p95 {results[f'summary_page_{size}_p95_ms']} ms, figures alone p95 "
                f"{results[f'summary_{size}_p95_ms']} ms"
            )
        print(f"  settling a quarter of {results['settle_quarter_entries']} entries: "
              f"{results['settle_quarter_s']} s; oversells {results['oversells']}, "
              f"overdrafts {results['overdrafts']}")  # fmt: skip
        results["targets_met"] = (
            max(results["claim_p95_ms"], results["redeem_p95_ms"]) <= 50
            and min(results["claim_concurrent_ratio"], results["redeem_concurrent_ratio"]) >= 0.5
            and max(results[f"{page}_{size}_p95_ms"] for page in ("balance_page", "summary_page")
                    for size in ("small", "large")) <= 200
            and results["settle_quarter_s"] <= 60
            and results["oversells"] == 0 and results["overdrafts"] == 0
        )  # fmt: skip
        results["load_avg"] = round(os.getloadavg()[0], 2)
        results["cpus"] = os.cpu_count()
        connections.close_all()
    finally:
        if not os.environ.get("LINLI_BENCH_KEEP"):
            _recreate(base, drop_only=True)
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
