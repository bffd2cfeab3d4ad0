"""The outreach workflows bound to their rows, timelines and photos (``core.workflow``)."""

from __future__ import annotations

from linli.core.workflow import Machine
from linli.grids.permissions import authorize

from .models import Distribution, DistributionEvent, Drill, DrillEvent, DrillPhoto
from .workflow import DISTRIBUTION_FLOW, DRILL_FLOW

DISTRIBUTIONS = Machine(
    workflow=DISTRIBUTION_FLOW,
    model=Distribution,
    timeline=DistributionEvent,
    subject_field="distribution",
    authorize=authorize,
)
DRILLS = Machine(
    workflow=DRILL_FLOW,
    model=Drill,
    timeline=DrillEvent,
    subject_field="drill",
    photos=DrillPhoto,
    authorize=authorize,
    related=("node",),
)
