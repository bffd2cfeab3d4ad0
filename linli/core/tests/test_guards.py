"""The append-only tables refuse UPDATE, DELETE and TRUNCATE at the database level
(PostgreSQL), whatever SQL reaches them."""

import pytest
from django.db import DatabaseError, connection, transaction

from linli.core.audit import record_change
from linli.core.guards import append_only_tables, row_trigger, truncate_trigger
from linli.core.models import AuditEvent

pytestmark = pytest.mark.django_db

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="database triggers exist on PostgreSQL only"
)


def test_the_append_only_tables_are_named_by_their_models():
    tables = append_only_tables()
    for table in (
        "core_auditevent",
        "core_piiaccess",
        "points_pointentry",
        "volunteering_orderevent",
        "volunteering_wishphoto",
        "workorders_workorderevent",
        "workorders_workorderphoto",
    ):
        assert table in tables
    assert "registry_resident" not in tables


@on_postgres
def test_every_append_only_table_has_both_guards():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND t.tgenabled <> 'D'"
        )
        present = set(cursor.fetchall())
    for table in append_only_tables():
        assert (table, row_trigger(table)) in present
        assert (table, truncate_trigger(table)) in present


@on_postgres
@pytest.mark.parametrize("table", append_only_tables())
def test_truncate_is_refused(world, table):
    record_change(actor=world.admin, target=world.hh_a1, verb="update", summary="kept")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table} CASCADE")
    assert AuditEvent.objects.filter(summary="kept").exists()


@on_postgres
def test_a_cascade_from_another_table_is_refused(world):
    record_change(actor=world.admin, target=world.hh_a1, verb="update", summary="kept")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE grids_gridnode CASCADE")
    assert AuditEvent.objects.filter(summary="kept").exists()
