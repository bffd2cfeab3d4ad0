"""No web request runs unbounded: a statement timeout on the web server's connections.

``serve_web()`` (called by ``config/wsgi.py``, which gunicorn and runserver load) makes
every new PostgreSQL connection of the process ``SET statement_timeout`` to
``LINLI_STATEMENT_TIMEOUT_MS`` (10 s by default; 0 turns it off). The database cancels the
query itself, so a killed worker leaves nothing running behind it. The worker and the
command line keep unbounded connections for the long jobs they exist for.

``TooBroad`` pages: a cancelled query answers 503 with a plain Chinese "the search was too
broad; narrow it" instead of an error page (``StatementTimeoutMiddleware`` and the API's
handler), and nothing was written.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection, models
from django.db.backends.signals import connection_created
from django.db.utils import OperationalError
from django.dispatch import receiver
from django.shortcuts import render

_web = False


def serve_web() -> None:
    """This process serves web requests: bound its statements from now on."""
    global _web
    _web = True


def timeout_ms() -> int:
    return int(getattr(settings, "LINLI_STATEMENT_TIMEOUT_MS", 10_000))


@receiver(connection_created)
def _bound_statements(sender, connection, **kwargs) -> None:
    if _web and connection.vendor == "postgresql" and timeout_ms():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [str(timeout_ms())])


def is_timeout(exc: BaseException) -> bool:
    """Whether ``exc`` is PostgreSQL cancelling a statement that ran past the timeout."""
    cause = exc.__cause__
    return isinstance(exc, OperationalError) and type(cause).__name__ == "QueryCanceled"


class StatementTimeoutMiddleware:
    """A page whose query ran past the timeout says so plainly (503), instead of a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_timeout(exception):
            return None
        return render(request, "core/too_broad.html", status=503)


def update_statistics(*models_: type[models.Model]) -> None:
    """Refresh PostgreSQL's planner statistics (``ANALYZE``) of these tables, or of the
    whole database when none is named; a no-op elsewhere.

    Called after every bulk load (the demo street, a large ledger import, the benchmarks'
    generators): until the statistics know a table's new size, PostgreSQL plans for the
    size it had, often a sequential scan where an index now serves. Inside a transaction,
    ANALYZE counts the rows written but not committed yet.
    """
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models_)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def trigram_index(table: str, column: str, name: str):
    """A migration operation: on PostgreSQL, a GIN trigram index that ``icontains`` on
    ``column`` uses (the ORM compares ``UPPER(column::text)``, so the index is on that).
    Nothing on SQLite, whose ``LIKE`` reads the table anyway. Needs ``pg_trgm``
    (``TrigramExtension`` earlier in the same or a previous migration)."""
    from django.db import migrations

    def create(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"CREATE INDEX {name} ON {table} USING gin (UPPER({column}::text) gin_trgm_ops)"
            )

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    return migrations.RunPython(create, drop, elidable=False)
