"""Finishing: the grid worker's check (核查, or 返工), the resident's follow-up (回访), close."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from linli.core.attachments import clean_photos
from linli.core.errors import InvalidInput
from linli.core.notify import notify
from linli.core.text import clean_text
from linli.core.workflow import set_now
from linli.grids import recipients

from ..machine import MACHINE
from ..models import PhotoKind, WorkOrder
from ..workflow import Satisfaction
from .messages import to_reporters, to_staff


def workorder_check(
    *, actor, order: WorkOrder, passed: bool, note: str = "", photos: Iterable = (), at=None
) -> WorkOrder:
    """核查: the grid worker confirms the work (``passed``) or sends it back as rework (返工).

    A rework needs a note saying what is still wrong; it counts in ``rework_count``.
    Passing asks the reporter(s) for their follow-up.
    """
    note = clean_text(note, field="note", label=_("what is still wrong"), required=not passed)
    cleaned = clean_photos(photos)

    def count_rework(o, now):
        o.rework_count = F("rework_count") + 1
        return ["rework_count"]

    with transaction.atomic():
        order, _e = MACHINE.transition(
            actor=actor,
            row=order,
            name="check" if passed else "rework",
            at=at,
            note=note,
            photos=cleaned,
            photo_fields={"kind": PhotoKind.CHECK},
            apply=set_now("checked_at") if passed else count_rework,
        )
        if passed:
            notify(
                to_reporters(
                    order,
                    "workorder.follow_up_request",
                    _("Your request %(number)s is done: are you satisfied?"),
                )
            )
        else:
            order.refresh_from_db(fields=["rework_count"])
            handlers = (
                recipients.unit_staff([order.lead_unit_id])
                if order.lead_unit_id
                else recipients.staff_of_grid(order.grid)
            )
            notify(
                to_staff(
                    handlers, order, "workorder.rework", _("Work order %(number)s needs rework")
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
    comment = clean_text(
        comment, field="comment", label=_("what is not right"), required=dissatisfied, limit=300
    )

    def apply(o, now):
        o.satisfaction = satisfaction
        o.satisfaction_comment = comment
        return ["satisfaction", "satisfaction_comment"]

    with transaction.atomic():
        order, _e = MACHINE.transition(
            actor=actor,
            row=order,
            name="reopen" if dissatisfied else "follow_up",
            at=at,
            note=comment,
            data={"satisfaction": satisfaction},
            apply=apply,
        )
        if dissatisfied:
            notify(
                to_staff(
                    recipients.staff_of_grid(order.grid)
                    | recipients.unit_staff([order.lead_unit_id] if order.lead_unit_id else []),
                    order,
                    "workorder.reopened",
                    _("The resident is not satisfied with %(number)s; it is reopened"),
                )
            )
    return order


def workorder_close(*, actor, order: WorkOrder, note: str = "", at=None) -> WorkOrder:
    """结案: close after the follow-up; the reporter(s) are told."""
    note = clean_text(note, field="note", label=_("the note"))
    with transaction.atomic():
        order, _e = MACHINE.transition(
            actor=actor, row=order, name="close", at=at, note=note, apply=set_now("closed_at")
        )
        notify(to_reporters(order, "workorder.closed", _("Your request %(number)s is closed")))
    return order
