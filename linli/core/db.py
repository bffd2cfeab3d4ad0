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

from typing import Any

import dj_database_url
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
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
