"""受理: registering a request, from the desk, by proxy, by phone, from WeChat, or by the
resident on their own phone.

The grid (and so the queue) comes from the place: a dwelling, a building or a
compound (its public area), or a grid with a free-text location. Photos are checked
before anything is written. The grid's staff are told in the same transaction (their
inbox rows go in with the order); the outside channel waits for the commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import pii, sla
from linli.core.attachments import clean_photos
from linli.core.errors import InvalidInput
from linli.core.idempotency import claim_key
from linli.core.notify import notify
from linli.core.numbering import next_number
from linli.core.text import clean_text
from linli.grids import permissions as perms
from linli.grids import recipients
from linli.grids.models import GridNode, Role
from linli.registry.models import Building, Compound, Dwelling, Resident

from .. import permissions as p
from ..machine import MACHINE
from ..models import (
    STAFF_CHANNELS,
    Category,
    Channel,
    PhotoKind,
    ProxyConsent,
    Urgency,
    WorkOrder,
)
from ..selectors import resolve_place
from ..workflow import Status
from .messages import to_staff

MAX_DESCRIPTION = 2000


def workorder_intake(
    *,
    actor,
    channel: str,
    category: Category,
    description: str,
    dwelling: Dwelling | None = None,
    building: Building | None = None,
    compound: Compound | None = None,
    grid: GridNode | None = None,
    location_text: str = "",
    reporter_resident: Resident | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    urgency: str | None = None,
    latitude=None,
    longitude=None,
    photos: Iterable = (),
    proxy_consent: str = "",
    proxy_present: str = "",
    idempotency_key: str = "",
    at: dt.datetime | None = None,
) -> WorkOrder:
    """Register a request (受理) and start its clocks.

    * ``self_service``: the actor is a resident (``workorders.report``); the
      location is their own dwelling, a compound / building of their street
      (public area), or free text in their own grid.
    * staff channels (desk, proxy, hotline, wechat_group, open311): the actor
      holds ``workorders.intake`` over the grid where the problem is.
      ``proxy`` (帮办代办) names the resident acted for (``reporter_resident``), how
      they agreed (``proxy_consent``) and who was present (``proxy_present``); all
      three are on the timeline.
    * ``idempotency_key`` (a form's one-time token, an API ``Idempotency-Key``): the same
      key from the same actor files one order, and a repeat answers that order.
    """
    if channel not in Channel.values:
        raise InvalidInput(_("Unknown channel."), field="channel")
    description = clean_text(
        description, field="description", label=_("the description"), required=True,
        limit=MAX_DESCRIPTION,
    )  # fmt: skip
    location_text = clean_text(
        location_text, field="location_text", label=_("the location"), limit=200
    )
    reporter_name = clean_text(reporter_name, field="reporter_name", label=_("the name"), limit=60)
    proxy_present = clean_text(
        proxy_present, field="proxy_present", label=_("who was present"), limit=200
    )
    phone = ""
    if reporter_phone:
        try:
            phone = pii.validate_phone(reporter_phone)
        except pii.PIIError as exc:
            raise InvalidInput(str(exc), field="reporter_phone") from None
    if urgency is not None and urgency not in Urgency.values:
        raise InvalidInput(_("Unknown urgency."), field="urgency")
    cleaned = clean_photos(photos)
    now = at or timezone.now()

    with transaction.atomic():
        once = claim_key(
            actor=actor, scope="workorders.intake", key=idempotency_key, model=WorkOrder
        )
        if isinstance(once.earlier, WorkOrder):
            return once.earlier
        reporter_user = None
        if channel == Channel.SELF_SERVICE:
            reporter_resident, place = _own_place(actor, dwelling, building, compound)
            reporter_user = actor
        else:
            place = resolve_place(
                dwelling=dwelling, building=building, compound=compound, grid=grid
            )
            if not perms.allows(actor, p.INTAKE, place.grid):
                raise Http404
            if channel == Channel.PROXY:
                _check_proxy(reporter_resident, proxy_consent)
        if reporter_resident is not None and reporter_resident.street_id != place.grid.street_id:
            raise InvalidInput(
                _("The resident lives in another street."), field="reporter_resident"
            )
        if place.compound is None and not location_text:
            raise InvalidInput(_("Describe where the problem is."), field="location_text")
        street_id = place.grid.street_id
        if category.street_id != street_id or not category.active:
            raise InvalidInput(_("Choose a category of this street."), field="category")
        if (
            reporter_resident is None
            and reporter_user is None
            and not (reporter_name or phone)
            and channel in STAFF_CHANNELS
            and channel != Channel.OPEN311
        ):
            raise InvalidInput(
                _("Record who made the request: a resident, or a name and phone."),
                field="reporter_name",
            )

        clock = sla.Clock(category.resolve_limit, category.clock_unit)
        resolve_due = clock.due(now)
        order = WorkOrder(
            street_id=street_id,
            channel=channel,
            reporter_resident=reporter_resident,
            reporter_user=reporter_user or (reporter_resident.user if reporter_resident else None),
            reporter_name=reporter_name,
            intake_by=actor if channel in STAFF_CHANNELS else None,
            dwelling=place.dwelling,
            building=place.building,
            compound=place.compound,
            location_text=location_text,
            latitude=latitude,
            longitude=longitude,
            grid=place.grid,
            public_area=category.public_area if place.dwelling is None else False,
            category=category,
            description=description,
            urgency=urgency or category.urgency,
            response_due=sla.Clock(category.response_limit, category.clock_unit).due(now),
            resolve_due=resolve_due,
            warn_at=clock.warn_at(now, resolve_due),
            created_at=now,
        )
        if phone and reporter_resident is None:
            order.set_reporter_phone(phone)
        # Read before the number: from next_number to COMMIT every intake of the street
        # waits for this one (the counter row stays locked), so only writes follow it.
        staff = recipients.staff_of_grid(place.grid)
        number = next_number(street_id, f"workorder-{now.year}")
        order.number = f"WO-{now.year}-{number:06d}"
        order.save()
        data = {"channel": channel}
        if channel == Channel.PROXY:
            data["consent"] = proxy_consent
        event = MACHINE.append(
            order,
            actor=actor,
            role=Role.RESIDENT
            if channel == Channel.SELF_SERVICE
            else perms.acting_role(actor, p.INTAKE, place.grid),
            verb="accept",
            from_status="",
            to_status=Status.ACCEPTED,
            note=_("Present: %(who)s") % {"who": proxy_present} if proxy_present else "",
            data=data,
            at=now,
        )
        MACHINE.store_photos(order, event, cleaned, actor, kind=PhotoKind.REPORT)
        # The inbox rows go in with the order (one statement, no second transaction);
        # the outside channel still waits for the commit.
        notify(
            to_staff(staff, order, "workorder.new", _("New request %(number)s: %(category)s")),
            dedupe_key=f"wo-new-{order.pk}",
            inbox_now=True,
        )
        once.record(order)
    return order


def _own_place(actor, dwelling, building, compound):
    """A resident's own request: themselves as reporter, and a place they may report on
    (their dwelling, a public area of their street, or free text in their own grid)."""
    perms.require(actor, p.REPORT)
    resident = (
        Resident.objects.filter(user=actor).select_related("household__dwelling__grid").first()
    )
    home = resident.household.dwelling if resident is not None and resident.household else None
    if dwelling is not None and (home is None or dwelling.pk != home.pk):
        raise Http404
    grid = None
    if dwelling is None and building is None and compound is None:
        if home is None:
            raise InvalidInput(_("Choose a compound where the problem is."), field="location")
        grid = home.grid
    place = resolve_place(dwelling=dwelling, building=building, compound=compound, grid=grid)
    if place.grid.street_id not in perms.streets(actor, p.REPORT):
        raise Http404
    return resident, place


def _check_proxy(resident: Resident | None, consent: str) -> None:
    if resident is None:
        raise InvalidInput(
            _("Choose the resident this request is made for (帮办代办)."),
            field="reporter_resident",
        )
    if consent not in ProxyConsent.values:
        raise InvalidInput(
            _("Record how the resident agreed that you act for them."), field="proxy_consent"
        )
