"""Work-order indexes: for the figures, for duplicate suggestions at intake, and fewer.

The figures of a period (metrics.py) read the orders received, due and closed in it and
the orders overdue now; each of these indexes holds every column such a read counts or
groups by, so it is an index-only range scan instead of a visit to ~100,000 table rows a
month in a large street. They replace the narrower (street, created_at), (street,
closed_at) and (street, status, resolve_due) indexes, which they also serve for.
``wo_open_at_compound`` finds the newest open orders of a compound and category.

The indexes Django adds on each foreign key alone go for grid, category, dwelling and
reporter_user: every lookup by them is within a street and uses a (street, ...) index,
and each extra index was one more write for every intake, action and sweep.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

OPEN = ["accepted", "checked", "dispatched", "followed_up", "in_progress", "reported_done",
        "returned", "verified"]  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("grids", "0001_initial"),
        ("registry", "0001_initial"),
        ("workorders", "0006_event_grid_category"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="workorder",
            name="category",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="work_orders",
                to="workorders.category",
            ),
        ),
        migrations.AlterField(
            model_name="workorder",
            name="dwelling",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="work_orders",
                to="registry.dwelling",
            ),
        ),
        migrations.AlterField(
            model_name="workorder",
            name="grid",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="work_orders",
                to="grids.gridnode",
            ),
        ),
        migrations.AlterField(
            model_name="workorder",
            name="reporter_user",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="work_orders",
                to=settings.AUTH_USER_MODEL,
                verbose_name="reporter (account)",
            ),
        ),
        migrations.RemoveIndex(model_name="workorder", name="workorders__street__3972ed_idx"),
        migrations.RemoveIndex(model_name="workorder", name="workorders__street__ea10d3_idx"),
        migrations.RemoveIndex(model_name="workorder", name="workorders__street__8355f9_idx"),
        migrations.AddIndex(
            model_name="workorder",
            index=models.Index(
                fields=["street", "status", "resolve_due", "grid", "category"],
                name="wo_status_due",
            ),
        ),
        migrations.AddIndex(
            model_name="workorder",
            index=models.Index(
                fields=["street", "created_at", "status", "grid", "category"], name="wo_received"
            ),
        ),
        migrations.AddIndex(
            model_name="workorder",
            index=models.Index(
                fields=["street", "resolve_due", "status", "closed_at", "grid", "category"],
                name="wo_due_in_period",
            ),
        ),
        migrations.AddIndex(
            model_name="workorder",
            index=models.Index(
                condition=models.Q(status="closed"),
                fields=["street", "closed_at", "created_at", "grid", "category"],
                name="wo_closed",
            ),
        ),
        migrations.AddIndex(
            model_name="workorder",
            index=models.Index(
                condition=models.Q(status__in=OPEN),
                fields=["street", "compound", "category", "created_at"],
                name="wo_open_at_compound",
            ),
        ),
    ]
