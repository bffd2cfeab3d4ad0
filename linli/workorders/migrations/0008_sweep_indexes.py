"""The deadline sweep writes no index.

The sweep's partial indexes held orders whose marker (``warned_at``, ``overdue_at``,
``auto_escalated_at``) was still empty, so every stamp moved the row out of an index and
PostgreSQL had to write a new entry into each of the table's ~20 indexes: 30,000 stamps
in a street of a million orders wrote some 400 MB of WAL. Now the indexes hold the
running orders by warning time and deadline (finished orders leave them), the markers
are checked on the row, and no index mentions a marker, so a stamp is a HOT update
(the row is rewritten in its own page, no index is touched). Pages are filled to 90% on
PostgreSQL so that the rewritten row fits there.
"""

from django.db import migrations, models

RUNNING = ["accepted", "dispatched", "in_progress", "reported_done", "returned", "verified"]


def fillfactor(value: int):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE workorders_workorder SET (fillfactor = {value})")

    return run


class Migration(migrations.Migration):
    dependencies = [("workorders", "0007_figure_indexes")]

    operations = [
        migrations.RemoveIndex(model_name="workorder", name="wo_warn"),
        migrations.RemoveIndex(model_name="workorder", name="wo_due"),
        migrations.RemoveIndex(model_name="workorder", name="wo_escalate"),
        migrations.AddIndex(
            model_name="workorder",
            index=models.Index(
                condition=models.Q(status__in=RUNNING), fields=["warn_at"], name="wo_warn"
            ),
        ),
        migrations.AddIndex(
            model_name="workorder",
            index=models.Index(
                condition=models.Q(status__in=RUNNING), fields=["resolve_due"], name="wo_due"
            ),
        ),
        migrations.RunPython(fillfactor(90), fillfactor(100)),
    ]
