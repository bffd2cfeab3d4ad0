"""The shared, append-only timeline every workflow writes (work orders, notices, care cases ...).

A concrete timeline subclasses ``TimelineEvent`` and adds one foreign key to
its subject, e.g. ``order = ForeignKey(WorkOrder, related_name="events")``.
Events are never edited or deleted (the ORM refuses; a correction is a new
event). ``data`` holds structured details (unit ids, satisfaction, new due
date) and must never hold personal data; ``note`` is free text written by
staff for the record.

``public`` marks events the resident may see in the plain-language timeline
of their own request; internal notes (e.g. a return reason between units)
stay staff-only.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import AppendOnlyModel


class TimelineEvent(AppendOnlyModel):
    street = models.ForeignKey(
        "grids.GridNode", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    actor_role = models.CharField(_("role"), max_length=20, blank=True)
    verb = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    public = models.BooleanField(default=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.verb} {self.from_status}->{self.to_status}"


def append_event(
    model: type[TimelineEvent],
    *,
    subject_field: str,
    subject: models.Model,
    actor,
    verb: str,
    from_status: str = "",
    to_status: str = "",
    actor_role: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
    public: bool = True,
    at=None,
    fields: dict[str, Any] | None = None,
) -> TimelineEvent:
    """Append one event about ``subject`` (in the caller's transaction) and return it.

    ``fields``: values for the concrete timeline's own further columns, if it has any.
    """
    return model.objects.create(
        street_id=subject.street_id,
        **{subject_field: subject},
        **(fields or {}),
        at=at or timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_role=actor_role,
        verb=verb,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data if data is not None else {},
        public=public,
    )
