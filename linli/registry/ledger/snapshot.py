"""The rows a preview parsed, kept beside the stored upload so the commit need not parse
the workbook again (reading, checking and parsing is most of a large import's work).

The snapshot is JSON lines: the sheet layout on the first line, then one parsed row per
line as a list of its values in ``LedgerRow``'s field order (tags as [tag id, level]
pairs). It is sealed with the personal-data key (it holds ID numbers and phones, as the
workbook does). The seal's authenticated context names everything parsing depends on:
the file's SHA-256, the tags the importer may name, the day (birth dates in the future
are refused) and the format version. If any of them differs at commit time, or the
snapshot is missing or damaged, ``load`` returns None and the commit parses the stored
file again. Matching against the registry is never snapshotted: the commit always plans
against the registry as it is then.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from linli.core import pii

from ..models import Tag
from .reader import SheetLayout
from .rows import LedgerRow

VERSION = 5
# LedgerRow's fields but its last two: the tags (kept apart, as tag ids) and the errors (a
# snapshot is only kept of error-free rows). A row is built again from these positionally.
_FIELDS = tuple(f.name for f in dataclasses.fields(LedgerRow) if f.name not in ("tags", "errors"))
_AREA, _BIRTH = _FIELDS.index("area"), _FIELDS.index("birth_date")


def _context(sha256: str, tags: dict[str, Tag]) -> str:
    tag_part = ",".join(
        f"{t.pk}:{t.name}:{t.rule}:{t.target}:{int(t.has_level)}"
        for t in sorted(tags.values(), key=lambda t: t.pk)
    )
    day = dt.date.today().isoformat()
    return f"ledger-rows|v{VERSION}|{sha256}|{day}|{tag_part}"


def name_for(upload_name: str) -> str:
    return f"{upload_name}.rows"


def _line(values) -> str:
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


def _record(row: LedgerRow) -> str:
    values = [getattr(row, name) for name in _FIELDS]
    if row.area is not None:
        values[_AREA] = str(row.area)
    if row.birth_date is not None:
        values[_BIRTH] = row.birth_date.isoformat()
    tags = None if row.tags is None else [[tag.pk, level] for tag, level in row.tags]
    return _line([*values, tags])


def save(upload_name: str, sha256: str, tags: dict[str, Tag], layout, rows) -> None:
    """Seal the layout and the parsed (error-free) rows next to the stored upload."""
    head = [
        layout.header_row,
        layout.columns,
        layout.headers,
        layout.unknown,
        layout.duplicates,
        layout.rows_total,
    ]
    text = io.BytesIO()
    text.write(_line(head).encode())
    for row in rows:
        text.write(b"\n" + _record(row).encode())
    blob = pii.seal(text.getvalue(), _context(sha256, tags))
    name = name_for(upload_name)
    if default_storage.exists(name):
        default_storage.delete(name)
    default_storage.save(name, ContentFile(blob))


def load(upload_name: str, sha256: str, tags: dict[str, Tag]):
    """(layout, rows) as the preview parsed them, or None if they cannot be trusted now."""
    name = name_for(upload_name)
    if not upload_name or not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as handle:
        blob = handle.read()
    try:
        plain = pii.unseal(blob, _context(sha256, tags))
    except pii.PIIError:
        return None
    del blob
    lines = io.BytesIO(plain)  # read a line at a time: one row's values in memory at once
    layout = SheetLayout(*json.loads(lines.readline()))
    by_pk = {t.pk: t for t in tags.values()}
    rows = []
    for line in lines:
        *values, row_tags = json.loads(line)
        row = LedgerRow(*values)  # the values of _FIELDS, in order
        if row.area is not None:
            row.area = Decimal(row.area)
        if row.birth_date is not None:
            row.birth_date = dt.date.fromisoformat(row.birth_date)
        if row_tags is not None:
            row.tags = tuple((by_pk[pk], level) for pk, level in row_tags)
        rows.append(row)
    return layout, rows


def discard(upload_name: str) -> None:
    name = name_for(upload_name)
    if upload_name and default_storage.exists(name):
        default_storage.delete(name)
