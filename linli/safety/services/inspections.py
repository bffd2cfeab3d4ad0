"""Inspections and hazards: record an inspection (each failed item becomes a hazard on the
site's record, some put right on the spot with an after-photo), report a hazard seen on
patrol or in a resident's request, put a hazard right, dismiss one raised in error."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.attachments import CleanPhoto, clean_photos
from linli.core.errors import InvalidInput
from linli.core.idempotency import claim_key
from linli.core.numbering import next_number
from linli.core.text import clean_text
from linli.grids import permissions as perms
from linli.grids.models import Unit

from .. import permissions as p
from ..machine import HAZARDS
from ..models import (
    Campaign,
    CampaignStatus,
    ChecklistItem,
    Hazard,
    HazardSource,
    HazardStatus,
    Inspection,
    InspectionPhoto,
    ItemResult,
    Result,
    Severity,
    Target,
)
from .checklists import default_checklist
from .sites import SiteRef, require_reach

# A count on one item of one inspection (e-bikes, places cleared) above this is a typo.
MAX_COUNT = 10_000


@dataclass
class ItemInput:
    """One checklist item as the inspector filled it in."""

    item: ChecklistItem
    result: str
    count: int | None = None
    note: str = ""
    severity: str = Severity.MINOR
    fixed_on_spot: bool = False
    after_photos: list = field(default_factory=list)  # uploads, cleaned here


PREFIX = {"inspection": "JC", "hazard": "YH"}  # 检查, 隐患


def serial_number(street_id: int, kind: str, now: dt.datetime) -> str:
    """The next number of an inspection or a hazard in the street and year (JC-2026-000001)."""
    n = next_number(street_id, f"safety-{kind}-{now.year}")
    return f"{PREFIX[kind]}-{now.year}-{n:06d}"


def checklist_items(site: SiteRef, campaign: Campaign | None) -> list[ChecklistItem]:
    checklist = campaign.checklist if campaign else default_checklist(site.street_id)
    return list(checklist.items.all())


def _check_items(items: list[ItemInput], expected: list[ChecklistItem]) -> None:
    given = [i.item.pk for i in items]
    if sorted(given) != sorted(i.pk for i in expected):
        raise InvalidInput(_("Give a result for every item of the checklist."), field="items")
    for entry in items:
        label = entry.item.label
        if entry.result not in Result.values:
            raise InvalidInput(
                _("%(item)s: choose passed, hazard or not applicable.") % {"item": label},
                field=f"item_{entry.item.pk}",
            )
        if entry.count is not None and not (0 <= entry.count <= MAX_COUNT):
            raise InvalidInput(
                _("%(item)s: the count must be between 0 and %(max)d.")
                % {"item": label, "max": MAX_COUNT},
                field=f"count_{entry.item.pk}",
            )
        if entry.severity not in Severity.values:
            raise InvalidInput(_("Choose the severity."), field=f"severity_{entry.item.pk}")
        if entry.fixed_on_spot and entry.result != Result.HAZARD:
            raise InvalidInput(
                _("%(item)s: only a hazard can be put right on the spot.") % {"item": label},
                field=f"fixed_{entry.item.pk}",
            )
        if entry.fixed_on_spot and not entry.after_photos:
            raise InvalidInput(
                _("%(item)s: add a photo of the place put right.") % {"item": label},
                field=f"after_{entry.item.pk}",
            )
        entry.note = clean_text(entry.note, field=f"note_{entry.item.pk}", label=label, limit=200)


def inspection_record(
    *,
    actor,
    site: SiteRef,
    items: list[ItemInput],
    campaign: Campaign | None = None,
    inspected_at: dt.datetime | None = None,
    night: bool = False,
    units: list[Unit] = (),  # type: ignore[assignment]
    members: str = "",
    note: str = "",
    photos=(),
    idempotency_key: str = "",
    at: dt.datetime | None = None,
) -> Inspection:
    """Record an inspection of ``site``: every item of the checklist (the campaign's, or
    the street's default) has a result; each hazard result raises a hazard, and a hazard
    put right on the spot is recorded with its after-photo. Sent twice with the same key
    (a double tap, a phone resending after a lost signal), it is recorded once."""
    require_reach(actor, p.INSPECT, site)
    now = at or timezone.now()
    inspected_at = inspected_at or now
    if inspected_at > now + dt.timedelta(minutes=5):
        raise InvalidInput(_("The inspection cannot be in the future."), field="inspected_at")
    if campaign is not None:
        if campaign.street_id != site.street_id:
            raise InvalidInput(_("The site is not in the campaign's street."), field="campaign")
        if campaign.status != CampaignStatus.RUNNING:
            raise InvalidInput(_("The campaign is not under way."), field="campaign")
    _check_items(items, checklist_items(site, campaign))
    members = clean_text(members, field="members", label=_("the team members"), limit=200)
    note = clean_text(note, field="note", label=_("the notes"), limit=2000)
    if any(u.street_id != site.street_id for u in units):
        raise InvalidInput(_("Choose units of this street."), field="units")
    cleaned = clean_photos(photos)
    after: dict[int, list[CleanPhoto]] = {
        e.item.pk: clean_photos(e.after_photos, field=f"after_{e.item.pk}")
        for e in items
        if e.fixed_on_spot
    }
    with transaction.atomic():
        once = claim_key(
            actor=actor, scope="safety.inspection", key=idempotency_key, model=Inspection
        )
        if isinstance(once.earlier, Inspection):
            return once.earlier
        inspection = Inspection.objects.create(
            **site.columns(),
            number=serial_number(site.street_id, "inspection", now),
            campaign=campaign,
            inspected_at=inspected_at,
            night=night,
            members=members,
            note=note,
            created_by=actor,
            created_at=now,
            hazards_found=sum(1 for e in items if e.result == Result.HAZARD),
        )
        inspection.units.set(units)
        ItemResult.objects.bulk_create(
            ItemResult(
                street_id=site.street_id,
                inspection=inspection,
                item=e.item,
                result=e.result,
                count=e.count,
                note=e.note,
            )
            for e in items
        )
        for photo in cleaned:
            InspectionPhoto.objects.create(
                street_id=site.street_id,
                inspection=inspection,
                image=photo.content,
                width=photo.width,
                height=photo.height,
                size=photo.size,
                uploaded_by=actor,
            )
        for e in items:
            if e.result != Result.HAZARD:
                continue
            hazard = _raise(
                actor,
                site,
                now,
                item=e.item,
                severity=e.severity,
                source=HazardSource.INSPECTION,
                description=e.item.label + (f"：{e.note}" if e.note else ""),
                inspection=inspection,
            )
            if e.fixed_on_spot:
                _fix(actor, hazard, after[e.item.pk], _("Put right on the spot."), now, True)
        if campaign is not None:
            Target.objects.get_or_create(
                campaign=campaign, **_site_lookup(site), defaults=site.columns()
            )
        once.record(inspection)
    return inspection


def _site_lookup(site: SiteRef) -> dict:
    if site.compound is not None:
        return {"compound": site.compound}
    if site.unit is not None:
        return {"unit": site.unit}
    return {"grid": site.grid, "place": site.place, "site_kind": site.kind}


def _raise(
    actor, site: SiteRef, now, *, item, severity, source, description, photos=(), **links
) -> Hazard:
    hazard = Hazard.objects.create(
        **site.columns(),
        number=serial_number(site.street_id, "hazard", now),
        item=item,
        description=description[:300],
        severity=severity,
        source=source,
        raised_by=actor,
        raised_at=now,
        **links,
    )
    role = perms.acting_role(actor, p.REPORT, hazard)
    event = HAZARDS.append(hazard, actor=actor, role=role, verb="raise", at=now)
    HAZARDS.store_photos(hazard, event, photos, actor)
    return hazard


def _fix(actor, hazard: Hazard, photos, note: str, now, on_the_spot: bool) -> Hazard:
    def apply(row, when):
        row.fixed_at = when
        row.on_the_spot = on_the_spot
        return ["fixed_at", "on_the_spot"]

    row, _event = HAZARDS.transition(
        actor=actor,
        row=hazard,
        name="fix",
        at=now,
        note=note,
        photos=photos,
        photo_fields={"after": True},
        apply=apply,
    )
    return row


def hazard_report(
    *,
    actor,
    site: SiteRef,
    description: str,
    item: ChecklistItem | None = None,
    severity: str = Severity.MINOR,
    source: str = HazardSource.PATROL,
    work_order=None,
    photos=(),
    idempotency_key: str = "",
    at: dt.datetime | None = None,
) -> Hazard:
    """A hazard seen outside an inspection: on patrol (飞线充电 in a stairwell), by a
    volunteer, or in a resident's request (the work order is linked)."""
    require_reach(actor, p.REPORT, site)
    description = clean_text(
        description, field="description", label=_("what was found"), required=True, limit=300
    )
    if severity not in Severity.values:
        raise InvalidInput(_("Choose the severity."), field="severity")
    if source not in (HazardSource.PATROL, HazardSource.VOLUNTEER, HazardSource.REQUEST):
        raise InvalidInput(_("Say who found it."), field="source")
    if item is not None and item.street_id != site.street_id:
        raise InvalidInput(_("Choose an item of this street's checklist."), field="item")
    if work_order is not None:
        work_order = perms.get_in_scope(
            type(work_order).objects.all(), actor, "workorders.view", pk=work_order.pk
        )
        source = HazardSource.REQUEST
    cleaned = clean_photos(photos)
    now = at or timezone.now()
    with transaction.atomic():
        once = claim_key(actor=actor, scope="safety.hazard", key=idempotency_key, model=Hazard)
        if isinstance(once.earlier, Hazard):
            return once.earlier
        hazard = _raise(
            actor,
            site,
            now,
            item=item,
            severity=severity,
            source=source,
            description=description,
            photos=cleaned,
            work_order=work_order,
        )
        once.record(hazard)
    return hazard


def hazard_fix(*, actor, hazard: Hazard, photos, note: str = "", at=None) -> Hazard:
    """Put right (not under a notice): with a photo of the place afterwards."""
    cleaned = clean_photos(photos)
    if not cleaned:
        raise InvalidInput(_("Add a photo of the place put right."), field="photos")
    note = clean_text(note, field="note", label=_("what was done"), limit=500)
    return _fix(actor, hazard, cleaned, note, at or timezone.now(), False)


def hazard_dismiss(*, actor, hazard: Hazard, reason: str, at=None) -> Hazard:
    reason = clean_text(reason, field="reason", label=_("the reason"), required=True, limit=300)
    return HAZARDS.transition(actor=actor, row=hazard, name="dismiss", note=reason, at=at)[0]


OPEN_STATES = (HazardStatus.OPEN, HazardStatus.NOTIFIED, HazardStatus.ESCALATED)
