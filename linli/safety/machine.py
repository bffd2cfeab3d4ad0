"""The safety workflows bound to their rows, timelines and photos (``core.workflow``)."""

from __future__ import annotations

from linli.core.workflow import Machine
from linli.grids.permissions import authorize

from .models import Campaign, CampaignEvent, Hazard, HazardEvent, HazardPhoto, Notice, NoticeEvent
from .workflow import CAMPAIGN_FLOW, HAZARD_FLOW, NOTICE_FLOW

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
