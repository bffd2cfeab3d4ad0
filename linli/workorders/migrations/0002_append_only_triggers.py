"""On PostgreSQL, refuse UPDATE and DELETE on the work-order timeline and its photos
(the function ``linli_refuse_change`` comes from core's migration 0002)."""

from django.db import migrations

TABLES = ["workorders_workorderevent", "workorders_workorderphoto"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION linli_refuse_change()"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")


class Migration(migrations.Migration):
    dependencies = [("workorders", "0001_initial"), ("core", "0002_append_only_triggers")]
    operations = [migrations.RunPython(forwards, backwards)]
