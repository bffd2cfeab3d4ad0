"""Campaigns: set one up, pick its target sites from the registry, start it (the grids'
staff are told), close or cancel it."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.errors import InvalidInput
from linli.core.idempotency import claim_key
from linli.core.notify import Message, notify
from linli.core.text import clean_text
from linli.grids import permissions as perms
from linli.grids import recipients
from linli.grids.models import GridNode, NodeKind, Unit
from linli.registry.models import Compound

from .. import permissions as p
from ..machine import CAMPAIGNS
from ..models import (
    UNIT_SITE_KINDS,
    Campaign,
    Checklist,
    Hazard,
    HazardStatus,
    SiteKind,
    Target,
)


def campaign_create(
    *,
    actor,
    name: str,
    node: GridNode,
    starts_on: dt.date,
    ends_on: dt.date,
    checklist: Checklist,
    target_kinds: list[str],
    lead_unit: Unit | None = None,
    units: list[Unit] = (),  # type: ignore[assignment]
    leader: str = "",
    idempotency_key: str = "",
    at: dt.datetime | None = None,
) -> Campaign:
    """A campaign in preparation over ``node``'s area (a street or a neighbourhood)."""
    name = clean_text(name, field="name", label=_("the campaign's name"), required=True, limit=80)
    leader = clean_text(leader, field="leader", label=_("who leads it"), limit=60)
    if ends_on < starts_on:
        raise InvalidInput(_("The end must not be before the start."), field="ends_on")
    kinds = [k for k in dict.fromkeys(target_kinds) if k in SiteKind.values]
    if not kinds:
        raise InvalidInput(_("Choose the kinds of site to inspect."), field="target_kinds")
    if not perms.allows(actor, p.CAMPAIGNS, node):
        raise Http404
    street_id = node.street_id
    if checklist.street_id != street_id:
        raise InvalidInput(_("Choose a checklist of this street."), field="checklist")
    if any(u.street_id != street_id for u in [*units, *([lead_unit] if lead_unit else [])]):
        raise InvalidInput(_("Choose units of this street."), field="units")
    now = at or timezone.now()
    with transaction.atomic():
        once = claim_key(actor=actor, scope="safety.campaign", key=idempotency_key, model=Campaign)
        if isinstance(once.earlier, Campaign):
            return once.earlier
        campaign = Campaign.objects.create(
            street_id=street_id,
            name=name,
            node=node,
            starts_on=starts_on,
            ends_on=ends_on,
            lead_unit=lead_unit,
            leader=leader,
            checklist=checklist,
            target_kinds=kinds,
            created_by=actor,
            created_at=now,
        )
        campaign.units.set(units)
        CAMPAIGNS.append(
            campaign,
            actor=actor,
            role=perms.acting_role(actor, p.CAMPAIGNS, node),
            verb="create",
            at=now,
        )
        once.record(campaign)
    return campaign


def _candidates(campaign: Campaign, kinds: list[str], grid: GridNode | None) -> list[dict]:
    """The registry's sites of ``kinds`` under ``grid`` (or the campaign's area)."""
    area = grid or campaign.node
    under = perms.within("grid", area)
    rows: list[dict] = []
    if SiteKind.COMPOUND in kinds:
        rows += [
            {"site_kind": SiteKind.COMPOUND, "compound_id": pk, "grid_id": grid_id}
            for pk, grid_id in Compound.objects.filter(under, street_id=campaign.street_id)
            .values_list("pk", "grid_id")
            .order_by("name")
        ]
    unit_kinds = {UNIT_SITE_KINDS[k]: k for k in kinds if k in UNIT_SITE_KINDS}
    if unit_kinds:
        for pk, kind, grid_id in (
            Unit.objects.filter(
                perms.within("node", area),
                street_id=campaign.street_id,
                kind__in=list(unit_kinds),
                node__kind=NodeKind.GRID,
            )
            .values_list("pk", "kind", "node_id")
            .order_by("name")
        ):
            rows.append({"site_kind": unit_kinds[kind], "unit_id": pk, "grid_id": grid_id})
    return rows


