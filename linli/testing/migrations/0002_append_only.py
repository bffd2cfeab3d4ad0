from django.db import migrations

from linli.core.guards import append_only


class Migration(migrations.Migration):
    dependencies = [("testing", "0001_initial"), ("core", "0002_append_only_triggers")]
    operations = [append_only("testing_caseevent", "testing_casephoto")]
