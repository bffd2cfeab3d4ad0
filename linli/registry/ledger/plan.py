"""Matching ledger rows against the registry: what an import would create or change.

The plan is computed with a fixed, small number of queries whatever the file size:
places, households and members of the compounds the file names are loaded once, and
residents elsewhere in the street are looked up by blind index in chunks.

Households in the file: rows are grouped by dwelling (compound, building, entrance,
room) in file order; inside a dwelling a row whose relation is 户主 starts a new
household (rows before the first 户主 belong to the first household). A file household
is the registered one in the same dwelling that holds one of its people (by ID number)
or whose head has the file head's name; otherwise it is new.

Residents: matched street-wide by ID blind index. The same ID on a person of another
dwelling is an error (never saying where); in the same dwelling it is an update.
Without an ID a row matches the household member of the same name.

Masked cells (an export for someone who may not see the full numbers, edited and
uploaded again): a masked ID number matches the member of the household whose stored ID
number the export would show masked exactly so; a household is recognised the same way
when its head's name was edited. A masked ID number or phone stands for the stored value
of the person its row matches: it is never written. It is an error, naming row and
column, when the row matches no registered person or the person's stored value would
not be shown so (other visible digits, or nothing stored).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from django.utils.translation import gettext as _

from linli.core import pii
from linli.grids import permissions as perms
from linli.grids.models import GridNode, NodeKind
from linli.registry import permissions as rp

from ..models import (
    Building,
    Compound,
    Dwelling,
    Entrance,
    Household,
    HouseholdTag,
    Relation,
    Resident,
    ResidentTag,
    Tag,
    TagTarget,
    Tenure,
)
from ..services import floor_of_room
from .bulk import filter_in
from .columns import COLUMN_BY_KEY
from .rows import DEFAULT_STATUS, LedgerRow, RowError


class NewPlace:
    """A building, entrance or dwelling the import will create; ``pk`` is set when applied.

    Plain slots rather than model instances: a large ledger creates tens of thousands.
    """

    __slots__ = ("area_m2", "floor", "grid_id", "number", "parent", "pk")

    def __init__(self, parent, grid_id: int, number: str, floor: int | None = None):
        self.pk: int | None = None
        self.parent = parent  # compound, building or entrance (saved or new)
        self.grid_id = grid_id
        self.number = number  # building / entrance number, or the dwelling's room
        self.floor = floor
        self.area_m2 = None


# Planned rows keep their changes in tuples, like LedgerRow its errors: most have none.
@dataclass(slots=True)
class PlannedResident:
    row: LedgerRow
    existing: Resident | None
    relation: str
    changes: tuple[str, ...] = ()  # changed field names (no values)
    tags: dict[int, str] | None = None  # wanted staff tags (id → level); None: leave them
    resident_id: int | None = None  # set when applied


@dataclass(slots=True)
class PlannedHousehold:
    key: tuple
    rows: list[LedgerRow]
    existing: Household | None = None
    tenure: str | None = None
    area: Decimal | None = None
    residents: list[PlannedResident] = field(default_factory=list)
    tags: dict[int, str] | None = None
    changes: tuple[str, ...] = ()  # household-level changed fields
    change_rows: dict[str, int] = field(default_factory=dict)  # field → the row it came from
    stats: dict = field(default_factory=dict)  # filled when applied, for the change history
    household_id: int | None = None  # set when applied
    grid_id: int | None = None

    @property
    def head_row(self) -> LedgerRow:
        return next((r for r in self.rows if r.is_head), self.rows[0])

    @property
    def changed(self) -> bool:
        return (
            self.existing is None
            or bool(self.changes)
            or any(p.existing is None or p.changes for p in self.residents)
        )


@dataclass
class Plan:
    street_id: int
    households: list[PlannedHousehold] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    compounds: dict[str, Compound] = field(default_factory=dict)
    buildings: dict[tuple, Building | NewPlace] = field(default_factory=dict)
    entrances: dict[tuple, Entrance | NewPlace] = field(default_factory=dict)
    dwellings: dict[tuple, Dwelling | NewPlace] = field(default_factory=dict)
    household_tags: dict[int, dict[int, HouseholdTag]] = field(default_factory=dict)
    resident_tags: dict[int, dict[int, ResidentTag]] = field(default_factory=dict)
    editable_tag_ids: set[int] = field(default_factory=set)
    headers: dict[str, str] = field(default_factory=dict)  # column key → header in the file
    masks: dict[int, tuple[str, str]] = field(default_factory=dict)  # resident → shown masked

    def header(self, key: str) -> str:
        """The column as the worker wrote it, so errors name what they see."""
        return self.headers.get(key) or COLUMN_BY_KEY[key].header

    def shown_masked(self, resident) -> tuple[str, str]:
        """The resident's ID number and phone as a masked export shows them; decrypted
        only for residents a masked cell is compared with, once each."""
        masks = self.masks.get(resident.pk)
        if masks is None:
            masks = (
                pii.mask_id_number(pii.decrypt(resident.id_number_enc)),
                pii.mask_phone(pii.decrypt(resident.phone_enc)),
            )
            self.masks[resident.pk] = masks
        return masks

    def changed_cells(self) -> list[dict]:
        """What the import would change in registered households and residents, as
        (row, column) in the file, in row order. New households and residents are
        counted, not listed. No values: the list is stored with the job."""
        cells = []
        for group in self.households:
            if group.existing is None:
                continue
            for name in group.changes:
                cells.append((group.change_rows[name], self.header(name), "changed"))
            for person in group.residents:
                if person.existing is None:
                    continue
                for name in person.changes:
                    if name == "household":  # a member of another household moves in
                        cells.append((person.row.number, "", "household"))
                    else:
                        cells.append((person.row.number, self.header(name), "changed"))
        return [{"row": r, "column": column, "code": code} for r, column, code in sorted(cells)]

    def counts(self) -> dict:
        hh = {"new": 0, "updated": 0, "unchanged": 0}
        res = {"new": 0, "updated": 0, "unchanged": 0}
        for planned in self.households:
            if planned.existing is None:
                hh["new"] += 1
            elif planned.changed:
                hh["updated"] += 1
            else:
                hh["unchanged"] += 1
            for person in planned.residents:
                if person.existing is None:
                    res["new"] += 1
                elif person.changes:
                    res["updated"] += 1
                else:
                    res["unchanged"] += 1
        places = {
            "buildings": sum(1 for k in self.buildings.values() if k.pk is None),
            "entrances": sum(1 for k in self.entrances.values() if k.pk is None),
            "dwellings": sum(1 for k in self.dwellings.values() if k.pk is None),
        }
        return {"rows": self.rows, "households": hh, "residents": res, "places": places}


def _visible(actor, tag: Tag) -> bool:
    if actor is None:
        return True
    need = {"health": perms.VIEW_HEALTH_TAGS, "party": perms.VIEW_PARTY_TAGS}.get(tag.sensitivity)
    return need is None or perms.can(actor, need)


def tags_for(actor, street_id: int) -> dict[str, Tag]:
    """Tags the importer may name, by name; tags hidden from them count as unknown."""
    from ..tags import ensure_default_tags

    return {t.name: t for t in ensure_default_tags(street_id).values() if _visible(actor, t)}


def _importable_compounds(actor, street_id: int) -> dict[str, Compound]:
    qs = Compound.objects.filter(street_id=street_id)
    if actor is not None:
        qs = perms.filter_to_scope(qs, actor, rp.IMPORT)
    return {c.name: c for c in qs}


def _importable_grids(actor, street_id: int) -> set[int] | None:
    if actor is None:
        return None
    qs = GridNode.objects.filter(street_id=street_id, kind=NodeKind.GRID)
    return set(perms.filter_to_scope(qs, actor, rp.IMPORT).values_list("pk", flat=True))


def build_plan(
    *,
    actor,
    street_id: int,
    rows: Iterable[LedgerRow],
    tags: dict[str, Tag],
    headers: dict[str, str],
) -> Plan:
    """Match the rows against the registry (read-only). Row errors go to ``plan.errors``;
    rows with errors take no further part, so the counts describe the valid rows."""
    plan = Plan(street_id=street_id, headers=headers)
    plan.editable_tag_ids = {t.pk for t in tags.values() if not t.rule}
    compounds = _importable_compounds(actor, street_id)
    grids = _importable_grids(actor, street_id)
    valid: list[LedgerRow] = []
    for row in rows:
        plan.rows += 1
        if not row.errors and row.compound and row.compound not in compounds:
            row.errors += (
                RowError(
                    row.number,
                    plan.header("compound"),
                    "unknown_compound",
                    _(
                        "Unknown compound “%(name)s”: it must already be registered in your "
                        "area, with exactly this name."
                    )
                    % {"name": row.compound[:40]},
                ),
            )
        if row.errors:
            plan.errors.extend(row.errors)
        else:
            valid.append(row)
    _load_places(plan, compounds, valid, grids)
    groups = _group(plan, valid)
    _match(plan, groups)
    return plan


PERSON_FIELDS = (
    "pk",
    "household_id",
    "grid_id",
    "name",
    "gender",
    "birth_date",
    "relation",
    "residence_status",
    "id_number_bidx",
    "phone_bidx",
)
# Read only when the file holds masked cells, to compare them with (a record's every field
# costs memory on a re-import of a whole street).
STORED_PII = ("id_number_enc", "phone_enc")


def _records(qs, field: str, values, names: tuple[str, ...]):
    """Rows as light records (attribute access like a model, a fraction of the cost):
    a re-import reads every household and resident it names."""
    for values_row in filter_in(qs.values_list(*names), field, values):
        yield SimpleNamespace(**dict(zip(names, values_row, strict=True)))


def _load_places(plan: Plan, compounds: dict[str, Compound], rows: list[LedgerRow], grids) -> None:
    used = {row.compound for row in rows}
    plan.compounds = {name: c for name, c in compounds.items() if name in used}
    compound_ids = [c.pk for c in plan.compounds.values()]
    for b in Building.objects.filter(street_id=plan.street_id, compound_id__in=compound_ids):
        plan.buildings[(b.compound_id, b.number)] = b
    building_ids = [b.pk for b in plan.buildings.values()]
    by_id = {b.pk: b for b in plan.buildings.values()}
    entrances = {}
    for e in _records(
        Entrance.objects.filter(street_id=plan.street_id), "building_id", building_ids,
        ("pk", "building_id", "number"),
    ):  # fmt: skip
        e.building = by_id[e.building_id]
        entrances[e.pk] = e
        plan.entrances[(e.building.compound_id, e.building.number, e.number)] = e
    for d in _records(
        Dwelling.objects.filter(street_id=plan.street_id), "entrance_id", list(entrances),
        ("pk", "entrance_id", "grid_id", "room", "area_m2"),
    ):  # fmt: skip
        e = entrances[d.entrance_id]
        d.entrance = e
        plan.dwellings[(e.building.compound_id, e.building.number, e.number, d.room)] = d
    for row in rows:
        compound = plan.compounds[row.compound]
        bkey = (compound.pk, row.building)
        building = plan.buildings.get(bkey)
        if building is None:
            building = NewPlace(compound, compound.grid_id, row.building)
            plan.buildings[bkey] = building
        elif grids is not None and building.pk and building.grid_id not in grids:
            plan.errors.append(
                RowError(
                    row.number,
                    plan.header("building"),
                    "building_out_of_scope",
                    _("This building is not in your area; it cannot be imported here."),
                )
            )
            row.errors += (plan.errors[-1],)
            continue
        ekey = (*bkey, row.entrance)
        entrance = plan.entrances.get(ekey)
        if entrance is None:
            entrance = NewPlace(building, building.grid_id, row.entrance)
            plan.entrances[ekey] = entrance
        dkey = (*ekey, row.room)
        if dkey not in plan.dwellings:
            plan.dwellings[dkey] = NewPlace(
                entrance, building.grid_id, row.room, floor_of_room(row.room)
            )


def _dwelling_key(plan: Plan, row: LedgerRow) -> tuple:
    return (plan.compounds[row.compound].pk, row.building, row.entrance, row.room)


def _group(plan: Plan, rows: list[LedgerRow]) -> list[PlannedHousehold]:
    by_dwelling: dict[tuple, list[PlannedHousehold]] = {}
    order: list[PlannedHousehold] = []
    for row in rows:
        if row.errors:
            continue
        key = _dwelling_key(plan, row)
        households = by_dwelling.setdefault(key, [])
        current = households[-1] if households else None
        if current is None or (row.is_head and any(r.is_head for r in current.rows)):
            current = PlannedHousehold(key=key, rows=[])
            households.append(current)
            order.append(current)
        current.rows.append(row)
    return order


def _match(plan: Plan, groups: list[PlannedHousehold]) -> None:
    dwelling_ids = {plan.dwellings[g.key].pk for g in groups} - {None}
    households_by_dwelling: dict[int, list[Household]] = defaultdict(list)
    households: dict[int, Household] = {}
    for h in _records(
        Household.objects.filter(street_id=plan.street_id), "dwelling_id", sorted(dwelling_ids),
        ("pk", "dwelling_id", "grid_id", "tenure"),
    ):  # fmt: skip
        households_by_dwelling[h.dwelling_id].append(h)
        households[h.pk] = h
    masked = any(row.id_masked or row.phone_masked for g in groups for row in g.rows)
    person_fields = (*PERSON_FIELDS, *STORED_PII) if masked else PERSON_FIELDS
    members: dict[int, list[Resident]] = defaultdict(list)
    by_bidx: dict[str, Resident] = {}
    for r in _records(
        Resident.objects.filter(street_id=plan.street_id), "household_id", sorted(households),
        person_fields,
    ):  # fmt: skip
        members[r.household_id].append(r)
        if r.id_number_bidx:
            by_bidx[r.id_number_bidx] = r
    wanted = sorted({row.id_bidx for g in groups for row in g.rows if row.id_bidx} - set(by_bidx))
    elsewhere: dict[str, tuple[Resident, int | None]] = {}
    for r in _records(
        Resident.objects.filter(street_id=plan.street_id), "id_number_bidx", wanted,
        (*person_fields, "household__dwelling_id"),
    ):  # fmt: skip
        elsewhere[r.id_number_bidx] = (r, r.household__dwelling_id)
    _load_tags(plan, list(households), [r.pk for rs in members.values() for r in rs])
    _load_tags(plan, [], [r.pk for r, _d in elsewhere.values()])

    claimed: dict[int, PlannedHousehold] = {}
    claimed_residents: set[int] = set()
    dwelling_of = {pk: h.dwelling_id for pk, h in households.items()}
    for group in groups:
        dwelling = plan.dwellings[group.key]
        candidates = households_by_dwelling.get(dwelling.pk, []) if dwelling.pk else []
        existing = _find_household(plan, group, candidates, members, by_bidx)
        if existing is not None:
            if existing.pk in claimed:
                err = RowError(
                    group.head_row.number,
                    plan.header("relation"),
                    "household_twice",
                    _(
                        "Two households in this file match the same registered household; "
                        "check who is the head (户主)."
                    ),
                )
                plan.errors.append(err)
                continue
            claimed[existing.pk] = group
        group.existing = existing
        _plan_household(plan, group, members.get(existing.pk, []) if existing else [])
        for index, row in enumerate(group.rows):
            person = _plan_resident(
                plan, group, row, index, dwelling, members, by_bidx, elsewhere,
                claimed_residents, dwelling_of,
            )  # fmt: skip
            if person is not None:
                group.residents.append(person)
        if group.existing is not None and _household_tags_changed(plan, group):
            group.changes += ("tags",)
        plan.households.append(group)


def _find_household(plan, group, candidates, members, by_bidx) -> Household | None:
    """The registered household of the dwelling that the file's household is: the one
    holding one of its people by ID number, then by masked ID number, then the one whose
    head has the file head's name."""
    if not candidates:
        return None
    ids = {h.pk: h for h in candidates}
    head = group.head_row
    for row in [head, *group.rows]:
        found = by_bidx.get(row.id_bidx) if row.id_bidx else None
        if found is not None and found.household_id in ids:
            return ids[found.household_id]
    for row in [head, *group.rows]:
        if row.id_masked:
            for h in candidates:
                if any(plan.shown_masked(m)[0] == row.id_masked for m in members.get(h.pk, [])):
                    return h
    for h in candidates:
        if any(m.relation == Relation.HEAD and m.name == head.name for m in members.get(h.pk, [])):
            return h
    return None


