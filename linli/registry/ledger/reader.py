"""Reading a ledger sheet: find the header row, map columns, yield rows as text per column.

The header row is looked for in the first ``HEADER_SCAN_ROWS`` rows, so merged title rows
("XX居民区住户台账 2026年") above it are skipped. Columns may come in any order; headers we
do not know are reported back, not refused. The file must have passed
``safety.check_workbook`` first: calamine builds the whole sheet grid in memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

import python_calamine
from django.utils.translation import gettext as _

from linli.core.xlsx import FORMULA_START

from .columns import COLUMN_BY_KEY, REQUIRED_KEYS, column_for_header
from .safety import LedgerFileError

HEADER_SCAN_ROWS = 10


@dataclass
class SheetLayout:
    header_row: int  # Excel row number of the header
    columns: dict[str, int]  # column key → index in the row
    headers: dict[str, str]  # column key → header text as written in the file
    unknown: list[str] = field(default_factory=list)  # headers we do not use
    duplicates: list[str] = field(default_factory=list)  # a second column for the same key
    rows_total: int = 0  # rows below the header, empty ones included (for progress)


def open_sheet(path: str):
    """The first worksheet, read by calamine; a file calamine refuses is a LedgerFileError."""
    try:
        workbook = python_calamine.load_workbook(path)
        return workbook.get_sheet_by_index(0)
    except Exception:  # calamine raises its own and Rust-panic errors for broken content
        raise LedgerFileError(
            _("The workbook could not be read. Open it in Excel or WPS and save it again."),
            "unreadable",
        ) from None


def find_layout(first_rows: list[list], first_row_number: int) -> SheetLayout:
    """Choose the header row: the one (of the first rows) naming the most known columns."""
    best: tuple[int, int] | None = None  # (known columns, index)
    for index, row in enumerate(first_rows[:HEADER_SCAN_ROWS]):
        known = {column_for_header(cell) for cell in row} - {None}
        if len(known) >= 2 and (best is None or len(known) > best[0]):
            best = (len(known), index)
    if best is None:
        raise LedgerFileError(
            _(
                "No header row found in the first %(n)s rows. The ledger needs a row of "
                "column names such as 小区, 楼号, 室号, 姓名."
            )
            % {"n": HEADER_SCAN_ROWS},
            "no_header",
        )
    index = best[1]
    layout = SheetLayout(header_row=first_row_number + index, columns={}, headers={})
    for col, cell in enumerate(first_rows[index]):
        text = str(cell).strip() if cell not in (None, "") else ""
        if not text:
            continue
        key = column_for_header(cell)
        if key is None:
            layout.unknown.append(text)
        elif key in layout.columns:
            layout.duplicates.append(text)
        else:
            layout.columns[key] = col
            layout.headers[key] = text
    missing = [COLUMN_BY_KEY[k].header for k in REQUIRED_KEYS if k not in layout.columns]
    if missing:
        raise LedgerFileError(
            _("The header row lacks required columns: %(cols)s.") % {"cols": "、".join(missing)},
            "missing_columns",
        )
    return layout


@dataclass(slots=True)
class SheetRow:
    number: int  # Excel row number, as the worker sees it
    cells: dict[str, object]  # column key → raw cell value (str, float, int, date, ...)


def read_rows(path: str) -> tuple[SheetLayout, Iterator[SheetRow]]:
    """The layout and an iterator over the non-empty data rows below the header."""
    sheet = open_sheet(path)
    start_row = (sheet.start or (0, 0))[0] + 1 if sheet.height else 1
    rows = sheet.iter_rows()
    head: list[list] = []
    for row in rows:
        head.append(row)
        if len(head) >= HEADER_SCAN_ROWS:
            break
    layout = find_layout(head, start_row)
    layout.rows_total = max(0, start_row + (sheet.height or 0) - 1 - layout.header_row)
    columns = list(layout.columns.items())

    def generate() -> Iterator[SheetRow]:
        number = start_row
        for row in head:
            if number > layout.header_row:
                yield from _row(row, number, columns)
            number += 1
        for row in rows:
            yield from _row(row, number, columns)
            number += 1

    return layout, generate()


def _row(row: list, number: int, columns: list[tuple[str, int]]) -> Iterator[SheetRow]:
    width = len(row)
    cells = {}
    empty = True
    for key, col in columns:
        value = row[col] if col < width else ""
        if isinstance(value, str):
            value = value.strip()
            if value[:1] == "'" and value[1:2] in FORMULA_START:
                value = value[1:]  # an export's neutralised cell ('=…) reads as it was stored
        if value not in ("", None):
            empty = False
        cells[key] = value
    if not empty:
        yield SheetRow(number, cells)


def cell_text(value: object) -> str:
    """A cell as the text the worker typed: 1401.0 → '1401', dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()
