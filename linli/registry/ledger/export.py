"""Registry lists to .xlsx: households with their members, residents, compounds.

Rows come from the registry selectors (scope first), narrowed to what the actor may
export. Phones and ID numbers are masked unless the actor holds ``view_pii`` *and* gives
a reason. The builders run in the worker (``export_jobs``): they read everything in one
transaction (``core.db.atomic_reads``: on the replica when the caller reads from it), then
write the sheet outside it, telling ``progress`` how far they are; a report made inside
the read transaction would not be seen before it ends. An unmasked file says how many
records of each street it shows in full (``ExportFile.unmasked``); each download of it
writes one summary row per street to the personal-data access log
(``record_unmasked_download``: channel "export", with the record count and the reason).
Files are written by the project's one workbook writer, ``linli.core.xlsx``, which
neutralises every text cell against formula injection.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import pii
from linli.core.audit import record_pii_access
from linli.core.db import atomic_reads
from linli.core.errors import InvalidInput
from linli.core.xlsx import Workbook
from linli.grids import permissions as perms
from linli.registry import permissions as rp

from ..models import (
    Compound,
    CompoundKind,
    ExportPhase,
    Household,
    HouseholdTag,
    Progress,
    Relation,
    Resident,
    ResidentTag,
)
from ..selectors.households import (
    HouseholdFilters,
    household_list,
    resident_list,
    visible_tags,
)
from .columns import (
    GENDER_LABEL,
    RELATION_LABEL,
    STATUS_LABEL,
    TEMPLATE_HEADERS,
    TENURE_LABEL,
    format_tags,
)

HOUSEHOLD_HEADERS = TEMPLATE_HEADERS
LEDGER_WIDTHS = (14, 8, 6, 8, 8, 6, 10, 5, 12, 21, 15, 10, 8, 24)  # characters, per column
RESIDENT_HEADERS = (
    "姓名",
    "性别",
    "出生日期",
    "身份证号",
    "联系电话",
    "与户主关系",
    "户籍类型",
    "小区",
    "楼号",
    "单元",
    "室号",
    "标签",
)
COMPOUND_HEADERS = ("小区", "地址", "建成年份", "类型", "物业公司", "网格", "楼栋数", "户数")
KIND_LABEL = {
    CompoundKind.COMMODITY: "商品房",
    CompoundKind.PUBLIC: "公房",
    CompoundKind.OLD_LANE: "旧里",
    CompoundKind.RESETTLEMENT: "回迁房",
    CompoundKind.OTHER: "其他",
}
PROGRESS_EVERY = 1000  # rows written between two progress reports


@dataclass
class ExportFile:
    path: str  # a temporary file: whoever takes it removes it
    filename: str
    rows: int
    # An unmasked file's records shown in full: [[street id, how many, the id when one]].
    unmasked: list[list] = field(default_factory=list)


class _Written:
    """Rows written so far, told to ``progress`` every ``PROGRESS_EVERY`` rows."""

    def __init__(self, progress: Progress | None, total: int):
        self.progress, self.total, self.next = progress, total, PROGRESS_EVERY
        if progress:
            progress(ExportPhase.WRITING, 0, total)

    def at(self, rows: int) -> None:
        if self.progress and rows >= self.next:
            self.progress(ExportPhase.WRITING, rows, self.total)
            self.next = rows + PROGRESS_EVERY


def _reading(progress: Progress | None) -> None:
    if progress:
        progress(ExportPhase.READING, 0, 0)


def _scoped_households(actor, filters: HouseholdFilters) -> QuerySet[Household]:
    exportable = perms.filter_to_scope(Household.objects.all(), actor, rp.EXPORT)
    return household_list(actor, filters).filter(pk__in=exportable.values("pk"))


def _scoped_residents(actor, filters: HouseholdFilters) -> QuerySet[Resident]:
    """Residents in export scope. The household filters apply to a resident's household,
    except the text box, which searches residents themselves (name, phone, ID)."""
    qs = resident_list(actor, filters.q)
    exportable = perms.filter_to_scope(Resident.objects.all(), actor, rp.EXPORT)
    qs = qs.filter(pk__in=exportable.values("pk"))
    if filters.node_id or filters.tag_ids or filters.tenure:
        households = household_list(actor, HouseholdFilters(**{**filters.__dict__, "q": ""}))
        qs = qs.filter(household_id__in=households.values("pk"))
    return qs


def _pii_allowed(actor, model, ids_qs: QuerySet) -> set[int]:
    return set(
        perms.filter_to_scope(model.objects.all(), actor, perms.VIEW_PII)
        .filter(pk__in=ids_qs)
        .values_list("pk", flat=True)
    )


def _shown_in_full(pairs: Iterable[tuple[int, int]]) -> list[list]:
    """(street, resident) pairs written unmasked as ``ExportFile.unmasked``."""
    by_street: dict[int, list[int]] = {}
    for street_id, resident_id in pairs:
        by_street.setdefault(street_id, []).append(resident_id)
    return [
        [street_id, len(ids), ids[0] if len(ids) == 1 else None]
        for street_id, ids in sorted(by_street.items())
    ]


@transaction.atomic
def record_unmasked_download(*, actor, unmasked: list[list], reason: str) -> None:
    """One access-log row per street for a download of an unmasked file (the record
    count; the record itself when there is one), as the page's unmasking is logged."""
    for street_id, count, only_id in unmasked:
        record_pii_access(
            actor=actor,
            street_id=street_id,
            target_type="registry.resident",
            target_ids=[only_id] if only_id else None,
            record_count=count,
            fields="id_number,phone",
            reason=reason,
            channel="export",
        )


