"""One ledger row → clean values, or errors naming the Excel row and the column header.

Error messages never contain the cell's value: ID numbers and phones must not be copied
into messages, logs or the ImportJob. Only compound and tag names (not personal data)
are quoted back, because the worker needs them to find the typo.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.utils.translation import gettext as _

from linli.core import pii

from ..models import Relation, ResidenceStatus, Tag
from .columns import (
    COLUMN_BY_KEY,
    GENDER_WORDS,
    RELATION_WORDS,
    STATUS_WORDS,
    TENURE_WORDS,
    split_tags,
)
from .reader import SheetLayout, SheetRow, cell_text

DEFAULT_ENTRANCE = "1"
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7}
_CN_DIGITS.update({"八": 8, "九": 9})
_BUILDING_SUFFIX = re.compile(r"(?:#|＃)?(?:号楼|号|幢|栋|楼|座)$")
_ENTRANCE_SUFFIX = re.compile(r"(?:#|＃)?(?:单元|号)$")
_ROOM_SUFFIX = re.compile(r"(?:室|号|房)$")
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_AREA_TEXT = re.compile(r"^(\d+(?:\.\d+)?)\s*(?:㎡|m²|m2|平方米|平米|平)?$")


@dataclass(slots=True)
class RowError:
    row: int | None  # Excel row number; None for the file as a whole
    column: str  # the header as written in the file; "" when the whole row is meant
    code: str
    message: str

    def as_json(self) -> dict:
        return {"row": self.row, "column": self.column, "code": self.code, "message": self.message}


@dataclass(slots=True)
class LedgerRow:
    """A row's values. ``None`` means "not given": an update keeps what is stored."""

    number: int
    compound: str
    building: str
    entrance: str
    room: str
    name: str
    area: Decimal | None = None
    tenure: str | None = None
    gender: str | None = None
    birth_date: dt.date | None = None
    id_number: str = ""
    id_bidx: str = ""
    phone: str = ""
    phone_bidx: str = ""
    # A masked cell as exported (3101**********1234, 138****1234): it stands for the
    # stored value of the person the row matches, and the plan checks that it does.
    id_masked: str = ""
    phone_masked: str = ""
    relation: str | None = None
    status: str | None = None
    tags: tuple[tuple[Tag, str], ...] | None = None  # None: the file has no tag column
    # Tuples, not lists: most rows have none, and an empty tuple is one shared object, so a
    # 100,000-row ledger does not hand Python's cycle collector 100,000 empty lists to walk.
    errors: tuple[RowError, ...] = ()

    @property
    def is_head(self) -> bool:
        return self.relation == _HEAD


_HEAD = Relation.HEAD.value  # a plain str: looking up the enum member is slow per row

_PLACE_KEYS = ("compound", "building", "entrance", "room", "name")
_LIMITS = (80, 20, 20, 20, 60)


@lru_cache(maxsize=4096)
def _area_value(text: str) -> Decimal | None:
    m = _AREA_TEXT.match(text)
    try:
        value = Decimal(m.group(1)) if m else None
    except InvalidOperation:
        return None
    if value is None or value <= 0 or value >= Decimal("1000000"):
        return None
    return value.quantize(Decimal("0.01"))


def chinese_number(text: str) -> str:
    """'二' → '2', '十二' → '12'; anything else unchanged."""
    if not text or any(ch not in _CN_DIGITS and ch != "十" for ch in text):
        return text
    if "十" in text:
        tens, _sep, ones = text.partition("十")
        value = (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
        return str(value)
    return "".join(str(_CN_DIGITS[ch]) for ch in text)


@lru_cache(maxsize=4096)
def building_number(text: str) -> str:
    """'2号楼' / '2幢' / '2栋' / '2#' / '二号楼' / '2' → '2'."""
    value = _BUILDING_SUFFIX.sub("", text.replace(" ", "")).strip("#＃")
    return chinese_number(value)


@lru_cache(maxsize=4096)
def entrance_number(text: str) -> str:
    value = _ENTRANCE_SUFFIX.sub("", text.replace(" ", "")).strip("#＃")
    return chinese_number(value) or DEFAULT_ENTRANCE


@lru_cache(maxsize=4096)
def room_number(text: str) -> str:
    return _ROOM_SUFFIX.sub("", text.replace(" ", ""))


def _is_masked(text: str) -> bool:
    return "*" in text or "＊" in text


def _masked_text(text: str) -> str:
    """A masked ID number or phone as the export writes it: no spaces, ASCII '*', upper X."""
    return "".join(text.split()).replace("＊", "*").upper()


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value)
    m = _DATE_TEXT.match(text)
    if m:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if re.fullmatch(r"\d{8}", text):
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    raise ValueError(text)


