"""Checks an uploaded workbook before any spreadsheet parser sees it.

A hostile .xlsx can exhaust memory or time long before a parser returns: a zip bomb,
XML entity expansion, a million rows, or one far-away cell (XFD1048576) that makes the
reader allocate the whole dense rectangle (calamine aborts the process on that). So
this module reads the zip directory and then decompresses every member itself, in
bounded chunks, checking:

- the file is a zip (an .xls or a password-protected workbook is an OLE file);
- the sum of the declared uncompressed sizes, each member's compression ratio, and the
  bytes that really come out (a lying directory fails the CRC check or the cap);
- no XML member declares a DOCTYPE or ENTITY, and none is UTF-16 (which would hide one);
- the first worksheet's size: its row count, its highest row number and its widest
  column, so the dense grid the reader builds stays within the limits.

Every failure is a ``LedgerFileError`` with a message for people.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath
from xml.etree import ElementTree

from django.conf import settings
from django.utils.translation import gettext as _

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_RATIO = 200  # deflate on real sheet XML stays well under this; bombs are ~1000:1
RATIO_FLOOR_BYTES = 1024 * 1024  # tiny members may compress absurdly well; ignore them
MAX_COLUMNS = 64  # a ledger has ~15 columns; this bounds the reader's dense grid
HEADER_ALLOWANCE = 20  # title and header rows on top of the data row limit
_CHUNK = 1024 * 1024
_TAIL = 64 * 1024

_DANGEROUS = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
_CELL_WITH_REF = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\s[^>]*?\br=\"[A-Z]")
# Column letters beyond MAX_COLUMNS (BL): three letters, C?-Z?, or BM-BZ. The pattern starts
# with a literal so the regex engine can skip ahead; row references are digits only.
_WIDE_REF = re.compile(rb' r="(?:[A-Z]{3}|[C-Z][A-Z]|B[M-Z])[0-9]')
_PREFIXED = re.compile(rb"<[A-Za-z_][\w.-]*:sheetData\b")


class LedgerFileError(Exception):
    """The upload is not a workbook we will read; ``message`` is for people."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class SheetSize:
    rows: int  # <row> elements in the first worksheet
    highest_row: int  # the highest row number named by a row or cell reference


def _limits() -> tuple[int, int, int]:
    return (
        settings.LINLI_IMPORT_MAX_BYTES,
        settings.LINLI_IMPORT_MAX_UNCOMPRESSED_BYTES,
        settings.LINLI_IMPORT_MAX_ROWS,
    )


def _not_xlsx() -> LedgerFileError:
    return LedgerFileError(
        _("This file is not an Excel workbook (.xlsx). Save it as .xlsx and upload it again."),
        "not_xlsx",
    )


def _too_big_inside() -> LedgerFileError:
    return LedgerFileError(
        _("This workbook unpacks to far more data than a ledger holds; it was refused."),
        "zip_bomb",
    )


def _first_sheet_member(zf: zipfile.ZipFile, read) -> str:
    """The zip member holding the workbook's first worksheet (what the reader imports)."""
    workbook = ElementTree.fromstring(read("xl/workbook.xml"))
    ns_main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    sheet = workbook.find(f"{ns_main}sheets/{ns_main}sheet")
    if sheet is None:
        raise LedgerFileError(_("This workbook has no worksheet."), "no_sheet")
    rel_id = sheet.get(f"{ns_rel}id")
    rels = ElementTree.fromstring(read("xl/_rels/workbook.xml.rels"))
    for rel in rels:
        if rel.get("Id") == rel_id:
            target = rel.get("Target") or ""
            if target.startswith("/"):
                return target.lstrip("/")
            return str(PurePosixPath("xl") / target)
    raise LedgerFileError(_("This workbook has no worksheet."), "no_sheet")


def check_workbook(path: str, size: int | None = None) -> SheetSize:
    """Refuse anything but a plain, reasonably sized .xlsx; return the first sheet's size.

    Never raises anything but ``LedgerFileError`` for a bad file.
    """
    max_bytes, max_uncompressed, max_rows = _limits()
    with open(path, "rb") as handle:
        magic = handle.read(8)
        handle.seek(0, 2)
        actual_size = handle.tell()
    if (size if size is not None else actual_size) > max_bytes:
        raise LedgerFileError(
            _("The file is larger than %(mb)s MB. Split the ledger into several files.")
            % {"mb": max_bytes // (1024 * 1024)},
            "too_large",
        )
    if magic.startswith(OLE_MAGIC):
        raise LedgerFileError(
            _(
                "This is an old .xls file or a password-protected workbook. Remove the "
                "password and save it as .xlsx."
            ),
            "ole",
        )
    if not magic.startswith(ZIP_MAGIC):
        raise _not_xlsx()
    try:
        with zipfile.ZipFile(path) as zf:
            return _check_members(zf, max_uncompressed, max_rows)
    except LedgerFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError):
        raise LedgerFileError(
            _("The workbook is damaged (its zip structure cannot be read). Save it again."),
            "corrupt",
        ) from None
    except (ElementTree.ParseError, KeyError, NotImplementedError, RuntimeError, ValueError):
        raise _not_xlsx() from None


