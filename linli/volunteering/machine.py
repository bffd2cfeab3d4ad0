"""The volunteering workflows bound to their rows, timelines and photos (``core.workflow``).

A claim keeps no timeline of its own: its steps are written on the order's timeline by the
services (who claimed, withdrew, checked in and out, and when)."""

from __future__ import annotations

from linli.core.claims import Capacity
from linli.core.workflow import Machine
from linli.grids.permissions import authorize

from .models import (
    ClaimState,
    OrderClaim,
    OrderEvent,
    OrderPhoto,
    VolunteerOrder,
    Wish,
    WishEvent,
    WishPhoto,
)
from .workflow import CLAIM_FLOW, ORDER_FLOW, WISH_FLOW

ORDERS = Machine(
    workflow=ORDER_FLOW,
    model=VolunteerOrder,
    timeline=OrderEvent,
    subject_field="order",
    photos=OrderPhoto,
    authorize=authorize,
    related=("grid",),
)
CLAIMS = Machine(
    workflow=CLAIM_FLOW,
    model=OrderClaim,
    timeline=None,
    subject_field="claim",
    authorize=authorize,
    related=("order", "volunteer"),
)
WISHES = Machine(
    workflow=WISH_FLOW,
    model=Wish,
    timeline=WishEvent,
    subject_field="wish",
    photos=WishPhoto,
    authorize=authorize,
    related=("grid",),
)
# 抢单: ``capacity`` places on an order, one per volunteer (core.claims).
PLACES = Capacity(
    holder=VolunteerOrder,
    claim=OrderClaim,
    holder_field="order",
    person_field="volunteer",
    state_field="status",
    holding=ClaimState.HELD,
    released=ClaimState.WITHDRAWN,
    also_live=(ClaimState.CHECKED_IN, ClaimState.CHECKED_OUT),
)
