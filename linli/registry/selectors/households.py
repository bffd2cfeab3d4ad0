"""Reads of households and residents, always starting from the actor's scope."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import cast

from django.db.models import F, Prefetch, Q, QuerySet

from linli.core import pii
from linli.grids import permissions as perms
from linli.registry import permissions as rp

from ..models import (
    Compound,
    Dwelling,
    Household,
    HouseholdTag,
    Resident,
    ResidentTag,
    Tag,
)

_ADDRESS_RE = re.compile(
    r"^(?P<compound>.*?)\s*(?P<building>[0-9A-Za-z]+)\s*(?:号楼|号|幢|栋|-)\s*"
    r"(?:(?P<entrance>[0-9A-Za-z]+)\s*(?:单元|-)\s*)?(?P<room>[0-9A-Za-z]+)?\s*室?$"
)


@dataclass
class AddressQuery:
    compound: str = ""
    building: str = ""
    entrance: str = ""
    room: str = ""


def parse_address(text: str) -> AddressQuery | None:
    """'2号楼2单元1401' / '榆兰新村 2-2-1401' / '5号302' → parts; None when it is no address."""
    m = _ADDRESS_RE.match((text or "").strip())
    if not m:
        return None
    return AddressQuery(
        compound=(m.group("compound") or "").strip(),
        building=m.group("building") or "",
        entrance=m.group("entrance") or "",
        room=m.group("room") or "",
    )


@dataclass
class HouseholdFilters:
    q: str = ""  # name, phone last four, address, or full ID number / phone
    node_id: int | None = None  # within this grid node's subtree
    compound_id: int | None = None
    building_id: int | None = None
    tag_ids: list[int] = field(default_factory=list)  # all of these (household or member tags)
    tenure: str = ""


def visible_tags(actor, street_ids) -> QuerySet[Tag]:
    """Tags the actor may see: sensitive ones only with the matching permission."""
    return Tag.objects.filter(visible_tag_q(actor, street_ids))


def visible_tag_q(actor, street_ids, via: str = "") -> Q:
    """``visible_tags`` as a condition on a tag, or on a row linking to one (``via="tag"``).

    Tag links are filtered through their joined tag rather than ``tag__in=<subquery>``:
    PostgreSQL then finds a page's links by household instead of reading every link of
    each visible tag (about 15 times slower for a page of 25 households).
    """
    prefix = f"{via}__" if via else ""
    q = Q(**{f"{prefix}street_id__in": street_ids})
    if not perms.can(actor, perms.VIEW_HEALTH_TAGS):
        q &= ~Q(**{f"{prefix}sensitivity": "health"})
    if not perms.can(actor, perms.VIEW_PARTY_TAGS):
        q &= ~Q(**{f"{prefix}sensitivity": "party"})
    return q


def _text_ids(q: str, street_ids, residents: QuerySet[Resident]) -> QuerySet | None:
    """The ids of the households in the actor's streets that what a worker typed into one
    search box finds (a subquery), or None when nothing was typed. ``residents`` are the
    ones in the actor's scope: a short name is looked for among them only (a grid
    worker's grid rather than the whole street).

    Each kind of match is its own lookup on one table's index (the phone's last four
    digits, the room, a member's name, a compound's name: see docs/performance.md), and
    the lookups' household ids are combined by ``UNION``. One ``OR`` over the joined
    members and addresses instead leaves the database no index to use, and it reads every
    household of the streets and their members.
    """
    q = q.strip()
    if not q:
        return None
    # No ordering: the arms of a UNION may not have one.
    members = residents.order_by()
    households = Household.objects.filter(street_id__in=street_ids).order_by()
    compact = q.replace(" ", "")
    if re.fullmatch(r"\d{17}[\dXx]", compact):
        bidx = pii.blind_index(pii.normalize_id_number(compact))
        return members.filter(id_number_bidx=bidx).values("household_id")
    if re.fullmatch(r"1[3-9]\d{9}", compact):
        return members.filter(phone_last4=compact[-4:], phone_bidx=pii.blind_index(compact)).values(
            "household_id"
        )
    if re.fullmatch(r"\d{4}", compact):
        by_phone = members.filter(phone_last4=compact).values("household_id")
        rooms = Dwelling.objects.filter(street_id__in=street_ids, room=compact)
        return by_phone.union(households.filter(dwelling__in=rooms.values("id")).values("id"))
    address = parse_address(q)
    if address and (address.room or address.entrance):
        cond = Q(dwelling__entrance__building__number=address.building)
        if address.entrance:
            cond &= Q(dwelling__entrance__number=address.entrance)
        if address.room:
            cond &= Q(dwelling__room=address.room)
        if address.compound:
            cond &= Q(dwelling__entrance__building__compound__name__icontains=address.compound)
        return households.filter(cond).values("id")
    by_name = members.filter(name__icontains=q).values("household_id")
    compounds = Compound.objects.filter(street_id__in=street_ids, name__icontains=q)
    in_compound = households.filter(
        dwelling__entrance__building__compound__in=compounds.values("id")
    ).values("id")
    return by_name.union(in_compound)


def household_list(actor, filters: HouseholdFilters | None = None) -> QuerySet[Household]:
    """Households in scope matching the filters, in address order, with what a list row
    shows prefetched.

    A constant number of queries whatever the page size: the household rows, then one
    prefetch each for members and tags.
    """
    qs, street_ids = _matching(actor, filters or HouseholdFilters())
    return with_list_details(qs, actor, street_ids)


def household_search(actor, filters: HouseholdFilters | None = None) -> QuerySet[Household]:
    """The households of ``household_list`` (same rows, same address order) with nothing
    but their primary key: cheap to count and to page. ``household_page`` loads what one
    page of search results shows."""
    qs, _street_ids = _matching(actor, filters or HouseholdFilters())
    return _in_address_order(qs.only("id"))


@dataclass
class HouseholdRow:
    """One search-result line. ``household`` has only its primary key and the annotations
    ``address_compound``, ``address_building``, ``address_entrance``, ``address_room`` and
    ``grid_name`` (reading any other field costs a query); members carry their name, birth
    date and phone ciphertext (for ``phone_masked``); tag links their level and the tag's
    name and rule."""

    household: Household
    members: list[Resident]
    tags: list[HouseholdTag]


def household_page(
    actor, households: QuerySet[Household], start: int, stop: int
) -> list[HouseholdRow]:
    """Rows ``start:stop`` of ``household_search`` with members and visible tags: three
    queries whatever the page size.

    The address parts are annotations rather than ``select_related`` objects, and members
    and tags plain queries grouped here rather than ``prefetch_related``: building those
    related objects was a large part of the search page's time. The annotations go on
    the page's query only, so that counting the results needs no join.
    """
    # The page's households first (by the key alone, no join), then their addresses.
    page = list(
        _in_address_order(
            Household.objects.filter(pk__in=households.values("pk")[start:stop]).annotate(
                address_compound=F("dwelling__entrance__building__compound__name"),
                address_building=F("dwelling__entrance__building__number"),
                address_entrance=F("dwelling__entrance__number"),
                address_room=F("dwelling__room"),
                grid_name=F("grid__name"),
            )
        ).only("id")
    )
    rows = {h.pk: HouseholdRow(h, [], []) for h in page}
    if not rows:
        return []
    for member in (
        Resident.objects.filter(household_id__in=list(rows))
        .only("household_id", "name", "birth_date", "phone_enc")
        .order_by("id")
    ):
        rows[cast(int, member.household_id)].members.append(member)
    street_ids = perms.streets(actor, rp.VIEW)
    for link in (
        HouseholdTag.objects.filter(household_id__in=list(rows))
        .filter(visible_tag_q(actor, street_ids, via="tag"))
        .select_related("tag")
        .only("household_id", "level", "tag__name", "tag__rule")
    ):
        rows[link.household_id].tags.append(link)
    return list(rows.values())


def _matching(actor, filters: HouseholdFilters) -> tuple[QuerySet[Household], set[int]]:
    """Households in scope matching the filters (no order, nothing loaded alongside), and
    the streets the actor may view the registry of."""
    qs = perms.filter_to_scope(Household.objects.all(), actor, rp.VIEW)
    street_ids = perms.streets(actor, rp.VIEW)
    if filters.node_id:
        from linli.grids.models import GridNode

        node = perms.get_in_scope(
            GridNode.objects.all(), actor, perms.PLACES_VIEW, pk=filters.node_id
        )
        qs = qs.filter(perms.within("grid", node))
    if filters.compound_id:
        qs = qs.filter(dwelling__entrance__building__compound_id=filters.compound_id)
    if filters.building_id:
        qs = qs.filter(dwelling__entrance__building_id=filters.building_id)
    if filters.tenure:
        qs = qs.filter(tenure=filters.tenure)
    residents = perms.filter_to_scope(Resident.objects.all(), actor, rp.VIEW)
    text = _text_ids(filters.q, street_ids, residents)
    if text is not None:
        qs = qs.filter(id__in=text)
    if filters.tag_ids:
        allowed = set(
            visible_tags(actor, street_ids)
            .filter(id__in=filters.tag_ids)
            .values_list("id", flat=True)
        )
        for tag_id in filters.tag_ids:
            if tag_id not in allowed:
                return qs.none(), street_ids
            qs = qs.filter(
                Q(id__in=HouseholdTag.objects.filter(tag_id=tag_id).values("household_id"))
                | Q(
                    id__in=ResidentTag.objects.filter(tag_id=tag_id).values(
                        "resident__household_id"
                    )
                )
            )
    return qs, street_ids


def _in_address_order(qs: QuerySet[Household]) -> QuerySet[Household]:
    """Compound, building, entrance, room (numbers in numeric order): ``address_key``."""
    return qs.order_by("address_key", "id")


def with_list_details(qs: QuerySet[Household], actor, street_ids) -> QuerySet[Household]:
    visible = visible_tag_q(actor, street_ids, via="tag")
    return _in_address_order(
        qs.select_related("dwelling__entrance__building__compound", "grid").prefetch_related(
            Prefetch("members", queryset=Resident.objects.order_by("id")),
            Prefetch(
                "tag_links",
                queryset=HouseholdTag.objects.filter(visible).select_related("tag"),
            ),
        )
    )


def household_get(actor, pk: int) -> Household:
    """One household in scope, with members and visible tags; Http404 otherwise."""
    qs = perms.filter_to_scope(Household.objects.all(), actor, rp.VIEW).filter(pk=pk)
    street_ids = perms.streets(actor, rp.VIEW)
    visible = visible_tag_q(actor, street_ids, via="tag")
    household = (
        qs.select_related("dwelling__entrance__building__compound__property_company", "grid")
        .prefetch_related(
            Prefetch(
                "members",
                queryset=Resident.objects.order_by("id").prefetch_related(
                    Prefetch(
                        "tag_links",
                        queryset=ResidentTag.objects.filter(visible).select_related("tag"),
                    )
                ),
            ),
            Prefetch(
                "tag_links",
                queryset=HouseholdTag.objects.filter(visible).select_related("tag"),
            ),
            "dwelling__owners",
        )
        .first()
    )
    if household is None:
        from django.http import Http404

        raise Http404
    return household


def resident_list(actor, q: str = "") -> QuerySet[Resident]:
    qs = perms.filter_to_scope(Resident.objects.all(), actor, rp.VIEW)
    street_ids = perms.streets(actor, rp.VIEW)
    q = (q or "").strip().replace(" ", "")
    if q:
        if re.fullmatch(r"\d{17}[\dXx]", q):
            qs = qs.filter(id_number_bidx=pii.blind_index(pii.normalize_id_number(q)))
        elif re.fullmatch(r"1[3-9]\d{9}", q):
            qs = qs.filter(phone_last4=q[-4:], phone_bidx=pii.blind_index(q))
        elif re.fullmatch(r"\d{4}", q):
            qs = qs.filter(phone_last4=q)
        else:
            qs = qs.filter(name__icontains=q)
    visible = visible_tag_q(actor, street_ids, via="tag")
    return (
        qs.select_related("household__dwelling__entrance__building__compound")
        .prefetch_related(
            Prefetch(
                "tag_links", queryset=ResidentTag.objects.filter(visible).select_related("tag")
            )
        )
        .order_by("name", "id")
    )


def household_history(actor, household: Household) -> list | None:
    """The household's change history (newest first), or None when the actor may not read
    change history here (``audit.view`` on the household): entries name tags and reasons
    that the actor's other permissions might hide."""
    from linli.core.models import AuditEvent

    if not perms.can(actor, perms.AUDIT_VIEW) or not perms.in_scope(
        household, actor, perms.AUDIT_VIEW
    ):
        return None
    return list(
        AuditEvent.objects.filter(street_id=household.street_id, household_id=household.pk)
        .select_related("actor")
        .order_by("-at", "-id")
    )


def tag_choices(actor, street_id: int, target: str) -> tuple[list[Tag], list[Tag]]:
    """(editable, derived) tags of one target kind that the actor may see in a street.

    Editable are the staff-set tags; derived tags are computed and only shown."""
    tags = list(visible_tags(actor, [street_id]).filter(target=target))
    return [t for t in tags if not t.rule], [t for t in tags if t.rule]


def is_resident_view(actor) -> bool:
    """Whether the actor sees the registry only as a resident (their own household)."""
    return perms.kinds(actor, rp.VIEW) == {perms.OWNER}


def is_exact_pii_query(q: str) -> bool:
    """Whether a search text is a full ID number or mobile number (looked up by blind
    index, and never to be put in a URL)."""
    compact = (q or "").replace(" ", "")
    return bool(re.fullmatch(r"\d{17}[\dXx]", compact) or re.fullmatch(r"1[3-9]\d{9}", compact))
