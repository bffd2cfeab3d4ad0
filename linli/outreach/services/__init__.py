"""Writes of outreach, one module per part:

* ``distributions``: distributions from setting up to closing, and the visits at the door;
* ``drills``: drills and trainings, the street's rule, the worker's reminders.
"""

from .distributions import (
    distribution_close,
    distribution_create,
    distribution_open,
    distribution_update,
    visit_record,
)
from .drills import (
    drill_cancel,
    drill_hold,
    drill_plan,
    drill_update,
    remind_drills,
    rule_for,
    rule_save,
    tell_missing_drills,
)

__all__ = [
    "distribution_close",
    "distribution_create",
    "distribution_open",
    "distribution_update",
    "drill_cancel",
    "drill_hold",
    "drill_plan",
    "drill_update",
    "remind_drills",
    "rule_for",
    "rule_save",
    "tell_missing_drills",
    "visit_record",
]
