# Search that does not read a street's every resident: trigram indexes for the names the
# search box matches anywhere inside (PostgreSQL only), and the room number with the street.
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

from linli.core.db import trigram_index


class Migration(migrations.Migration):
    dependencies = [
        ("grids", "0002_oversight_proxies"),
        ("registry", "0009_kept_counts"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="dwelling",
            index=models.Index(fields=["street", "room"], name="registry_dw_street__bda00e_idx"),
        ),
        TrigramExtension(),
        trigram_index("registry_resident", "name", "registry_resident_name_trgm"),
        trigram_index("registry_compound", "name", "registry_compound_name_trgm"),
    ]
