"""Race-free human-readable numbers per street (see ``NumberSequence``)."""

from __future__ import annotations

from django.db import connection

from .models import NumberSequence


def next_number(street_id: int, key: str) -> int:
    """The next value of the street's ``key`` counter (1, 2, 3 ...), gap-free while committed.

    Must run inside the caller's transaction: the row stays locked by the upsert
    until that transaction ends, so two intakes never get the same number and a
    rolled-back intake releases its number.

    One statement (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``, PostgreSQL and
    SQLite ≥ 3.35) creates the counter on first use, increments it and reads it back;
    two callers creating the same counter at once are serialised by the unique
    constraint, not by a retry here.
    """
    qn = connection.ops.quote_name
    table = qn(NumberSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({qn('street_id')}, {qn('key')}, {qn('value')}) "
            f"VALUES (%s, %s, 1) ON CONFLICT ({qn('street_id')}, {qn('key')}) "
            f"DO UPDATE SET {qn('value')} = {table}.{qn('value')} + 1 RETURNING {qn('value')}",
            [street_id, key],
        )
        return cursor.fetchone()[0]