def check_unmask(actor, reason: str | None) -> str:
    """The cleaned reason when an unmasked export is asked for; refuses without view_pii."""
    reason = (reason or "").strip()
    if not perms.can(actor, perms.VIEW_PII):
        raise InvalidInput(_("You may not export unmasked personal data."), field="reason")
    if not reason:
        raise InvalidInput(_("Say why you need the full numbers."), field="reason")
    return reason


def _filename(actor, label: str) -> str:
    """'宝山路街道-households-20261122.xlsx': the street (when one) tells files apart."""
    from linli.grids.models import GridNode

    streets = list(
        GridNode.objects.filter(pk__in=perms.streets(actor, rp.EXPORT)).values_list(
            "name", flat=True
        )[:2]
    )
    prefix = f"{streets[0]}-" if len(streets) == 1 else ""
    return f"{prefix}{label}-{timezone.localdate():%Y%m%d}.xlsx"


_PLACE = "dwelling__entrance__building__"
_HOUSEHOLD_COLUMNS = (
    "pk",
    f"{_PLACE}compound__name",
    f"{_PLACE}number",
    "dwelling__entrance__number",
    "dwelling__room",
    "dwelling__area_m2",
    "tenure",
)
_PERSON_COLUMNS = (
    "pk",
    "street_id",
    "name",
    "gender",
    "birth_date",
    "id_number_enc",
    "phone_enc",
    "relation",
    "residence_status",
)
_RELATION = _PERSON_COLUMNS.index("relation")


def _tag_map(model, owner: str, tags: QuerySet, owners: QuerySet) -> dict[int, list]:
    """Owner id → [(tag name, level)] for the visible tags of the owners in ``owners``.

    The owners' ids are read first and asked for in batches: nested ``IN (subquery)``
    filters left PostgreSQL guessing the subquery's size, and on a freshly loaded street
    it chose a plan that ran for minutes."""
    out: dict[int, list] = {}
    tag_ids = list(tags.values_list("pk", flat=True))
    owner_ids = list(owners.values_list("pk", flat=True).order_by())
    for start in range(0, len(owner_ids), BATCH):
        rows = (
            model.objects.filter(
                tag_id__in=tag_ids, **{f"{owner}_id__in": owner_ids[start : start + BATCH]}
            )
            .order_by("tag__order", "tag_id")
            .values_list(f"{owner}_id", "tag__name", "level")
        )
        for owner_id, name, level in rows:
            out.setdefault(owner_id, []).append((name, level))
    return out


BATCH = 5000


def _person_cells(person: tuple, clear: bool, unmasked: list) -> list:
    pk, street_id, name, gender, birth, id_enc, phone_enc, relation, status = person
    idn, phone = pii.decrypt(id_enc), pii.decrypt(phone_enc)
    if clear:
        if idn or phone:
            unmasked.append((street_id, pk))
    else:
        idn, phone = pii.mask_id_number(idn), pii.mask_phone(phone)
    return [
        name,
        GENDER_LABEL.get(gender, ""),
        birth,
        idn,
        phone,
        RELATION_LABEL.get(relation, ""),
        STATUS_LABEL.get(status, ""),
    ]


