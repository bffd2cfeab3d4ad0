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

Who may take a transition is the scope engine's answer for its ``permission`` on the
order (``permissions.py`` declares how each role reaches orders for each action): node
staff in whose subtree the order lies, the active lead unit (or node staff for work kept
in-house) for the handler's steps, any unit still serving it for progress notes, and the
reporter for withdrawal and the follow-up.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.core.workflow import Workflow, step

from . import permissions as p


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

S = Status

WORKFLOW = Workflow(
    statuses=Status,
    subject=_("work order"),
    transitions=[
        step("verify", {S.ACCEPTED}, S.VERIFIED, p.VERIFY, _("Verify"), _("Verified on site.")),
        step(
            "reject",
            {S.ACCEPTED},
            S.REJECTED,
            p.VERIFY,
            _("Reject as invalid"),
            _("Rejected as invalid; the reporter is told."),
        ),
        step(
            "merge",
            {S.ACCEPTED, S.VERIFIED},
            S.MERGED,
            p.VERIFY,
            _("Merge as duplicate"),
            _("Merged into the open request; its reporter will hear of its progress."),
        ),
        step(
            "withdraw",
            {S.ACCEPTED, S.VERIFIED, S.RETURNED},
            S.WITHDRAWN,
            p.WITHDRAW,
            _("Withdraw"),
            _("The request is withdrawn."),
            _("Your request is withdrawn."),
        ),
        step(
            "dispatch",
            {S.VERIFIED, S.RETURNED},
            S.DISPATCHED,
            p.DISPATCH,
            _("Dispatch"),
            _("Dispatched; the handlers and the reporter are told."),
        ),
        step(
            "return",  # not this unit's job: found on receipt, or once work has started
            {S.DISPATCHED, S.IN_PROGRESS},
            S.RETURNED,
            p.HANDLE,
            _("Return as misrouted"),
            _("Returned to the dispatcher as misrouted."),
        ),
        step("start", {S.DISPATCHED}, S.IN_PROGRESS, p.HANDLE, _("Start work"), _("Work started.")),
        step("update", {S.IN_PROGRESS}, None, p.PROGRESS, _("Add progress"), _("Progress added.")),
        step(
            "report_back",
            {S.IN_PROGRESS},
            S.REPORTED_DONE,
            p.HANDLE,
            _("Report done"),
            _("Reported done; the grid worker will check the work."),
        ),
        step(
            "check",
            {S.REPORTED_DONE},
            S.CHECKED,
            p.CHECK,
            _("Check: passed"),
            _("Check passed; the reporter is asked whether they are satisfied."),
        ),
        step(
            "rework",
            {S.REPORTED_DONE},
            S.IN_PROGRESS,
            p.CHECK,
            _("Check: rework"),
            _("Sent back for rework; the handler is told what is still wrong."),
        ),
        step(
            "follow_up",
            {S.CHECKED},
            S.FOLLOWED_UP,
            p.FOLLOW_UP,
            _("Follow-up: satisfied"),
            _("Follow-up recorded: the resident is satisfied."),
            _("Thank you for your feedback."),
        ),
        step(
            "reopen",
            {S.CHECKED},
            S.IN_PROGRESS,
            p.FOLLOW_UP,
            _("Follow-up: not satisfied"),
            _("Follow-up recorded: the resident is not satisfied; the request is reopened."),
            _("Thank you for your feedback; we will keep working on it."),
        ),
        step("close", {S.FOLLOWED_UP}, S.CLOSED, p.CLOSE, _("Close"), _("Closed.")),
        step("escalate", RUNNING, None, p.ESCALATE, _("Escalate"), _("Escalated one level up.")),
        step("extend", RUNNING, None, p.EXTEND, _("Extend deadline"), _("Deadline extended.")),
    ],
)
TRANSITIONS = WORKFLOW.transitions
TERMINAL = WORKFLOW.terminal
OPEN = frozenset(set(Status.values) - set(TERMINAL))
is_allowed = WORKFLOW.is_allowed
next_status = WORKFLOW.next_status
available = WORKFLOW.available


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
