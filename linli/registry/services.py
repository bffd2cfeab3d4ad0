"""Writes to the registry. Every function checks scope, runs in one transaction and
appends to the change history (with personal data masked)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from linli.core import pii
from linli.core.audit import record_change
from linli.core.errors import InvalidInput
from linli.grids import permissions as perms
from linli.grids.models import GridNode, NodeKind
from linli.registry import permissions as rp

from .counting import mark_stale
from .models import (
    Building,
    Dwelling,
    Household,
    HouseholdTag,
    Resident,
    ResidentTag,
    Tag,
    TagTarget,
)
from .tags import refresh_derived_tags


def _check_grid(actor, grid: GridNode) -> None:
    if grid.kind != NodeKind.GRID:
        raise InvalidInput(_("Choose a grid, not a higher node."), field="grid")
    perms.get_in_scope(GridNode.objects.all(), actor, rp.EDIT, pk=grid.pk)


def clean_person_fields(*, id_number: str = "", phone: str = "") -> dict[str, Any]:
    """Validate ID number and phone; return normalised values plus what the ID implies."""
    out: dict[str, Any] = {"id_number": "", "phone": ""}
    if id_number:
        try:
            out["id_number"] = pii.validate_id_number(id_number)
        except pii.PIIError as exc:
            raise InvalidInput(str(exc), field="id_number") from None
        out["birth_date"] = pii.id_number_birth_date(out["id_number"])
        out["gender"] = pii.id_number_gender(out["id_number"])
    if phone:
        try:
            out["phone"] = pii.validate_phone(phone)
        except pii.PIIError as exc:
            raise InvalidInput(str(exc), field="phone") from None
    return out


@transaction.atomic
def household_update(*, actor, household: Household, tenure: str, note: str) -> Household:
    household = perms.get_in_scope(
        Household.objects.select_for_update(), actor, rp.EDIT, pk=household.pk
    )
    changes = {}
    if household.tenure != tenure:
        changes["tenure"] = [household.tenure, tenure]
    if household.note != note:
        changes["note"] = [household.note, note]
    if not changes:
        return household
    household.tenure, household.note = tenure, note
    household.save(update_fields=["tenure", "note", "updated_at"])
    refresh_derived_tags(household.street_id, [household.pk])
    record_change(
        actor=actor,
        target=household,
        verb="update",
        household_id=household.pk,
        summary=_("Household details changed"),
        changes=changes,
    )
    return household


@transaction.atomic
def resident_save(
    *,
    actor,
    household: Household,
    name: str,
    relation: str,
    residence_status: str,
    id_number: str = "",
    phone: str = "",
    gender: str = "",
    birth_date: dt.date | None = None,
    resident: Resident | None = None,
) -> Resident:
    """Create a member of ``household`` or update ``resident``. ID number and phone are
    validated; an empty value on update keeps the stored one (the form never shows it)."""
    household = perms.get_in_scope(Household.objects.all(), actor, rp.EDIT, pk=household.pk)
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Name is required."), field="name")
    cleaned = clean_person_fields(id_number=id_number, phone=phone)
    creating = resident is None
    if resident is None:
        resident = Resident(
            street_id=household.street_id, household=household, grid_id=household.grid_id
        )
    else:
        resident = perms.get_in_scope(
            Resident.objects.select_for_update(), actor, rp.EDIT, pk=resident.pk
        )
    changes: dict[str, Any] = {}
    for field, value in [
        ("name", name),
        ("relation", relation),
        ("residence_status", residence_status),
        ("gender", cleaned.get("gender") or gender or resident.gender),
        ("birth_date", cleaned.get("birth_date") or birth_date or resident.birth_date),
    ]:
        if getattr(resident, field) != value:
            changes[field] = [str(getattr(resident, field) or ""), str(value or "")]
            setattr(resident, field, value)
    if cleaned["id_number"] and cleaned["id_number"] != resident.id_number:
        resident.set_id_number(cleaned["id_number"])
        changes["id_number"] = pii.mask_id_number(cleaned["id_number"])
    if cleaned["phone"] and cleaned["phone"] != resident.phone:
        resident.set_phone(cleaned["phone"])
        changes["phone"] = pii.mask_phone(cleaned["phone"])
    try:
        with transaction.atomic():
            resident.save()
    except IntegrityError:
        raise InvalidInput(
            _("Another resident of this street already has this ID number."), field="id_number"
        ) from None
    refresh_derived_tags(household.street_id, [household.pk])
    if creating or changes:
        record_change(
            actor=actor,
            target=resident,
            verb="create" if creating else "update",
            household_id=household.pk,
            changes=changes,
            summary=(_("Member %(name)s added") if creating else _("Member %(name)s changed"))
            % {"name": name},
        )
    return resident


@transaction.atomic
def resident_move_out(*, actor, resident: Resident, reason: str) -> Resident:
    """Take a resident off their household (moved away, deceased); the person row stays."""
    resident = perms.get_in_scope(
        Resident.objects.select_for_update(), actor, rp.EDIT, pk=resident.pk
    )
    household_id = resident.household_id
    if household_id is None:
        raise InvalidInput(_("This resident is not a member of any household."))
    resident.household = None
    resident.save(update_fields=["household", "updated_at"])
    refresh_derived_tags(resident.street_id, [household_id])
    record_change(
        actor=actor,
        target=resident,
        verb="move_out",
        household_id=household_id,
        summary=_("Member %(name)s moved out") % {"name": resident.name},
        changes={"reason": reason},
    )
    return resident


def _visible_tag(actor, tag: Tag) -> bool:
    need = {"health": perms.VIEW_HEALTH_TAGS, "party": perms.VIEW_PARTY_TAGS}.get(tag.sensitivity)
    return need is None or perms.can(actor, need)


@transaction.atomic
def tags_set(*, actor, target: Household | Resident, tag_levels: dict[int, str]) -> None:
    """Set the staff-managed tags of a household or resident to exactly ``tag_levels``
    (tag id → level). Derived tags are ignored; sensitive tags the actor may not see are
    left as they are, so a grid worker's edit cannot erase a party-membership tag."""
    is_household = isinstance(target, Household)
    model = Household if is_household else Resident
    target = perms.get_in_scope(model.objects.all(), actor, rp.EDIT, pk=target.pk)
    kind = TagTarget.HOUSEHOLD if is_household else TagTarget.RESIDENT
    editable = {
        t.pk: t
        for t in Tag.objects.filter(street_id=target.street_id, target=kind, rule="")
        if _visible_tag(actor, t)
    }
    unknown = set(tag_levels) - set(editable)
    if unknown:
        raise InvalidInput(_("Unknown tag."), field="tags")
    link_model = HouseholdTag if is_household else ResidentTag
    owner = "household" if is_household else "resident"
    links = {
        link.tag_id: link
        for link in link_model.objects.filter(**{owner: target}, tag_id__in=editable)
    }
    added, removed, changed = [], [], []
    for tag_id, link in links.items():
        if tag_id not in tag_levels:
            link.delete()
            removed.append(editable[tag_id].name)
        elif link.level != tag_levels[tag_id]:
            link.level = tag_levels[tag_id]
            link.save(update_fields=["level"])
            changed.append(editable[tag_id].name)
    for tag_id, level in tag_levels.items():
        if tag_id not in links:
            link_model.objects.create(
                street_id=target.street_id, tag_id=tag_id, level=level, **{owner: target}
            )
            added.append(editable[tag_id].name)
    if added or removed or changed:
        household_id = target.pk if isinstance(target, Household) else target.household_id
        mark_stale(target.street_id)
        record_change(
            actor=actor,
            target=target,
            verb="tags",
            household_id=household_id,
            summary=_("Tags changed"),
            changes={"added": added, "removed": removed, "level": changed},
        )