@dataclass
class _HouseholdData:
    households: list[tuple]  # _HOUSEHOLD_COLUMNS, in address order
    members: dict[int, list[tuple]]  # household id → _PERSON_COLUMNS, the head first
    resident_tags: dict[int, list]
    household_tags: dict[int, list]
    clear_ids: set[int]  # households whose members' numbers are written in full


@atomic_reads
def _read_households(actor, filters: HouseholdFilters, unmask: bool) -> _HouseholdData:
    """Everything the household file shows: a fixed number of queries, plain tuples."""
    tags = visible_tags(actor, perms.streets(actor, rp.VIEW))
    scoped = _scoped_households(actor, filters).prefetch_related(None)
    ids = scoped.values("pk")
    members: dict[int, list[tuple]] = {}
    people = (
        Resident.objects.filter(household__in=ids)
        .order_by("household_id", "id")
        .values_list("household_id", *_PERSON_COLUMNS)
    )
    for household_id, *person in people.iterator(chunk_size=5000):
        members.setdefault(household_id, []).append(tuple(person))
    for people_here in members.values():
        # The head's row first: on import, a 户主 row starts the next household of a dwelling.
        people_here.sort(key=lambda person: person[_RELATION] != Relation.HEAD)
    return _HouseholdData(
        households=list(scoped.values_list(*_HOUSEHOLD_COLUMNS).iterator(chunk_size=5000)),
        members=members,
        resident_tags=_tag_map(
            ResidentTag, "resident", tags, Resident.objects.filter(household__in=ids).values("pk")
        ),
        household_tags=_tag_map(HouseholdTag, "household", tags, ids),
        clear_ids=_pii_allowed(actor, Household, ids) if unmask else set(),
    )


def households_export(
    *,
    actor,
    filters: HouseholdFilters,
    unmask_reason: str | None = None,
    progress: Progress | None = None,
) -> ExportFile:
    """Households in the actor's export scope with one row per member, in the import
    template's columns (an unmasked export imports again unchanged)."""
    perms.require(actor, rp.EXPORT)
    reason = check_unmask(actor, unmask_reason) if unmask_reason is not None else None
    _reading(progress)
    data = _read_households(actor, filters, bool(reason))
    total = sum(max(1, len(data.members.get(h[0], ()))) for h in data.households)
    with Workbook() as book:
        sheet = book.sheet(_("Households"), HOUSEHOLD_HEADERS, LEDGER_WIDTHS)
        unmasked = _household_rows(sheet, data, _Written(progress, total))
        path = book.save()
    return ExportFile(path, _filename(actor, _("households")), sheet.rows, _shown_in_full(unmasked))


def _household_rows(sheet, data: _HouseholdData, written: _Written) -> list:
    """Write one row per member (a household without members gets one row of its own);
    return the (street, resident) pairs written unmasked."""
    unmasked: list[tuple[int, int]] = []
    for pk, compound, building, entrance, room, area, tenure in data.households:
        written.at(sheet.rows)
        place = [
            compound,
            building,
            entrance,
            room,
            float(area) if area is not None else None,
            TENURE_LABEL.get(tenure, ""),
        ]
        own_tags = data.household_tags.get(pk, [])
        people_here = data.members.get(pk)
        if not people_here:
            sheet.append([*place, "", "", None, "", "", "", "", format_tags(own_tags)])
            continue
        clear = pk in data.clear_ids
        for i, person in enumerate(people_here):
            pairs = data.resident_tags.get(person[0], []) + (own_tags if i == 0 else [])
            sheet.append([*place, *_person_cells(person, clear, unmasked), format_tags(pairs)])
    return unmasked


@atomic_reads
def _read_residents(actor, filters: HouseholdFilters, unmask: bool):
    """(rows, their visible tags, the residents whose numbers are written in full)."""
    tags = visible_tags(actor, perms.streets(actor, rp.VIEW))
    scoped = _scoped_residents(actor, filters).prefetch_related(None)
    ids = scoped.values("pk")
    place = "household__" + _PLACE
    rows = scoped.values_list(
        *_PERSON_COLUMNS,
        f"{place}compound__name",
        f"{place}number",
        "household__dwelling__entrance__number",
        "household__dwelling__room",
    )
    return (
        list(rows.iterator(chunk_size=5000)),
        _tag_map(ResidentTag, "resident", tags, ids),
        _pii_allowed(actor, Resident, ids) if unmask else set(),
    )


