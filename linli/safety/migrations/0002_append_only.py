from django.db import migrations

from linli.core.guards import append_only


class Migration(migrations.Migration):
    dependencies = [("safety", "0001_initial"), ("core", "0002_append_only_triggers")]
    operations = [
        append_only(
            "safety_campaignevent",
            "safety_hazardevent",
            "safety_hazardphoto",
            "safety_inspectionphoto",
            "safety_noticeevent",
        )
    ]
