"""Safety inspections' services: every write goes through one of these (see each module)."""

from .campaigns import (
    campaign_cancel,
    campaign_close,
    campaign_create,
    campaign_start,
    target_remove,
    targets_add,
)
from .charging import charging_build, charging_propose, charging_reject
from .checklists import checklist_create, default_checklist, items_text
from .inspections import (
    OPEN_STATES,
    ItemInput,
    checklist_items,
    hazard_dismiss,
    hazard_fix,
    hazard_report,
    inspection_record,
)
from .notices import (
    escalate_overdue,
    notice_acknowledge,
    notice_issue,
    notice_reinspect,
    notice_settings,
    notice_settings_save,
    notice_suspend,
    remind_reinspections,
)
from .sites import (
    SiteRef,
    area_site,
    compound_site,
    request_site,
    require_reach,
    resolve,
    unit_site,
)

__all__ = [
    "OPEN_STATES",
    "ItemInput",
    "SiteRef",
    "area_site",
    "campaign_cancel",
    "campaign_close",
    "campaign_create",
    "campaign_start",
    "charging_build",
    "charging_propose",
    "charging_reject",
    "checklist_create",
    "checklist_items",
    "compound_site",
    "default_checklist",
    "escalate_overdue",
    "hazard_dismiss",
    "hazard_fix",
    "hazard_report",
    "inspection_record",
    "items_text",
    "notice_acknowledge",
    "notice_issue",
    "notice_reinspect",
    "notice_settings",
    "notice_settings_save",
    "notice_suspend",
    "remind_reinspections",
    "request_site",
    "require_reach",
    "resolve",
    "target_remove",
    "targets_add",
    "unit_site",
]
