"""Getting the work done: dispatch (派遣) to units or keep it in-house, return (退回),
start, progress notes, report back (反馈)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from linli.core.attachments import clean_photos
from linli.core.errors import InvalidInput
from linli.core.notify import notify
from linli.core.text import clean_text
from linli.core.workflow import set_now
from linli.grids import recipients
from linli.grids.models import Unit

from ..machine import MACHINE
from ..models import AssignmentRole, PhotoKind, WorkOrder, WorkOrderUnit
from .messages import to_reporters, to_staff


def end_assignments(order: WorkOrder, now) -> None:
    """The units serving the order stop serving it (returned, or dispatched anew)."""
    order.assignments.filter(active=True).update(active=False, ended_at=now)


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

    Only units that handle requests may be chosen (not shops or rental sites).
    Re-dispatching a returned order ends the earlier assignments. The units' staff and
    the reporter(s) are told after commit.
    """
    note = clean_text(note, field="note", label=_("the note"))
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
    for field, unit in [("lead_unit", lead_unit), *(("co_units", u) for u in co_units)]:
        if unit is not None and not unit.handles_requests:
            raise InvalidInput(
                _("%(unit)s does not handle requests.") % {"unit": unit.name}, field=field
            )

    def apply(o, now):
        for unit in [lead_unit, *co_units]:
            if unit is not None and unit.street_id != o.street_id:
                raise InvalidInput(_("Choose units of this street."), field="lead_unit")
        end_assignments(o, now)
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
        o.lead_unit = lead_unit
        o.in_house = in_house
        o.dispatched_at = now
        return ["lead_unit", "in_house", "dispatched_at"]

    with transaction.atomic():
        order, _e = MACHINE.transition(
            actor=actor,
            row=order,
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
        handlers = (
            recipients.unit_staff(unit_ids)
            if unit_ids
            else recipients.staff_of_grid(order.grid, level=recipients.NEIGHBOURHOOD)
        )
        notify(
            to_staff(
                handlers,
                order,
                "workorder.dispatched_to_unit",
                _("Work order %(number)s (%(category)s) was dispatched to you"),
            )
            + to_reporters(
                order,
                "workorder.dispatched",
                _("Your request %(number)s is being handled by %(unit)s"),
                unit=lead_unit.name if lead_unit else _("the neighbourhood committee"),
            )
        )
    return order


def workorder_return(*, actor, order: WorkOrder, reason: str, at=None) -> WorkOrder:
    """退回: the lead unit says the order is not theirs; it goes back to the dispatcher."""
    reason = clean_text(reason, field="reason", label=_("the reason"), required=True)
    dispatchers: set[int] = set()

    def apply(o, now):
        dispatchers.update(
            o.assignments.filter(active=True, dispatched_by__isnull=False).values_list(
                "dispatched_by_id", flat=True
            )
        )
        end_assignments(o, now)
        o.lead_unit = None
        o.in_house = False
        return ["lead_unit", "in_house"]

    with transaction.atomic():
        order, _e = MACHINE.transition(
            actor=actor, row=order, name="return", at=at, note=reason, apply=apply, public=False
        )
        notify(
            to_staff(
                dispatchers | recipients.staff_of_grid(order.grid),
                order,
                "workorder.returned",
                _("Work order %(number)s was returned by the unit"),
            )
        )
    return order


def workorder_start(*, actor, order: WorkOrder, note: str = "", at=None) -> WorkOrder:
    """处置: the lead unit starts work."""
    note = clean_text(note, field="note", label=_("the note"))

    def apply(o, now):
        if o.started_at is None:
            o.started_at = now
            return ["started_at"]
        return []

    order, _e = MACHINE.transition(
        actor=actor, row=order, name="start", at=at, note=note, apply=apply
    )
    return order


def workorder_update(
    *, actor, order: WorkOrder, note: str, photos: Iterable = (), at=None
) -> WorkOrder:
    """A progress note (with photos) by the lead unit or a co-handler; the status stays."""
    note = clean_text(note, field="note", label=_("the progress note"), required=True)
    cleaned = clean_photos(photos)
    order, _e = MACHINE.transition(
        actor=actor,
        row=order,
        name="update",
        at=at,
        note=note,
        photos=cleaned,
        photo_fields={"kind": PhotoKind.PROGRESS},
    )
    return order


def workorder_report_back(
    *, actor, order: WorkOrder, note: str, photos: Iterable = (), at=None
) -> WorkOrder:
    """反馈: the lead unit reports the work done, with after-photos.

    At least one photo is required unless ``LINLI_WO_REQUIRE_AFTER_PHOTO`` is False.
    """
    note = clean_text(note, field="note", label=_("what was done"), required=True)
    cleaned = clean_photos(photos)
    if not cleaned and getattr(settings, "LINLI_WO_REQUIRE_AFTER_PHOTO", True):
        raise InvalidInput(_("Attach at least one photo of the finished work."), field="photos")
    with transaction.atomic():
        order, _e = MACHINE.transition(
            actor=actor,
            row=order,
            name="report_back",
            at=at,
            note=note,
            photos=cleaned,
            photo_fields={"kind": PhotoKind.AFTER},
            apply=set_now("reported_done_at"),
        )
        notify(
            to_staff(
                recipients.staff_of_grid(order.grid),
                order,
                "workorder.reported_done",
                _("Work order %(number)s is reported done; please check it"),
            )
            + to_reporters(
                order, "workorder.done", _("Your request %(number)s has been dealt with")
            )
        )
    return order


# --- work done as a volunteer order ------------------------------------------------------------
# A request that is a job inside a dwelling may become a volunteer order (linli.volunteering):
# the order is dispatched to the volunteer team's unit, and the volunteer order moves it on.
# These are called by that module's services, which have checked their own actor; the step
# is recorded on this order's timeline in the name of that actor.


def workorder_volunteer_started(
    *, order: WorkOrder, by, role: str, note: str, at=None
) -> WorkOrder:
    """The first volunteer checked in: the work has started (处置)."""

    def apply(o, now):
        if o.started_at is None:
            o.started_at = now
            return ["started_at"]
        return []

    order, _e = MACHINE.transition(
        actor=by, row=order, name="start", at=at, note=note, apply=apply, authorized_as=role
    )
    return order


def workorder_volunteer_result(
    *, order: WorkOrder, done: bool, by, role: str, note: str, photos: Iterable = (), at=None
) -> WorkOrder:
    """The volunteer order's result is confirmed: done → reported done (反馈, with the
    volunteers' photos), to be checked as usual; not done, or a job for the property
    company → returned to the dispatcher (退回) to be sent elsewhere."""
    with transaction.atomic():
        if done:
            order, _e = MACHINE.transition(
                actor=by, row=order, name="report_back", at=at, note=note,
                photos=list(photos), photo_fields={"kind": PhotoKind.AFTER},
                apply=set_now("reported_done_at"), authorized_as=role,
            )  # fmt: skip
            notify(
                to_staff(
                    recipients.staff_of_grid(order.grid),
                    order,
                    "workorder.reported_done",
                    _("Work order %(number)s is reported done; please check it"),
                )
                + to_reporters(
                    order, "workorder.done", _("Your request %(number)s has been dealt with")
                )
            )
            return order

        def back(o, now):
            end_assignments(o, now)
            o.lead_unit = None
            o.in_house = False
            return ["lead_unit", "in_house"]

        order, _e = MACHINE.transition(
            actor=by, row=order, name="return", at=at, note=note, apply=back,
            public=False, authorized_as=role,
        )  # fmt: skip
        notify(
            to_staff(
                recipients.staff_of_grid(order.grid),
                order,
                "workorder.returned",
                _("Work order %(number)s was returned by the unit"),
            )
        )
    return order
