"""Units' contact phones are encrypted like residents' (they were the last phones in clear)."""

from django.db import migrations, models


def encrypt_phones(apps, schema_editor):
    from linli.core import pii

    Unit = apps.get_model("grids", "Unit")
    for unit in Unit.objects.exclude(contact_phone="").only("pk", "contact_phone"):
        Unit.objects.filter(pk=unit.pk).update(contact_phone_enc=pii.encrypt(unit.contact_phone))


def decrypt_phones(apps, schema_editor):
    from linli.core import pii

    Unit = apps.get_model("grids", "Unit")
    for unit in Unit.objects.exclude(contact_phone_enc="").only("pk", "contact_phone_enc"):
        Unit.objects.filter(pk=unit.pk).update(contact_phone=pii.decrypt(unit.contact_phone_enc))


class Migration(migrations.Migration):
    dependencies = [("grids", "0002_oversight_proxies")]

    operations = [
        migrations.AddField(
            model_name="unit",
            name="contact_phone_enc",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(encrypt_phones, decrypt_phones),
        migrations.RemoveField(model_name="unit", name="contact_phone"),
    ]
