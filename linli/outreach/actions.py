"""What people can do to a distribution and a drill: the app's action registries
(``core.actions``). The pages' panels and the API's action endpoints come from these."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from linli.core.actions import Action, ActionRegistry

from . import forms as f
from . import services
from .machine import DISTRIBUTIONS, DRILLS


def _open(actor, d, data) -> str:
    services.distribution_open(actor=actor, distribution=d.row, note=data["note"])
    return "open"


def _close(actor, d, data) -> str:
    services.distribution_close(actor=actor, distribution=d.row, note=data["note"])
    return "close"


DISTRIBUTION_ACTIONS = ActionRegistry(
    DISTRIBUTIONS,
    [
        Action("open", _("Start handing out"), ("open",), f.NoteForm, _open),
        Action("close", _("Close the distribution"), ("close",), f.NoteForm, _close),
    ],
)


def _hold(actor, d, data) -> str:
    services.drill_hold(
        actor=actor, drill=d.row, attendance=data["attendance"], attendees=data["attendees"],
        note=data["note"], photos=data["photos"],
    )  # fmt: skip
    return "hold"


def _cancel(actor, d, data) -> str:
    services.drill_cancel(actor=actor, drill=d.row, reason=data["reason"])
    return "cancel"


DRILL_ACTIONS = ActionRegistry(
    DRILLS,
    [
        Action("hold", _("Record it as held"), ("hold",), f.HoldForm, _hold),
        Action("cancel", _("Cancel it"), ("cancel",), f.ReasonForm, _cancel),
    ],
)