def _check_members(zf: zipfile.ZipFile, max_uncompressed: int, max_rows: int) -> SheetSize:
    infos = zf.infolist()
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise _not_xlsx()
    if sum(info.file_size for info in infos) > max_uncompressed:
        raise _too_big_inside()
    for info in infos:
        if info.flag_bits & 0x1:
            raise LedgerFileError(
                _("The workbook is encrypted. Remove the password and save it again."),
                "encrypted",
            )
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise _too_big_inside()
    # Entity declarations are refused in every XML member before anything parses one.
    budget = [max_uncompressed]
    for info in infos:
        if _is_xml(info.filename):
            _scan(zf, info, budget)
    read = _bounded_reader(zf)
    sheet_name = _first_sheet_member(zf, read)
    if sheet_name not in names:
        raise _not_xlsx()
    size = _scan(zf, zf.getinfo(sheet_name), [max_uncompressed], measure=True)
    assert size is not None
    if max(size.rows, size.highest_row) > max_rows + HEADER_ALLOWANCE:
        raise LedgerFileError(
            _("The sheet has more than %(max)s rows. Split the ledger into several files.")
            % {"max": f"{max_rows:,}"},
            "too_many_rows",
        )
    # Non-XML members (images, printer settings) are decompressed too: their CRC and true
    # size are checked, so a lying directory cannot smuggle a bomb past the sums above.
    for info in infos:
        if not _is_xml(info.filename):
            _scan(zf, info, budget)
    return size


def _is_xml(name: str) -> bool:
    return name.endswith((".xml", ".rels", ".vml"))


def _bounded_reader(zf: zipfile.ZipFile):
    def read(name: str) -> bytes:
        info = zf.getinfo(name)
        if info.file_size > 10 * 1024 * 1024:
            raise _too_big_inside()
        return zf.read(name)

    return read


def _scan(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int], measure=False):
    """Decompress one member in chunks; refuse entity tricks, count the sheet's extent."""
    is_xml = _is_xml(info.filename)
    rows = 0
    highest = 0
    implicit_cells = False
    tail = b""
    digits = len(str(settings.LINLI_IMPORT_MAX_ROWS))
    big_ref = re.compile(rb' r="[A-Z]{0,3}([0-9]{%d,})"' % digits)
    prefixed = False
    first = True
    with zf.open(info) as member:
        while True:
            chunk = member.read(_CHUNK)
            if not chunk:
                break
            budget[0] -= len(chunk)
            if budget[0] < 0:
                raise _too_big_inside()
            if not is_xml:
                continue
            if first:
                first = False
                prefixed = bool(_PREFIXED.search(chunk))
                if chunk.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in chunk[:4]:
                    raise LedgerFileError(
                        _("The workbook uses an XML encoding we do not accept. Save it again."),
                        "xml_encoding",
                    )
            data = tail + chunk
            cut = data.rfind(b"<")
            if cut < 0 or len(data) - cut > _TAIL:
                cut = len(data)
            body, tail = data[:cut], data[cut:]
            _scan_text(body)
            if measure:
                rows += _count_rows(body, prefixed)
                if _WIDE_REF.search(body):
                    raise _too_wide()
                if not implicit_cells:
                    implicit_cells = _has_implicit_cells(body, prefixed)
                found = set(big_ref.findall(body))
                if found:
                    highest = max(highest, *map(int, found))
    if is_xml and tail:
        _scan_text(tail)
        if measure:
            rows += _count_rows(tail, prefixed)
    if not measure:
        return None
    if implicit_cells:
        _check_implicit_width(zf, info)
    return SheetSize(rows=rows, highest_row=highest)


def _count_rows(body: bytes, prefixed: bool) -> int:
    if prefixed:
        return len(_ROW_TAG.findall(body))
    return body.count(b"<row ") + body.count(b"<row>") + body.count(b"<row/>")


def _has_implicit_cells(body: bytes, prefixed: bool) -> bool:
    """Whether some cell may lack its reference. Counting is exact for the usual writers
    (Excel, WPS, openpyxl put ``r`` first); anything unusual takes the slow, exact path."""
    if prefixed:
        return len(_CELL_TAG.findall(body)) != len(_CELL_WITH_REF.findall(body))
    cells = body.count(b"<c ") + body.count(b"<c>") + body.count(b"<c/>")
    return cells != body.count(b'<c r="')


def _scan_text(body: bytes) -> None:
    if _DANGEROUS.search(body):
        raise LedgerFileError(
            _("The workbook contains XML declarations (DOCTYPE/ENTITY) that are not allowed."),
            "xml_entities",
        )


def _too_wide() -> LedgerFileError:
    return LedgerFileError(
        _(
            "The sheet uses more than %(max)s columns; a ledger needs far fewer. Delete the extra columns."
        )
        % {"max": MAX_COLUMNS},
        "too_many_columns",
    )


def _check_implicit_width(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Cells without a reference take the next column: count them per row (rare writers)."""
    token = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)[\s/>]")
    width = 0
    tail = b""
    with zf.open(info) as member:
        while True:
            chunk = member.read(_CHUNK)
            if not chunk:
                break
            data = tail + chunk
            cut = data.rfind(b"<")
            if cut < 0 or len(data) - cut > _TAIL:
                cut = len(data)
            body, tail = data[:cut], data[cut:]
            for kind in token.findall(body):
                if kind == b"row":
                    width = 0
                else:
                    width += 1
                    if width > MAX_COLUMNS:
                        raise _too_wide()
