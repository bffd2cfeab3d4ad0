"""Rectification notices (《责令立即改正通知书》): issue one for a site's open hazards, record
that it was signed for, re-inspect (回头看: the hazards put right close, the rest escalate),
order a site that still fails to suspend business, and the worker's two jobs: remind the
team before each re-inspection, escalate the notices past their deadline."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import sla
from linli.core.attachments import clean_photos
from linli.core.audit import record_change
from linli.core.errors import InvalidInput
from linli.core.idempotency import claim_key
from linli.core.notify import Message, notify
from linli.core.numbering import next_number
from linli.core.text import clean_text
from linli.core.workflow import stamp
from linli.grids import permissions as perms
from linli.grids import recipients
from linli.grids.models import GridNode, Unit

from .. import permissions as p
from ..machine import HAZARDS, NOTICES
from ..models import (
    Hazard,
    HazardStatus,
    Inspection,
    InspectionPhoto,
    Notice,
    NoticeSettings,
    NoticeStatus,
)
from ..tasks import archive_notice
from .inspections import serial_number
from .sites import SiteRef

# A deadline further away than this is a typo (the notice says 立即改正).
MAX_DAYS = 90

DEFAULT_BASIS = (
    "依据《中华人民共和国消防法》第十六条、第十八条、第二十八条、第六十条等规定，现责令你（单位）"
    "对上述隐患立即改正。逾期不改正的，将依法予以处罚，并由联合检查组责令停业整顿。"
)


def notice_settings(street_id: int) -> NoticeSettings:
    """The street's wording, made on first use (the issuing authority, the legal basis)."""
    found = NoticeSettings.objects.filter(street_id=street_id).first()
    if found is None:
        street = GridNode.objects.get(pk=street_id)
        found, _made = NoticeSettings.objects.get_or_create(
            street_id=street_id,
            defaults={"authority": f"{street.name}社区平安办", "legal_basis": DEFAULT_BASIS},
        )
    return found


def notice_settings_save(
    *, actor, street_id: int, authority: str, legal_basis: str, days_to_rectify: int
) -> NoticeSettings:
    """The street's wording for the notices it issues from now on (street admins, cadres)."""
    if street_id not in perms.streets(actor, p.CAMPAIGNS):
        raise InvalidInput(_("Choose a street you run campaigns in."), field="street")
    authority = clean_text(
        authority, field="authority", label=_("the issuing authority"), required=True, limit=80
    )
    legal_basis = clean_text(
        legal_basis, field="legal_basis", label=_("the legal basis"), required=True, limit=2000
    )
    if not 1 <= days_to_rectify <= MAX_DAYS:
        raise InvalidInput(
            _("Give a deadline within %(days)d days.") % {"days": MAX_DAYS},
            field="days_to_rectify",
        )
    with transaction.atomic():
        row = notice_settings(street_id)
        row.authority, row.legal_basis = authority, legal_basis
        row.days_to_rectify = days_to_rectify
        row.save()
        record_change(
            actor=actor, target=row, verb="update", summary=_("Notice wording changed"),
            changes={"authority": authority, "legal_basis": legal_basis,
                     "days_to_rectify": days_to_rectify},
        )  # fmt: skip
    return row


def _number(street_id: int, year: int) -> tuple[int, str]:
    serial = next_number(street_id, f"safety-notice-{year}")
    return serial, f"〔{year}〕第{serial:04d}号"


