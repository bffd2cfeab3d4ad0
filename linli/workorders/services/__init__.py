"""Writes to work orders, one module per part of the workflow, read top to bottom:

* ``intake``: 受理 (desk, 帮办代办, hotline, WeChat, the resident's own phone, Open311);
* ``review``: 核实, reject, merge a duplicate, withdraw;
* ``handling``: 派遣 (or in-house), 退回, start, progress, 反馈;
* ``closing``: 核查 / 返工, 回访, 结案;
* ``deadlines``: 上报 and 延期 (the automatic sweep is in ``tasks.py``);
* ``messages``: what people are told.

Every status change goes through the workflow kit (``machine.MACHINE.transition``):
lock, check the actor and the table, save, append the timeline event with its photos,
in one transaction. Every function takes ``at`` (default now), the moment the action
happened, so imports and demo data can replay history.
"""

from .closing import workorder_check, workorder_close, workorder_follow_up
from .deadlines import workorder_escalate, workorder_extend
from .handling import (
    workorder_dispatch,
    workorder_report_back,
    workorder_return,
    workorder_start,
    workorder_update,
    workorder_volunteer_result,
    workorder_volunteer_started,
)
from .intake import workorder_intake
from .messages import to_reporters, to_staff, workorder_link
from .review import workorder_merge, workorder_reject, workorder_verify, workorder_withdraw

__all__ = [
    "to_reporters",
    "to_staff",
    "workorder_check",
    "workorder_close",
    "workorder_dispatch",
    "workorder_escalate",
    "workorder_extend",
    "workorder_follow_up",
    "workorder_intake",
    "workorder_link",
    "workorder_merge",
    "workorder_reject",
    "workorder_report_back",
    "workorder_return",
    "workorder_start",
    "workorder_update",
    "workorder_verify",
    "workorder_volunteer_result",
    "workorder_volunteer_started",
    "workorder_withdraw",
]
