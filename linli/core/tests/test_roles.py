"""The app's database role: it writes ordinary tables, and on the append-only tables can
only read and insert; it cannot empty them, set their triggers aside or change any
table's structure (PostgreSQL)."""

import io
import os

import pytest
from django.core.management import call_command
from django.db import connection

from linli.core.guards import append_only_tables
from linli.core.roles import grant_sql

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="database roles exist on PostgreSQL only"
)


def test_grants_leave_the_append_only_tables_read_and_insert_only():
    statements = grant_sql("linli_app", "linli_owner", "linli")
    narrowed = [s for s in statements if s.startswith("REVOKE UPDATE, DELETE ON")]
    assert len(narrowed) == 1
    for table in append_only_tables():
        assert f'"{table}"' in narrowed[0]
    assert not any("TRUNCATE" in s or "ALL PRIVILEGES" in s for s in statements)
    assert statements.index(narrowed[0]) > max(
        i for i, s in enumerate(statements) if s.startswith("GRANT SELECT, INSERT, UPDATE")
    )


@pytest.fixture
def app_role(transactional_db):
    """A throwaway login role holding the app's grants on the test database."""
    import psycopg

    name = f"linli_audit_test_app_{os.getpid()}"
    password = "linli-audit-test"
    out = io.StringIO()
    call_command("db-roles", "--apply", "--app", name, stdout=out)
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER ROLE {name} PASSWORD %s", [password])
    settings = connection.settings_dict
    conn = psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        dbname=settings["NAME"],
        user=name,
        password=password,
        autocommit=True,
    )
    try:
        yield conn
    finally:
        conn.close()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {name}")
            cursor.execute(f"DROP ROLE {name}")


def _refused(conn, sql: str, params=()) -> bool:
    import psycopg

    try:
        conn.execute(sql, params)
    except psycopg.errors.InsufficientPrivilege:
        return True
    return False


@on_postgres
@pytest.mark.postgres
def test_the_app_role_cannot_rewrite_history(world, app_role):
    with app_role.cursor() as cursor:
        cursor.execute("SELECT current_user, pg_has_role(current_user, 'postgres', 'MEMBER')")
        user, member = cursor.fetchone()
    assert user.startswith("linli_audit_test_app_") and not member
    for table in append_only_tables():
        assert _refused(app_role, f"UPDATE {table} SET id = id"), table
        assert _refused(app_role, f"DELETE FROM {table}"), table
        assert _refused(app_role, f"TRUNCATE {table}"), table
        assert _refused(app_role, f"TRUNCATE {table} CASCADE"), table
        assert _refused(app_role, f"ALTER TABLE {table} DISABLE TRIGGER ALL"), table
        assert _refused(app_role, f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
        assert _refused(app_role, f"DROP TABLE {table}"), table
    assert _refused(app_role, "CREATE TABLE linli_audit_test_scratch (i int)")
    assert _refused(app_role, "TRUNCATE registry_household")


@on_postgres
@pytest.mark.postgres
def test_the_app_role_does_the_apps_ordinary_writes(world, app_role):
    street = world.street.pk
    app_role.execute(
        "INSERT INTO core_auditevent (street_id, at, verb, target_type, target_id, summary, "
        "changes, prev_hash, hash) VALUES (%s, now(), 'update', 'grids.gridnode', %s, 'x', '{}', '', '')",
        [street, street],
    )
    app_role.execute("UPDATE grids_gridnode SET name = name WHERE id = %s", [street])
    app_role.execute(
        "INSERT INTO core_numbersequence (street_id, key, value) VALUES (%s, 'T', 1)",
        [street],
    )
    app_role.execute("DELETE FROM core_numbersequence WHERE key = 'T'")
    with app_role.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM core_auditevent WHERE summary = 'x'")
        assert cursor.fetchone() == (1,)
