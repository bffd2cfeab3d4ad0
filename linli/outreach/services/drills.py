"""Drills and trainings: plan (not in the past), edit, hold (attendance, the residents
named, photos; not before the day), cancel; the street's rule; and the two jobs of the
worker: a reminder to the grid's staff a few days before a planned drill, and in November
a word to the cadres about the grids that have not held their fire drill this year."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.attachments import clean_photos
from linli.core.audit import record_change
from linli.core.errors import InvalidInput
from linli.core.idempotency import claim_key
from linli.core.notify import Message, notify
from linli.core.text import clean_text
from linli.core.workflow import stamp
from linli.grids import permissions as perms
from linli.grids import recipients
from linli.grids.models import GridNode, NodeKind, Unit, UnitKind
from linli.registry import permissions as rp
from linli.registry.models import Resident

from .. import permissions as p
from ..machine import DRILLS
from ..models import Drill, DrillAttendee, DrillKind, DrillRule, DrillStatus

REMIND_DAYS = 3  # the grid's staff are reminded this many days before a planned drill
MAX_ATTENDANCE = 100_000
MAX_NAMED = 200
NAMES = re.compile(r"[\s,，、;；]+")


def _link(drill: Drill) -> str:
    return reverse("outreach:drill", args=[drill.pk])


def _check(*, kind, place, topic, day: dt.date, today: dt.date) -> tuple[str, str]:
    if kind not in DrillKind.values:
        raise InvalidInput(_("Choose the kind of drill or training."), field="kind")
    if day < today:
        raise InvalidInput(
            _("The date is in the past: plan a drill for today or later."), field="date"
        )
    place = clean_text(place, field="place", label=_("the place"), required=True, limit=120)
    topic = clean_text(topic, field="topic", label=_("the topic"), required=True, limit=200)
    return place, topic


def _enterprises(street_id: int, units: Iterable[Unit]) -> list[Unit]:
    units = list(units)
    if any(u.kind != UnitKind.ENTERPRISE or u.street_id != street_id for u in units):
        raise InvalidInput(_("Choose enterprises of this street."), field="units")
    return units


def drill_plan(
    *,
    actor,
    kind: str,
    node: GridNode,
    date: dt.date,
    place: str,
    topic: str,
    units: Iterable[Unit] = (),
    idempotency_key: str = "",
    at: dt.datetime | None = None,
) -> Drill:
    """Plan a drill or training held by ``node`` (a grid, a neighbourhood or the street),
    for ``units`` (enterprises) where it is theirs."""
    now = at or timezone.now()
    place, topic = _check(kind=kind, place=place, topic=topic, day=date,
                          today=timezone.localdate(now))  # fmt: skip
    with transaction.atomic():
        once = claim_key(actor=actor, scope="outreach.drill", key=idempotency_key, model=Drill)
        if isinstance(once.earlier, Drill):
            return once.earlier
        if node.kind == NodeKind.DISTRICT or not perms.allows(actor, p.MANAGE, node):
            raise Http404
        chosen = _enterprises(node.street_id, units)
        drill = Drill.objects.create(
            street_id=node.street_id, kind=kind, node=node, date=date, place=place, topic=topic,
            created_by=actor, created_at=now,
        )  # fmt: skip
        drill.units.set(chosen)
        DRILLS.append(
            drill, actor=actor, role=perms.acting_role(actor, p.MANAGE, drill), verb="plan",
            from_status="", to_status=DrillStatus.PLANNED, at=now,
        )  # fmt: skip
        once.record(drill)
    return drill


def drill_update(
    *,
    actor,
    drill: Drill,
    date: dt.date,
    place: str,
    topic: str,
    units: Iterable[Unit] = (),
    at: dt.datetime | None = None,
) -> Drill:
    """Move or reword a planned drill (a new date is reminded again)."""
    now = at or timezone.now()
    with transaction.atomic():
        locked = perms.get_in_scope(Drill.objects.select_for_update(), actor, p.MANAGE,
                                    pk=drill.pk)  # fmt: skip
        if locked.status != DrillStatus.PLANNED:
            raise InvalidInput(_("Only a planned drill can be changed."), field="date")
        place, topic = _check(kind=locked.kind, place=place, topic=topic, day=date,
                              today=timezone.localdate(now))  # fmt: skip
        chosen = _enterprises(locked.street_id, units)
        fields = ["date", "place", "topic", "updated_at"]
        if date != locked.date:
            locked.reminded_at = None
            fields.append("reminded_at")
        locked.date, locked.place, locked.topic = date, place, topic
        locked.save(update_fields=fields)
        locked.units.set(chosen)
        DRILLS.append(locked, actor=actor, role=perms.acting_role(actor, p.MANAGE, locked),
                      verb="edit", at=now, data={"date": date.isoformat()})  # fmt: skip
    return locked


def _named(actor, drill: Drill, text: str) -> list[Resident]:
    """The residents named (by name, separated by commas, 、 or spaces), each found once
    among the residents of the drill's area the actor may see."""
    names = list(dict.fromkeys(n for n in NAMES.split(text or "") if n))
    if len(names) > MAX_NAMED:
        raise InvalidInput(
            _("Name at most %(n)d people; count the others in the attendance.") % {"n": MAX_NAMED},
            field="attendees",
        )
    if not names:
        return []
    found = perms.filter_to_scope(
        Resident.objects.filter(household__isnull=False, name__in=names), actor, rp.VIEW
    ).filter(perms.within("grid", drill.node))
    by_name: dict[str, list[Resident]] = defaultdict(list)
    for r in found:
        by_name[r.name].append(r)
    for name in names:
        if not by_name[name]:
            raise InvalidInput(
                _("No resident called %(name)s lives in the area of this drill.") % {"name": name},
                field="attendees",
            )
        if len(by_name[name]) > 1:
            raise InvalidInput(
                _("More than one resident is called %(name)s: leave the name out and count "
                  "them in the attendance.") % {"name": name},
                field="attendees",
            )  # fmt: skip
    return [by_name[n][0] for n in names]


