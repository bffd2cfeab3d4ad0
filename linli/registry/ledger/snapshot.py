"""The rows a preview parsed, kept beside the stored upload so the commit need not parse
the workbook again (reading, checking and parsing is most of a large import's work).

The snapshot is sealed with the personal-data key (it holds ID numbers and phones, as
the workbook does). Its authenticated context names everything parsing depends on: the
file's SHA-256, the tags the importer may name, the day (birth dates in the future are
refused) and the format version. If any of them differs at commit time, or the
snapshot is missing or damaged, ``load`` returns None and the commit parses the stored
file again. Matching against the registry is never snapshotted: the commit always plans
against the registry as it is then.
"""

from __future__ import annotations

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

VERSION = 1
_FIELDS = (
    "number", "compound", "building", "entrance", "room", "name", "area", "tenure", "gender",
    "birth_date", "id_number", "id_bidx", "phone", "phone_bidx", "relation", "status",
)  # fmt: skip


def _context(sha256: str, tags: dict[str, Tag]) -> str:
    tag_part = ",".join(
        f"{t.pk}:{t.name}:{t.rule}:{t.target}:{int(t.has_level)}"
        for t in sorted(tags.values(), key=lambda t: t.pk)
    )
    return f"ledger-rows|v{VERSION}|{sha256}|{dt.date.today().isoformat()}|{tag_part}"


def name_for(upload_name: str) -> str:
    return f"{upload_name}.rows"


def save(upload_name: str, sha256: str, tags: dict[str, Tag], layout, rows) -> None:
    """Seal the layout and the parsed (error-free) rows next to the stored upload."""
    lines = [
        json.dumps([layout.header_row, layout.columns, layout.headers, layout.unknown,
                    layout.duplicates], ensure_ascii=False).encode()
    ]  # fmt: skip
    for row in rows:
        values = [getattr(row, f) for f in _FIELDS]
        values[6] = None if row.area is None else str(row.area)
        values[9] = None if row.birth_date is None else row.birth_date.toordinal()
        values.append(None if row.tags is None else [[t.pk, level] for t, level in row.tags])
        lines.append(json.dumps(values, ensure_ascii=False).encode())
    blob = pii.seal(b"\n".join(lines), _context(sha256, tags))
    del lines
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
    by_pk = {t.pk: t for t in tags.values()}
    lines = io.BytesIO(plain)
    header_row, columns, headers, unknown, duplicates = json.loads(lines.readline())
    rows = []
    for line in lines:  # one row at a time: a whole parsed document would double the memory
        values = json.loads(line)
        row = LedgerRow(*values[:-1])  # _FIELDS are LedgerRow's leading fields, in order
        if row.area is not None:
            row.area = Decimal(row.area)
        if row.birth_date is not None:
            row.birth_date = dt.date.fromordinal(row.birth_date)
        if values[-1] is not None:
            row.tags = [(by_pk[pk], level) for pk, level in values[-1]]
        rows.append(row)
    return SheetLayout(header_row, columns, headers, unknown, duplicates), rows


def discard(upload_name: str) -> None:
    name = name_for(upload_name)
    if upload_name and default_storage.exists(name):
        default_storage.delete(name)
