"""No web request runs unbounded: a statement timeout on the web server's connections.

``serve_web()`` (called by ``config/wsgi.py``, which gunicorn and runserver load) makes
every new PostgreSQL connection of the process ``SET statement_timeout`` to
``LINLI_STATEMENT_TIMEOUT_MS`` (10 s by default; 0 turns it off). The database cancels the
query itself, so a killed worker leaves nothing running behind it. The worker and the
command line keep unbounded connections for the long jobs they exist for.

Migrations run as the owner: when ``LINLI_DATABASE_OWNER_URL`` is set, ``linli migrate``
(and ``linli db-roles``) first point the default connection at it (``connect_as_owner``),
and afterwards grants the app role its rights again (``core.roles``).

``TooBroad`` pages: a cancelled query answers 503 with a plain Chinese "the search was too
broad; narrow it" instead of an error page (``StatementTimeoutMiddleware`` and the API's
handler), and nothing was written.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

import dj_database_url
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.backends.signals import connection_created
from django.db.utils import OperationalError
from django.dispatch import receiver
from django.shortcuts import render

_web = False
P = ParamSpec("P")
R = TypeVar("R")


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


def connect_as_owner() -> dict[str, Any] | None:
    """Point this process's default connection at the owner role, when one is set.

    Returns the app role's connection settings from before (None, and nothing changes,
    without ``LINLI_DATABASE_OWNER_URL``)."""
    url = getattr(settings, "LINLI_DATABASE_OWNER_URL", "")
    if not url:
        return None
    conn = connections[DEFAULT_DB_ALIAS]
    app = dict(conn.settings_dict)
    owner = dj_database_url.parse(url)
    conn.close()
    for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT"):
        conn.settings_dict[key] = owner[key]
    return app


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


# --- the read replica ------------------------------------------------------------------------
#
# With ``LINLI_DATABASE_REPLICA_URL`` set, settings add a second alias, ``replica``, a
# PostgreSQL streaming replica of the primary. ``ReplicaRouter`` sends a read there only
# inside ``reading_from_replica()`` (a context manager and a decorator), which the heavy
# read-only pages ask for: the metrics pages and the .xlsx exports. Everything else, and
# every write, goes to the primary, as it does without a replica. A read stays on the
# primary, even inside ``reading_from_replica()``, when
#
# * the primary has a transaction open in this thread (a service that writes reads what it
#   is about to change, locks rows, extends the audit chain: all of it on the primary);
# * this request has written already, or this user wrote within the last
#   ``LINLI_READ_YOUR_WRITES_SECONDS`` (``ReadYourWritesMiddleware`` remembers it in a
#   signed cookie set on the response of any POST that wrote), so nobody misses what they
#   just saved because the replica has not replayed it yet.

REPLICA = "replica"
WROTE_COOKIE = "linli_wrote"
_WROTE_SALT = "linli.core.db.read-your-writes"


@dataclass
class _Request:
    primary_only: bool = False  # the user wrote a moment ago
    wrote: bool = False  # this request wrote


_replica_wanted: ContextVar[bool] = ContextVar("linli_replica_wanted", default=False)
_request: ContextVar[_Request | None] = ContextVar("linli_request_reads", default=None)


def replica_enabled() -> bool:
    """Whether reads may go to a replica at all: the alias exists and reads are on."""
    return REPLICA in settings.DATABASES and bool(getattr(settings, "LINLI_REPLICA_READS", False))


@contextmanager
def reading_from_replica() -> Iterator[None]:
    """Reads within may go to the replica (see above for when they still do not).

    Use it as ``with reading_from_replica():`` or as a decorator on a read-only view."""
    token = _replica_wanted.set(True)
    try:
        yield
    finally:
        _replica_wanted.reset(token)


def read_alias() -> str:
    """The alias a read made now goes to."""
    if not _replica_wanted.get() or not replica_enabled():
        return DEFAULT_DB_ALIAS
    state = _request.get()
    if state is not None and (state.primary_only or state.wrote):
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return REPLICA


def atomic_reads(func: Callable[P, R]) -> Callable[P, R]:
    """``transaction.atomic`` on the connection the reads go to when called: the replica
    inside ``reading_from_replica()``, the primary otherwise. For a read-only function that
    wants its queries in one transaction; what it writes goes to the primary outside that
    transaction, so it keeps its writes atomic on its own."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with transaction.atomic(using=read_alias()):
            return func(*args, **kwargs)

    return wrapper


class ReplicaRouter:
    """Reads to ``read_alias()``, writes and migrations to the primary."""

    def db_for_read(self, model, **hints) -> str:
        return read_alias()

    def db_for_write(self, model, **hints) -> str:
        state = _request.get()
        if state is not None:
            state.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # The replica holds the primary's rows: a row read there may point at one read here.
        aliases = {DEFAULT_DB_ALIAS, REPLICA}
        return True if {obj1._state.db, obj2._state.db} <= aliases else None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool | None:
        return False if db == REPLICA else None


def read_your_writes_seconds() -> int:
    return int(getattr(settings, "LINLI_READ_YOUR_WRITES_SECONDS", 10))


class ReadYourWritesMiddleware:
    """A user who wrote a moment ago reads from the primary (see above)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_enabled():
            return self.get_response(request)
        window = read_your_writes_seconds()
        recent = request.get_signed_cookie(WROTE_COOKIE, None, salt=_WROTE_SALT, max_age=window)
        state = _Request(primary_only=recent is not None)
        token = _request.set(state)
        try:
            response = self.get_response(request)
        finally:
            _request.reset(token)
        if state.wrote and request.method == "POST":
            response.set_signed_cookie(
                WROTE_COOKIE,
                "1",
                salt=_WROTE_SALT,
                max_age=window,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response


# --- planner statistics and search indexes ------------------------------------------------------


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
