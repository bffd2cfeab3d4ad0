"""The change history's hash chains: intact after many writes (also concurrent ones on
PostgreSQL), and a changed, removed or inserted row is named."""

import io
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction

from linli.core import auditchain, jobs
from linli.core.audit import record_change
from linli.core.models import AuditChainHead, AuditEvent

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL row locks"
)


def _write(world, n: int) -> list[AuditEvent]:
    """n changes: two of every three in street S (world.street), one in street T."""
    events = []
    for i in range(n):
        target = (world.hh_a1, world.hh_t, world.street)[i % 3]
        events.append(
            record_change(
                actor=world.admin,
                target=target,
                verb="update",
                summary=f"change {i}",
                changes={"fields": ["note"], "n": i, "note": ["旧", "新"]},
                ip="10.0.0.7" if i % 2 else None,
            )
        )
    return events


def _tamper(sql: str, params) -> None:
    """Change the table behind the append-only guards, as someone with the keys could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Checked now, so that no pending check stands in the way of the ALTER.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only"
            )
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER core_auditevent_append_only")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _in_s(world, events) -> list[AuditEvent]:
    return [e for e in events if e.street_id == world.street.pk]


def _length(key: str) -> int:
    return AuditChainHead.objects.get(key=key).length


def _broken(results) -> list:
    return [r for r in results if not r.ok]


@pytest.mark.django_db
def test_many_writes_form_intact_chains_one_per_street(world):
    s_key, t_key = f"street:{world.street.pk}", f"street:{world.hh_t.street_id}"
    before = {r.key: r.length for r in auditchain.verify()}
    events = _write(world, 60)
    results = auditchain.verify()
    assert not _broken(results)
    by_key = {r.key: r.length for r in results}
    assert by_key[s_key] == before.get(s_key, 0) + 40
    assert by_key[t_key] == before.get(t_key, 0) + 20
    assert events[2].prev_hash == events[0].hash and events[4].prev_hash == events[1].hash
    head = AuditChainHead.objects.get(key=s_key)
    assert head.hash == events[-1].hash and head.length == by_key[s_key]


@pytest.mark.django_db
def test_a_changed_row_is_named(world):
    events = _write(world, 12)
    victim = events[6]
    _tamper("UPDATE core_auditevent SET summary = %s WHERE id = %s", ["nothing", victim.pk])
    (broken,) = _broken(auditchain.verify())
    assert broken.broken_at == victim.pk and broken.key == f"street:{victim.street_id}"
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("audit", "verify", stdout=out)
    assert f"BROKEN at row {victim.pk}" in out.getvalue()


@pytest.mark.django_db
def test_a_changed_row_rehashed_breaks_the_next_link(world):
    events = _in_s(world, _write(world, 12))
    victim = events[3]
    _tamper(
        "UPDATE core_auditevent SET changes = %s, hash = %s WHERE id = %s",
        ['{"n": 99}', "0" * 64, victim.pk],
    )
    (broken,) = _broken(auditchain.verify(victim.street_id, all_chains=False))
    assert broken.broken_at == victim.pk
    # The row after it in the same chain no longer follows it, even if its own hash were
    # recomputed: the next row is named once the changed one is made to look right.
    nxt = events[4]
    row = AuditEvent.objects.filter(pk=victim.pk).values("id", *auditchain.FIELDS).get()
    _tamper(
        "UPDATE core_auditevent SET hash = %s WHERE id = %s",
        [auditchain.digest(victim.prev_hash, row), victim.pk],
    )
    (broken,) = _broken(auditchain.verify(victim.street_id, all_chains=False))
    assert broken.broken_at == nxt.pk


@pytest.mark.django_db
def test_removed_rows_are_noticed_in_the_middle_and_at_the_end(world):
    events = _in_s(world, _write(world, 12))
    _tamper("DELETE FROM core_auditevent WHERE id = %s", [events[-1].pk])
    (broken,) = _broken(auditchain.verify(world.street.pk, all_chains=False))
    assert broken.problem == "rows are missing from the end"
    _tamper("DELETE FROM core_auditevent WHERE id = %s", [events[3].pk])
    (broken,) = _broken(auditchain.verify(world.street.pk, all_chains=False))
    assert broken.broken_at == events[4].pk


@pytest.mark.django_db
def test_one_street_is_verified_by_code_and_heads_are_printed(world):
    _write(world, 6)
    key = f"street:{world.street.pk}"
    out = io.StringIO()
    call_command("audit", "verify", "--street", world.street.code, stdout=out)
    assert out.getvalue().strip() == f"{key}: ok, {_length(key)} rows"
    out = io.StringIO()
    call_command("audit", "head", stdout=out)
    lines = out.getvalue().splitlines()
    head = AuditChainHead.objects.get(key=key)
    assert f"{key}\t{head.length}\t{head.hash}" in lines
    assert len(lines) == AuditChainHead.objects.count() >= 2


@pytest.mark.django_db
def test_the_daily_job_records_a_broken_chain(world):
    events = _write(world, 3)
    run = jobs.run_now("core.audit_verify")
    assert run is not None and run.ok
    assert run.counts["rows"] == AuditEvent.objects.count()
    _tamper("UPDATE core_auditevent SET actor_id = NULL WHERE id = %s", [events[1].pk])
    run = jobs.run_now("core.audit_verify")
    assert run is not None and not run.ok
    assert f"row {events[1].pk}" in run.error


@pytest.mark.django_db
def test_a_rolled_back_write_leaves_the_head_where_it_was(world):
    _write(world, 2)
    key = f"street:{world.street.pk}"
    before = AuditChainHead.objects.get(key=key).hash
    with pytest.raises(RuntimeError), transaction.atomic():
        record_change(actor=world.admin, target=world.street, verb="update", summary="x")
        raise RuntimeError
    assert AuditChainHead.objects.get(key=key).hash == before
    record_change(actor=world.admin, target=world.street, verb="update", summary="y")
    assert not _broken(auditchain.verify())


@on_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_still_form_one_chain(world):
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def writer(i: int) -> None:
        try:
            start.wait()
            for j in range(10):
                record_change(
                    actor=world.admin, target=world.hh_a1, verb="update", summary=f"{i}-{j}"
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    (result,) = auditchain.verify(world.street.pk, all_chains=False)
    assert result.ok
    assert AuditEvent.objects.filter(summary__regex=r"^\d-\d$").count() == 80
    assert result.length == AuditEvent.objects.filter(street=world.street).count()
