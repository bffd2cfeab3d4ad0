"""What work-order services tell people: staff by user id, reporters by account or phone.

Messages carry the order's number and category, never personal data. Recipients come
from ``grids.recipients`` (the grid's staff, the neighbourhood's cadres, a unit's staff).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import NoReverseMatch, reverse

from linli.core.notify import Message

from ..models import WorkOrder


def workorder_link(order: WorkOrder, *, for_resident: bool = False) -> str:
    """The page of an order (the pages app's URL names, with a stable fallback)."""
    name = "workorders:mine_detail" if for_resident else "workorders:detail"
    try:
        return reverse(name, args=[order.pk])
    except NoReverseMatch:
        return f"/workorders/{'mine/' if for_resident else ''}{order.pk}/"


def _subject(template: str, order: WorkOrder, **extra) -> str:
    return template % {"number": order.number, "category": order.category.name, **extra}


def to_staff(user_ids: Iterable[int], order: WorkOrder, kind: str, template: str, **extra):
    """One message per user about ``order`` (``template`` may use number and category)."""
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


def to_reporters(order: WorkOrder, kind: str, template: str, **extra) -> list[Message]:
    """Messages to the reporter and to the reporters of every request merged into it."""
    subject_orders = [
        order,
        *WorkOrder.objects.filter(merged_into=order).select_related("reporter_resident"),
    ]
    subject = _subject(template, order, **extra)
    out = []
    seen: set = set()
    for o in subject_orders:
        if o.reporter_user_id:
            if ("u", o.reporter_user_id) not in seen:
                seen.add(("u", o.reporter_user_id))
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