def targets_add(
    *,
    actor,
    campaign: Campaign,
    kinds: list[str],
    grid: GridNode | None = None,
    only_with_open_hazards: bool = False,
) -> int:
    """Put the registry's sites of ``kinds`` (under ``grid``, or all of the campaign's
    area; ``only_with_open_hazards``: those whose record holds an open hazard) on the
    campaign's list; returns how many were added (those already on it stay once)."""
    campaign = perms.get_in_scope(Campaign.objects.all(), actor, p.CAMPAIGNS, pk=campaign.pk)
    if campaign.status not in ("draft", "running"):
        raise InvalidInput(_("The campaign is over: its list stays as it was."), field="kinds")
    kinds = [k for k in kinds if k in SiteKind.values and k != SiteKind.PUBLIC_AREA]
    if not kinds:
        raise InvalidInput(_("Choose the kinds of site to add."), field="kinds")
    if grid is not None and not (
        grid.street_id == campaign.street_id and grid.path.startswith(campaign.node.path)
    ):
        raise InvalidInput(_("Choose a grid in the campaign's area."), field="grid")
    rows = _candidates(campaign, kinds, grid)
    if only_with_open_hazards:
        open_hazards = Hazard.objects.filter(
            street_id=campaign.street_id,
            status__in=[HazardStatus.OPEN, HazardStatus.NOTIFIED, HazardStatus.ESCALATED],
        )
        compounds = set(open_hazards.values_list("compound_id", flat=True))
        units = set(open_hazards.values_list("unit_id", flat=True))
        rows = [r for r in rows if r.get("compound_id") in compounds or r.get("unit_id") in units]
    with transaction.atomic():
        have = set(
            Target.objects.filter(campaign=campaign)
            .filter(Q(compound__isnull=False) | Q(unit__isnull=False))
            .values_list("compound_id", "unit_id")
        )
        new = [
            Target(street_id=campaign.street_id, campaign=campaign, **row)
            for row in rows
            if (row.get("compound_id"), row.get("unit_id")) not in have
        ]
        Target.objects.bulk_create(new)
        if new:
            CAMPAIGNS.append(
                campaign,
                actor=actor,
                role=perms.acting_role(actor, p.CAMPAIGNS, campaign),
                verb="targets",
                note=_("%(n)d sites added to the list.") % {"n": len(new)},
                data={"added": len(new)},
            )
    return len(new)


def target_remove(*, actor, target: Target) -> None:
    campaign = perms.get_in_scope(Campaign.objects.all(), actor, p.CAMPAIGNS, pk=target.campaign_id)
    if campaign.inspections.filter(target.same_site()).exists():
        raise InvalidInput(_("This site has been inspected; it stays on the list."))
    target.delete()


def campaign_start(*, actor, campaign: Campaign, at: dt.datetime | None = None) -> Campaign:
    """Start: the staff of the grids with sites on the list are told."""
    with transaction.atomic():
        if not Target.objects.filter(campaign_id=campaign.pk).exists():
            raise InvalidInput(_("Put at least one site on the list first."))
        row, _event = CAMPAIGNS.transition(actor=actor, row=campaign, name="start", at=at)
        grids = set(Target.objects.filter(campaign=row).values_list("grid_id", flat=True))
        staff = set().union(*recipients.staff_of_grids(grids).values()) if grids else set()
        link = reverse("safety:campaign", args=[row.pk])
        notify(
            [
                Message(
                    kind="safety.campaign_started",
                    subject=_("Campaign %(name)s has started: sites in your grid are on its list.")
                    % {"name": row.name},
                    link=link,
                    user_id=uid,
                    street_id=row.street_id,
                )
                for uid in sorted(staff)
            ]
        )
    return row


def campaign_close(*, actor, campaign: Campaign, note: str = "", at=None) -> Campaign:
    note = clean_text(note, field="note", label=_("the closing note"), limit=500)
    return CAMPAIGNS.transition(actor=actor, row=campaign, name="close", note=note, at=at)[0]


def campaign_cancel(*, actor, campaign: Campaign, reason: str, at=None) -> Campaign:
    reason = clean_text(reason, field="reason", label=_("the reason"), required=True, limit=300)
    return CAMPAIGNS.transition(actor=actor, row=campaign, name="cancel", note=reason, at=at)[0]
