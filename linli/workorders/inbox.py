"""The one write of the inbox page: marking one's own notifications read.

It belongs with ``core.notify`` (which has no such function yet); it lives here
until that module grows one, and writes only the actor's own rows.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from linli.core.models import Notification


def inbox_mark_read(*, actor, ids: list[int] | None = None) -> int:
    """Mark the actor's unread notifications (all, or those in ``ids``) read; returns how many.

    One conditional UPDATE, so two clicks at once mark each row once.
    """
    with transaction.atomic():
        qs = Notification.objects.filter(user_id=actor.pk, read_at__isnull=True)
        if ids is not None:
            qs = qs.filter(pk__in=ids)
        return qs.update(read_at=timezone.now())
