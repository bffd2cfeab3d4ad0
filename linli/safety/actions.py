"""What people can do to a campaign, a hazard and a notice: the app's action registries
(``core.actions``). The pages' forms and the API's action endpoints are made from these."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from linli.core.actions import Action, ActionRegistry
from linli.core.workflow import Transition

from . import forms as f
from . import services
from .machine import CAMPAIGNS, CHARGING, HAZARDS, NOTICES
from .models import ChargingSite, HazardStatus, NoticeStatus


def _start(actor, d, data) -> str:
    services.campaign_start(actor=actor, campaign=d.campaign)
    return "start"


def _close(actor, d, data) -> str:
    services.campaign_close(actor=actor, campaign=d.campaign, note=data["note"])
    return "close"


def _cancel(actor, d, data) -> str:
    services.campaign_cancel(actor=actor, campaign=d.campaign, reason=data["reason"])
    return "cancel"


CAMPAIGN_ACTIONS = ActionRegistry(
    CAMPAIGNS,
    [
        Action("start", _("Start the campaign"), ("start",), f.NoteForm, _start),
        Action("close", _("Close the campaign"), ("close",), f.NoteForm, _close),
        Action("cancel", _("Cancel the campaign"), ("cancel",), f.ReasonForm, _cancel),
    ],
)


def _fix(actor, d, data) -> str:
    services.hazard_fix(actor=actor, hazard=d.hazard, photos=data["photos"], note=data["note"])
    return "fix"


def _dismiss(actor, d, data) -> str:
    services.hazard_dismiss(actor=actor, hazard=d.hazard, reason=data["reason"])
    return "dismiss"


HAZARD_ACTIONS = ActionRegistry(
    HAZARDS,
    [
        Action("fix", _("It has been put right"), ("fix",), f.FixForm, _fix),
        Action("dismiss", _("Dismiss (raised in error)"), ("dismiss",), f.ReasonForm, _dismiss),
    ],
    system=("notify", "cleared", "escalate"),  # a notice, its re-inspection, its deadline
)


def _acknowledge(actor, d, data) -> str:
    services.notice_acknowledge(actor=actor, notice=d.notice, signed_by=data["signed_by"])
    return "acknowledge"


def _reinspect(actor, d, data) -> str:
    before = d.notice.status
    row = services.notice_reinspect(
        actor=actor,
        notice=d.notice,
        fixed=set(data["fixed"]),
        note=data["note"],
        photos=data["photos"],
        members=data["members"],
    )
    if row.status == NoticeStatus.RECTIFIED:
        return "rectified"
    return "not_yet" if row.status == before else "failed"


def _under_notice(d) -> dict:
    return {
        "hazards": [
            h for h in d.hazards if h.status in (HazardStatus.NOTIFIED, HazardStatus.ESCALATED)
        ]
    }


def _suspend(actor, d, data) -> str:
    services.notice_suspend(actor=actor, notice=d.notice, note=data["note"])
    return "suspend"


NOTICE_ACTIONS = ActionRegistry(
    NOTICES,
    [
        Action("acknowledge", _("Signed for"), ("acknowledge",), f.AcknowledgeForm, _acknowledge),
        Action(
            "reinspect",
            _("Re-inspect (回头看)"),
            ("rectified", "failed", "not_yet"),
            f.ReinspectForm,
            _reinspect,
            form_kwargs=_under_notice,
        ),
        Action(
            "suspend",
            _("Order to suspend business (责令停业整顿)"),
            ("suspend",),
            f.DecisionForm,
            _suspend,
        ),
    ],
    system=("overdue",),  # the worker, past the deadline
)


@dataclass
class ChargingContext:
    """One charging site as one viewer sees it (the registry's context)."""

    site: ChargingSite
    actions: list[Transition]
    owner_view: bool = False

    @property
    def row(self) -> ChargingSite:
        return self.site


def charging_context(actor, site: ChargingSite) -> ChargingContext:
    return ChargingContext(site, CHARGING.allowed(actor, site))


def _build(actor, c, data) -> str:
    services.charging_build(actor=actor, site=c.site, **data)
    return "build"


def _reject(actor, c, data) -> str:
    services.charging_reject(actor=actor, site=c.site, reason=data["reason"])
    return "reject"


CHARGING_ACTIONS = ActionRegistry(
    CHARGING,
    [
        Action("build", _("It has been built"), ("build",), f.BuildForm, _build,
               form_kwargs=lambda c: {"site": c.site}),
        Action("reject", _("Not suitable here"), ("reject",), f.ReasonForm, _reject),
    ],
)  # fmt: skip
