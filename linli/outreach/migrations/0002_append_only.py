from django.db import migrations

from linli.core.guards import append_only


class Migration(migrations.Migration):
    dependencies = [("outreach", "0001_initial"), ("core", "0002_append_only_triggers")]
    operations = [
        append_only(
            "outreach_distributionevent",
            "outreach_visit",
            "outreach_drillevent",
            "outreach_drillphoto",
        )
    ]
