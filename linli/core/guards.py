"""Database guards a module's migrations add for its append-only tables.

``append_only("app_table", ...)`` is a migration operation: on PostgreSQL a row trigger
refuses UPDATE and DELETE on each table (the function ``linli_refuse_change`` comes from
core's migration 0002, which every such migration depends on). Timelines, their photos
and ledgers use it, so not even raw SQL from a later module can rewrite history.
"""

from __future__ import annotations

from django.db import migrations


def append_only(*tables: str) -> migrations.RunPython:
    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in tables:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION linli_refuse_change()"
            )

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in tables:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")

    return migrations.RunPython(forwards, backwards)
