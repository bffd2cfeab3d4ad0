"""``linli migrate`` as Django's, connected as the owner role when
``LINLI_DATABASE_OWNER_URL`` is set; afterwards the app role (``LINLI_DATABASE_URL``'s
user) is granted its rights on the tables as they now are (``core.roles``)."""

from __future__ import annotations

from django.core.management.commands import migrate
from django.db import DEFAULT_DB_ALIAS, connection

from linli.core.db import connect_as_owner
from linli.core.roles import grant_sql


class Command(migrate.Command):
    def handle(self, *args, **options):
        app = connect_as_owner() if options["database"] == DEFAULT_DB_ALIAS else None
        super().handle(*args, **options)
        if app is None or app["USER"] == connection.settings_dict["USER"]:
            return
        statements = grant_sql(
            app["USER"], connection.settings_dict["USER"], connection.settings_dict["NAME"]
        )
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        if options["verbosity"]:
            self.stdout.write(f"Granted {app['USER']} the app's rights.")
