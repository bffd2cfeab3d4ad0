"""Fast inserts for large imports: ids allocated up front, rows sent with COPY.

A 100,000-resident ledger creates ~250,000 rows (places, households, residents, tag
links, change history). Django's ``bulk_create`` spends most of its time preparing
each value in Python; PostgreSQL's COPY takes plain tuples. Ids are taken from the
table's sequence in one query per block, so rows can reference each other (a resident
its household) before anything is sent. On other databases (SQLite for a small
office) the same tuples go through ``bulk_create`` with explicit ids, allocated from
MAX(id) while the import holds the database's write lock (see ``lock_street``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

from django.db import connection, models
from django.db.models import F, Max
from django.db.models.expressions import RawSQL

from linli.grids.models import GridNode

ID_BLOCK = 5000


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def lock_street(street_id: int) -> None:
    """Serialise imports into one street. PostgreSQL: lock the street's node row.
    SQLite: a no-op UPDATE takes the database write lock now, which also makes the
    MAX(id) allocation below safe until the transaction ends."""
    if is_postgres():
        list(GridNode.objects.select_for_update().filter(pk=street_id).values_list("pk"))
    else:
        GridNode.objects.filter(pk=street_id).update(code=F("code"))


class Inserter:
    """Collects new rows of one model as tuples and writes them in one go.

    ``add`` returns the new row's id at once. ``columns`` are attribute names
    (``household_id``, not ``household``) and must cover every non-null column.
    ``expected`` (how many rows will come) lets the first id block be fetched in one go.

    Used as a context manager (``with Inserter(...) as rows:``), it streams instead: on
    PostgreSQL the ids of ``expected`` rows are taken on entry and a COPY stays open
    while rows are added, so the database stores each block while Python builds the next;
    no other query may run on the connection inside the block, and more rows than
    ``expected`` is an error. Elsewhere the rows are written on exit.
    """

    def __init__(self, model: type[models.Model], columns: Sequence[str], expected: int = 0):
        self.model = model
        self.expected = expected
        self.block = expected or ID_BLOCK
        self.columns = ["id", *columns]
        self.rows: list[tuple] = []
        self.count = 0
        self._ids: list[int] = []
        self._next_local: int | None = None
        self._sequence: str | None = None
        self._postgres = is_postgres()
        self._stream: contextlib.ExitStack | None = None
        self._write = None

    def __enter__(self) -> Inserter:
        if self._postgres and self.expected:
            self._fetch_ids()
            self._stream = contextlib.ExitStack()
            self._write = self._stream.enter_context(_copy(self.model, self.columns))
        return self

    def __exit__(self, *exc) -> None:
        if self._stream is not None:
            self._stream.__exit__(*exc)
        elif exc[0] is None:
            self.flush()

    def _fetch_ids(self) -> None:
        with connection.cursor() as cursor:
            if self._sequence is None:
                cursor.execute(
                    "SELECT pg_get_serial_sequence(%s, 'id')", [self.model._meta.db_table]
                )
                self._sequence = cursor.fetchone()[0]
            # The sequence named once: looked up per row, the name costs more than the nextval.
            cursor.execute(
                "SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
                [self._sequence, self.block],
            )
            self._ids = [r[0] for r in cursor.fetchall()]
            self._ids.reverse()
        self.block = ID_BLOCK

    def _take_id(self) -> int:
        if self._postgres:
            if not self._ids:
                if self._write is not None:
                    raise RuntimeError("more rows than expected while streaming")
                self._fetch_ids()
            return self._ids.pop()
        if self._next_local is None:
            current = self.model._base_manager.aggregate(m=Max("id"))["m"] or 0
            self._next_local = current + 1
        value = self._next_local
        self._next_local += 1
        return value

    def add(self, *values) -> int:
        pk = self._take_id()
        self.count += 1
        if self._write is not None:
            self._write((pk, *values))
        else:
            self.rows.append((pk, *values))
        return pk

    def flush(self) -> int:
        """Write the collected rows; return how many."""
        rows, self.rows = self.rows, []
        insert_rows(self.model, self.columns, rows)
        return len(rows)


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: list[tuple]) -> None:
    """Insert plain tuples (values in ``columns`` order): COPY on PostgreSQL, else
    ``bulk_create``. Without an ``id`` column the database numbers the rows."""
    if not rows:
        return
    if not is_postgres():
        objs = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        model._base_manager.bulk_create(objs, batch_size=500)
        return
    with _copy(model, columns) as write:
        for row in rows:
            write(row)


@contextlib.contextmanager
def _copy(model: type[models.Model], columns: Sequence[str]) -> Iterator:
    """PostgreSQL: a binary COPY into ``model``'s table; yields a function writing one row.

    Binary, with the columns' types read from the table: psycopg then encodes each value
    straight from its Python type, where the text format would spell every date, time
    and number out as text first (docs/ledger.md, performance notes, has the figures)."""
    from psycopg.types.json import Jsonb

    fields = {f.attname: f for f in model._meta.concrete_fields}
    json_positions = [
        i for i, name in enumerate(columns) if isinstance(fields[name], models.JSONField)
    ]
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(fields[c].column) for c in columns)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        raw.execute(f"SELECT {cols} FROM {table} LIMIT 0")
        types = [column.type_code for column in raw.description]
        with raw.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            if not json_positions:
                yield copy.write_row
                return

            def write(row) -> None:
                row = list(row)
                for i in json_positions:
                    row[i] = Jsonb(row[i])
                copy.write_row(row)

            yield write


_SEPARATOR = "\x1f"  # ASCII unit separator: in no id, key or digest


def filter_in(qs: models.QuerySet, field: str, values) -> Iterator:
    """Rows of ``qs`` whose ``field`` is one of ``values``, for large value lists.

    PostgreSQL gets the list as one text parameter split on the server
    (``= ANY(string_to_array(%s, sep))``): thousands of ``IN`` placeholders cost more to
    build and parse than the lookup itself, and even an array parameter is quoted value by
    value on the client. Elsewhere the list is chunked under SQLite's bound-parameter limit.
    """
    values = list(values)
    if not values:
        return
    if is_postgres():
        meta = qs.model._meta
        column = meta.pk if field == "pk" else meta.get_field(field)
        quote = connection.ops.quote_name
        texts = [str(v) for v in values]
        joined = _SEPARATOR.join(texts)
        if joined.count(_SEPARATOR) != len(texts) - 1:
            raise ValueError("a value holds the list separator")
        array = "string_to_array(%s, %s)"
        if not isinstance(column, (models.CharField, models.TextField)):
            array += f"::{column.db_type(connection)}[]"
        condition = RawSQL(
            f"{quote(meta.db_table)}.{quote(column.column)} = ANY({array})",
            (joined, _SEPARATOR),
            output_field=models.BooleanField(),
        )
        yield from qs.filter(condition)
        return
    for i in range(0, len(values), 2000):
        yield from qs.filter(**{f"{field}__in": values[i : i + 2000]})
