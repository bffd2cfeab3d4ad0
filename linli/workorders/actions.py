"""What people can do to a work order: the app's action registry (``core.actions``).

One entry per choice a person makes, in the order the detail page offers them (the
forward step first). Each names the workflow transitions it may take, its form (the
page and the API validate with the same one), and how it runs through the services.
The API's ``POST /workorders/{id}/<action>`` endpoints and the page's action panels
are made from this list.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from linli.core.actions import Action, ActionRegistry

from . import forms as f
from . import selectors, services
from .machine import MACHINE
from .selectors import WorkOrderDetail as Detail
from .workflow import Satisfaction


def _verify(actor, d: Detail, data) -> str:
    services.workorder_verify(actor=actor, order=d.order, note=data["note"], photos=data["photos"])
    return "verify"


def _dispatch(actor, d: Detail, data) -> str:
    services.workorder_dispatch(
        actor=actor,
        order=d.order,
        lead_unit=data["lead_unit"],
        co_units=data["co_units"],
        in_house=data["in_house"],
        note=data["note"],
    )
    return "dispatch"


def _dispatch_form(d: Detail) -> dict:
    return {
        "units": selectors.dispatch_units(d.order),
        "suggestion": selectors.suggest_handler(d.order),
    }


def _start(actor, d: Detail, data) -> str:
    services.workorder_start(actor=actor, order=d.order, note=data["note"])
    return "start"


def _report_back(actor, d: Detail, data) -> str:
    services.workorder_report_back(
        actor=actor, order=d.order, note=data["note"], photos=data["photos"]
    )
    return "report_back"


def _check(actor, d: Detail, data) -> str:
    passed = data["result"] == f.CHECK_PASS
    services.workorder_check(
        actor=actor, order=d.order, passed=passed, note=data["note"], photos=data["photos"]
    )
    return "check" if passed else "rework"


def _follow_up(actor, d: Detail, data) -> str:
    services.workorder_follow_up(
        actor=actor, order=d.order, satisfaction=data["satisfaction"], comment=data["comment"]
    )
    return "reopen" if data["satisfaction"] == Satisfaction.DISSATISFIED else "follow_up"


def _close(actor, d: Detail, data) -> str:
    services.workorder_close(actor=actor, order=d.order, note=data["note"])
    return "close"


def _update(actor, d: Detail, data) -> str:
    services.workorder_update(actor=actor, order=d.order, note=data["note"], photos=data["photos"])
    return "update"


def _return(actor, d: Detail, data) -> str:
    services.workorder_return(actor=actor, order=d.order, reason=data["reason"])
    return "return"


def _merge(actor, d: Detail, data) -> str:
    into = selectors.workorder_get(actor=actor, pk=data["into"])
    services.workorder_merge(actor=actor, order=d.order, into=into, note=data["note"])
    return "merge"


def _reject(actor, d: Detail, data) -> str:
    services.workorder_reject(actor=actor, order=d.order, reason=data["reason"])
    return "reject"


def _extend(actor, d: Detail, data) -> str:
    services.workorder_extend(
        actor=actor, order=d.order, amount=data["amount"], reason=data["reason"]
    )
    return "extend"


def _escalate(actor, d: Detail, data) -> str:
    services.workorder_escalate(
        actor=actor, order=d.order, reason=data["reason"], unit=data["unit"]
    )
    return "escalate"


def _withdraw(actor, d: Detail, data) -> str:
    services.workorder_withdraw(actor=actor, order=d.order, reason=data["reason"])
    return "withdraw"


ACTIONS = ActionRegistry(
    MACHINE,
    [
        Action("verify", _("Verify on site"), ("verify",), f.VerifyForm, _verify),
        Action("dispatch", _("Dispatch"), ("dispatch",), f.DispatchForm, _dispatch, _dispatch_form),
        Action("start", _("Start work"), ("start",), f.NoteForm, _start),
        Action("report_back", _("Report done"), ("report_back",), f.ReportBackForm, _report_back),
        Action("check", _("Check the work"), ("check", "rework"), f.CheckForm, _check),
        Action(
            "follow_up",
            _("Record the resident's follow-up"),
            ("follow_up", "reopen"),
            f.FollowUpForm,
            _follow_up,
            lambda d: {"resident": d.resident_view},
        ),
        Action("close", _("Close"), ("close",), f.NoteForm, _close),
        Action("update", _("Add progress"), ("update",), f.UpdateForm, _update),
        Action("return", _("Return as misrouted"), ("return",), f.ReasonForm, _return),
        Action(
            "merge",
            _("Merge into a duplicate"),
            ("merge",),
            f.MergeForm,
            _merge,
            lambda d: {"candidates": d.merge_candidates},
        ),
        Action("reject", _("Reject as invalid"), ("reject",), f.ReasonForm, _reject),
        Action("extend", _("Extend the deadline"), ("extend",), f.ExtendForm, _extend),
        Action(
            "escalate",
            _("Escalate"),
            ("escalate",),
            f.EscalateForm,
            _escalate,
            lambda d: {"units": selectors.escalation_departments(d.order)},
        ),
        Action("withdraw", _("Withdraw"), ("withdraw",), f.OptionalReasonForm, _withdraw),
    ],
)