def drill_hold(
    *,
    actor,
    drill: Drill,
    attendance: int,
    attendees: str = "",
    note: str = "",
    photos: Iterable = (),
    at: dt.datetime | None = None,
) -> Drill:
    """Record a planned drill as held, on its day or after: how many took part, the
    residents named, what was done, photos."""
    now = at or timezone.now()
    if drill.date > timezone.localdate(now):
        raise InvalidInput(
            _("The drill is planned for %(date)s: record it on the day or after.")
            % {"date": drill.date.isoformat()},
            field="attendance",
        )
    if not isinstance(attendance, int) or not 1 <= attendance <= MAX_ATTENDANCE:
        raise InvalidInput(_("Give how many took part (at least 1)."), field="attendance")
    note = clean_text(note, field="note", label=_("the note"), limit=1000)
    cleaned = clean_photos(photos)
    named = _named(actor, drill, attendees)
    if len(named) > attendance:
        raise InvalidInput(_("More people are named than took part."), field="attendance")

    def apply(row, moment):
        row.attendance, row.held_at = attendance, moment
        return ["attendance", "held_at"]

    with transaction.atomic():
        held, _e = DRILLS.transition(
            actor=actor, row=drill, name="hold", at=now, note=note, photos=cleaned, apply=apply,
            data={"attendance": attendance, "named": len(named)},
        )  # fmt: skip
        DrillAttendee.objects.bulk_create(
            DrillAttendee(street_id=held.street_id, drill=held, resident=r) for r in named
        )
    return held


def drill_cancel(*, actor, drill: Drill, reason: str, at=None) -> Drill:
    reason = clean_text(reason, field="reason", label=_("the reason"), required=True, limit=300)
    cancelled, _e = DRILLS.transition(actor=actor, row=drill, name="cancel", at=at, note=reason)
    return cancelled


# --- the street's rule ----------------------------------------------------------------------


def rule_for(street_id: int) -> DrillRule:
    """The street's rule (one fire drill per grid and one training per enterprise a year
    until the street sets its own)."""
    return DrillRule.objects.filter(street_id=street_id).first() or DrillRule(street_id=street_id)