def _plan_household(plan: Plan, group: PlannedHousehold, current: list[Resident]) -> None:
    rows = [group.head_row, *group.rows]
    tenure_row = next((r for r in rows if r.tenure), None)
    area_row = next((r for r in rows if r.area is not None), None)
    tenure = tenure_row.tenure if tenure_row else None
    area = area_row.area if area_row else None
    group.tenure, group.area = tenure, area
    group.change_rows = {"tags": group.head_row.number}
    dwelling = plan.dwellings[group.key]
    if group.existing is not None and tenure and group.existing.tenure != tenure:
        group.changes += ("tenure",)
        group.change_rows["tenure"] = tenure_row.number
    if area is not None and dwelling.pk is not None and dwelling.area_m2 != area:
        group.changes += ("area",)
        group.change_rows["area"] = area_row.number
    if group.rows[0].tags is not None:
        wanted: dict[int, str] = {}
        for row in group.rows:
            for tag, level in row.tags or []:
                if tag.target == TagTarget.HOUSEHOLD:
                    wanted[tag.pk] = level
        group.tags = wanted


def _household_tags_changed(plan: Plan, group: PlannedHousehold) -> bool:
    if group.tags is None:
        return False
    have = {
        tag_id: link.level
        for tag_id, link in plan.household_tags.get(group.existing.pk, {}).items()
        if tag_id in plan.editable_tag_ids
    }
    return have != group.tags


