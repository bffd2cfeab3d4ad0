"""A small, fast .xlsx writer for exports: one sheet of text and numbers under a bold,
frozen header row, with set column widths.

A street's ledger is 100,000 rows of fourteen cells; a general spreadsheet library
builds an object per cell and spent most of an export's time doing so. Here each row
becomes its XML text at once, streamed to a temporary file, and the workbook's few
fixed parts are written around it when it is saved. Strings are stored inline
(``inlineStr``), which every reader handles, so no shared-string table is needed.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import zipfile
from collections.abc import Iterable
from decimal import Decimal
from xml.sax.saxutils import escape

# XML 1.0 has no place for control characters other than tab, newline and return.
_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)  # fmt: skip
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)  # fmt: skip
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    "</Relationships>"
)  # fmt: skip
# Style 0: the default; 1: bold (the header row); 2: a date shown as 2026-11-22.
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
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
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetViews><sheetView workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    "</sheetView></sheetViews>{cols}<sheetData>"
)
_SHEET_TAIL = "</sheetData></worksheet>"


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; other
    values are returned as they are. For cells holding text people typed."""
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


_EPOCH = dt.datetime(1899, 12, 30)  # day 0 of a spreadsheet's date serial numbers


def _serial(value: dt.date) -> str:
    if not isinstance(value, dt.datetime):
        return str((value - _EPOCH.date()).days)
    return repr((value.replace(tzinfo=None) - _EPOCH) / dt.timedelta(days=1))


def _text(value: str) -> str:
    return escape(value.translate(_CONTROL))


class SheetWriter:
    """Rows in, an .xlsx file out."""

    def __init__(self, title: str, headers: Iterable[str], widths: Iterable[int] = ()):
        self.title = title[:31]  # Excel's limit for a sheet name
        self.widths = list(widths)
        self._row = 0  # the last row written; the header is row 1
        self._letters: list[str] = []
        fd, self._body = tempfile.mkstemp(prefix="linli-sheet-", suffix=".xml")
        self._out = os.fdopen(fd, "w", encoding="utf-8")
        self._write(list(headers), ' s="1"')

    @property
    def rows(self) -> int:
        """How many rows were appended under the header."""
        return self._row - 1

    def append(self, values: list) -> None:
        self._write(values, "")

    def _write(self, values: list, style: str) -> None:
        self._row += 1
        number = self._row
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
                date_style = style or ' s="2"'
                cells.append(f'<c r="{ref}"{date_style}><v>{_serial(value)}</v></c>')
            else:
                text = _text(str(value))
                space = ' xml:space="preserve"' if text != text.strip() else ""
                cells.append(f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>')
        self._out.write(f'<row r="{number}">{"".join(cells)}</row>')

    def save(self) -> str:
        """Write the workbook to a temporary .xlsx file and return its path."""
        self._out.close()
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
            for i, w in enumerate(self.widths, start=1)
        )
        fd, path = tempfile.mkstemp(prefix="linli-export-", suffix=".xlsx")
        os.close(fd)
        try:
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as book:
                book.writestr("[Content_Types].xml", _CONTENT_TYPES)
                book.writestr("_rels/.rels", _ROOT_RELS)
                book.writestr(
                    "xl/workbook.xml", _WORKBOOK.format(name=escape(self.title, {'"': "&quot;"}))
                )
                book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
                book.writestr("xl/styles.xml", _STYLES)
                with book.open("xl/worksheets/sheet1.xml", "w") as sheet:
                    head = _SHEET_HEAD.format(cols=f"<cols>{cols}</cols>" if cols else "")
                    sheet.write(head.encode())
                    with open(self._body, "rb") as body:
                        while chunk := body.read(1 << 20):
                            sheet.write(chunk)
                    sheet.write(_SHEET_TAIL.encode())
        except BaseException:
            os.unlink(path)
            raise
        finally:
            os.unlink(self._body)
        return path
