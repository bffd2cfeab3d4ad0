"""What people can do to a volunteer order, a place on it, and a small wish: the app's
action registries (``core.actions``). The pages' buttons and forms and the API's action
endpoints are made from these lists."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from linli.core.actions import Action, ActionRegistry
from linli.core.forms import done_at
from linli.core.workflow import Transition

from . import forms as f
from . import services
from .machine import CLAIMS, ORDERS, WISHES
from .models import OrderClaim


def _publish(actor, d, data) -> str:
    services.order_publish(actor=actor, order=d.order)
    return "publish"


def _confirm(actor, d, data) -> str:
    services.order_confirm(
        actor=actor, order=d.order, result=data["result"], rating=data["rating"], note=data["note"]
    )
    return "confirm"


def _cancel(actor, d, data) -> str:
    services.order_cancel(actor=actor, order=d.order, reason=data["reason"])
    return "cancel"


ORDER_ACTIONS = ActionRegistry(
    ORDERS,
    [
        Action("publish", _("Publish it to the volunteers"), ("publish",), f.NoteForm, _publish),
        Action("confirm", _("Confirm the result"), ("confirm",), f.ConfirmForm, _confirm),
        Action("cancel", _("Cancel the order"), ("cancel",), f.ReasonForm, _cancel),
    ],
    system=("start", "expire"),  # the first check-in; the sweep
)


@dataclass
class ClaimContext:
    """One place on an order as one viewer sees it (the registry's context)."""

    claim: OrderClaim
    actions: list[Transition]
    owner_view: bool = True

    @property
    def row(self) -> OrderClaim:
        return self.claim


def claim_context(actor, claim: OrderClaim) -> ClaimContext:
    return ClaimContext(claim, CLAIMS.allowed(actor, claim), claim.volunteer.user_id == actor.pk)


def _check_in(actor, c, data) -> str:
    services.claim_check_in(actor=actor, claim=c.claim, photos=data["photos"])
    return "check_in"


def _check_out(actor, c, data) -> str:
    services.claim_check_out(
        actor=actor,
        claim=c.claim,
        photos=data["photos"],
        note=data["note"],
        at=done_at(data, not_before=c.claim.checked_in_at),
    )
    return "check_out"


def _withdraw(actor, c, data) -> str:
    services.claim_withdraw(actor=actor, claim=c.claim, reason=data["reason"])
    return "withdraw"


def _remove(actor, c, data) -> str:
    services.claim_remove(actor=actor, claim=c.claim, reason=data["reason"])
    return "remove"


CLAIM_ACTIONS = ActionRegistry(
    CLAIMS,
    [
        Action("check_in", _("I have arrived"), ("check_in",), f.CheckInForm, _check_in),
        Action("check_out", _("I have finished"), ("check_out",), f.CheckOutForm, _check_out),
        Action("withdraw", _("I cannot come"), ("withdraw",), f.OptionalReasonForm, _withdraw),
        Action("remove", _("Take off the order"), ("remove",), f.ReasonForm, _remove),
    ],
)


def _take(actor, d, data) -> str:
    services.wish_take(actor=actor, wish=d.wish, on_behalf_of=data["on_behalf_of"])
    return "take"


def _release(actor, d, data) -> str:
    services.wish_release(actor=actor, wish=d.wish, reason=data["reason"])
    return "release"


def _fulfil(actor, d, data) -> str:
    services.wish_fulfil(actor=actor, wish=d.wish, photos=data["photos"], note=data["note"])
    return "fulfil"


def _wish_confirm(actor, d, data) -> str:
    services.wish_confirm(actor=actor, wish=d.wish, note=data["note"])
    return "confirm"


def _wish_cancel(actor, d, data) -> str:
    services.wish_cancel(actor=actor, wish=d.wish, reason=data["reason"])
    return "cancel"


WISH_ACTIONS = ActionRegistry(
    WISHES,
    [
        Action("take", _("I will make it come true"), ("take",), f.TakeWishForm, _take),
        Action("fulfil", _("It is done"), ("fulfil",), f.FulfilForm, _fulfil),
        Action("confirm", _("It came true"), ("confirm",), f.NoteForm, _wish_confirm),
        Action("release", _("Give it back to everyone"), ("release",), f.ReasonForm, _release),
        Action("cancel", _("Withdraw the wish"), ("cancel",), f.ReasonForm, _wish_cancel),
    ],
)