def _plan_resident(
    plan, group, row, index, dwelling, members, by_bidx, elsewhere, claimed, dwelling_of
) -> PlannedResident | None:
    existing: Resident | None = None
    if row.id_bidx:
        other_dwelling = None
        existing = by_bidx.get(row.id_bidx)
        if existing is not None:
            other_dwelling = dwelling_of[existing.household_id]
        elif row.id_bidx in elsewhere:
            existing, other_dwelling = elsewhere[row.id_bidx]
        if existing is not None and existing.household_id and other_dwelling != dwelling.pk:
            err = RowError(
                row.number,
                plan.header("id_number"),
                "registered_elsewhere",
                _(
                    "A resident with this ID number is already registered in another "
                    "household. Move them out there first."
                ),
            )
            plan.errors.append(err)
            return None
    household_members = members.get(group.existing.pk, []) if group.existing else []
    if existing is None and row.id_masked:
        existing = _member_shown_as(plan, row, household_members, claimed)
    if existing is None:
        for member in household_members:
            if (
                member.name == row.name
                and member.pk not in claimed
                and (not row.id_bidx or not member.id_number_bidx)
            ):
                existing = member
                break
    if existing is not None and existing.pk in claimed:
        err = RowError(
            row.number,
            plan.header("name"),
            "person_twice",
            _("This person appears twice in the household; give each row its ID number."),
        )
        plan.errors.append(err)
        return None
    masked_errors = _masked_cell_errors(plan, row, existing)
    if masked_errors:
        plan.errors.extend(masked_errors)
        return None
    if existing is not None:
        claimed.add(existing.pk)
    if row.relation:
        relation = row.relation
    elif existing is not None:
        relation = existing.relation
    else:
        relation = Relation.HEAD if index == 0 else Relation.OTHER
    person = PlannedResident(row=row, existing=existing, relation=relation)
    if row.tags is not None:
        person.tags = {tag.pk: level for tag, level in row.tags if tag.target == TagTarget.RESIDENT}
    if existing is None:
        return person
    changes = []
    if existing.name != row.name:
        changes.append("name")
    if existing.relation != relation:
        changes.append("relation")
    if row.status and existing.residence_status != row.status:
        changes.append("residence_status")
    if row.gender and existing.gender != row.gender:
        changes.append("gender")
    if row.birth_date and existing.birth_date != row.birth_date:
        changes.append("birth_date")
    if row.id_bidx and existing.id_number_bidx != row.id_bidx:
        changes.append("id_number")
    if row.phone_bidx and existing.phone_bidx != row.phone_bidx:
        changes.append("phone")
    if group.existing is None or existing.household_id != group.existing.pk:
        changes.append("household")
    if person.tags is not None:
        have = {
            tag_id: link.level
            for tag_id, link in plan.resident_tags.get(existing.pk, {}).items()
            if tag_id in plan.editable_tag_ids
        }
        if have != person.tags:
            changes.append("tags")
    person.changes = tuple(changes)
    return person


