"""The router against a real streaming replica (``.ci/replica.sh`` starts one and sets
``LINLI_DATABASE_REPLICA_URL``; without it these tests are skipped). A write made on the
primary through a service shows on the replica once replayed, read there through the
router; someone who just wrote reads from the primary instead, and sees their write at
once."""

from __future__ import annotations

import os
import time

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test.utils import CaptureQueriesContext

from linli.core.db import REPLICA, WROTE_COOKIE, reading_from_replica
from linli.grids.models import Unit
from linli.workorders import services
from linli.workorders.categories import ensure_default_categories
from linli.workorders.models import Channel, WorkOrder

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not os.environ.get("LINLI_DATABASE_REPLICA_URL"),
        reason="needs a PostgreSQL streaming replica (.ci/replica.sh)",
    ),
    pytest.mark.django_db(databases=[DEFAULT_DB_ALIAS, REPLICA], transaction=True),
]

REPLAY_WAIT_SECONDS = 30


@pytest.fixture
def replica_on(settings):
    settings.LINLI_REPLICA_READS = True
    settings.LINLI_READ_YOUR_WRITES_SECONDS = 10


def one(alias: str, sql: str, params=()):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def wait_for_replay() -> None:
    """Until the replica has replayed everything the primary has written so far."""
    lsn = one(DEFAULT_DB_ALIAS, "SELECT pg_current_wal_lsn()")
    deadline = time.monotonic() + REPLAY_WAIT_SECONDS
    while not one(REPLICA, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]):
        if time.monotonic() > deadline:
            pytest.fail(f"the replica did not replay up to {lsn} in {REPLAY_WAIT_SECONDS} s")
        time.sleep(0.05)


def test_the_replica_alias_is_a_standby_of_the_primary(replica_on):
    assert one(REPLICA, "SELECT pg_is_in_recovery()") is True
    assert one(DEFAULT_DB_ALIAS, "SELECT pg_is_in_recovery()") is False
    assert connections[REPLICA].settings_dict["NAME"] == connection.settings_dict["NAME"]


def test_a_write_on_the_primary_is_read_on_the_replica(replica_on, world):
    cats = ensure_default_categories(world.street)
    order = services.workorder_intake(
        actor=world.grid_a1_worker,
        channel=Channel.DESK,
        category=cats["leak"],
        description="楼道灯不亮",
        dwelling=world.hh_a1.dwelling,
        reporter_resident=world.zhou,
    )
    wait_for_replay()
    with CaptureQueriesContext(connections[REPLICA]) as ran, reading_from_replica():
        seen = WorkOrder.objects.get(pk=order.pk)
    assert seen._state.db == REPLICA
    assert seen.description == "楼道灯不亮"
    assert any('"workorders_workorder"' in q["sql"] for q in ran.captured_queries)


@pytest.mark.urls("linli.core.tests.replica_urls")
def test_who_just_wrote_reads_from_the_primary(replica_on, world, client):
    wait_for_replay()
    before = Unit.objects.count()
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert client.get("/replica/read/").content == str(before).encode()
    assert on_replica.captured_queries

    r = client.post("/replica/write/", {"street": world.street.pk})
    assert WROTE_COOKIE in r.cookies
    # No waiting for the replica: the writer's next read goes to the primary.
    with (
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
    ):
        assert client.get("/replica/read/").content == str(before + 1).encode()
    assert not on_replica.captured_queries
    assert any('"grids_unit"' in q["sql"] for q in on_primary.captured_queries)
