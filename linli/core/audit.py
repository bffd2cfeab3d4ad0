"""Writing to the change history and the personal-data access log."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models

from .models import AuditEvent, PiiAccess


def record_change(
    *,
    actor,
    target: models.Model,
    verb: str,
    summary: str,
    changes: dict[str, Any] | None = None,
    household_id: int | None = None,
) -> AuditEvent:
    """Append one change. ``changes`` must already be free of clear PII (mask first)."""
    return AuditEvent.objects.create(
        street_id=getattr(target, "street_id", None),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        verb=verb,
        target_type=target._meta.label_lower,
        target_id=target.pk,
        household_id=household_id,
        summary=summary[:300],
        changes=changes or {},
    )


def record_pii_access(
    *,
    actor,
    street_id: int | None,
    target_type: str,
    target_ids: Iterable[int] | None,
    fields: str,
    reason: str,
    channel: str,
) -> None:
    """Append one access-log row per unmasked record (or one summary row for a bulk export)."""
    ids = list(target_ids or [])
    if channel == "export" or not ids:
        PiiAccess.objects.create(
            street_id=street_id,
            actor=actor,
            target_type=target_type,
            target_id=ids[0] if len(ids) == 1 else None,
            fields=fields,
            reason=reason[:300],
            channel=channel,
            record_count=len(ids),
        )
        return
    PiiAccess.objects.bulk_create(
        PiiAccess(
            street_id=street_id,
            actor=actor,
            target_type=target_type,
            target_id=pk,
            fields=fields,
            reason=reason[:300],
            channel=channel,
        )
        for pk in ids
    )