def _member_shown_as(plan: Plan, row: LedgerRow, household_members, claimed):
    """The unclaimed member whose stored ID number a masked export shows as the row's
    masked one (the one of the row's name, if several are)."""
    shown = [
        m
        for m in household_members
        if m.pk not in claimed and plan.shown_masked(m)[0] == row.id_masked
    ]
    return next((m for m in shown if m.name == row.name), shown[0] if shown else None)


def _masked_cell_errors(plan: Plan, row: LedgerRow, existing) -> list[RowError]:
    """A masked cell must show the stored value of the person its row matches."""
    errors = []
    if row.id_masked:
        column = plan.header("id_number")
        if existing is None:
            message = _(
                "This ID number is masked (*) and its row matches no registered person. "
                "Type the full ID number."
            )
            errors.append(RowError(row.number, column, "masked_no_person", message))
        elif plan.shown_masked(existing)[0] != row.id_masked:
            message = _(
                "The visible digits of this masked ID number differ from the registered "
                "person's. Type the full ID number, or keep the cell as it was exported."
            )
            errors.append(RowError(row.number, column, "masked_mismatch", message))
    if row.phone_masked:
        column = plan.header("phone")
        if existing is None:
            message = _(
                "This phone number is masked (*) and its row matches no registered person. "
                "Type the full number."
            )
            errors.append(RowError(row.number, column, "masked_no_person", message))
        elif plan.shown_masked(existing)[1] != row.phone_masked:
            message = _(
                "The visible digits of this masked phone number differ from the registered "
                "person's. Type the full number, or keep the cell as it was exported."
            )
            errors.append(RowError(row.number, column, "masked_mismatch", message))
    return errors


def _load_tags(plan: Plan, household_ids: list[int], resident_ids: list[int]) -> None:
    for link in _records(
        HouseholdTag.objects.filter(street_id=plan.street_id, tag_id__in=plan.editable_tag_ids),
        "household_id",
        sorted(household_ids),
        ("pk", "household_id", "tag_id", "level"),
    ):
        plan.household_tags.setdefault(link.household_id, {})[link.tag_id] = link
    for link in _records(
        ResidentTag.objects.filter(street_id=plan.street_id, tag_id__in=plan.editable_tag_ids),
        "resident_id",
        sorted(resident_ids),
        ("pk", "resident_id", "tag_id", "level"),
    ):
        plan.resident_tags.setdefault(link.resident_id, {})[link.tag_id] = link


DEFAULT_TENURE = Tenure.OWNER
__all__ = ["DEFAULT_STATUS", "DEFAULT_TENURE", "Plan", "build_plan", "tags_for"]
