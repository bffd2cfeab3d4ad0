"""Distributions: set up (the grids it covers), edit, start, close; and the visits made at
the door — handed over, refused, nobody at home.

A handout takes the item from the stock with one conditional UPDATE (``given + q <=
stock``), which also holds the distribution's row until the visit commits, and the
database takes one "handed" per household (``outreach_handed_once``): two leaders at the
same door at once give one blanket, and the second is told who was first.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core.errors import Conflict, InvalidInput
from linli.core.idempotency import claim_key
from linli.core.notify import Message, notify
from linli.core.text import clean_text
from linli.core.workflow import set_now
from linli.grids import permissions as perms
from linli.grids import recipients
from linli.grids.models import GridNode, NodeKind
from linli.registry import permissions as rp
from linli.registry.models import Household, Resident

from .. import permissions as p
from ..machine import DISTRIBUTIONS
from ..models import Distribution, DistributionArea, DistributionStatus, Item, Outcome, Visit

MAX_QUANTITY = 20
MAX_STOCK = 1_000_000
NOT_RUNNING = gettext_lazy(
    "This distribution is not under way: handouts are recorded only while it runs."
)


def _link(d: Distribution) -> str:
    return reverse("outreach:distribution", args=[d.pk])


def _check_fields(*, name: str, starts_on: dt.date, ends_on: dt.date, stock, today: dt.date):
    name = clean_text(
        name, field="name", label=_("the distribution's name"), required=True, limit=120
    )
    if ends_on < starts_on:
        raise InvalidInput(_("The end must not be before the start."), field="ends_on")
    if ends_on < today:
        raise InvalidInput(_("The end date is in the past."), field="ends_on")
    if stock is not None and not 1 <= stock <= MAX_STOCK:
        raise InvalidInput(
            _("Give the quantity in stock as a number from 1 to %(n)d, or leave it empty.")
            % {"n": MAX_STOCK},
            field="stock",
        )
    return name


def area_grids(actor, nodes) -> list[GridNode]:
    """The grids under the chosen neighbourhoods and grids, all in the actor's scope."""
    nodes = list(nodes)
    if not nodes:
        raise InvalidInput(_("Choose the neighbourhood or grids it covers."), field="nodes")
    if any(n.kind not in (NodeKind.NEIGHBOURHOOD, NodeKind.GRID) for n in nodes):
        raise InvalidInput(_("Choose neighbourhoods or grids."), field="nodes")
    if len({n.street_id for n in nodes}) > 1:
        raise InvalidInput(_("Choose places of one street."), field="nodes")
    if not all(perms.allows(actor, p.MANAGE, n) for n in nodes):
        raise Http404
    under = Q(pk__in=[])
    for n in nodes:
        under |= Q(path__startswith=n.path)
    grids = list(GridNode.objects.filter(under, kind=NodeKind.GRID).order_by("path"))
    if not grids:
        raise InvalidInput(_("There is no grid in the places chosen."), field="nodes")
    return grids


def distribution_create(
    *,
    actor,
    item: str,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    nodes,
    item_name: str = "",
    stock: int | None = None,
    note: str = "",
    open_now: bool = False,
    idempotency_key: str = "",
    at: dt.datetime | None = None,
) -> Distribution:
    """Set up a distribution for the grids under ``nodes`` (a draft, or started at once)."""
    now = at or timezone.now()
    if item not in Item.values:
        raise InvalidInput(_("Choose what is handed out."), field="item")
    item_name = clean_text(item_name, field="item_name", label=_("the item"), limit=60)
    if item == Item.OTHER and not item_name:
        raise InvalidInput(_("Say what is handed out."), field="item_name")
    name = _check_fields(
        name=name, starts_on=starts_on, ends_on=ends_on, stock=stock,
        today=timezone.localdate(now),
    )  # fmt: skip
    note = clean_text(note, field="note", label=_("the note"), limit=1000)
    with transaction.atomic():
        once = claim_key(
            actor=actor, scope="outreach.distribution", key=idempotency_key, model=Distribution
        )
        if isinstance(once.earlier, Distribution):
            return once.earlier
        grids = area_grids(actor, nodes)
        street_id = grids[0].street_id
        d = Distribution.objects.create(
            street_id=street_id, item=item, item_name=item_name, name=name, starts_on=starts_on,
            ends_on=ends_on, stock=stock, note=note, created_by=actor, created_at=now,
        )  # fmt: skip
        DistributionArea.objects.bulk_create(
            DistributionArea(street_id=street_id, distribution=d, grid=g) for g in grids
        )
        DISTRIBUTIONS.append(
            d, actor=actor, role=perms.acting_role(actor, p.MANAGE, d), verb="create",
            from_status="", to_status=DistributionStatus.DRAFT, at=now,
            data={"grids": [g.pk for g in grids]},
        )  # fmt: skip
        once.record(d)
        if open_now:
            d = distribution_open(actor=actor, distribution=d, at=now)
    return d


