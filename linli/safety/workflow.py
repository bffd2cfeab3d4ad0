"""The campaign, hazard and notice workflows as pure tables (no database).

Campaign::

    draft ──start──▶ running ──close──▶ closed
      ╲cancel

Hazard (a failed item, or one reported on patrol)::

    open ──fix (当场整改, with a photo)──▶ fixed
      │╲dismiss (raised in error)
      ╰─notify (a notice names it)──▶ notified ──cleared (回头看: put right)──▶ fixed
                                          ╲escalate (回头看 failed, or overdue)──▶ escalated ──cleared──▶ fixed

Charging site (e-bike charging at a compound)::

    proposed ──build──▶ built
      ╲reject (not suitable here: the reason)

Notice::

    issued ──acknowledge──▶ acknowledged
      ╲                       ╲
       ╲── reinspect: all put right (rectified) ──▶ rectified
       ╲── reinspect: some not (failed), or overdue ──▶ escalated ──suspend──▶ suspension
    escalated, suspension: a later re-inspection rectifies, or finds hazards still there
    (not_yet: the status stays).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from linli.core.workflow import Workflow, step

from . import permissions as p
from .models import CampaignStatus, ChargingStatus, HazardStatus, NoticeStatus

CAMPAIGN_FLOW = Workflow(
    statuses=CampaignStatus,
    subject=_("campaign"),
    transitions=[
        step("start", {CampaignStatus.DRAFT}, CampaignStatus.RUNNING, p.CAMPAIGNS, _("Start the campaign"),
             _("The campaign is under way: the grids' staff are told.")),
        step("close", {CampaignStatus.RUNNING}, CampaignStatus.CLOSED, p.CAMPAIGNS, _("Close the campaign"),
             _("The campaign is closed; its report stays as it is now.")),
        step("cancel", {CampaignStatus.DRAFT}, CampaignStatus.CANCELLED, p.CAMPAIGNS, _("Cancel"),
             _("The campaign is cancelled.")),
    ],
)  # fmt: skip

_UNDER_NOTICE = {HazardStatus.NOTIFIED, HazardStatus.ESCALATED}

HAZARD_FLOW = Workflow(
    statuses=HazardStatus,
    subject=_("hazard"),
    transitions=[
        step("fix", {HazardStatus.OPEN}, HazardStatus.FIXED, p.INSPECT, _("Put right"),
             _("Recorded as put right.")),
        step("dismiss", {HazardStatus.OPEN}, HazardStatus.DISMISSED, p.INSPECT, _("Dismiss"),
             _("The hazard is dismissed.")),
        step("notify", {HazardStatus.OPEN}, HazardStatus.NOTIFIED, p.NOTICES, _("Put on a notice"),
             _("Put on the notice.")),
        step("cleared", _UNDER_NOTICE, HazardStatus.FIXED, p.NOTICES, _("Put right at re-inspection"),
             _("Put right, as the re-inspection found.")),
        step("escalate", {HazardStatus.NOTIFIED}, HazardStatus.ESCALATED, p.NOTICES, _("Escalate to joint enforcement"),
             _("Escalated to joint enforcement.")),
    ],
)  # fmt: skip

_OPEN_NOTICE = {NoticeStatus.ISSUED, NoticeStatus.ACKNOWLEDGED}
_CHECKABLE = _OPEN_NOTICE | {NoticeStatus.ESCALATED, NoticeStatus.SUSPENSION}

NOTICE_FLOW = Workflow(
    statuses=NoticeStatus,
    subject=_("rectification notice"),
    transitions=[
        step("acknowledge", {NoticeStatus.ISSUED}, NoticeStatus.ACKNOWLEDGED, p.ACKNOWLEDGE,
             _("Signed for"), _("Recorded: the notice was signed for.")),
        step("rectified", _CHECKABLE, NoticeStatus.RECTIFIED, p.NOTICES, _("Re-inspect"),
             _("Re-inspected: every hazard is put right and the notice is closed.")),
        step("failed", _OPEN_NOTICE, NoticeStatus.ESCALATED, p.NOTICES, _("Re-inspect"),
             _("Re-inspected: hazards remain; the notice goes to joint enforcement.")),
        step("not_yet", {NoticeStatus.ESCALATED, NoticeStatus.SUSPENSION}, None, p.NOTICES,
             _("Re-inspect"), _("Re-inspected: hazards remain.")),
        step("overdue", _OPEN_NOTICE, NoticeStatus.ESCALATED, p.NOTICES, _("Past the deadline"),
             _("Not put right by the deadline: escalated to joint enforcement.")),
        step("suspend", {NoticeStatus.ESCALATED}, NoticeStatus.SUSPENSION, p.NOTICES,
             _("Order to suspend business"),
             _("Recorded: the site is to suspend business until it is put right (责令停业整顿).")),
    ],
)  # fmt: skip

CHARGING_FLOW = Workflow(
    statuses=ChargingStatus,
    subject=_("charging site"),
    transitions=[
        step("build", {ChargingStatus.PROPOSED}, ChargingStatus.BUILT, p.CHARGING, _("Built"),
             _("Recorded as built: the compound's facilities count it.")),
        step("reject", {ChargingStatus.PROPOSED}, ChargingStatus.REJECTED, p.CHARGING,
             _("Not suitable here"), _("Recorded as not suitable, with the reason.")),
    ],
)  # fmt: skip