def notice_issue(
    *,
    actor,
    hazards: list[Hazard],
    responsible: str,
    deadline: dt.date,
    demand: str = "",
    reinspect_on: dt.date | None = None,
    units: list[Unit] = (),  # type: ignore[assignment]
    idempotency_key: str = "",
    at: dt.datetime | None = None,
) -> Notice:
    """Issue a notice for open hazards of one site (it counts in the campaign whose
    inspection found them, if any). Its number is the street's next of the
    year, given inside the transaction: two notices issued at once get two numbers, and a
    notice that fails (or a worker killed mid-way) gives its number back."""
    if not hazards:
        raise InvalidInput(_("A notice must name at least one hazard."), field="hazards")
    now = at or timezone.now()
    today = sla.local_date(now)
    responsible = clean_text(
        responsible, field="responsible", label=_("the responsible person"), required=True, limit=60
    )
    demand = clean_text(demand, field="demand", label=_("what must be done"), limit=1000)
    if deadline < today:
        raise InvalidInput(_("The deadline cannot be in the past."), field="deadline")
    if deadline > today + dt.timedelta(days=MAX_DAYS):
        raise InvalidInput(
            _("Give a deadline within %(days)d days.") % {"days": MAX_DAYS}, field="deadline"
        )
    reinspect_on = reinspect_on or deadline
    if not today <= reinspect_on <= deadline:
        raise InvalidInput(
            _("The re-inspection must fall between today and the deadline."), field="reinspect_on"
        )
    with transaction.atomic():
        once = claim_key(actor=actor, scope="safety.notice", key=idempotency_key, model=Notice)
        if isinstance(once.earlier, Notice):
            return once.earlier
        locked = list(
            Hazard.objects.select_for_update(of=("self",))
            .select_related("grid", "compound", "unit", "inspection")
            .filter(pk__in=[h.pk for h in hazards])
            .order_by("pk")
        )
        if len(locked) != len({h.pk for h in hazards}):
            raise InvalidInput(_("A hazard named is not on the record."), field="hazards")
        site = SiteRef.of(locked[0])
        if any(SiteRef.of(h).key != site.key or h.place != site.place for h in locked):
            raise InvalidInput(_("A notice is for the hazards of one site."), field="hazards")
        not_open = [h.number for h in locked if h.status != HazardStatus.OPEN]
        if not_open:
            raise InvalidInput(
                _("Hazard %(numbers)s is no longer open.") % {"numbers": "、".join(not_open)},
                field="hazards",
            )
        for h in locked:
            if not perms.allows(actor, p.NOTICES, h):
                raise InvalidInput(_("A hazard named is not on the record."), field="hazards")
        if any(u.street_id != site.street_id for u in units):
            raise InvalidInput(_("Choose units of this street."), field="units")
        wording = notice_settings(site.street_id)
        campaign_id = next((h.inspection.campaign_id for h in locked if h.inspection), None)
        serial, number = _number(site.street_id, today.year)
        notice = Notice.objects.create(
            **site.columns(),
            number=number,
            year=today.year,
            serial=serial,
            campaign_id=campaign_id,
            responsible=responsible,
            legal_basis=wording.legal_basis,
            demand=demand or _("Put the hazards listed right at once."),
            deadline=deadline,
            reinspect_on=reinspect_on,
            issued_by=actor,
            issued_at=now,
        )
        notice.units.set(units)
        NOTICES.append(
            notice,
            actor=actor,
            role=perms.acting_role(actor, p.NOTICES, notice),
            verb="issue",
            at=now,
            data={"hazards": [h.number for h in locked]},
        )
        for h in locked:
            HAZARDS.transition(
                actor=actor,
                row=h,
                name="notify",
                at=now,
                note=number,
                apply=_on_notice(notice),
            )
        once.record(notice)
    archive_notice.enqueue(notice.pk)  # the PDF as handed over (the worker; core.pdf)
    return notice


def _on_notice(notice: Notice):
    def apply(row: Hazard, now) -> list[str]:
        row.notice = notice
        return ["notice"]

    return apply


def notice_acknowledge(*, actor, notice: Notice, signed_by: str, at=None) -> Notice:
    """The responsible person signed for the notice (签收)."""
    signed_by = clean_text(
        signed_by, field="signed_by", label=_("who signed for it"), required=True, limit=60
    )

    def apply(row, now):
        row.acknowledged_by = signed_by
        row.acknowledged_at = now
        return ["acknowledged_by", "acknowledged_at"]

    return NOTICES.transition(actor=actor, row=notice, name="acknowledge", apply=apply, at=at)[0]


def notice_reinspect(
    *,
    actor,
    notice: Notice,
    fixed: set[int],
    note: str = "",
    photos=(),
    members: str = "",
    at: dt.datetime | None = None,
) -> Notice:
    """回头看: ``fixed`` are the notice's hazards found put right (they close); the rest stay
    and the notice escalates to joint enforcement (or stays escalated). All put right: the
    notice is closed as rectified. Recorded as an inspection of the site."""
    note = clean_text(note, field="note", label=_("the notes"), limit=2000)
    members = clean_text(members, field="members", label=_("the team members"), limit=200)
    cleaned = clean_photos(photos)
    now = at or timezone.now()
    with transaction.atomic():
        locked, _role = NOTICES.lock(actor, notice, "rectified")
        hazards = list(
            locked.hazards.filter(status__in=[HazardStatus.NOTIFIED, HazardStatus.ESCALATED])
        )
        ids = {h.pk for h in hazards}
        if not fixed <= ids:
            raise InvalidInput(_("Tick only hazards of this notice."), field="fixed")
        remaining = [h for h in hazards if h.pk not in fixed]
        if not remaining:
            name = "rectified"
        elif locked.status in (NoticeStatus.ISSUED, NoticeStatus.ACKNOWLEDGED):
            name = "failed"
        else:
            name = "not_yet"
        NOTICES.workflow.next_status(name, locked.status)  # 409 before anything is written
        inspection = Inspection.objects.create(
            **SiteRef.of(locked).columns(),
            number=serial_number(locked.street_id, "inspection", now),
            campaign=locked.campaign,
            notice=locked,
            inspected_at=now,
            members=members,
            note=note,
            created_by=actor,
            created_at=now,
            hazards_found=len(remaining),
        )
        for photo in cleaned:
            InspectionPhoto.objects.create(
                street_id=locked.street_id,
                inspection=inspection,
                image=photo.content,
                width=photo.width,
                height=photo.height,
                size=photo.size,
                uploaded_by=actor,
            )
        for h in hazards:
            if h.pk in fixed:
                HAZARDS.transition(
                    actor=actor, row=h, name="cleared", at=now, note=locked.number, apply=_fixed_now
                )
            elif h.status == HazardStatus.NOTIFIED:
                HAZARDS.transition(actor=actor, row=h, name="escalate", at=now, note=locked.number)

        def apply(row, when):
            if name == "rectified":
                row.closed_at = when
                return ["closed_at"]
            return []

        row, _event = NOTICES.transition(
            actor=actor,
            row=locked,
            name=name,
            at=now,
            note=note,
            apply=apply,
            data={
                "inspection": inspection.number,
                "fixed": sorted(h.number for h in hazards if h.pk in fixed),
                "remaining": [h.number for h in remaining],
            },
        )
    return row


