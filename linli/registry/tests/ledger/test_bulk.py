"""bulk.Inserter: ids handed out before the rows are written, buffered or streamed;
bulk.filter_in: rows whose field is one of a long list of values."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from linli.registry.ledger.bulk import Inserter, filter_in
from linli.registry.models import Building

pytestmark = pytest.mark.django_db

COLUMNS = ["street_id", "compound_id", "grid_id", "number", "floors", "has_lift", "leader_id"]


def _row(world, number: str) -> tuple:
    return (world.street.pk, world.compound_a1.pk, world.grid_a1.pk, number, 6, False, None)


def test_buffered_rows_are_written_on_flush_with_the_ids_handed_out(world):
    rows = Inserter(Building, COLUMNS)
    ids = [rows.add(*_row(world, n)) for n in ("90", "91")]
    assert not Building.objects.filter(pk__in=ids).exists()
    assert rows.flush() == 2
    assert dict(Building.objects.filter(pk__in=ids).values_list("pk", "number")) == {
        ids[0]: "90",
        ids[1]: "91",
    }


def test_streamed_rows_are_there_when_the_block_ends(world):
    with Inserter(Building, COLUMNS, expected=3) as rows:
        ids = [rows.add(*_row(world, n)) for n in ("92", "93", "94")]
    assert rows.count == 3
    assert sorted(Building.objects.filter(pk__in=ids).values_list("number", flat=True)) == [
        "92",
        "93",
        "94",
    ]


def test_an_error_inside_the_block_writes_nothing(world):
    before = Building.objects.count()
    with (
        pytest.raises(ZeroDivisionError),
        transaction.atomic(),
        Inserter(Building, COLUMNS, expected=2) as rows,
    ):
        rows.add(*_row(world, "95"))
        1 / 0  # noqa: B018
    assert Building.objects.count() == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="streams on PostgreSQL only")
def test_streaming_more_rows_than_expected_is_refused(world):
    before = Building.objects.count()
    with (
        pytest.raises(RuntimeError),
        transaction.atomic(),
        Inserter(Building, COLUMNS, expected=1) as rows,
    ):
        rows.add(*_row(world, "96"))
        rows.add(*_row(world, "97"))
    assert Building.objects.count() == before


def test_filter_in_finds_exactly_the_listed_values_of_text_and_id_fields(world):
    with Inserter(Building, COLUMNS, expected=3) as rows:
        ids = [rows.add(*_row(world, n)) for n in ("96", "97", "98")]
    mine = Building.objects.filter(pk__in=ids)
    numbers = mine.values_list("number", flat=True)
    # Several thousand values, most unknown: one parameter on PostgreSQL, chunks elsewhere.
    wanted = ["96", "98", *(f"x{i}" for i in range(5000))]
    assert sorted(filter_in(numbers, "number", wanted)) == ["96", "98"]
    assert sorted(filter_in(numbers, "pk", [ids[1], -1, *range(10**9, 10**9 + 3000)])) == ["97"]
    assert list(filter_in(numbers, "number", [])) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one text parameter on PostgreSQL")
def test_filter_in_refuses_a_value_holding_its_separator(world):
    with pytest.raises(ValueError):
        list(filter_in(Building.objects.all(), "number", ["1\x1f2"]))