def rule_save(*, actor, street_id: int, grid_fire_drills: int, enterprise_trainings: int):
    """A street admin sets the rule; the change history keeps each change."""
    street = GridNode.objects.filter(pk=street_id, kind=NodeKind.STREET).first()
    if street is None or not perms.allows(actor, p.RULES, street):
        raise Http404
    for field, value in (("grid_fire_drills", grid_fire_drills),
                         ("enterprise_trainings", enterprise_trainings)):  # fmt: skip
        if not isinstance(value, int) or not 0 <= value <= 12:
            raise InvalidInput(_("Give a number from 0 to 12."), field=field)
    with transaction.atomic():
        rule, created = DrillRule.objects.select_for_update().get_or_create(street_id=street_id)
        before = {"grid_fire_drills": rule.grid_fire_drills,
                  "enterprise_trainings": rule.enterprise_trainings}  # fmt: skip
        after = {"grid_fire_drills": grid_fire_drills,
                 "enterprise_trainings": enterprise_trainings}  # fmt: skip
        if after == before and not created:
            return rule
        rule.grid_fire_drills, rule.enterprise_trainings = grid_fire_drills, enterprise_trainings
        rule.save()
        record_change(
            actor=actor, target=rule, verb="update", summary=_("Drill rule set"),
            changes={k: [before[k], v] for k, v in after.items() if before[k] != v},
        )  # fmt: skip
    return rule


# --- the worker -----------------------------------------------------------------------------


def remind_drills(now: dt.datetime | None = None) -> dict[str, int]:
    """Remind the staff of the holding grid (and the enterprises' staff) of each planned
    drill ``REMIND_DAYS`` days ahead, once (``reminded_at``: safe to run twice at once)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = Drill.objects.filter(
        status=DrillStatus.PLANNED, date__gte=today, date__lte=today + dt.timedelta(REMIND_DAYS)
    )
    taken = [r["pk"] for r in stamp(due, marker="reminded_at", at=now)]
    drills = list(
        Drill.objects.filter(pk__in=taken).select_related("node").prefetch_related("units")
    )
    staff = recipients.staff_of_grids([d.node for d in drills]) if drills else {}
    sent = 0
    for d in drills:
        users = staff.get(d.node_id, set()) | recipients.unit_staff(u.pk for u in d.units.all())
        subject = _("%(kind)s on %(date)s: %(topic)s") % {
            "kind": DrillKind(d.kind).label, "date": d.date.isoformat(), "topic": d.topic,
        }  # fmt: skip
        notify(
            (Message(kind="outreach.drill_soon", subject=subject, link=_link(d), user_id=u,
                     street_id=d.street_id) for u in sorted(users)),
            dedupe_key=f"outreach.drill-soon-{d.pk}-{d.date.isoformat()}",
        )  # fmt: skip
        sent += len(users)
    return {"reminded": len(drills), "messages": sent}


def tell_missing_drills(now: dt.datetime | None = None) -> dict[str, int]:
    """In November, tell each neighbourhood's cadres which of their grids have not yet held
    the fire drills of the street's rule this year (once a year: the inbox keeps one)."""
    from ..selectors import grid_compliance

    now = now or timezone.now()
    today = timezone.localdate(now)
    if today.month != 11:
        return {"skipped": 1}
    streets = GridNode.objects.filter(kind=NodeKind.STREET).values_list("pk", flat=True)
    missing: list[GridNode] = []
    for street_id in streets:
        missing += [row.grid for row in grid_compliance(street_id, today.year) if not row.ok]
    cadres = recipients.staff_of_grids(missing, level=recipients.NEIGHBOURHOOD)
    by_user: dict[int, list[GridNode]] = defaultdict(list)
    for grid in missing:
        for user_id in cadres.get(grid.pk, ()):
            by_user[user_id].append(grid)
    messages = [
        Message(
            kind="outreach.drills_missing",
            subject=_("No fire drill yet this year: %(grids)s")
            % {"grids": "、".join(g.name for g in grids)},
            link=reverse("outreach:compliance"),
            user_id=user_id,
            street_id=grids[0].street_id,
        )
        for user_id, grids in sorted(by_user.items())
    ]
    notify(messages, dedupe_key=f"outreach.drills-missing-{today.year}")
    return {"grids": len(missing), "messages": len(messages)}