def distribution_update(
    *,
    actor,
    distribution: Distribution,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    stock: int | None,
    note: str = "",
    at: dt.datetime | None = None,
) -> Distribution:
    """Change the name, period, stock or note of a distribution not yet closed (the grids
    stay as set up). The stock cannot drop below what was handed out."""
    now = at or timezone.now()
    note = clean_text(note, field="note", label=_("the note"), limit=1000)
    with transaction.atomic():
        d = perms.get_in_scope(
            Distribution.objects.select_for_update(), actor, p.MANAGE, pk=distribution.pk
        )
        name = _check_fields(
            name=name, starts_on=starts_on, ends_on=ends_on, stock=stock,
            today=min(timezone.localdate(now), d.ends_on),
        )  # fmt: skip
        if d.status == DistributionStatus.CLOSED:
            raise Conflict(_("A closed distribution cannot be changed."), code="closed")
        if stock is not None and stock < d.given:
            raise InvalidInput(
                _("%(n)d have been handed out already: the stock cannot be less.") % {"n": d.given},
                field="stock",
            )
        values = {"name": name, "starts_on": starts_on, "ends_on": ends_on, "stock": stock,
                  "note": note}  # fmt: skip
        changed = [k for k, v in values.items() if getattr(d, k) != v]
        if not changed:
            return d
        for key in changed:
            setattr(d, key, values[key])
        d.save(update_fields=[*changed, "updated_at"])
        DISTRIBUTIONS.append(
            d, actor=actor, role=perms.acting_role(actor, p.MANAGE, d), verb="edit", at=now,
            data={"fields": changed},
        )  # fmt: skip
    return d


def distribution_open(*, actor, distribution: Distribution, note: str = "", at=None):
    """Start handing out: the grids' staff are told (they tell their building leaders)."""
    note = clean_text(note, field="note", label=_("the note"), limit=500)
    with transaction.atomic():
        d, _e = DISTRIBUTIONS.transition(
            actor=actor, row=distribution, name="open", at=at, note=note,
            apply=set_now("opened_at"),
        )  # fmt: skip
        grids = list(d.areas.values_list("grid_id", flat=True))
        users = set().union(*recipients.staff_of_grids(grids).values()) if grids else set()
        subject = _("Door-to-door handout started: %(name)s") % {"name": d.name}
        notify(
            Message(kind="outreach.opened", subject=subject, link=_link(d), user_id=u,
                    street_id=d.street_id)
            for u in sorted(users)
        )  # fmt: skip
    return d


def distribution_close(*, actor, distribution: Distribution, note: str = "", at=None):
    note = clean_text(note, field="note", label=_("the note"), limit=500)
    d, _e = DISTRIBUTIONS.transition(
        actor=actor, row=distribution, name="close", at=at, note=note, apply=set_now("closed_at")
    )
    return d


def _already(visit: Visit) -> Conflict:
    who = getattr(visit.by, "display_name", "") or str(visit.by)
    return Conflict(
        _("This household has already received it (recorded %(date)s by %(who)s).")
        % {"date": timezone.localtime(visit.at).strftime("%Y-%m-%d %H:%M"), "who": who},
        code="already_handed",
    )


