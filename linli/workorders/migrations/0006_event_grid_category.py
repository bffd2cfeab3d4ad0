"""Events carry copies of their order's grid and category, for the figures (metrics.py).

Both are fixed at intake, so the copies never go stale. Existing events are filled
from their orders here; on PostgreSQL the append-only trigger is set aside for that one
statement (it fills new columns with derived values; no recorded fact changes). The
foreign keys are added after the fill, so they are checked by one query rather than
by a trigger per row.
The (street, verb, at) index gains the grid, category and order, so a period's counts
per verb, grid and category are read from the index alone; the index on order alone
goes (the (order, at) index serves every lookup by order).
"""

import django.db.models.deletion
from django.db import migrations, models

FILL = """
UPDATE workorders_workorderevent SET
    grid_id = (SELECT o.grid_id FROM workorders_workorder o
               WHERE o.id = workorders_workorderevent.order_id),
    category_id = (SELECT o.category_id FROM workorders_workorder o
                   WHERE o.id = workorders_workorderevent.order_id)
"""
FILL_PG = """
UPDATE workorders_workorderevent e SET grid_id = o.grid_id, category_id = o.category_id
FROM workorders_workorder o WHERE o.id = e.order_id
"""
TRIGGER = "workorders_workorderevent_append_only"


def fill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE workorders_workorderevent DISABLE TRIGGER {TRIGGER}")
        schema_editor.execute(FILL_PG)
        schema_editor.execute(f"ALTER TABLE workorders_workorderevent ENABLE TRIGGER {TRIGGER}")
    else:
        schema_editor.execute(FILL)


class Migration(migrations.Migration):
    dependencies = [
        ("grids", "0001_initial"),
        ("workorders", "0005_workorder_escalate_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="workorderevent",
            name="grid",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="grids.gridnode",
            ),
        ),
        migrations.AddField(
            model_name="workorderevent",
            name="category",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="workorders.category",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="workorderevent",
            name="grid",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="grids.gridnode",
            ),
        ),
        migrations.AlterField(
            model_name="workorderevent",
            name="category",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="workorders.category",
            ),
        ),
        migrations.AlterField(
            model_name="workorderevent",
            name="order",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="events",
                to="workorders.workorder",
            ),
        ),
        migrations.RemoveIndex(
            model_name="workorderevent",
            name="workorders__street__258c66_idx",
        ),
        migrations.AddIndex(
            model_name="workorderevent",
            index=models.Index(
                fields=["street", "verb", "at", "grid", "category", "order"],
                name="wo_event_figures",
            ),
        ),
    ]