def residents_export(
    *,
    actor,
    filters: HouseholdFilters,
    unmask_reason: str | None = None,
    progress: Progress | None = None,
) -> ExportFile:
    """Residents in the actor's export scope, one row each (a fixed number of queries)."""
    perms.require(actor, rp.EXPORT)
    reason = check_unmask(actor, unmask_reason) if unmask_reason is not None else None
    _reading(progress)
    rows, resident_tags, clear_ids = _read_residents(actor, filters, bool(reason))
    written = _Written(progress, len(rows))
    unmasked: list[tuple[int, int]] = []
    with Workbook() as book:
        sheet = book.sheet(
            _("Residents"), RESIDENT_HEADERS, (10, 5, 12, 21, 15, 10, 8, 14, 8, 6, 8, 24)
        )
        for *person, compound, building, entrance, room in rows:
            written.at(sheet.rows)
            cells = _person_cells(tuple(person), person[0] in clear_ids, unmasked)
            address = [compound or "", building or "", entrance or "", room or ""]
            sheet.append([*cells, *address, format_tags(resident_tags.get(person[0], []))])
        path = book.save()
    return ExportFile(path, _filename(actor, _("residents")), sheet.rows, _shown_in_full(unmasked))


def compounds_export(*, actor, q: str = "", progress: Progress | None = None) -> ExportFile:
    """Compounds in the actor's export scope with building and household counts."""
    perms.require(actor, rp.EXPORT)
    _reading(progress)
    qs = perms.filter_to_scope(Compound.objects.all(), actor, rp.EXPORT)
    if q.strip():
        qs = qs.filter(Q(name__icontains=q.strip()) | Q(address__icontains=q.strip()))
    qs = (
        qs.select_related("property_company", "grid")
        .annotate(
            n_buildings=Count("buildings", distinct=True),
            n_households=Count("buildings__entrances__dwellings__households", distinct=True),
        )
        .order_by("name", "id")
    )
    compounds = list(qs)
    written = _Written(progress, len(compounds))
    with Workbook() as book:
        sheet = book.sheet(_("Compounds"), COMPOUND_HEADERS, (16, 24, 8, 8, 16, 16, 8, 8))
        for compound in compounds:
            written.at(sheet.rows)
            sheet.append(
                [
                    compound.name,
                    compound.address,
                    compound.year_built,
                    KIND_LABEL.get(compound.kind, ""),
                    compound.property_company.name if compound.property_company else "无物业",
                    compound.grid.name,
                    compound.n_buildings,
                    compound.n_households,
                ]
            )
        path = book.save()
    return ExportFile(path, _filename(actor, _("compounds")), sheet.rows)


TEMPLATE_NOTES = (
    ("列", "说明"),
    ("小区", "必填。须是本街道已登记的小区名称（在您负责的范围内）。"),
    ("楼号", "必填。写 2、2号楼、2幢、2栋 均可。"),
    ("单元", "可空（按 1 单元）。写 2 或 2单元。"),
    ("室号", "必填。如 1401 或 1401室。"),
    ("面积", "登记面积，平方米，可空。"),
    ("户别", "自住 / 租住 / 其他，写在户主那一行。"),
    ("姓名", "必填。"),
    ("性别", "男 / 女；有身份证号时以身份证号为准。"),
    ("出生日期", "如 1950-07-08；有身份证号时须与身份证号一致。"),
    ("身份证号", "18 位，请把这一列设为文本格式，避免 Excel 丢失末尾数字。"),
    ("联系电话", "11 位手机号，或带区号的固定电话。"),
    ("与户主关系", "户主 / 配偶 / 子女 / 父母 / 孙子女 / 兄弟姐妹 / 其他亲属 / 合租 / 其他。"),
    ("户籍类型", "户籍 / 常住 / 流动。"),
    ("标签", "多个用顿号或逗号隔开，等级写在括号里，如 党员、残疾(二级)。"),
)


def template_file() -> ExportFile:
    """A blank ledger with the accepted headers, and a second sheet explaining each column."""
    with Workbook() as book:
        book.sheet(_("Ledger"), TEMPLATE_HEADERS, LEDGER_WIDTHS)
        notes = book.sheet("填写说明", TEMPLATE_NOTES[0], (12, 70))
        for row in TEMPLATE_NOTES[1:]:
            notes.append(row)
        path = book.save()
    return ExportFile(path, _("ledger-template") + ".xlsx", 0)
