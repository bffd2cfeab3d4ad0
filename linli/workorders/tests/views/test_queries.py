"""Lists and the order page run a fixed number of queries, however many rows they show."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from linli.workorders.tests.conftest import advance

pytestmark = pytest.mark.django_db


def queries(client, url) -> int:
    # A first request takes the session's once-a-minute refresh (IdleTimeoutMiddleware),
    # so the count is the page's own, whichever request happens to refresh it.
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def more_orders(wo, n):
    for i in range(n):
        o = wo.intake(dwelling=wo.hh_a1b.dwelling if i % 2 else wo.hh_a1.dwelling)
        advance(wo, o, "dispatched" if i % 3 else "verified")


@pytest.mark.parametrize("name", ["queue", "list", "overdue"])
def test_list_pages_query_count_does_not_grow_with_rows(wo, login, name):
    c = login(wo.admin if name != "queue" else wo.grid_a1_worker)
    more_orders(wo, 2)
    few = queries(c, reverse(f"workorders:{name}"))
    more_orders(wo, 8)
    assert queries(c, reverse(f"workorders:{name}")) == few


def test_order_page_query_count_does_not_grow_with_the_timeline(wo, login):
    c = login(wo.grid_a1_worker)
    short = advance(wo, wo.intake(), "verified")
    long = advance(wo, wo.intake(), "checked")
    assert (
        queries(c, reverse("workorders:detail", args=[long.pk]))
        <= queries(c, reverse("workorders:detail", args=[short.pk])) + 4
    )
