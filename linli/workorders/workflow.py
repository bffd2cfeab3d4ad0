"""The work-order workflow as one pure table (no database): which action moves which status.

GB/T 30428 adapted to neighbourhoods, with a resident follow-up at the end::

    accepted ──verify──▶ verified ──dispatch──▶ dispatched ──start──▶ in_progress
       │  ╲reject▶ rejected          ▲   │            │ return (misrouted)   │ report_back
       │   ╲merge▶ merged            │   │            ▼                      ▼
       │    ╲withdraw▶ withdrawn     └───┴──────── returned          reported_done
       │                                  (dispatch again)       check ▼      ╲ rework ▶ in_progress
       │                                                          checked
       │                                        follow_up (满意/基本满意) ▼   ╲ reopen (不满意) ▶ in_progress
       │                                                        followed_up ──close──▶ closed

``escalate`` (上报, one level up: grid → neighbourhood → street → department),
``extend`` (a new deadline with a reason, counted) and ``update`` (a progress
note by a handling unit) leave the status unchanged.

Decision on 不满意: the follow-up ``reopen`` sends the order back to
``in_progress`` with the same units (they know the case and the resident's
complaint is about their work); it then goes through report-back and check
again, and the resident is asked again. If the units are wrong, staff
escalate it, and the street re-dispatches.

``by`` names who may perform a transition, on top of the role action
(``permission``) that the scope engine checks:

* ``STAFF``: node staff (street admin, cadre, grid worker) in whose subtree the order lies;
* ``HANDLER``: staff of the active *lead* unit, or node staff when the order is
  handled in-house by the neighbourhood itself;
* ``ANY_HANDLER``: as HANDLER, co-handler units included;
* ``REPORTER_OR_STAFF``: the resident who reported it (their own requests only), or node staff.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from linli.core.errors import IllegalTransition


class Status(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")  # 受理: registered, waiting for on-site verification
    VERIFIED = "verified", _("Verified")  # 核实: confirmed on site, waiting for dispatch
    REJECTED = (
        "rejected",
        pgettext_lazy("work order status", "Rejected"),
    )  # not a valid request (terminal)
    MERGED = "merged", _("Merged")  # duplicate of another open request (terminal)
    WITHDRAWN = "withdrawn", _("Withdrawn")  # the resident withdrew it before dispatch (terminal)
    DISPATCHED = "dispatched", _("Dispatched")  # 派遣: handed to units, not started yet
    RETURNED = "returned", _("Returned")  # 退回: the lead unit says it is not theirs
    IN_PROGRESS = "in_progress", _("In progress")  # 处置: the unit is working on it
    REPORTED_DONE = "reported_done", _("Reported done")  # 反馈: unit says done, to be checked
    CHECKED = "checked", _("Checked")  # 核查: grid worker confirmed; resident to be asked
    FOLLOWED_UP = "followed_up", _("Followed up")  # 回访: resident satisfied, ready to close
    CLOSED = "closed", _("Closed")  # 结案 (terminal)


TERMINAL = frozenset({Status.REJECTED, Status.MERGED, Status.WITHDRAWN, Status.CLOSED})
OPEN = frozenset(set(Status.values) - set(TERMINAL))
# States in which the resolution clock is running and escalation / extension make sense.
RUNNING = frozenset(
    {
        Status.ACCEPTED,
        Status.VERIFIED,
        Status.DISPATCHED,
        Status.RETURNED,
        Status.IN_PROGRESS,
        Status.REPORTED_DONE,
    }
)

STAFF = "staff"
HANDLER = "handler"
ANY_HANDLER = "any_handler"
REPORTER_OR_STAFF = "reporter_or_staff"

# Role actions (grids/permissions.ROLE_ACTIONS holds the same strings).
P_REPORT = "workorders.report"
P_VIEW = "workorders.view"
P_INTAKE = "workorders.intake"
P_VERIFY = "workorders.verify"
P_DISPATCH = "workorders.dispatch"
P_HANDLE = "workorders.handle"
P_CHECK = "workorders.check"
P_FOLLOW_UP = "workorders.follow_up"
P_CLOSE = "workorders.close"
P_WITHDRAW = "workorders.withdraw"
P_ESCALATE = "workorders.escalate"
P_EXTEND = "workorders.extend"
P_METRICS = "workorders.metrics"
P_CONFIGURE = "workorders.configure"


@dataclass(frozen=True)
class Transition:
    name: str  # the action verb; also the API path (underscores become dashes)
    sources: frozenset[str]
    target: str | None  # None: the status stays as it is
    permission: str
    by: str
    label: str  # lazy, for buttons


def _t(name, sources, target, permission, by, label) -> Transition:
    return Transition(name, frozenset(sources), target, permission, by, label)


S = Status
TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        _t("verify", {S.ACCEPTED}, S.VERIFIED, P_VERIFY, STAFF, _("Verify")),
        _t("reject", {S.ACCEPTED}, S.REJECTED, P_VERIFY, STAFF, _("Reject as invalid")),
        _t("merge", {S.ACCEPTED, S.VERIFIED}, S.MERGED, P_VERIFY, STAFF, _("Merge as duplicate")),
        _t(
            "withdraw",
            {S.ACCEPTED, S.VERIFIED, S.RETURNED},
            S.WITHDRAWN,
            P_WITHDRAW,
            REPORTER_OR_STAFF,
            _("Withdraw"),
        ),
        _t("dispatch", {S.VERIFIED, S.RETURNED}, S.DISPATCHED, P_DISPATCH, STAFF, _("Dispatch")),
        _t("return", {S.DISPATCHED}, S.RETURNED, P_HANDLE, HANDLER, _("Return as misrouted")),
        _t("start", {S.DISPATCHED}, S.IN_PROGRESS, P_HANDLE, HANDLER, _("Start work")),
        _t("update", {S.IN_PROGRESS}, None, P_HANDLE, ANY_HANDLER, _("Add progress")),
        _t(
            "report_back",
            {S.IN_PROGRESS},
            S.REPORTED_DONE,
            P_HANDLE,
            HANDLER,
            _("Report done"),
        ),
        _t("check", {S.REPORTED_DONE}, S.CHECKED, P_CHECK, STAFF, _("Check: passed")),
        _t("rework", {S.REPORTED_DONE}, S.IN_PROGRESS, P_CHECK, STAFF, _("Check: rework")),
        _t(
            "follow_up",
            {S.CHECKED},
            S.FOLLOWED_UP,
            P_FOLLOW_UP,
            REPORTER_OR_STAFF,
            _("Follow-up: satisfied"),
        ),
        _t(
            "reopen",
            {S.CHECKED},
            S.IN_PROGRESS,
            P_FOLLOW_UP,
            REPORTER_OR_STAFF,
            _("Follow-up: not satisfied"),
        ),
        _t("close", {S.FOLLOWED_UP}, S.CLOSED, P_CLOSE, STAFF, _("Close")),
        _t("escalate", RUNNING, None, P_ESCALATE, STAFF, _("Escalate")),
        _t("extend", RUNNING, None, P_EXTEND, STAFF, _("Extend deadline")),
    ]
}


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")  # 满意
    BASICALLY = "basically", _("Basically satisfied")  # 基本满意
    DISSATISFIED = "dissatisfied", _("Not satisfied")  # 不满意


SATISFIED_VALUES = frozenset({Satisfaction.SATISFIED, Satisfaction.BASICALLY})


class Level(models.IntegerChoices):
    """Escalation level (三级联动): who owns the problem now."""

    GRID = 0, _("Grid")
    NEIGHBOURHOOD = 1, _("Neighbourhood")
    STREET = 2, _("Street")
    DEPARTMENT = 3, _("Department")


def transition(name: str) -> Transition:
    try:
        return TRANSITIONS[name]
    except KeyError:
        raise ValueError(f"unknown work-order action {name!r}") from None


def is_allowed(name: str, status: str) -> bool:
    return status in transition(name).sources


def next_status(name: str, status: str) -> str:
    """The status after ``name`` from ``status``; IllegalTransition (409) when not allowed."""
    t = transition(name)
    if status not in t.sources:
        raise IllegalTransition(
            gettext("Cannot %(action)s a work order that is %(status)s.")
            % {"action": str(t.label).lower(), "status": str(Status(status).label).lower()},
            code="illegal_transition",
        )
    return t.target or status


def available(status: str) -> list[Transition]:
    """Transitions whose source set contains ``status`` (before any permission check)."""
    return [t for t in TRANSITIONS.values() if status in t.sources]
