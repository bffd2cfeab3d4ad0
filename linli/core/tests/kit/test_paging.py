"""Keyset pages: every row once, in order, however many rows share a sort value; counts
that stop at the cap unless asked; a token that is not ours starts from the top."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.core.paging import capped_count, keyset_page
from linli.testing.models import Slot

pytestmark = pytest.mark.django_db


def test_pages_walk_every_row_once_in_order_with_ties():
    for capacity in [5, 3, 3, 3, 9, 1, 3, 5, 7, 3, 3]:
        Slot.objects.create(capacity=capacity)
    expected = list(Slot.objects.order_by("-capacity", "id").values_list("pk", flat=True))
    seen, after, first = [], "", True
    while True:
        page = keyset_page(Slot.objects.all(), order=("-capacity", "id"), after=after, size=3)
        assert page.first == first and page.count == 11 and not page.capped
        seen += [s.pk for s in page.rows]
        if not page.has_next:
            break
        after, first = page.next_after, False
    assert seen == expected


def test_datetimes_round_trip_in_the_token(world):
    from linli.testing.models import Case

    t0 = timezone.make_aware(dt.datetime(2026, 11, 2, 9, 0))
    rows = [
        Case.objects.create(
            street=world.street, grid=world.grid_a1, started_at=t0 + dt.timedelta(minutes=i % 3)
        )
        for i in range(7)
    ]
    order = ("-started_at", "-id")
    page = keyset_page(Case.objects.all(), order=order, size=4)
    rest = keyset_page(Case.objects.all(), order=order, after=page.next_after, size=4)
    got = [c.pk for c in page.rows + rest.rows]
    assert got == list(Case.objects.order_by(*order).values_list("pk", flat=True))
    assert len(set(got)) == len(rows) and not rest.has_next


def test_the_count_stops_at_the_cap_unless_asked():
    Slot.objects.bulk_create(Slot(capacity=1) for _ in range(12))
    page = keyset_page(Slot.objects.all(), order=("id",), size=5, cap=10)
    assert (page.count, page.capped) == (10, True)
    exact = keyset_page(Slot.objects.all(), order=("id",), size=5, cap=10, exact=True)
    assert (exact.count, exact.capped) == (12, False)
    assert capped_count(Slot.objects.all(), cap=10) == (10, True)
    assert capped_count(Slot.objects.all(), cap=20) == (12, False)


@pytest.mark.parametrize("token", ["garbage!", "W10", "WyJ4Il0", "e30"])
def test_a_token_that_is_not_ours_starts_from_the_top(token):
    Slot.objects.bulk_create(Slot(capacity=1) for _ in range(3))
    page = keyset_page(Slot.objects.all(), order=("id",), after=token, size=2)
    assert page.first and [s.pk for s in page.rows] == list(
        Slot.objects.order_by("id").values_list("pk", flat=True)[:2]
    )