class RowParser:
    """Turns sheet rows into ``LedgerRow``s; holds the per-file state (IDs seen so far)."""

    def __init__(self, layout: SheetLayout, tags_by_name: dict[str, Tag]):
        self.layout = layout
        self.tags_by_name = tags_by_name
        self.has_tags = "tags" in layout.columns
        self.seen_ids: dict[str, int] = {}  # blind index → first row number
        self.blind_index = pii.blind_indexer()
        self.today = dt.date.today()

    def header(self, key: str) -> str:
        return self.layout.headers.get(key) or COLUMN_BY_KEY[key].header

    def _error(self, row: LedgerRow, key: str, code: str, message: str) -> None:
        row.errors += (RowError(row.number, self.header(key) if key else "", code, message),)

    def parse(self, sheet_row: SheetRow) -> LedgerRow:
        """One row's values and errors. Written for speed (100,000 rows per import):
        strings skip conversion and repeated place texts hit small caches."""
        cells = sheet_row.cells
        text = {k: v if type(v) is str else cell_text(v) for k, v in cells.items()}
        get = text.get
        row = LedgerRow(
            number=sheet_row.number,
            compound=get("compound", ""),
            building=building_number(get("building", "")),
            entrance=entrance_number(get("entrance", "")),
            room=room_number(get("room", "")),
            name="".join(get("name", "").split()),
        )
        values = (row.compound, row.building, row.entrance, row.room, row.name)
        if not all(values[:2]) or not all(values[3:]):
            for key, value in zip(_PLACE_KEYS, values, strict=True):
                if not value and key != "entrance":
                    self._error(row, key, "required", _("This column must not be empty."))
        for key, value, limit in zip(_PLACE_KEYS, values, _LIMITS, strict=True):
            if len(value) > limit:
                self._error(
                    row, key, "too_long", _("Too long (at most %(n)s characters).") % {"n": limit}
                )
        self._area(row, get("area", ""))
        row.tenure = self._word(row, "tenure", text.get("tenure", ""), TENURE_WORDS)
        row.gender = self._word(row, "gender", text.get("gender", ""), GENDER_WORDS)
        row.relation = self._word(row, "relation", text.get("relation", ""), RELATION_WORDS)
        row.status = self._word(
            row, "residence_status", text.get("residence_status", ""), STATUS_WORDS
        )
        if cells.get("birth_date") not in ("", None):
            try:
                row.birth_date = _date(cells["birth_date"])
            except ValueError:
                self._error(
                    row, "birth_date", "bad_date", _("Not a date; write it like 1950-07-08.")
                )
            else:
                if row.birth_date.year < 1900 or row.birth_date > self.today:
                    self._error(row, "birth_date", "bad_date", _("This birth date is impossible."))
        self._id_number(row, cells.get("id_number"))
        self._phone(row, cells.get("phone"))
        if self.has_tags:
            row.tags = self._tags(row, text.get("tags", ""))
        return row

    def _area(self, row: LedgerRow, text: str) -> None:
        if not text:
            return
        value = _area_value(text)
        if value is None:
            self._error(row, "area", "bad_area", _("The area must be a number of square metres."))
            return
        row.area = value

    def _word(self, row: LedgerRow, key: str, text: str, words: dict[str, str]) -> str | None:
        if not text:
            return None
        value = words.get(
            text.replace(" ", "").upper() if key == "gender" else text.replace(" ", "")
        )
        if value is None:
            allowed = "、".join(dict.fromkeys(k for k in words if not k.isascii()))
            self._error(
                row,
                key,
                "bad_value",
                _("Unknown value; use one of: %(words)s.") % {"words": allowed},
            )
        return value

    def _id_number(self, row: LedgerRow, value: object) -> None:
        if value in ("", None):
            return
        if isinstance(value, (int, float)):
            self._error(
                row,
                "id_number",
                "id_numeric",
                _(
                    "The ID number is stored as a number, so Excel has lost its last digits. "
                    "Format the column as text and type it again."
                ),
            )
            return
        text = str(value)
        if _is_masked(text):
            row.id_masked = _masked_text(text)
            return
        try:
            row.id_number = pii.validate_id_number(text)
        except pii.PIIError as exc:
            self._error(row, "id_number", "bad_id", str(exc))
            return
        row.id_bidx = self.blind_index(row.id_number)
        birth = pii.id_number_birth_date(row.id_number)
        gender = pii.id_number_gender(row.id_number)
        if row.birth_date and row.birth_date != birth:
            self._error(
                row, "birth_date", "birth_mismatch", _("The birth date differs from the ID number.")
            )
        if row.gender and row.gender != gender:
            self._error(
                row, "gender", "gender_mismatch", _("The gender differs from the ID number.")
            )
        row.birth_date, row.gender = birth, gender
        first = self.seen_ids.setdefault(row.id_bidx, row.number)
        if first != row.number:
            self._error(
                row,
                "id_number",
                "duplicate_in_file",
                _("The same ID number is already on row %(row)s of this file.") % {"row": first},
            )

    def _phone(self, row: LedgerRow, value: object) -> None:
        if value in ("", None):
            return
        text = cell_text(value)
        if _is_masked(text):
            row.phone_masked = _masked_text(text)
            return
        try:
            row.phone = pii.validate_phone(text)
        except pii.PIIError as exc:
            self._error(row, "phone", "bad_phone", str(exc))
            return
        row.phone_bidx = self.blind_index(row.phone)

    def _tags(self, row: LedgerRow, text: str) -> tuple[tuple[Tag, str], ...]:
        out: list[tuple[Tag, str]] = []
        for name, level in split_tags(text):
            tag = self.tags_by_name.get(name)
            if tag is None:
                self._error(
                    row, "tags", "unknown_tag", _("Unknown tag “%(name)s”.") % {"name": name[:20]}
                )
                continue
            if tag.rule:
                continue  # derived tags are computed from the data, never imported
            out.append((tag, level[:20] if tag.has_level else ""))
        return tuple(out)


DEFAULT_STATUS = ResidenceStatus.REGISTERED
