"""The project's one .xlsx writer: every export and the ledger template go through it.

A workbook holds one or more sheets of text, numbers and dates; a sheet may start with
a header row (bold, frozen when the sheet scrolls) and have set column widths. Each
appended row becomes its XML text at once and is streamed to a temporary file; the
workbook's few fixed parts are written around the sheets when it is saved. A general
spreadsheet library builds an object per cell, which is most of the work for a street's
ledger (100,000 rows of fourteen cells). Strings are stored inline (``inlineStr``),
which Excel, WPS, LibreOffice, openpyxl and calamine all read, so no shared-string
table is needed.

Every text cell that a spreadsheet would run as a formula (or a DDE payload) is
neutralised with a leading apostrophe (``neutralise``): exported values are typed by
residents and staff, and must never execute on the machine that opens the file.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import zipfile
from collections.abc import Iterable
from decimal import Decimal
from typing import BinaryIO
from xml.sax.saxutils import escape

# A cell starting with one of these is a formula (or DDE payload) to Excel, WPS and LibreOffice.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")

_NOT_IN_SHEET_NAMES = str.maketrans(dict.fromkeys("[]:*?/\\", "_"))
# XML 1.0 has no place for control characters other than tab, newline and return.
_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"

_ROOT_RELS = (
    f'{_XML_HEAD}<Relationships xmlns="{_PKG_RELS}">'
    f'<Relationship Id="rId1" Type="{_DOC_RELS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
# Style 0: the default; 1: bold (header rows); 2: a date shown as 2026-11-22.
_STYLES = (
    f'{_XML_HEAD}<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_FROZEN_TOP_ROW = (
    '<sheetViews><sheetView workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    "</sheetView></sheetViews>"
)
_SHEET_TAIL = "</sheetData></worksheet>"
_BOLD = ' s="1"'
_DATE = ' s="2"'
_EPOCH = dt.datetime(1899, 12, 30)  # day 0 of a spreadsheet's date serial numbers


def neutralise(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _serial(value: dt.date) -> str:
    if not isinstance(value, dt.datetime):
        return str((value - _EPOCH.date()).days)
    return repr((value.replace(tzinfo=None) - _EPOCH) / dt.timedelta(days=1))


def _text(value: str) -> str:
    return escape(value.translate(_CONTROL))


class Sheet:
    """One worksheet of a ``Workbook``; rows are appended with ``append``."""

    def __init__(self, title: str, headers: Iterable[str] | None, widths: Iterable[int]):
        # Excel refuses a workbook whose sheet name is longer than 31 characters or holds
        # one of []:*?/\ (a translated title might).
        self.title = title.translate(_NOT_IN_SHEET_NAMES)[:31]
        self.widths = list(widths)
        self.frozen = headers is not None
        self._number = 0  # the last row written
        self._headers = 1 if headers is not None else 0
        self._letters: list[str] = []
        fd, self._body = tempfile.mkstemp(prefix="linli-sheet-", suffix=".xml")
        self._out = os.fdopen(fd, "w", encoding="utf-8")
        if headers is not None:
            self.append(headers, bold=True)

    @property
    def rows(self) -> int:
        """How many rows were appended under the header (all of them without one)."""
        return self._number - self._headers

    def append(self, values: Iterable, bold: bool = False) -> None:
        """One row: str, int, float, Decimal, bool, date and datetime cells; None or ""
        leaves the cell empty. Text is neutralised against formula injection."""
        values = list(values)
        self._number += 1
        number = self._number
        style = _BOLD if bold else ""
        while len(self._letters) < len(values):
            self._letters.append(column_letter(len(self._letters)))
        cells = []
        for letter, value in zip(self._letters, values, strict=False):
            ref = f"{letter}{number}"
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                cells.append(f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, int | float | Decimal):
                cells.append(f'<c r="{ref}"{style}><v>{value}</v></c>')
            elif isinstance(value, dt.date):
                cells.append(f'<c r="{ref}"{style or _DATE}><v>{_serial(value)}</v></c>')
            else:
                text = _text(neutralise(str(value)))
                space = ' xml:space="preserve"' if text != text.strip() else ""
                cells.append(f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>')
        self._out.write(f'<row r="{number}">{"".join(cells)}</row>')

    def _head(self) -> str:
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
            for i, w in enumerate(self.widths, start=1)
        )
        return (
            f'{_XML_HEAD}<worksheet xmlns="{_MAIN}">'
            + (_FROZEN_TOP_ROW if self.frozen else "")
            + (f"<cols>{cols}</cols>" if cols else "")
            + "<sheetData>"
        )

    def _copy_to(self, book: zipfile.ZipFile, member: str) -> None:
        self._out.close()
        with book.open(member, "w") as sheet, open(self._body, "rb") as body:
            sheet.write(self._head().encode())
            while chunk := body.read(1 << 20):
                sheet.write(chunk)
            sheet.write(_SHEET_TAIL.encode())

    def _discard(self) -> None:
        self._out.close()
        if os.path.exists(self._body):
            os.unlink(self._body)


class Workbook:
    """Sheets in, an .xlsx out: ``book.sheet(...)``, ``append`` rows, then ``save``.

    Each sheet keeps its rows in a temporary file until the workbook is saved; ``save``
    removes them (also when it fails), so a workbook is saved once. Used as a context
    manager, a workbook left unsaved (an error while building it) removes them too.
    """

    def __init__(self) -> None:
        self.sheets: list[Sheet] = []

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc) -> None:
        for sheet in self.sheets:
            sheet._discard()

    def sheet(
        self, title: str, headers: Iterable[str] | None = None, widths: Iterable[int] = ()
    ) -> Sheet:
        """A new sheet; ``headers`` become its first row, bold, and stay in view."""
        sheet = Sheet(title, headers, widths)
        self.sheets.append(sheet)
        return sheet

    def save(self, target: BinaryIO | None = None) -> str | None:
        """Write the workbook into ``target`` (a binary file object), or into a new
        temporary .xlsx file whose path is returned (the caller removes it)."""
        if target is not None:
            self._write(target)
            return None
        fd, path = tempfile.mkstemp(prefix="linli-export-", suffix=".xlsx")
        try:
            with os.fdopen(fd, "wb") as out:
                self._write(out)
        except BaseException:
            os.unlink(path)
            raise
        return path

    def _write(self, out: BinaryIO) -> None:
        if not self.sheets:
            raise ValueError("a workbook needs at least one sheet")
        try:
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as book:
                book.writestr("[Content_Types].xml", self._content_types())
                book.writestr("_rels/.rels", _ROOT_RELS)
                book.writestr("xl/workbook.xml", self._workbook())
                book.writestr("xl/_rels/workbook.xml.rels", self._workbook_rels())
                book.writestr("xl/styles.xml", _STYLES)
                for n, sheet in enumerate(self.sheets, start=1):
                    sheet._copy_to(book, f"xl/worksheets/sheet{n}.xml")
        finally:
            for sheet in self.sheets:
                sheet._discard()

    def _content_types(self) -> str:
        sheets = "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{_SHEET_TYPE}"/>'
            for n in range(1, len(self.sheets) + 1)
        )
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml"
        return (
            f"{_XML_HEAD}"
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{kind}.sheet.main+xml"/>'
            f"{sheets}"
            f'<Override PartName="/xl/styles.xml" ContentType="{kind}.styles+xml"/>'
            "</Types>"
        )

    def _workbook(self) -> str:
        sheets = "".join(
            f'<sheet name="{escape(s.title, {chr(34): "&quot;"})}" sheetId="{n}" r:id="rId{n}"/>'
            for n, s in enumerate(self.sheets, start=1)
        )
        return (
            f'{_XML_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_DOC_RELS}">'
            f"<sheets>{sheets}</sheets></workbook>"
        )

    def _workbook_rels(self) -> str:
        links = "".join(
            f'<Relationship Id="rId{n}" Type="{_DOC_RELS}/worksheet" '
            f'Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, len(self.sheets) + 1)
        )
        styles = len(self.sheets) + 1
        return (
            f'{_XML_HEAD}<Relationships xmlns="{_PKG_RELS}">{links}'
            f'<Relationship Id="rId{styles}" Type="{_DOC_RELS}/styles" Target="styles.xml"/>'
            "</Relationships>"
        )
