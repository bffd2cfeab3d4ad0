"""The safety workflows bound to their rows, timelines and photos (``core.workflow``)."""

from __future__ import annotations

from linli.core.workflow import Machine
from linli.grids.permissions import authorize

from .models import (
    Campaign,
    CampaignEvent,
    ChargingSite,
    Hazard,
    HazardEvent,
    HazardPhoto,
    Notice,
    NoticeEvent,
)
from .workflow import CAMPAIGN_FLOW, CHARGING_FLOW, HAZARD_FLOW, NOTICE_FLOW

CAMPAIGNS = Machine(
    workflow=CAMPAIGN_FLOW,
    model=Campaign,
    timeline=CampaignEvent,
    subject_field="campaign",
    authorize=authorize,
)
HAZARDS = Machine(
    workflow=HAZARD_FLOW,
    model=Hazard,
    timeline=HazardEvent,
    subject_field="hazard",
    photos=HazardPhoto,
    authorize=authorize,
    related=("grid", "compound", "unit"),
)
NOTICES = Machine(
    workflow=NOTICE_FLOW,
    model=Notice,
    timeline=NoticeEvent,
    subject_field="notice",
    authorize=authorize,
    related=("grid", "compound", "unit"),
)
# A charging site's history is its own columns (proposed, built or turned down, by whom is in
# the change history): no timeline.
CHARGING = Machine(
    workflow=CHARGING_FLOW,
    model=ChargingSite,
    timeline=None,
    subject_field="site",
    authorize=authorize,
    related=("compound",),
)
