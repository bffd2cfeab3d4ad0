"""The work-order workflow bound to its rows, timeline and photos (``core.workflow``)."""

from __future__ import annotations

from linli.core.workflow import Machine
from linli.grids.permissions import authorize

from .models import WorkOrder, WorkOrderEvent, WorkOrderPhoto
from .workflow import WORKFLOW

MACHINE = Machine(
    workflow=WORKFLOW,
    model=WorkOrder,
    timeline=WorkOrderEvent,
    subject_field="order",
    photos=WorkOrderPhoto,
    authorize=authorize,
    copied=WorkOrderEvent.COPIED,
    related=("grid", "category"),
)
