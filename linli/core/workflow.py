"""The workflow kit: one transition-table type and one recipe for every status change.

Every module with states (work orders, volunteer orders, notices, care cases,
mediation, votes) declares:

* a ``Workflow`` (pure, no database): its statuses and its ``Transition`` table
  (which action moves which status, and the role action the scope engine checks);
* a ``Machine`` binding that workflow to its model, its append-only timeline
  (a ``core.timeline.TimelineEvent`` subclass) and its photos, plus the
  ``authorize`` function that says whether an actor may take a transition on a row
  (the scope engine's ``grids.permissions.authorize``; ``core`` imports no app).

``Machine.transition`` is the recipe: lock the row, check the actor and the table,
let the service set its fields, save with ``update_fields``, append the timeline
event (who, role, from, to, note, data) with its photos, all in one transaction.
``Machine.bulk_transition`` is the same for sweeps run by the system: conditional
UPDATEs in batches and one ``bulk_create`` of events, idempotent through a marker
column. ``stamp`` is that conditional batch UPDATE on its own (warnings, overdue marks).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from .errors import IllegalTransition
from .timeline import TimelineEvent, append_event

BATCH = 5000


@dataclass(frozen=True)
class Transition:
    """One row of a transition table.

    ``target`` None: the status stays (a progress note, an extension). ``permission`` is
    the role action the scope engine checks on the row. ``done`` confirms the step to
    staff ("Verified."); ``done_to_owner`` says it in the words of the person the row is
    about (a resident: "Thank you for your feedback; we will keep working on it.").
    """

    name: str
    sources: frozenset[str]
    target: str | None
    permission: str
    label: Any
    done: Any = None
    done_to_owner: Any = None


def step(name, sources, target, permission, label, done=None, done_to_owner=None) -> Transition:
    return Transition(name, frozenset(sources), target, permission, label, done, done_to_owner)


class Workflow:
    """A status set and its transitions (no database)."""

    def __init__(self, *, statuses: type[models.TextChoices], subject, transitions):
        self.statuses = statuses
        self.subject = subject  # lazy noun for messages: "work order"
        self.transitions: dict[str, Transition] = {t.name: t for t in transitions}
        unknown = {
            s
            for t in self.transitions.values()
            for s in [*t.sources, t.target]
            if s is not None and s not in statuses.values
        }
        if unknown:
            raise ValueError(f"unknown statuses in the table: {sorted(unknown)}")

    def __getitem__(self, name: str) -> Transition:
        try:
            return self.transitions[name]
        except KeyError:
            raise ValueError(f"unknown {self.subject} action {name!r}") from None

    def __iter__(self):
        return iter(self.transitions.values())

    @property
    def terminal(self) -> frozenset[str]:
        """Statuses no transition leaves."""
        left = {s for t in self.transitions.values() for s in t.sources}
        return frozenset(set(self.statuses.values) - left)

    def is_allowed(self, name: str, status: str) -> bool:
        return status in self[name].sources

    def next_status(self, name: str, status: str) -> str:
        """The status after ``name`` from ``status``; IllegalTransition (409) when not allowed."""
        t = self[name]
        if status not in t.sources:
            raise IllegalTransition(
                gettext("Cannot %(action)s a %(subject)s that is %(status)s.")
                % {
                    "action": str(t.label).lower(),
                    "subject": str(self.subject),
                    "status": str(self.statuses(status).label).lower(),
                },
                code="illegal_transition",
            )
        return t.target or status

    def available(self, status: str) -> list[Transition]:
        """Transitions whose source set contains ``status`` (before any permission check)."""
        return [t for t in self.transitions.values() if status in t.sources]


Authorize = Callable[[Any, models.Model, Transition], str | None]


class Machine:
    """A workflow bound to its model, timeline, photos and permission check.

    ``authorize(actor, row, transition)`` answers the role the actor acts in, or None
    when they may not (then the row is "not found": 404). ``timeline`` None: the rows keep
    their history elsewhere (a ledger's entries), and no event is appended. ``copied``: columns of the row
    that each timeline event carries a copy of (for figures counted from events alone).
    ``related``: relations loaded with the locked row.
    """

    def __init__(
        self,
        *,
        workflow: Workflow,
        model: type[models.Model],
        timeline: type[TimelineEvent] | None,
        subject_field: str,
        authorize: Authorize,
        photos: type[models.Model] | None = None,
        copied: Sequence[str] = (),
        related: Sequence[str] = (),
    ):
        self.workflow = workflow
        self.model = model
        self.timeline = timeline
        self.subject_field = subject_field
        self.authorize = authorize
        self.photos = photos
        self.copied = tuple(copied)
        self.related = tuple(related)
        self.touched = tuple(
            f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False)
        )

    # --- one row, by an actor ----------------------------------------------------------------

    def allowed(self, actor, row) -> list[Transition]:
        """The transitions this actor may take on this row now (status and permission)."""
        return [t for t in self.workflow.available(row.status) if self.authorize(actor, row, t)]

    def lock(
        self, actor, row: models.Model | int, name: str, authorized_as: str | None = None
    ) -> tuple[Any, str]:
        """The row locked for this transaction and the actor's role; Http404 when missing or
        when the actor may not take ``name`` on it (``authorized_as``: see ``transition``)."""
        pk = row if isinstance(row, int) else row.pk
        locked: Any = (
            self.model._default_manager.select_for_update(of=("self",))
            .select_related(*self.related)
            .filter(pk=pk)
            .first()
        )
        if authorized_as is not None and locked is not None:
            return locked, authorized_as
        role = self.authorize(actor, locked, self.workflow[name]) if locked is not None else None
        if role is None:
            raise Http404
        return locked, role

    def transition(
        self,
        *,
        actor,
        row: models.Model | int,
        name: str,
        at: dt.datetime | None = None,
        note: str = "",
        data: dict | None = None,
        photos: Iterable = (),
        photo_fields: dict | None = None,
        public: bool = True,
        apply: Callable[[Any, dt.datetime], Iterable[str] | None] | None = None,
        authorized_as: str | None = None,
    ):
        """Take transition ``name`` on ``row``; returns (the locked row, the event).

        ``authorized_as``: the step follows from another workflow's (a volunteer order
        moving its work order); that service has checked its own actor, who is recorded
        here in the role given, without a second check on this row. Never from input.

        ``apply(row, now)`` sets the service's own fields on the locked row and returns
        their names (it may raise ``InvalidInput``: nothing is saved). ``photos`` are
        cleaned photos (``core.attachments.clean_photos``) stored with the event;
        ``photo_fields`` adds columns of the app's photo model (e.g. the photo's kind).
        """
        now = at or timezone.now()
        with transaction.atomic():
            locked, role = self.lock(actor, row, name, authorized_as)
            before = locked.status
            after = self.workflow.next_status(name, before)
            fields = list(apply(locked, now) or []) if apply else []
            if after != before:
                locked.status = after
                fields.append("status")
            if fields:
                locked.save(update_fields=list(dict.fromkeys([*fields, *self.touched])))
            event = self.append(
                locked,
                actor=actor,
                role=role,
                verb=name,
                from_status=before,
                to_status=after,
                note=note,
                data=data,
                public=public,
                at=now,
            )
            self.store_photos(locked, event, photos, actor, **(photo_fields or {}))
        return locked, event

    def append(self, row, *, actor, role: str, verb: str, **event) -> TimelineEvent | None:
        """One timeline event about ``row`` (in the caller's transaction), outside a status
        change: a note, "another request was merged into this one"."""
        if self.timeline is None:
            return None
        event.setdefault("from_status", row.status)
        event.setdefault("to_status", row.status)
        return append_event(
            self.timeline,
            subject_field=self.subject_field,
            subject=row,
            fields={name: getattr(row, name) for name in self.copied},
            actor=actor,
            actor_role=role,
            verb=verb,
            **event,
        )

    def store_photos(self, row, event, photos: Iterable, actor, **fields) -> None:
        photos = list(photos)
        if not photos:
            return
        if self.photos is None:
            raise ValueError(f"{self.model.__name__} keeps no photos")
        for photo in photos:
            self.photos._default_manager.create(
                street_id=row.street_id,
                **{self.subject_field: row},
                event=event,
                image=photo.content,
                width=photo.width,
                height=photo.height,
                size=photo.size,
                uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
                **fields,
            )

    # --- many rows, by the system ------------------------------------------------------------

    def bulk_transition(
        self,
        candidates: QuerySet,
        *,
        name: str,
        at: dt.datetime,
        marker: str,
        values: dict[str, Any] | None = None,
        note: str = "",
        data: dict | None = None,
        public: bool = False,
    ) -> list[dict]:
        """Take ``name`` on every candidate in a status it allows and whose ``marker`` is
        still empty, with no actor (a sweep). Sets ``marker = at`` and ``values``; appends
        one event per row. Returns the rows taken (``pk``, the copied columns, ``status``
        before). Safe to run twice, or twice at once: the marker makes each row go once.
        """
        t = self.workflow[name]
        taken: list[dict] = []
        for source in sorted(t.sources):
            changes = dict(values or {})
            if t.target not in (None, source):
                changes["status"] = t.target
            with transaction.atomic():  # the rows and their events, or neither
                rows = stamp(
                    candidates.filter(status=source),
                    marker=marker,
                    at=at,
                    values=changes,
                    read=("pk", "street_id", *self.copied),
                )
                if self.timeline is None:
                    taken += [{**row, "status": source} for row in rows]
                    continue
                self.timeline.objects.bulk_create(
                    (
                        self.timeline(
                            street_id=row["street_id"],
                            **{f"{self.subject_field}_id": row["pk"]},
                            **{column: row[column] for column in self.copied},
                            at=at,
                            verb=name,
                            from_status=source,
                            to_status=t.target or source,
                            note=note,
                            data=data or {},
                            public=public,
                        )
                        for row in rows
                    ),
                    batch_size=BATCH,
                )
            taken += [{**row, "status": source} for row in rows]
        return taken


def stamp(
    candidates: QuerySet,
    *,
    marker: str,
    at: dt.datetime,
    values: dict[str, Any] | None = None,
    read: Sequence[str] = ("pk",),
) -> list[dict]:
    """Set ``marker = at`` (and ``values``) on the candidates whose marker is still empty,
    in batches of conditional UPDATEs by primary key, and return the ``read`` columns of
    exactly the rows this call stamped (a second run, or one running at the same time,
    finds them stamped and leaves them).

    The candidates' own conditions are repeated in each UPDATE, so a row that stopped
    qualifying between the read and the write is left alone.
    """
    pending = candidates.filter(**{f"{marker}__isnull": True})
    ids = list(pending.order_by().values_list("pk", flat=True))
    model = candidates.model
    out: list[dict] = []
    for i in range(0, len(ids), BATCH):
        chunk = ids[i : i + BATCH]
        pending.filter(pk__in=chunk).update(**{marker: at}, **(values or {}))
        out += list(model._default_manager.filter(pk__in=chunk, **{marker: at}).values(*read))
    return out


def set_now(*fields: str) -> Callable[[Any, dt.datetime], list[str]]:
    """An ``apply`` for ``Machine.transition`` that stamps ``fields`` with the moment."""

    def apply(row, now: dt.datetime) -> list[str]:
        for name in fields:
            setattr(row, name, now)
        return list(fields)

    return apply