def floor_of_room(room: str) -> int | None:
    """'1401' → 14, '302' → 3; None when the room number does not encode a floor."""
    digits = "".join(ch for ch in room if ch.isdigit())
    if len(digits) >= 3:
        return int(digits[:-2])
    return None


@transaction.atomic
def building_move(*, actor, building: Building, grid: GridNode) -> Building:
    """Re-assign a building (and every dwelling, household and resident in it) to another grid."""
    _check_grid(actor, grid)
    building = perms.get_in_scope(
        Building.objects.select_for_update(), actor, rp.EDIT, pk=building.pk
    )
    if grid.street_id != building.street_id:
        raise InvalidInput(_("The grid belongs to another street."), field="grid")
    old = building.grid_id
    building.grid = grid
    building.save(update_fields=["grid"])
    dwellings = Dwelling.objects.filter(entrance__building=building)
    dwellings.update(grid=grid)
    # On PostgreSQL the place keys have already carried this down (ON UPDATE CASCADE).
    Household.objects.filter(dwelling__in=dwellings).update(grid=grid)
    Resident.objects.filter(household__dwelling__in=dwellings).update(grid=grid)
    mark_stale(building.street_id)
    record_change(
        actor=actor,
        target=building,
        verb="move",
        summary=_("Building moved to another grid"),
        changes={"grid": [old, grid.pk]},
    )
    return building


def resident_reveal(
    *, actor, resident_ids: list[int], reason: str, channel: str
) -> dict[int, dict[str, str]]:
    """Clear ID numbers and phones for residents in scope, for holders of ``view_pii`` only.

    Every call appends to the access log (one row per resident; one summary row for an
    export). A missing reason, a missing permission or a resident out of scope reveal
    nothing and log nothing.
    """
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why you need to see the full number."), field="reason")
    residents = list(
        perms.filter_to_scope(Resident.objects.all(), actor, perms.VIEW_PII).filter(
            id__in=resident_ids
        )
    )
    if len(residents) != len(set(resident_ids)):
        from django.http import Http404

        raise Http404
    from linli.core.audit import record_pii_access

    for street_id in {r.street_id for r in residents}:
        record_pii_access(
            actor=actor,
            street_id=street_id,
            target_type="registry.resident",
            target_ids=[r.pk for r in residents if r.street_id == street_id],
            fields="id_number,phone",
            reason=reason,
            channel=channel,
        )
    return {r.pk: {"id_number": r.id_number, "phone": r.phone} for r in residents}