def _fixed_now(row: Hazard, now) -> list[str]:
    row.fixed_at = now
    return ["fixed_at"]


def notice_suspend(*, actor, notice: Notice, note: str, at=None) -> Notice:
    """责令停业整顿: the site is to suspend business until a re-inspection finds it put right."""
    note = clean_text(note, field="note", label=_("the decision"), required=True, limit=1000)
    return NOTICES.transition(actor=actor, row=notice, name="suspend", note=note, at=at)[0]


# --- the worker's jobs ------------------------------------------------------------------------


def escalate_overdue(now: dt.datetime | None = None) -> dict[str, int]:
    """Notices past their deadline and not put right go to joint enforcement; their hazards
    still under the notice escalate with them. Safe to run twice at once (markers)."""
    now = now or timezone.now()
    today = sla.local_date(now)
    taken = NOTICES.bulk_transition(
        Notice.objects.filter(deadline__lt=today, overdue_at__isnull=True),
        name="overdue",
        at=now,
        marker="overdue_at",
        note=_("Not put right by the deadline."),
    )
    ids = [row["pk"] for row in taken]
    hazards = HAZARDS.bulk_transition(
        Hazard.objects.filter(notice_id__in=ids),
        name="escalate",
        at=now,
        marker="escalated_at",
        note=_("The notice is overdue."),
    )
    if taken:
        _tell_overdue(ids)
    return {"notices": len(taken), "hazards": len(hazards)}


def _tell_overdue(ids: list[int]) -> None:
    notices = list(Notice.objects.filter(pk__in=ids).select_related("compound", "unit"))
    staff = recipients.staff_of_grids({n.grid_id for n in notices}, level=recipients.NEIGHBOURHOOD)
    notify(
        [
            Message(
                kind="safety.notice_overdue",
                subject=_(
                    "Notice %(number)s (%(site)s) is overdue: escalated to joint enforcement."
                )
                % {"number": n.number, "site": n.site_name},
                link=reverse("safety:notice", args=[n.pk]),
                user_id=uid,
                street_id=n.street_id,
            )
            for n in notices
            for uid in sorted(staff.get(n.grid_id, ()))
        ]
    )


def remind_reinspections(now: dt.datetime | None = None) -> dict[str, int]:
    """The day before a re-inspection (or on it), its grid's staff are told once."""
    now = now or timezone.now()
    tomorrow = sla.local_date(now) + dt.timedelta(days=1)
    due = Notice.objects.filter(
        status__in=[NoticeStatus.ISSUED, NoticeStatus.ACKNOWLEDGED, NoticeStatus.ESCALATED],
        reinspect_on__lte=tomorrow,
        reminded_at__isnull=True,
    )
    rows = stamp(
        due,
        marker="reminded_at",
        at=now,
        read=("pk", "street_id", "grid_id", "number", "reinspect_on"),
    )
    staff = recipients.staff_of_grids({r["grid_id"] for r in rows})
    notify(
        [
            Message(
                kind="safety.reinspect_due",
                subject=_("Re-inspection of notice %(number)s is due on %(day)s.")
                % {"number": r["number"], "day": f"{r['reinspect_on']:%m-%d}"},
                link=reverse("safety:notice", args=[r["pk"]]),
                user_id=uid,
                street_id=r["street_id"],
            )
            for r in rows
            for uid in sorted(staff.get(r["grid_id"], ()))
        ]
    )
    return {"reminded": len(rows)}
