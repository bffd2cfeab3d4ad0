"""The distribution and drill workflows as pure tables (no database).

Distribution::

    draft ──open──▶ running ──close──▶ closed

Drill or training::

    planned ──hold──▶ held
       ╲cancel──▶ cancelled
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from linli.core.workflow import Workflow, step

from . import permissions as p
from .models import DistributionStatus as D
from .models import DrillStatus as S

DISTRIBUTION_FLOW = Workflow(
    statuses=D,
    subject=_("distribution"),
    transitions=[
        step("open", {D.DRAFT}, D.RUNNING, p.MANAGE, _("Start handing out"),
             _("Started: the building leaders and grid workers can record handouts now.")),
        step("close", {D.RUNNING}, D.CLOSED, p.MANAGE, _("Close the distribution"),
             _("Closed: no more handouts are recorded.")),
    ],
)  # fmt: skip

DRILL_FLOW = Workflow(
    statuses=S,
    subject=_("drill"),
    transitions=[
        step("hold", {S.PLANNED}, S.HELD, p.HOLD, _("Record it as held"),
             _("Recorded as held.")),
        step("cancel", {S.PLANNED}, S.CANCELLED, p.MANAGE, _("Cancel"),
             _("Cancelled.")),
    ],
)  # fmt: skip
