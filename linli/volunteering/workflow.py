"""The volunteer order, claim and small-wish workflows as pure tables (no database).

Order::

    draft ──publish──▶ open ──start (first check-in)──▶ working ──confirm──▶ done
      ╲cancel               ╲cancel  ╲expire (nobody claimed in time)

Claim (a volunteer's place)::

    held ──check_in──▶ checked_in ──check_out──▶ checked_out
      ╲withdraw (before the start)   ╲remove (staff reassign, held or checked in)

Wish::

    open ──take──▶ claimed ──fulfil──▶ fulfilled ──confirm──▶ confirmed
      ╲cancel      ╲release (back to open)
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from linli.core.workflow import Workflow, step

from . import permissions as p
from .models import ClaimState, OrderStatus, WishStatus

ORDER_FLOW = Workflow(
    statuses=OrderStatus,
    subject=_("volunteer order"),
    transitions=[
        step("publish", {OrderStatus.DRAFT}, OrderStatus.OPEN, p.MANAGE, _("Publish"),
             _("Published: the volunteers with this skill are told.")),
        step("start", {OrderStatus.OPEN}, OrderStatus.WORKING, p.SERVE, _("Start"), _("The job has started.")),
        step("confirm", {OrderStatus.WORKING}, OrderStatus.DONE, p.CONFIRM, _("Confirm the result"),
             _("Result confirmed: the volunteers' hours and points are recorded."),
             _("Thank you: your confirmation is recorded.")),
        step("cancel", {OrderStatus.DRAFT, OrderStatus.OPEN}, OrderStatus.CANCELLED, p.MANAGE, _("Cancel"),
             _("Cancelled: the volunteers who claimed it are told.")),
        step("expire", {OrderStatus.OPEN}, OrderStatus.EXPIRED, p.MANAGE, _("Expire"), _("Expired.")),
    ],
)  # fmt: skip

CLAIM_FLOW = Workflow(
    statuses=ClaimState,
    subject=_("place"),
    transitions=[
        step("check_in", {ClaimState.HELD}, ClaimState.CHECKED_IN, p.SERVE, _("Check in"),
             _("Checked in: thank you for coming.")),
        step("check_out", {ClaimState.CHECKED_IN}, ClaimState.CHECKED_OUT, p.SERVE, _("Check out"),
             _("Checked out: the job waits for its confirmation.")),
        step("withdraw", {ClaimState.HELD}, ClaimState.WITHDRAWN, p.SERVE, _("Withdraw"),
             _("You have withdrawn: the place is open again.")),
        step("remove", {ClaimState.HELD, ClaimState.CHECKED_IN}, ClaimState.REMOVED, p.MANAGE, _("Take off the order"),
             _("Taken off the order: the place is open again.")),
    ],
)  # fmt: skip

WISH_FLOW = Workflow(
    statuses=WishStatus,
    subject=_("small wish"),
    transitions=[
        step("take", {WishStatus.OPEN}, WishStatus.CLAIMED, p.WISH_HELP, _("I will do it"),
             _("Thank you: the wish is yours to make come true.")),
        step("release", {WishStatus.CLAIMED}, WishStatus.OPEN, p.WISHES, _("Release"),
             _("Released: the wish is open again.")),
        step("fulfil", {WishStatus.CLAIMED}, WishStatus.FULFILLED, p.WISH_FULFIL, _("It is done"),
             _("Recorded: the resident will be asked to confirm.")),
        step("confirm", {WishStatus.FULFILLED}, WishStatus.CONFIRMED, p.WISH_CONFIRM, _("It came true"),
             _("Confirmed."), _("Thank you: we are glad your wish came true.")),
        step("cancel", {WishStatus.OPEN, WishStatus.CLAIMED}, WishStatus.CANCELLED, p.WISHES, _("Withdraw the wish"),
             _("The wish is withdrawn.")),
    ],
)  # fmt: skip
