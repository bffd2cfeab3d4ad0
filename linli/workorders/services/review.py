"""The first steps after intake: verify on site (核实), reject, merge a duplicate, withdraw.

Each is one ``MACHINE.transition`` (lock, check, save, timeline); notifications leave
after the commit.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from linli.core.attachments import clean_photos
from linli.core.errors import InvalidInput
from linli.core.notify import notify
from linli.core.text import clean_text
from linli.core.workflow import set_now
from linli.grids import permissions as perms

from .. import permissions as p
from ..machine import MACHINE
from ..models import PhotoKind, WorkOrder
from .messages import to_reporters


def workorder_verify(
    *, actor, order: WorkOrder, note: str = "", photos: Iterable = (), at=None
) -> WorkOrder:
    """核实: a grid worker confirms the request on site (notes and photos)."""
    note = clean_text(note, field="note", label=_("the note"))
    cleaned = clean_photos(photos)
    order, _e = MACHINE.transition(
        actor=actor,
        row=order,
        name="verify",
        at=at,
        note=note,
        photos=cleaned,
        photo_fields={"kind": PhotoKind.VERIFY},
        apply=set_now("verified_at"),
    )
    return order


def workorder_reject(*, actor, order: WorkOrder, reason: str, at=None) -> WorkOrder:
    """Reject as invalid (not a real problem, not the community's business); the reporter is told."""
    reason = clean_text(reason, field="reason", label=_("the reason"), required=True)
    with transaction.atomic():
        order, _e = MACHINE.transition(
            actor=actor, row=order, name="reject", at=at, note=reason, apply=set_now("closed_at")
        )
        notify(
            to_reporters(order, "workorder.rejected", _("Your request %(number)s was not accepted"))
        )
    return order


def workorder_merge(
    *, actor, order: WorkOrder, into: WorkOrder, note: str = "", at=None
) -> WorkOrder:
    """Merge a duplicate into an open order; its reporter then gets the open order's answers.

    Both rows are locked in id order (no deadlock with a merge the other way round).
    """
    note = clean_text(note, field="note", label=_("the note"))
    if into.pk == order.pk:
        raise InvalidInput(_("A request cannot be merged into itself."), field="into")
    with transaction.atomic():
        first, second = sorted([order.pk, into.pk])
        list(WorkOrder.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk"))
        target = (
            perms.filter_to_scope(WorkOrder.objects.all(), actor, p.VIEW)
            .select_related("category")
            .filter(pk=into.pk)
            .first()
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

        order, event = MACHINE.transition(
            actor=actor,
            row=order,
            name="merge",
            at=at,
            note=note,
            data={"into": target.pk, "into_number": target.number},
            apply=apply,
        )
        MACHINE.append(
            target,
            actor=actor,
            role=event.actor_role,
            verb="merged_in",
            data={"from": order.pk, "from_number": order.number},
            at=event.at,
        )
        notify(
            to_reporters(
                order,
                "workorder.merged",
                _("Your request %(number)s joins %(into)s; you will be told its progress"),
                into=target.number,
            )
        )
    return order


def workorder_withdraw(*, actor, order: WorkOrder, reason: str = "", at=None) -> WorkOrder:
    """The resident withdraws their request (or staff record that they did), before dispatch."""
    reason = clean_text(reason, field="reason", label=_("the reason"))
    order, _e = MACHINE.transition(
        actor=actor, row=order, name="withdraw", at=at, note=reason, apply=set_now("closed_at")
    )
    return order
