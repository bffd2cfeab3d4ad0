"""The rows a preview parsed, kept beside the stored upload so the commit need not parse
the workbook again (reading, checking and parsing is most of a large import's work).

The snapshot is sealed with the personal-data key (it holds ID numbers and phones, as
the workbook does). Its authenticated context names everything parsing depends on: the
file's SHA-256, the tags the importer may name, the day (birth dates in the future are
refused) and the format version. If any of them differs at commit time, or the
snapshot is missing or damaged, ``load`` returns None and the commit parses the stored
file again. Matching against the registry is never snapshotted: the commit always plans
against the registry as it is then.

The rows are plain tuples in ``marshal`` format, in lists of ``CHUNK``, each list after
its length in bytes, so that it is read with ``marshal.loads`` from a slice of the buffer
(``marshal.load`` from a file object reads a value at a time, twenty times slower).
``marshal`` trusts its input and changes between Python versions, so the context names
the marshal version too, and only a blob that this installation sealed (the AEAD tag
checks) is ever loaded.
"""

from __future__ import annotations

import datetime as dt
import marshal
import struct
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from linli.core import pii

from ..models import Tag
from .reader import SheetLayout
from .rows import LedgerRow

VERSION = 4
CHUNK = 5000  # rows per marshalled list
_LENGTH = struct.Struct("<I")  # a marshalled list's size in bytes, before it
_FIELDS = (
    "number", "compound", "building", "entrance", "room", "name", "area", "tenure", "gender",
    "birth_date", "id_number", "id_bidx", "phone", "phone_bidx", "id_masked", "phone_masked",
    "relation", "status",
)  # fmt: skip


def _context(sha256: str, tags: dict[str, Tag]) -> str:
    tag_part = ",".join(
        f"{t.pk}:{t.name}:{t.rule}:{t.target}:{int(t.has_level)}"
        for t in sorted(tags.values(), key=lambda t: t.pk)
    )
    day = dt.date.today().isoformat()
    return f"ledger-rows|v{VERSION}.{marshal.version}|{sha256}|{day}|{tag_part}"


def name_for(upload_name: str) -> str:
    return f"{upload_name}.rows"


def _record(row: LedgerRow) -> tuple:
    # Plain str: marshal refuses str subclasses such as the choices (Relation.HEAD).
    values = [str(v) if isinstance(v, str) else v for v in map(row.__getattribute__, _FIELDS)]
    values[6] = None if row.area is None else str(row.area)
    values[9] = None if row.birth_date is None else row.birth_date.toordinal()
    values.append(None if row.tags is None else tuple((t.pk, level) for t, level in row.tags))
    return tuple(values)


def save(upload_name: str, sha256: str, tags: dict[str, Tag], layout, rows) -> None:
    """Seal the layout and the parsed (error-free) rows next to the stored upload."""
    head = (layout.header_row, layout.columns, layout.headers, layout.unknown, layout.duplicates)
    parts = [*_framed(head)]
    for i in range(0, len(rows), CHUNK):
        parts += _framed([_record(row) for row in rows[i : i + CHUNK]])
    blob = pii.seal(b"".join(parts), _context(sha256, tags))
    del parts
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
    pieces = _pieces(memoryview(plain))
    head = next(pieces)
    by_pk = {t.pk: t for t in tags.values()}
    rows = []
    for chunk in pieces:  # a list at a time: less memory at once
        for values in chunk:
            row = LedgerRow(*values[:-1])  # _FIELDS are LedgerRow's leading fields, in order
            if row.area is not None:
                row.area = Decimal(row.area)
            if row.birth_date is not None:
                row.birth_date = dt.date.fromordinal(row.birth_date)
            if values[-1] is not None:
                row.tags = [(by_pk[pk], level) for pk, level in values[-1]]
            rows.append(row)
    header_row, columns, headers, unknown, duplicates = head
    return SheetLayout(header_row, columns, headers, unknown, duplicates), rows


def _framed(value) -> tuple[bytes, bytes]:
    data = marshal.dumps(value)
    return _LENGTH.pack(len(data)), data


def _pieces(view: memoryview):
    """The marshalled values of a snapshot, one after the other."""
    at = 0
    while at < len(view):
        (size,) = _LENGTH.unpack_from(view, at)
        at += _LENGTH.size
        yield marshal.loads(view[at : at + size])
        at += size


def discard(upload_name: str) -> None:
    name = name_for(upload_name)
    if upload_name and default_storage.exists(name):
        default_storage.delete(name)
