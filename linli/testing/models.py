"""Models the workflow kit's own tests run on (test settings only; no migrations).

``Case`` is the smallest workflow subject: a street, a grid, a status, a timeline and
photos. ``Slot`` holds places that ``SlotClaim`` rows take (``core.claims``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from linli.core.attachments import PhotoBase
from linli.core.timeline import TimelineEvent
from linli.core.workflow import Workflow, step
from linli.grids.models import Role
from linli.grids.permissions import declare
from linli.grids.scope import OWNER, Rule, ScopeSpec

OPEN_CASE, MOVE = "kit.open", "kit.move"
declare(
    {
        Role.GRID_WORKER: [OPEN_CASE, MOVE],
        Role.CADRE: [MOVE],
        Role.RESIDENT: {MOVE: None},
    }
)


class CaseStatus(models.TextChoices):
    NEW = "new", "new"
    WORKING = "working", "working"
    DONE = "done", "done"
    DROPPED = "dropped", "dropped"


CASE_FLOW = Workflow(
    statuses=CaseStatus,
    subject="case",
    transitions=[
        step("start", {CaseStatus.NEW}, CaseStatus.WORKING, MOVE, "start", "Started."),
        step("note", {CaseStatus.WORKING}, None, MOVE, "note"),
        step("finish", {CaseStatus.WORKING}, CaseStatus.DONE, MOVE, "finish", "Done."),
        step("drop", {CaseStatus.NEW, CaseStatus.WORKING}, CaseStatus.DROPPED, OPEN_CASE, "drop"),
    ],
)


class Case(models.Model):
    street = models.ForeignKey("grids.GridNode", on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey("grids.GridNode", on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    status = models.CharField(max_length=20, default=CaseStatus.NEW)
    started_at = models.DateTimeField(null=True)
    flagged_at = models.DateTimeField(null=True)
    level = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    scope = ScopeSpec(node="grid", owner="owner", rules={"own": Rule(OWNER, "owner")})

    def __str__(self) -> str:
        return f"case {self.pk}"


class CaseEvent(TimelineEvent):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    grid = models.ForeignKey("grids.GridNode", on_delete=models.PROTECT, related_name="+")


class CasePhoto(PhotoBase):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="photos")
    event = models.ForeignKey(CaseEvent, on_delete=models.PROTECT, related_name="photos")


class Slot(models.Model):
    capacity = models.PositiveIntegerField()
    taken = models.PositiveIntegerField(default=0)
    open = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(taken__lte=models.F("capacity")), name="slot_not_over"
            )
        ]

    def __str__(self) -> str:
        return f"{self.taken}/{self.capacity}"


class SlotClaim(models.Model):
    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="claims")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=10)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "person"],
                condition=Q(state__in=["held", "waiting"]),
                name="slotclaim_one_each",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.state}"
