"""The replica router: reads go to ``replica`` only inside ``reading_from_replica()``,
never inside a transaction on the primary, never for someone who just wrote; writes always
go to the primary. The ``replica`` alias of the test settings is a second connection to
the test database, so each test sees which connection ran each query."""

from __future__ import annotations

from contextlib import ExitStack, contextmanager

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from linli.core.db import REPLICA, WROTE_COOKIE, ReplicaRouter, read_alias, reading_from_replica
from linli.grids.models import Unit

BOTH = [DEFAULT_DB_ALIAS, REPLICA]
# Committed rows, so the replica's own connection sees them.
pytestmark = pytest.mark.django_db(databases=BOTH, transaction=True)


@pytest.fixture
def replica_on(settings):
    settings.LINLI_REPLICA_READS = True
    settings.LINLI_READ_YOUR_WRITES_SECONDS = 10


@contextmanager
def queries():
    """{alias: the SQL each connection ran} within the block."""
    with ExitStack() as stack:
        caps = {a: stack.enter_context(CaptureQueriesContext(connections[a])) for a in BOTH}
        ran: dict[str, list[str]] = {}
        yield ran
    ran.update({a: [q["sql"] for q in c.captured_queries] for a, c in caps.items()})


def touching(sqls: list[str], table: str) -> list[str]:
    return [s for s in sqls if f'"{table}"' in s]


def test_reads_stay_on_the_primary_unless_asked(replica_on):
    assert read_alias() == DEFAULT_DB_ALIAS
    with reading_from_replica():
        assert read_alias() == REPLICA
    assert read_alias() == DEFAULT_DB_ALIAS


def test_without_replica_reads_everything_stays_on_the_primary(settings):
    settings.LINLI_REPLICA_READS = False
    with reading_from_replica():
        assert read_alias() == DEFAULT_DB_ALIAS


def test_reads_inside_a_transaction_on_the_primary_stay_there(replica_on):
    with reading_from_replica(), transaction.atomic():
        assert read_alias() == DEFAULT_DB_ALIAS


def test_writes_and_migrations_go_to_the_primary(replica_on, world):
    router = ReplicaRouter()
    with reading_from_replica():
        assert router.db_for_write(Unit) == DEFAULT_DB_ALIAS
        with queries() as ran:
            unit = Unit.objects.create(street=world.street, kind="department", name="新单位")
            assert Unit.objects.get(pk=unit.pk)._state.db == REPLICA
    assert touching(ran[DEFAULT_DB_ALIAS], "grids_unit")[0].startswith("INSERT")
    assert [s.split()[0] for s in touching(ran[REPLICA], "grids_unit")] == ["SELECT"]
    assert router.allow_migrate(REPLICA, "grids") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "grids") is None


def test_a_row_read_on_the_replica_may_be_linked_to_a_row_of_the_primary(replica_on, world):
    with reading_from_replica():
        street = type(world.street).objects.get(pk=world.street.pk)
    assert street._state.db == REPLICA
    unit = Unit.objects.create(street=street, kind="department", name="新单位")
    assert unit.street_id == street.pk


def test_the_metrics_page_reads_from_the_replica(replica_on, world, login):
    client = login(world.admin)
    with queries() as ran:
        r = client.get(reverse("workorders:metrics"))
    assert r.status_code == 200
    assert touching(ran[REPLICA], "workorders_workorder")
    assert not touching(ran[DEFAULT_DB_ALIAS], "workorders_workorder")


def test_the_volunteering_metrics_page_reads_from_the_replica(replica_on, world, login):
    client = login(world.admin)
    with queries() as ran:
        r = client.get(reverse("volunteering:metrics"))
    assert r.status_code == 200
    assert touching(ran[REPLICA], "volunteering_volunteerorder")
    assert not touching(ran[DEFAULT_DB_ALIAS], "volunteering_volunteerorder")


def test_pages_that_did_not_ask_read_from_the_primary(replica_on, world, login):
    client = login(world.admin)
    with queries() as ran:
        r = client.get(reverse("workorders:list"))
    assert r.status_code == 200
    assert ran[REPLICA] == []


def test_the_repair_ledger_export_reads_from_the_replica(replica_on, world, login):
    client = login(world.admin)
    with queries() as ran:
        r = client.get(reverse("volunteering:ledger_export"))
    assert r.status_code == 200
    assert touching(ran[REPLICA], "volunteering_volunteerorder")
    assert not touching(ran[DEFAULT_DB_ALIAS], "volunteering_volunteerorder")


def test_the_households_export_reads_from_the_replica(replica_on, world, monkeypatch):
    """The worker builds the file from the replica; its progress goes to the primary."""
    from types import SimpleNamespace

    from linli.registry.ledger import export_jobs
    from linli.registry.selectors.households import HouseholdFilters

    monkeypatch.setattr(export_jobs, "build_export", SimpleNamespace(enqueue=lambda pk: None))
    job = export_jobs.export_start(actor=world.admin, kind="households", filters=HouseholdFilters())
    with queries() as ran:
        export_jobs.run_export(job.pk)
    assert touching(ran[REPLICA], "registry_household")
    assert not touching(ran[DEFAULT_DB_ALIAS], "registry_household")
    assert touching(ran[DEFAULT_DB_ALIAS], "registry_exportjob")
    assert not touching(ran[REPLICA], "registry_exportjob")


@pytest.mark.urls("linli.core.tests.replica_urls")
def test_who_wrote_reads_from_the_primary_for_a_while(replica_on, world, client):
    with queries() as ran:
        assert client.get("/replica/read/").content == b"2"
    assert touching(ran[REPLICA], "grids_unit") and not ran[DEFAULT_DB_ALIAS]

    r = client.post("/replica/write/", {"street": world.street.pk})
    assert WROTE_COOKIE in r.cookies
    assert r.cookies[WROTE_COOKIE]["max-age"] == 10
    with queries() as ran:
        assert client.get("/replica/read/").content == b"3"
    assert touching(ran[DEFAULT_DB_ALIAS], "grids_unit") and not ran[REPLICA]

    # Once the cookie is gone (its age has run out), the replica again.
    del client.cookies[WROTE_COOKIE]
    with queries() as ran:
        client.get("/replica/read/")
    assert ran[REPLICA] and not ran[DEFAULT_DB_ALIAS]


@pytest.mark.urls("linli.core.tests.replica_urls")
def test_a_post_that_wrote_nothing_sets_no_cookie(replica_on, world, client):
    r = client.post("/replica/write/", {})
    assert WROTE_COOKIE not in r.cookies


@pytest.mark.urls("linli.core.tests.replica_urls")
def test_a_forged_cookie_is_ignored(replica_on, world, client):
    client.cookies[WROTE_COOKIE] = "1"
    with queries() as ran:
        client.get("/replica/read/")
    assert ran[REPLICA] and not ran[DEFAULT_DB_ALIAS]


@pytest.mark.urls("linli.core.tests.replica_urls")
def test_without_replica_reads_no_cookie_is_set(settings, world, client):
    settings.LINLI_REPLICA_READS = False
    r = client.post("/replica/write/", {"street": world.street.pk})
    assert WROTE_COOKIE not in r.cookies
