"""Writes to work orders: intake, then one function per workflow action.

Every action follows the house recipe: validate uploads first (nothing is
stored if one photo is bad), then in one transaction lock the row
(``select_for_update``), check that the actor may act on it (``Http404``
otherwise: "not yours" looks like "not there"), check ``workflow.TRANSITIONS``
(``IllegalTransition``, HTTP 409, when the status does not allow it), save with
``update_fields``, append a timeline event with its photos. Notifications
leave after commit (``core.notify.notify``; intake writes its inbox rows inside
its own transaction, ``inbox_now``, and only the outside channel waits).

Every function takes ``at`` (default: now), the moment the action happened,
so imports and demo data can replay history; deadlines are computed from it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import pii, sla
from linli.core.attachments import CleanPhoto, clean_photos
from linli.core.errors import InvalidInput
from linli.core.notify import Message, notify
from linli.core.numbering import next_number
from linli.core.timeline import append_event
from linli.grids import permissions as perms
from linli.grids.models import GridNode, Role, StaffAssignment, Unit
from linli.registry.models import Building, Compound, Dwelling, Resident

from . import permissions as wo_perms
from .models import (
    STAFF_CHANNELS,
    AssignmentRole,
    Category,
    Channel,
    PhotoKind,
    Urgency,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderPhoto,
    WorkOrderUnit,
)
from .selectors import resolve_place
from .workflow import (
    P_INTAKE,
    P_REPORT,
    P_VIEW,
    Level,
    Satisfaction,
    Status,
    next_status,
    transition,
)

MAX_DESCRIPTION = 2000


def _now(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()


def _text(value: str | None, *, field: str, label: str, required: bool, limit: int = 1000) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_("Please fill in %(label)s.") % {"label": label}, field=field)
    if len(value) > limit:
        raise InvalidInput(
            _("%(label)s is too long (at most %(limit)d characters).")
            % {"label": label, "limit": limit},
            field=field,
        )
    return value


# --- intake ----------------------------------------------------------------------------------


def _resident_dwelling_ids(user) -> set[int]:
    resident = Resident.objects.filter(user=user).select_related("household").first()
    if resident is None or resident.household is None:
        return set()
    return {resident.household.dwelling_id}


def _store_photos(
    order: WorkOrder, event: WorkOrderEvent, photos: Sequence[CleanPhoto], kind: str, actor
) -> None:
    for photo in photos:
        WorkOrderPhoto.objects.create(
            street_id=order.street_id,
            order=order,
            event=event,
            kind=kind,
            image=photo.content,
            width=photo.width,
            height=photo.height,
            size=photo.size,
            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )


def workorder_intake(
    *,
    actor,
    channel: str,
    category: Category,
    description: str,
    dwelling: Dwelling | None = None,
    building: Building | None = None,
    compound: Compound | None = None,
    grid: GridNode | None = None,
    location_text: str = "",
    reporter_resident: Resident | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    urgency: str | None = None,
    latitude=None,
    longitude=None,
    photos: Iterable = (),
    at: dt.datetime | None = None,
) -> WorkOrder:
    """Register a request (受理) and start its clocks.

    * ``self_service``: the actor is a resident (``workorders.report``); the
      location is their own dwelling, a compound / building of their street
      (public area), or free text in their own grid.
    * staff channels (desk, proxy, hotline, wechat_group, open311): the actor
      holds ``workorders.intake`` over the grid where the problem is.
      ``proxy`` (帮办代办) requires ``reporter_resident``.
    The grid (and so the queue) comes from the dwelling / building / compound.
    Photos are validated before anything is written.
    """
    if channel not in Channel.values:
        raise InvalidInput(_("Unknown channel."), field="channel")
    description = _text(
        description,
        field="description",
        label=_("the description"),
        required=True,
        limit=MAX_DESCRIPTION,
    )
    location_text = _text(
        location_text, field="location_text", label=_("the location"), required=False, limit=200
    )
    reporter_name = _text(
        reporter_name, field="reporter_name", label=_("the name"), required=False, limit=60
    )
    phone = ""
    if reporter_phone:
        try:
            phone = pii.validate_phone(reporter_phone)
        except pii.PIIError as exc:
            raise InvalidInput(str(exc), field="reporter_phone") from None
    if urgency is not None and urgency not in Urgency.values:
        raise InvalidInput(_("Unknown urgency."), field="urgency")
    cleaned = clean_photos(photos)
    now = _now(at)

    with transaction.atomic():
        reporter_user = None
        if channel == Channel.SELF_SERVICE:
            perms.require(actor, P_REPORT)
            reporter_user = actor
            reporter_resident = Resident.objects.filter(user=actor).first()
            own = _resident_dwelling_ids(actor)
            if dwelling is not None and dwelling.pk not in own:
                raise Http404
            grid = None  # a resident's free-text location lies in their own grid
            if dwelling is None and building is None and compound is None:
                if not own:
                    raise InvalidInput(
                        _("Choose a compound where the problem is."), field="location"
                    )
                grid = Dwelling.objects.select_related("grid").get(pk=next(iter(own))).grid
            place = resolve_place(
                dwelling=dwelling, building=building, compound=compound, grid=grid
            )
            if place.grid.street_id not in perms.streets(actor, P_REPORT):
                raise Http404
        else:
            place = resolve_place(
                dwelling=dwelling, building=building, compound=compound, grid=grid
            )
            # The scope engine's node rule, applied to the grid already loaded (no query).
            if not wo_perms.node_grants_at(actor, P_INTAKE, place.grid):
                raise Http404
            if channel == Channel.PROXY and reporter_resident is None:
                raise InvalidInput(
                    _("Choose the resident this request is made for (帮办代办)."),
                    field="reporter_resident",
                )
        if reporter_resident is not None and reporter_resident.street_id != place.grid.street_id:
            raise InvalidInput(
                _("The resident lives in another street."), field="reporter_resident"
            )
        if place.compound is None and not location_text:
            raise InvalidInput(_("Describe where the problem is."), field="location_text")
        street_id = place.grid.street_id
        if category.street_id != street_id or not category.active:
            raise InvalidInput(_("Choose a category of this street."), field="category")
        if (
            reporter_resident is None
            and reporter_user is None
            and not (reporter_name or phone)
            and channel in STAFF_CHANNELS
            and channel != Channel.OPEN311
        ):
            raise InvalidInput(
                _("Record who made the request: a resident, or a name and phone."),
                field="reporter_name",
            )

        response_due = sla.deadline(now, category.response_limit, category.clock_unit)
        resolve_due = sla.deadline(now, category.resolve_limit, category.clock_unit)
        order = WorkOrder(
            street_id=street_id,
            channel=channel,
            reporter_resident=reporter_resident,
            reporter_user=reporter_user or (reporter_resident.user if reporter_resident else None),
            reporter_name=reporter_name,
            intake_by=actor if channel in STAFF_CHANNELS else None,
            dwelling=place.dwelling,
            building=place.building,
            compound=place.compound,
            location_text=location_text,
            latitude=latitude,
            longitude=longitude,
            grid=place.grid,
            public_area=category.public_area if place.dwelling is None else False,
            category=category,
            description=description,
            urgency=urgency or category.urgency,
            response_due=response_due,
            resolve_due=resolve_due,
            warn_at=sla.warning_time(now, resolve_due, category.clock_unit),
            created_at=now,
        )
        if phone and reporter_resident is None:
            order.set_reporter_phone(phone)
        # Read before the number: from next_number to COMMIT every intake of the street
        # waits for this one (the counter row stays locked), so only writes follow it.
        recipients = _grid_staff_ids(order)
        number = next_number(street_id, f"workorder-{now.year}")
        order.number = f"WO-{now.year}-{number:06d}"
        order.save()
        event = append_event(
            WorkOrderEvent,
            subject_field="order",
            subject=order,
            fields=WorkOrderEvent.copied_from(order),
            actor=actor,
            actor_role=Role.RESIDENT
            if channel == Channel.SELF_SERVICE
            else _intake_role(actor, order),
            verb="accept",
            to_status=Status.ACCEPTED,
            data={"channel": channel},
            at=now,
        )
        _store_photos(order, event, cleaned, PhotoKind.REPORT, actor)
        # The inbox rows go in with the order (one statement, no second transaction);
        # the outside channel still waits for the commit.
        notify(
            _to_users(
                recipients, order, "workorder.new", _("New request %(number)s: %(category)s")
            ),
            dedupe_key=f"wo-new-{order.pk}",
            inbox_now=True,
        )
    return order


def _intake_role(actor, order: WorkOrder) -> str:
    grants = sorted(
        wo_perms.node_grants_at(actor, P_INTAKE, order.grid),
        key=lambda g: len(g.node_path),
        reverse=True,
    )
    return grants[0].role if grants else ""


# --- notifications ---------------------------------------------------------------------------


def workorder_link(order: WorkOrder, *, for_resident: bool = False) -> str:
    """The page of an order (the pages app's URL names, with a stable fallback)."""
    name = "workorders:mine_detail" if for_resident else "workorders:detail"
    try:
        return reverse(name, args=[order.pk])
    except NoReverseMatch:
        return f"/workorders/{'mine/' if for_resident else ''}{order.pk}/"


def _subject(template: str, order: WorkOrder, **extra) -> str:
    return template % {"number": order.number, "category": order.category.name, **extra}


def _to_users(user_ids: Iterable[int], order: WorkOrder, kind: str, template: str, **extra):
    subject = _subject(template, order, **extra)
    return [
        Message(
            kind=kind,
            subject=subject,
            link=workorder_link(order),
            user_id=uid,
            street_id=order.street_id,
        )
        for uid in sorted(set(user_ids))
    ]


def _grid_staff_ids(order: WorkOrder) -> set[int]:
    ids = set(
        StaffAssignment.objects.filter(
            street_id=order.street_id, role=Role.GRID_WORKER, node_id=order.grid_id
        ).values_list("user_id", flat=True)
    )
    if WorkOrder.grid.is_cached(order):  # loaded with the order in this request
        leader = order.grid.leader_id
    else:
        leader = (
            GridNode.objects.filter(pk=order.grid_id).values_list("leader_id", flat=True).first()
        )
    if leader:
        ids.add(leader)
    return ids


def _unit_staff_ids(unit_ids: Iterable[int]) -> set[int]:
    return set(
        StaffAssignment.objects.filter(
            role=Role.UNIT_STAFF, unit_id__in=list(unit_ids)
        ).values_list("user_id", flat=True)
    )


def _level_staff_ids(order: WorkOrder, level: int) -> set[int]:
    """Who owns the order at an escalation level: grid workers, cadres, street admins."""
    grid = GridNode.objects.get(pk=order.grid_id)
    if level == Level.GRID:
        return _grid_staff_ids(order)
    if level == Level.NEIGHBOURHOOD:
        parent = GridNode.objects.filter(path=grid.path[: -GridNode.steplen]).first()
        return set(
            StaffAssignment.objects.filter(role=Role.CADRE, node=parent).values_list(
                "user_id", flat=True
            )
        )
    return set(
        StaffAssignment.objects.filter(role=Role.STREET_ADMIN, node_id=order.street_id).values_list(
            "user_id", flat=True
        )
    )


def reporter_messages(order: WorkOrder, kind: str, template: str, **extra) -> list[Message]:
    """Messages to the reporter and to the reporters of every request merged into it."""
    subject_orders = [
        order,
        *WorkOrder.objects.filter(merged_into=order).select_related("reporter_resident"),
    ]
    out = []
    seen: set = set()
    for o in subject_orders:
        subject = _subject(template, order, **extra)
        if o.reporter_user_id:
            key = ("u", o.reporter_user_id)
            if key not in seen:
                seen.add(key)
                out.append(
                    Message(
                        kind=kind,
                        subject=subject,
                        link=workorder_link(o, for_resident=True),
                        user_id=o.reporter_user_id,
                        street_id=order.street_id,
                    )
                )
            continue
        phone = o.reporter_phone if (o.reporter_resident_id or o.reporter_phone_enc) else ""
        if phone and ("p", phone) not in seen:
            seen.add(("p", phone))
            out.append(Message(kind=kind, subject=subject, phone=phone, street_id=order.street_id))
    return out


# --- the transition recipe -------------------------------------------------------------------


def _lock(actor, order: WorkOrder | int, name: str) -> WorkOrder:
    """Lock the order and check the actor may perform ``name`` on it (Http404 otherwise)."""
    pk = order if isinstance(order, int) else order.pk
    locked = (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("grid", "category")
        .filter(pk=pk)
        .first()
    )
    if locked is None or not wo_perms.may(actor, locked, transition(name)):
        raise Http404
    return locked


def _act(
    *,
    actor,
    order: WorkOrder | int,
    name: str,
    at: dt.datetime | None,
    note: str = "",
    data: dict | None = None,
    photos: Sequence[CleanPhoto] = (),
    photo_kind: str = PhotoKind.PROGRESS,
    public: bool = True,
    apply=None,
) -> tuple[WorkOrder, WorkOrderEvent]:
    """Lock, check, change, save, append. ``apply(order, now)`` sets fields, returns their names."""
    now = _now(at)
    locked = _lock(actor, order, name)
    t = transition(name)
    before = locked.status
    after = next_status(name, before)
    fields = list(apply(locked, now) or []) if apply else []
    if after != before:
        locked.status = after
        fields.append("status")
    if fields:
        locked.save(update_fields=[*set(fields), "updated_at"])
    event = append_event(
        WorkOrderEvent,
        subject_field="order",
        subject=locked,
        fields=WorkOrderEvent.copied_from(locked),
        actor=actor,
        actor_role=wo_perms.acting_role(actor, locked, t),
        verb=name,
        from_status=before,
        to_status=after,
        note=note,
        data=data if data is not None else {},
        public=public,
        at=now,
    )
    _store_photos(locked, event, photos, photo_kind, actor)
    return locked, event


# --- verification ----------------------------------------------------------------------------


def workorder_verify(
    *, actor, order: WorkOrder, note: str = "", photos: Iterable = (), at=None
) -> WorkOrder:
    """核实: a grid worker confirms the request on site (notes and photos)."""
    note = _text(note, field="note", label=_("the note"), required=False)
    cleaned = clean_photos(photos)

    def apply(o, now):
        o.verified_at = now
        return ["verified_at"]

    with transaction.atomic():
        order, _e = _act(
            actor=actor,
            order=order,
            name="verify",
            at=at,
            note=note,
            photos=cleaned,
            photo_kind=PhotoKind.VERIFY,
            apply=apply,
        )
    return order


def workorder_reject(*, actor, order: WorkOrder, reason: str, at=None) -> WorkOrder:
    """Reject as invalid (not a real problem, not the community's business); the reporter is told."""
    reason = _text(reason, field="reason", label=_("the reason"), required=True)

    def apply(o, now):
        o.closed_at = now
        return ["closed_at"]

    with transaction.atomic():
        order, _e = _act(actor=actor, order=order, name="reject", at=at, note=reason, apply=apply)
        notify(
            reporter_messages(
                order, "workorder.rejected", _("Your request %(number)s was not accepted")
            )
        )
    return order


def workorder_merge(
    *, actor, order: WorkOrder, into: WorkOrder, note: str = "", at=None
) -> WorkOrder:
    """Merge a duplicate into an open order; its reporter then gets the open order's answers.

    Both rows are locked in id order (no deadlock with a merge the other way round).
    """
    note = _text(note, field="note", label=_("the note"), required=False)
    if into.pk == order.pk:
        raise InvalidInput(_("A request cannot be merged into itself."), field="into")
    with transaction.atomic():
        first, second = sorted([order.pk, into.pk])
        list(WorkOrder.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk"))
        target = (
            perms.filter_to_scope(WorkOrder.objects.all(), actor, P_VIEW).filter(pk=into.pk).first()
        )
        if target is None:
            raise Http404
        if target.street_id != order.street_id or not target.is_open or target.merged_into_id:
            raise InvalidInput(
                _("Merge only into an open request of the same street."), field="into"
            )

        def apply(o, now):
            o.merged_into = target
            o.closed_at = now
            return ["merged_into", "closed_at"]

        order, _e = _act(
            actor=actor,
            order=order,
            name="merge",
            at=at,
            note=note,
            data={"into": target.pk, "into_number": target.number},
            apply=apply,
        )
        append_event(
            WorkOrderEvent,
            subject_field="order",
            subject=target,
            fields=WorkOrderEvent.copied_from(target),
            actor=actor,
            actor_role=wo_perms.acting_role(actor, order, transition("merge")),
            verb="merged_in",
            from_status=target.status,
            to_status=target.status,
            data={"from": order.pk, "from_number": order.number},
            at=_now(at),
        )
        notify(
            reporter_messages(
                order,
                "workorder.merged",
                _("Your request %(number)s joins %(into)s; you will be told its progress"),
                into=target.number,
            )
        )
    return order


def workorder_withdraw(*, actor, order: WorkOrder, reason: str = "", at=None) -> WorkOrder:
    """The resident withdraws their request (or staff record that they did), before dispatch."""
    reason = _text(reason, field="reason", label=_("the reason"), required=False)

    def apply(o, now):
        o.closed_at = now
        return ["closed_at"]

    with transaction.atomic():
        order, _e = _act(actor=actor, order=order, name="withdraw", at=at, note=reason, apply=apply)
    return order


# --- dispatch and handling -------------------------------------------------------------------


def _end_assignments(order: WorkOrder, now) -> list[int]:
    ended = list(order.assignments.filter(active=True).values_list("unit_id", flat=True))
    order.assignments.filter(active=True).update(active=False, ended_at=now)
    order._active_assignments = []
    return ended


def workorder_dispatch(
    *,
    actor,
    order: WorkOrder,
    lead_unit: Unit | None = None,
    co_units: Iterable[Unit] = (),
    in_house: bool = False,
    note: str = "",
    at=None,
) -> WorkOrder:
    """派遣: hand the order to a lead unit (plus co-handlers), or keep it in the neighbourhood.

    Re-dispatching a returned order ends the earlier assignments. The units'
    staff and the reporter(s) are told after commit.
    """
    note = _text(note, field="note", label=_("the note"), required=False)
    co_units = [u for u in co_units if u is not None]
    if in_house and lead_unit is not None:
        raise InvalidInput(
            _("Either dispatch to a unit or keep the request in the neighbourhood, not both."),
            field="lead_unit",
        )
    if not in_house and lead_unit is None:
        raise InvalidInput(_("Choose the lead unit."), field="lead_unit")
    if lead_unit is not None and any(u.pk == lead_unit.pk for u in co_units):
        raise InvalidInput(_("The lead unit cannot also be a co-handler."), field="co_units")
    if len({u.pk for u in co_units}) != len(co_units):
        raise InvalidInput(_("A co-handler is listed twice."), field="co_units")

    with transaction.atomic():

        def apply(o, now):
            for unit in [lead_unit, *co_units]:
                if unit is not None and unit.street_id != o.street_id:
                    raise InvalidInput(_("Choose units of this street."), field="lead_unit")
            _end_assignments(o, now)
            rows = [(lead_unit, AssignmentRole.LEAD)] if lead_unit else []
            rows += [(u, AssignmentRole.CO) for u in co_units]
            WorkOrderUnit.objects.bulk_create(
                WorkOrderUnit(
                    street_id=o.street_id,
                    order=o,
                    unit=unit,
                    role=role,
                    dispatched_at=now,
                    dispatched_by=actor,
                )
                for unit, role in rows
            )
            o._active_assignments = None
            o.lead_unit = lead_unit
            o.in_house = in_house
            o.dispatched_at = now
            return ["lead_unit", "in_house", "dispatched_at"]

        order, _e = _act(
            actor=actor,
            order=order,
            name="dispatch",
            at=at,
            note=note,
            apply=apply,
            data={
                "lead_unit": lead_unit.pk if lead_unit else None,
                "lead_unit_name": lead_unit.name if lead_unit else "",
                "co_units": [u.pk for u in co_units],
                "in_house": in_house,
            },
        )
        unit_ids = [u.pk for u in ([lead_unit] if lead_unit else []) + co_units]
        messages = _to_users(
            _unit_staff_ids(unit_ids) if unit_ids else _level_staff_ids(order, Level.NEIGHBOURHOOD),
            order,
            "workorder.dispatched_to_unit",
            _("Work order %(number)s (%(category)s) was dispatched to you"),
        )
        messages += reporter_messages(
            order,
            "workorder.dispatched",
            _("Your request %(number)s is being handled by %(unit)s"),
            unit=lead_unit.name if lead_unit else _("the neighbourhood committee"),
        )
        notify(messages)
    return order


def workorder_return(*, actor, order: WorkOrder, reason: str, at=None) -> WorkOrder:
    """退回: the lead unit says the order is not theirs; it goes back to the dispatcher."""
    reason = _text(reason, field="reason", label=_("the reason"), required=True)
    with transaction.atomic():
        dispatchers: set[int] = set()

        def apply(o, now):
            dispatchers.update(
                o.assignments.filter(active=True, dispatched_by__isnull=False).values_list(
                    "dispatched_by_id", flat=True
                )
            )
            _end_assignments(o, now)
            o.lead_unit = None
            o.in_house = False
            return ["lead_unit", "in_house"]

        order, _e = _act(
            actor=actor, order=order, name="return", at=at, note=reason, apply=apply, public=False
        )
        notify(
            _to_users(
                dispatchers | _grid_staff_ids(order),
                order,
                "workorder.returned",
                _("Work order %(number)s was returned by the unit"),
            )
        )
    return order


def workorder_start(*, actor, order: WorkOrder, note: str = "", at=None) -> WorkOrder:
    """处置: the lead unit starts work."""
    note = _text(note, field="note", label=_("the note"), required=False)

    def apply(o, now):
        if o.started_at is None:
            o.started_at = now
            return ["started_at"]
        return []

    with transaction.atomic():
        order, _e = _act(actor=actor, order=order, name="start", at=at, note=note, apply=apply)
    return order


def workorder_update(
    *, actor, order: WorkOrder, note: str, photos: Iterable = (), at=None
) -> WorkOrder:
    """A progress note (with photos) by the lead unit or a co-handler; the status stays."""
    note = _text(note, field="note", label=_("the progress note"), required=True)
    cleaned = clean_photos(photos)
    with transaction.atomic():
        order, _e = _act(
            actor=actor,
            order=order,
            name="update",
            at=at,
            note=note,
            photos=cleaned,
            photo_kind=PhotoKind.PROGRESS,
        )
    return order


def workorder_report_back(
    *, actor, order: WorkOrder, note: str, photos: Iterable = (), at=None
) -> WorkOrder:
    """反馈: the lead unit reports the work done, with after-photos.

    At least one photo is required unless ``LINLI_WO_REQUIRE_AFTER_PHOTO`` is False.
    """
    note = _text(note, field="note", label=_("what was done"), required=True)
    cleaned = clean_photos(photos)
    if not cleaned and getattr(settings, "LINLI_WO_REQUIRE_AFTER_PHOTO", True):
        raise InvalidInput(_("Attach at least one photo of the finished work."), field="photos")

    def apply(o, now):
        o.reported_done_at = now
        return ["reported_done_at"]

    with transaction.atomic():
        order, _e = _act(
            actor=actor,
            order=order,
            name="report_back",
            at=at,
            note=note,
            photos=cleaned,
            photo_kind=PhotoKind.AFTER,
            apply=apply,
        )
        notify(
            _to_users(
                _grid_staff_ids(order),
                order,
                "workorder.reported_done",
                _("Work order %(number)s is reported done; please check it"),
            )
            + reporter_messages(
                order, "workorder.done", _("Your request %(number)s has been dealt with")
            )
        )
    return order


def workorder_check(
    *, actor, order: WorkOrder, passed: bool, note: str = "", photos: Iterable = (), at=None
) -> WorkOrder:
    """核查: the grid worker confirms the work (``passed``) or sends it back as rework (返工).

    A rework needs a note saying what is still wrong; it counts in ``rework_count``.
    Passing asks the reporter(s) for their follow-up.
    """
    note = _text(note, field="note", label=_("what is still wrong"), required=not passed)
    cleaned = clean_photos(photos)
    with transaction.atomic():
        if passed:

            def apply(o, now):
                o.checked_at = now
                return ["checked_at"]

            order, _e = _act(
                actor=actor,
                order=order,
                name="check",
                at=at,
                note=note,
                photos=cleaned,
                photo_kind=PhotoKind.CHECK,
                apply=apply,
            )
            notify(
                reporter_messages(
                    order,
                    "workorder.follow_up_request",
                    _("Your request %(number)s is done: are you satisfied?"),
                )
            )
        else:

            def apply(o, now):
                o.rework_count = F("rework_count") + 1
                return ["rework_count"]

            order, _e = _act(
                actor=actor,
                order=order,
                name="rework",
                at=at,
                note=note,
                photos=cleaned,
                photo_kind=PhotoKind.CHECK,
                apply=apply,
            )
            order.refresh_from_db(fields=["rework_count"])
            notify(
                _to_users(
                    _unit_staff_ids([order.lead_unit_id])
                    if order.lead_unit_id
                    else _grid_staff_ids(order),
                    order,
                    "workorder.rework",
                    _("Work order %(number)s needs rework"),
                )
            )
    return order


def workorder_follow_up(
    *, actor, order: WorkOrder, satisfaction: str, comment: str = "", at=None
) -> WorkOrder:
    """回访: the resident's rating (by themselves, or recorded by staff after a call).

    满意 / 基本满意 → followed_up (ready to close). 不满意 (with a comment) →
    back to in_progress with the same units (see workflow.py for why).
    """
    if satisfaction not in Satisfaction.values:
        raise InvalidInput(
            _("Choose satisfied, basically satisfied or not satisfied."), field="satisfaction"
        )
    dissatisfied = satisfaction == Satisfaction.DISSATISFIED
    comment = _text(
        comment, field="comment", label=_("what is not right"), required=dissatisfied, limit=300
    )

    def apply(o, now):
        o.satisfaction = satisfaction
        o.satisfaction_comment = comment
        return ["satisfaction", "satisfaction_comment"]

    with transaction.atomic():
        order, _e = _act(
            actor=actor,
            order=order,
            name="reopen" if dissatisfied else "follow_up",
            at=at,
            note=comment,
            data={"satisfaction": satisfaction},
            apply=apply,
        )
        if dissatisfied:
            notify(
                _to_users(
                    _grid_staff_ids(order)
                    | (_unit_staff_ids([order.lead_unit_id]) if order.lead_unit_id else set()),
                    order,
                    "workorder.reopened",
                    _("The resident is not satisfied with %(number)s; it is reopened"),
                )
            )
    return order


def workorder_close(*, actor, order: WorkOrder, note: str = "", at=None) -> WorkOrder:
    """结案: close after the follow-up; the reporter(s) are told."""
    note = _text(note, field="note", label=_("the note"), required=False)

    def apply(o, now):
        o.closed_at = now
        return ["closed_at"]

    with transaction.atomic():
        order, _e = _act(actor=actor, order=order, name="close", at=at, note=note, apply=apply)
        notify(reporter_messages(order, "workorder.closed", _("Your request %(number)s is closed")))
    return order


# --- escalation and deadlines ----------------------------------------------------------------


def workorder_escalate(
    *, actor, order: WorkOrder, reason: str, unit: Unit | None = None, at=None
) -> WorkOrder:
    """上报: move the order one level up (grid → neighbourhood → street → department).

    Escalating to the department level names the department (a unit of the
    street), which joins as a co-handler so it sees the order and can add
    progress; the street may then re-dispatch with it as lead.
    """
    reason = _text(reason, field="reason", label=_("the reason"), required=True)
    with transaction.atomic():
        info: dict = {"unit": unit.pk if unit else None}

        def apply(o, now):
            if o.escalation_level >= Level.DEPARTMENT:
                raise InvalidInput(
                    _("This request is already at the highest level."), field="level"
                )
            new_level = o.escalation_level + 1
            if new_level == Level.DEPARTMENT:
                if unit is None or unit.street_id != o.street_id:
                    raise InvalidInput(_("Choose the department to escalate to."), field="unit")
                if not o.assignments.filter(active=True, unit=unit).exists():
                    WorkOrderUnit.objects.create(
                        street_id=o.street_id,
                        order=o,
                        unit=unit,
                        role=AssignmentRole.CO,
                        dispatched_at=now,
                        dispatched_by=actor,
                    )
                    o._active_assignments = None
            info.update(level_from=o.escalation_level, level_to=new_level)
            o.escalation_level = new_level
            return ["escalation_level"]

        order, _e = _act(
            actor=actor,
            order=order,
            name="escalate",
            at=at,
            note=reason,
            apply=apply,
            data=info,
            public=False,
        )
        recipients = (
            _unit_staff_ids([unit.pk])
            if info["level_to"] == Level.DEPARTMENT and unit
            else _level_staff_ids(order, info["level_to"])
        )
        notify(
            _to_users(
                recipients,
                order,
                "workorder.escalated",
                _("Work order %(number)s was escalated to you"),
            )
        )
    return order


def workorder_extend(*, actor, order: WorkOrder, amount: int, reason: str, at=None) -> WorkOrder:
    """Extend the resolution deadline by ``amount`` of the category's clock unit, with a reason.

    Counted in ``extension_count``; the sweep's warning/overdue/escalation
    markers are cleared so the new deadline is watched afresh.
    """
    reason = _text(reason, field="reason", label=_("the reason"), required=True)
    try:
        amount = int(amount)
    except (TypeError, ValueError):
        amount = 0
    if not 1 <= amount <= 60:
        raise InvalidInput(_("Extend by 1 to 60 units of the category's deadline."), field="amount")
    with transaction.atomic():
        info: dict = {}

        def apply(o, now):
            unit = o.category.clock_unit
            old = o.resolve_due
            base = max(old, now)
            o.resolve_due = sla.deadline(base, amount, unit)
            o.warn_at = sla.warning_time(now, o.resolve_due, unit)
            o.warned_at = None
            o.overdue_at = None
            o.auto_escalated_at = None
            o.extension_count = F("extension_count") + 1
            info.update(
                old_due=old.isoformat(), new_due=o.resolve_due.isoformat(), amount=amount, unit=unit
            )
            return [
                "resolve_due",
                "warn_at",
                "warned_at",
                "overdue_at",
                "auto_escalated_at",
                "extension_count",
            ]

        order, _e = _act(
            actor=actor, order=order, name="extend", at=at, note=reason, data=info, apply=apply
        )
        order.refresh_from_db(fields=["extension_count"])
    return order