def _handed(distribution_id: int, household_id: int) -> Visit | None:
    return (
        Visit.objects.filter(
            distribution_id=distribution_id, household_id=household_id, outcome=Outcome.HANDED
        )
        .select_related("by")
        .first()
    )


def visit_record(
    *,
    actor,
    distribution: Distribution | int,
    household: Household | int,
    outcome: str,
    quantity: int = 1,
    recipient: Resident | int | None = None,
    note: str = "",
    idempotency_key: str = "",
    at: dt.datetime | None = None,
) -> Visit:
    """Record a visit at a household's door. 404: the distribution or the household is not
    the actor's; 400: bad input or a household outside the distribution's grids; 409: the
    distribution is not running, the stock is used up, or the household has it already
    (a refusal or a missed visit after that too). The same ``idempotency_key`` (the form's
    token) answers the first visit again."""
    if outcome not in Outcome.values:
        raise InvalidInput(_("Choose what happened at the door."), field="outcome")
    handed = outcome == Outcome.HANDED
    if handed and (not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY):
        raise InvalidInput(
            _("Hand over 1 to %(n)d at a time.") % {"n": MAX_QUANTITY}, field="quantity"
        )
    note = clean_text(note, field="note", label=_("the note"), limit=200)
    now = at or timezone.now()
    d_pk = distribution if isinstance(distribution, int) else distribution.pk
    h_pk = household if isinstance(household, int) else household.pk
    with transaction.atomic():
        once = claim_key(actor=actor, scope="outreach.visit", key=idempotency_key, model=Visit)
        if isinstance(once.earlier, Visit):
            return once.earlier
        d = perms.get_in_scope(Distribution.objects.all(), actor, p.RECORD, pk=d_pk)
        hh = perms.get_in_scope(Household.objects.all(), actor, rp.VIEW, pk=h_pk)
        if not d.areas.filter(grid_id=hh.grid_id).exists():
            raise InvalidInput(
                _("This household is not in the grids of this distribution."), field="household"
            )
        if d.status != DistributionStatus.RUNNING:
            raise Conflict(str(NOT_RUNNING), code="not_running")
        person = None
        if handed and recipient is not None:
            r_pk = recipient if isinstance(recipient, int) else recipient.pk
            person = Resident.objects.filter(pk=r_pk, household_id=hh.pk).first()
            if person is None:
                raise InvalidInput(
                    _("Choose a member of this household (or nobody)."), field="recipient"
                )
        q = quantity if handed else 0
        if handed:
            # Takes the item from the stock and holds the row until this visit commits.
            took = Distribution.objects.filter(
                Q(stock__isnull=True) | Q(given__lte=F("stock") - q),
                pk=d.pk, status=DistributionStatus.RUNNING,
            ).update(given=F("given") + q)  # fmt: skip
            if not took:
                d.refresh_from_db(fields=["status", "stock", "given"])
                if d.status != DistributionStatus.RUNNING:
                    raise Conflict(str(NOT_RUNNING), code="not_running")
                raise Conflict(
                    _("Not enough in stock: %(left)d left.") % {"left": d.stock - d.given},
                    code="out_of_stock",
                )
        earlier = _handed(d.pk, hh.pk)
        if earlier is not None:
            raise _already(earlier)
        try:
            with transaction.atomic():
                visit = Visit.objects.create(
                    street_id=d.street_id, distribution=d, household=hh, grid_id=hh.grid_id,
                    outcome=outcome, quantity=q, recipient=person, note=note, at=now, by=actor,
                    by_role=perms.acting_role(actor, p.RECORD, d),
                )  # fmt: skip
        except IntegrityError:  # someone handed it over at this very moment
            earlier = _handed(d.pk, hh.pk)
            if earlier is None:  # pragma: no cover - another constraint
                raise
            raise _already(earlier) from None
        once.record(visit)
    return visit
