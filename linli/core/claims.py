"""Capacity claims: first come, first served up to N places, each person once.

Volunteer orders (抢单), enrolment in an activity, claiming a small wish: a *holder* row
carries ``capacity`` and the number of places ``taken``; a *claim* row per person
holds a place (or waits for one). A claim is:

1. one conditional UPDATE of the holder, ``taken = taken + 1 WHERE taken < capacity``
   (and whatever makes the holder open, e.g. its status): the database serialises
   concurrent claimants on the holder's row, so exactly ``capacity`` of them win, on
   PostgreSQL (row lock, re-checked condition) as on SQLite (one writer at a time);
2. the claim row, under a unique constraint on (holder, person) among live claims, so
   the same person twice is one claim however the requests race.

Losers get ``Full`` ("all places are taken", HTTP 409) or, where the holder keeps a
waiting list, a waiting claim. Releasing a place promotes the first waiting claim
(oldest first); with nobody waiting the place is given back (``taken - 1``).

The app's claim model declares the constraint, e.g.::

    UniqueConstraint(fields=["order", "volunteer"],
                     condition=Q(state__in=["held", "waiting"]), name="one_claim_each")
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from .errors import Conflict


class Full(Conflict):
    """Every place is taken (and there is no waiting list)."""

    def __init__(self, message: str | None = None):
        super().__init__(message or _("All places are taken."), code="full")


class AlreadyClaimed(Conflict):
    def __init__(self, message: str | None = None):
        super().__init__(
            message or _("You have already signed up for this."), code="already_claimed"
        )


class NotOpen(Conflict):
    def __init__(self, message: str | None = None):
        super().__init__(message or _("This is not open for sign-up now."), code="not_open")


@dataclass(frozen=True)
class Capacity:
    """How one app's holder and claim models make places (see the module docstring).

    ``holding`` / ``waiting`` / ``released`` are the claim states that hold a place, wait
    for one, and have let go. ``open`` is the condition a holder must meet to be claimed
    (checked in the same UPDATE, so a holder closing meanwhile is never overfilled).
    """

    holder: type[models.Model]
    claim: type[models.Model]
    holder_field: str  # the claim's foreign key to the holder
    person_field: str  # the claim's foreign key to the person
    capacity_field: str = "capacity"
    taken_field: str = "taken"
    state_field: str = "state"
    holding: str = "held"
    waiting: str = "waiting"
    released: str = "released"
    also_live: tuple[str, ...] = ()  # later states that still hold the place (checked in …)

    def live(self) -> list[str]:
        return [self.holding, self.waiting, *self.also_live]

    def _claims(self, holder_id: int):
        return self.claim._default_manager.filter(**{f"{self.holder_field}_id": holder_id})

    def take(
        self,
        *,
        holder_id: int,
        person_id: int,
        open: Q | None = None,
        waitlist: bool = False,
        values: dict[str, Any] | None = None,
        messages: dict[str, str] | None = None,
    ) -> models.Model:
        """A place for ``person_id`` on ``holder_id`` (a waiting claim when full and
        ``waitlist``), or ``Full`` / ``AlreadyClaimed`` / ``NotOpen`` with nothing changed.
        ``values``: further columns of the claim row; ``messages``: the app's own wording
        for "full", "already", "not_open"."""
        said = messages or {}
        person = {f"{self.person_field}_id": person_id}
        with transaction.atomic():
            state = {f"{self.state_field}__in": self.live()}
            if self._claims(holder_id).filter(**person, **state).exists():
                raise AlreadyClaimed(said.get("already"))
            # The claim row first, the holder's counter last: the conditional UPDATE locks
            # the holder's row until the caller commits, so everything written after it
            # makes every other claimant wait. A refusal below rolls the claim row back.
            try:
                with transaction.atomic():
                    claim = self.claim._default_manager.create(
                        **{f"{self.holder_field}_id": holder_id, self.state_field: self.holding},
                        **person,
                        **(values or {}),
                    )
            except IntegrityError:  # the same person's other request won the race
                raise AlreadyClaimed(said.get("already")) from None
            holders = self.holder._default_manager.filter(open or Q(), pk=holder_id)
            won = holders.filter(**{f"{self.taken_field}__lt": F(self.capacity_field)}).update(
                **{self.taken_field: F(self.taken_field) + 1}
            )
            if won:
                return claim
            if not holders.exists():
                raise NotOpen(said.get("not_open"))
            if not waitlist:
                raise Full(said.get("full"))
            setattr(claim, self.state_field, self.waiting)
            claim.save(update_fields=[self.state_field])
            return claim

    def release(
        self, claim: models.Model, *, state: str | None = None, values: dict | None = None
    ) -> models.Model | None:
        """Let go of ``claim`` (to ``state``, default ``released``): a held place passes to
        the first waiting claim, which is returned; else the place is given back. A claim
        already let go changes nothing (returns None)."""
        holder_id = getattr(claim, f"{self.holder_field}_id")
        with transaction.atomic():
            was = getattr(claim, self.state_field)
            done = (
                self._claims(holder_id)
                .filter(pk=claim.pk, **{self.state_field: was})
                .exclude(**{f"{self.state_field}__in": [self.released]})
                .update(**{self.state_field: state or self.released}, **(values or {}))
            )
            if not done or was not in (self.holding, *self.also_live):
                return None
            waiting = self._claims(holder_id).filter(**{self.state_field: self.waiting})
            for candidate in waiting.order_by("pk").values_list("pk", flat=True):
                if waiting.filter(pk=candidate).update(**{self.state_field: self.holding}):
                    return self.claim._default_manager.get(pk=candidate)
            self.holder._default_manager.filter(
                pk=holder_id, **{f"{self.taken_field}__gt": 0}
            ).update(**{self.taken_field: F(self.taken_field) - 1})
            return None
