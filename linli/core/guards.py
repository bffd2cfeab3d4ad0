"""Database guards a module's migrations add for its append-only tables.

``append_only("app_table", ...)`` is a migration operation: on PostgreSQL a row trigger
refuses UPDATE and DELETE on each table, and a statement trigger refuses TRUNCATE (also
when another table's ``TRUNCATE … CASCADE`` reaches it). Both call the function
``linli_refuse_change`` from core's migration 0002, which every such migration depends
on. Timelines, their photos and ledgers use it, so not even raw SQL from a later module
can rewrite history.

Which tables are append-only is said once, by their models: every concrete subclass of
``AppendOnlyModel`` (``append_only_tables()``). The roles command grants the app only
SELECT and INSERT on them, and a test checks that each has both triggers.
"""

from __future__ import annotations

from django.apps import apps
from django.db import migrations


def row_trigger(table: str) -> str:
    return f"{table}_append_only"


def truncate_trigger(table: str) -> str:
    return f"{table}_no_truncate"


def append_only_tables() -> list[str]:
    """The database tables of every append-only model of the installed apps."""
    from .models import AppendOnlyModel

    return sorted(
        model._meta.db_table
        for model in apps.get_models()
        if issubclass(model, AppendOnlyModel) and not model._meta.proxy and model._meta.managed
    )


def _add_row_guard(schema_editor, table: str) -> None:
    schema_editor.execute(
        f"CREATE TRIGGER {row_trigger(table)} BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION linli_refuse_change()"
    )


def _add_truncate_guard(schema_editor, table: str) -> None:
    # Tables guarded by ``append_only`` before it added this trigger get it from core's
    # migration 0006; those guarded since already have it.
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {truncate_trigger(table)} ON {table}")
    schema_editor.execute(
        f"CREATE TRIGGER {truncate_trigger(table)} BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION linli_refuse_change()"
    )


def _guard(tables: tuple[str, ...], *, rows: bool) -> migrations.RunPython:
    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in tables:
            if rows:
                _add_row_guard(schema_editor, table)
            _add_truncate_guard(schema_editor, table)

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in tables:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {truncate_trigger(table)} ON {table}")
            if rows:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {row_trigger(table)} ON {table}")

    return migrations.RunPython(forwards, backwards)


def append_only(*tables: str) -> migrations.RunPython:
    """Refuse UPDATE, DELETE and TRUNCATE on each table (PostgreSQL)."""
    return _guard(tables, rows=True)


def truncate_guard(*tables: str) -> migrations.RunPython:
    """Refuse TRUNCATE only: for tables whose row trigger an earlier migration added."""
    return _guard(tables, rows=False)
