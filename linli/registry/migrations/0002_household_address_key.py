from django.db import migrations, models

import linli.core.models


def fill_keys(apps, schema_editor):
    """Give the households already registered their address sort key."""
    from linli.registry.models import address_sort_key

    Household = apps.get_model("registry", "Household")
    rows = Household.objects.order_by("pk").values_list(
        "pk",
        "dwelling__entrance__building__compound__name",
        "dwelling__entrance__building__number",
        "dwelling__entrance__number",
        "dwelling__room",
    )
    batch = []
    for pk, *address in rows.iterator(chunk_size=2000):
        batch.append(Household(pk=pk, address_key=address_sort_key(*address)))
        if len(batch) == 2000:
            Household.objects.bulk_update(batch, ["address_key"])
            batch = []
    Household.objects.bulk_update(batch, ["address_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("grids", "0001_initial"),
        ("registry", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="household",
            name="address_key",
            field=linli.core.models.SortKeyField(default="", editable=False, max_length=200),
            preserve_default=False,
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="household",
            index=models.Index(
                fields=["street", "address_key", "id"], name="registry_ho_street__eab1ea_idx"
            ),
        ),
    ]
