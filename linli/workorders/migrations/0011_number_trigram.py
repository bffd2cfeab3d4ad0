# The list's search by a part of the order number: a trigram index (PostgreSQL only).
from django.db import migrations

from linli.core.db import trigram_index


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0010_search_indexes"),
        ("workorders", "0010_calendar_day_clock"),
    ]

    operations = [
        trigram_index("workorders_workorder", "number", "workorders_workorder_number_trgm"),
    ]
