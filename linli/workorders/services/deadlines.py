"""Moving a request up (上报, 三级联动) and moving its deadline (延期)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from linli.core import sla
from linli.core.errors import InvalidInput
from linli.core.notify import notify
from linli.core.text import clean_text
from linli.grids import recipients
from linli.grids.models import Unit

from ..machine import MACHINE
from ..models import AssignmentRole, WorkOrder, WorkOrderUnit
from ..workflow import Level
from .messages import to_staff

# Who owns an order at each level below the department (recipients' names for them).
LEVEL_STAFF = {
    Level.GRID: recipients.GRID,
    Level.NEIGHBOURHOOD: recipients.NEIGHBOURHOOD,
    Level.STREET: recipients.STREET,
}


def workorder_escalate(
    *, actor, order: WorkOrder, reason: str, unit: Unit | None = None, at=None
) -> WorkOrder:
    """上报: move the order one level up (grid → neighbourhood → street → department).

    Escalating to the department level names the department (a unit of the
    street), which joins as a co-handler so it sees the order and can add
    progress; the street may then re-dispatch with it as lead.
    """
    reason = clean_text(reason, field="reason", label=_("the reason"), required=True)
    info: dict = {"unit": unit.pk if unit else None}

    def apply(o, now):
        if o.escalation_level >= Level.DEPARTMENT:
            raise InvalidInput(_("This request is already at the highest level."), field="level")
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
        info.update(level_from=o.escalation_level, level_to=new_level)
        o.escalation_level = new_level
        return ["escalation_level"]

    with transaction.atomic():
        order, _e = MACHINE.transition(
            actor=actor,
            row=order,
            name="escalate",
            at=at,
            note=reason,
            apply=apply,
            data=info,
            public=False,
        )
        level = info["level_to"]
        notify(
            to_staff(
                recipients.unit_staff([unit.pk])
                if level == Level.DEPARTMENT and unit
                else recipients.staff_of_grid(order.grid, level=LEVEL_STAFF[level]),
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
    reason = clean_text(reason, field="reason", label=_("the reason"), required=True)
    try:
        amount = int(amount)
    except (TypeError, ValueError):
        amount = 0
    if not 1 <= amount <= 60:
        raise InvalidInput(_("Extend by 1 to 60 units of the category's deadline."), field="amount")
    info: dict = {}

    def apply(o, now):
        clock = sla.Clock(amount, o.category.clock_unit)
        old = o.resolve_due
        o.resolve_due = clock.due(max(old, now))
        o.warn_at = clock.warn_at(now, o.resolve_due)
        o.warned_at = None
        o.overdue_at = None
        o.auto_escalated_at = None
        o.extension_count = F("extension_count") + 1
        info.update(
            old_due=old.isoformat(),
            new_due=o.resolve_due.isoformat(),
            amount=amount,
            unit=clock.unit,
        )
        return [
            "resolve_due",
            "warn_at",
            "warned_at",
            "overdue_at",
            "auto_escalated_at",
            "extension_count",
        ]

    order, _e = MACHINE.transition(
        actor=actor, row=order, name="extend", at=at, note=reason, data=info, apply=apply
    )
    order.refresh_from_db(fields=["extension_count"])
    return order
