"""A web request's query that runs past the statement timeout is cancelled by PostgreSQL
itself, and the page (or the API) says plainly that the search was too broad."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory, override_settings
from django.utils import translation

from linli.core import db

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL cancels statements"),
]


def slow_view(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(2)")
    raise AssertionError("the statement should have been cancelled")


@override_settings(LINLI_STATEMENT_TIMEOUT_MS=100)
def test_a_web_connection_cancels_a_slow_statement_and_the_page_says_why(monkeypatch):
    monkeypatch.setattr(db, "_web", True)
    db._bound_statements(sender=None, connection=connection)
    try:
        request = RequestFactory().get("/")
        request.user = type("U", (), {"is_authenticated": False})()
        middleware = db.StatementTimeoutMiddleware(slow_view)
        try:
            slow_view(request)
        except Exception as exc:  # the database's own cancellation
            assert db.is_timeout(exc)
            with translation.override("zh-hans"):
                response = middleware.process_exception(request, exc)
        assert response.status_code == 503
        assert "范围太大" in response.content.decode()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', '0', false)")


def test_other_processes_keep_unbounded_connections(monkeypatch):
    monkeypatch.setattr(db, "_web", False)
    db._bound_statements(sender=None, connection=connection)
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"
