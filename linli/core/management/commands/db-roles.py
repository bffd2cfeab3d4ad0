"""``linli db-roles``: the SQL that makes the app role and grants it what the app needs,
and no more (``core.roles``). Prints it; ``--apply`` runs it, connected as the owner
(``LINLI_DATABASE_OWNER_URL``) or as whoever ``LINLI_DATABASE_URL`` names.

The app role is ``LINLI_DATABASE_URL``'s user (or ``--app``); with ``--apply`` its
password is set from that URL too. The owner is the migrating role (or ``--owner``).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from linli.core.db import connect_as_owner
from linli.core.roles import grant_sql, role_sql


class Command(BaseCommand):
    help = "Print (or --apply) the SQL for the app's database role and its grants."

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="run the SQL now")
        parser.add_argument("--app", help="the app role (default: LINLI_DATABASE_URL's user)")
        parser.add_argument("--owner", help="the table owner (default: the migrating role)")

    def handle(self, *args, apply: bool, app: str | None, owner: str | None, **options):
        if connection.vendor != "postgresql":
            raise CommandError("database roles are for PostgreSQL")
        app_settings = connect_as_owner() or dict(connection.settings_dict)
        app = app or app_settings["USER"]
        owner = owner or connection.settings_dict["USER"]
        if not app or not owner:
            raise CommandError("name the roles: --app and --owner")
        if app == owner:
            raise CommandError(
                f"the app role {app} would own the tables: set LINLI_DATABASE_OWNER_URL "
                "to the owner, or name another role with --app"
            )
        password = app_settings["PASSWORD"] if apply and app == app_settings["USER"] else None
        statements = role_sql(app, password=password) + grant_sql(
            app, owner, connection.settings_dict["NAME"]
        )
        if not apply:
            for statement in statements:
                self.stdout.write(statement + ";")
            return
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        self.stdout.write(f"{app}: role and grants applied.")
