"""On PostgreSQL, refuse TRUNCATE on the append-only tables that earlier migrations
guarded against UPDATE and DELETE only (a statement trigger; see ``core.guards``).
Tables added later get both guards from ``append_only``."""

from django.db import migrations

from linli.core.guards import truncate_guard

TABLES = [
    "core_auditevent",
    "core_piiaccess",
    "points_pointentry",
    "volunteering_orderevent",
    "volunteering_orderphoto",
    "volunteering_wishevent",
    "volunteering_wishphoto",
    "workorders_workorderevent",
    "workorders_workorderphoto",
]


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_jobs_idempotency"),
        ("points", "0002_append_only"),
        ("volunteering", "0002_append_only"),
        ("workorders", "0002_append_only_triggers"),
    ]
    operations = [truncate_guard(*TABLES)]
