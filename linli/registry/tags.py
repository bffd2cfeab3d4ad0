"""Default tags and the rules that derive some of them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from .counting import mark_stale
from .models import (
    Household,
    HouseholdTag,
    ResidenceStatus,
    Resident,
    ResidentTag,
    Tag,
    TagRule,
    TagSensitivity,
    TagTarget,
    Tenure,
)

ELDERLY_AGE = 60

# (code, Chinese name, applies to, rule, sensitivity, has level). Names are data, per street.
DEFAULT_TAGS = [
    (
        "elderly_only",
        "纯老户",
        TagTarget.HOUSEHOLD,
        TagRule.ELDERLY_ONLY,
        TagSensitivity.NONE,
        False,
    ),
    (
        "lives_alone",
        "独居老人",
        TagTarget.RESIDENT,
        TagRule.LIVES_ALONE,
        TagSensitivity.NONE,
        False,
    ),
    ("disabled", "残疾", TagTarget.RESIDENT, TagRule.NONE, TagSensitivity.HEALTH, True),
    ("migrant", "外来人口", TagTarget.RESIDENT, TagRule.MIGRANT, TagSensitivity.NONE, False),
    ("tenant", "租户", TagTarget.HOUSEHOLD, TagRule.TENANT, TagSensitivity.NONE, False),
    ("party_member", "党员", TagTarget.RESIDENT, TagRule.NONE, TagSensitivity.PARTY, False),
    ("hardship", "困难家庭", TagTarget.HOUSEHOLD, TagRule.NONE, TagSensitivity.NONE, False),
    ("home_quarantine", "居家隔离", TagTarget.RESIDENT, TagRule.NONE, TagSensitivity.HEALTH, False),
    ("building_leader", "楼组长", TagTarget.RESIDENT, TagRule.NONE, TagSensitivity.NONE, False),
    ("volunteer", "志愿者", TagTarget.RESIDENT, TagRule.NONE, TagSensitivity.NONE, False),
]


def ensure_default_tags(street_id: int) -> dict[str, Tag]:
    """Create the default tags for a street if missing; return all of its tags by code."""
    existing = {t.code: t for t in Tag.objects.filter(street_id=street_id)}
    missing = [
        Tag(
            street_id=street_id,
            code=code,
            name=name,
            target=target,
            rule=rule,
            sensitivity=sensitivity,
            has_level=has_level,
            order=i,
        )
        for i, (code, name, target, rule, sensitivity, has_level) in enumerate(DEFAULT_TAGS)
        if code not in existing
    ]
    if missing:
        Tag.objects.bulk_create(missing)
        existing = {t.code: t for t in Tag.objects.filter(street_id=street_id)}
    return existing


def cutoff_birth_date(today: dt.date) -> dt.date:
    """Residents born on or before this date are 60 or older today."""
    try:
        return today.replace(year=today.year - ELDERLY_AGE)
    except ValueError:  # 29 February
        return today.replace(year=today.year - ELDERLY_AGE, day=28)


def refresh_derived_tags(
    street_id: int, household_ids: Iterable[int] | None = None, today: dt.date | None = None
) -> None:
    """Recompute every derived tag for the given households (or the whole street).

    Set-based and inside the database: per tag, one DELETE of the links no longer
    wanted and one INSERT … SELECT of the missing ones, whatever the number of
    households, so an import of 100,000 residents and the nightly age refresh use the
    same code and no row travels to Python. The street's kept counts are marked stale.
    """
    tags = ensure_default_tags(street_id)
    households = Household.objects.filter(street_id=street_id)
    residents = Resident.objects.filter(street_id=street_id)
    if household_ids is not None:
        ids = list(household_ids)
        households = households.filter(id__in=ids)
        residents = residents.filter(household_id__in=ids)
    cutoff = cutoff_birth_date(today or dt.date.today())
    elderly = Q(birth_date__lte=cutoff)  # an unknown birth date is not 60+
    for tag in tags.values():
        if tag.target == TagTarget.HOUSEHOLD:
            scope, links, owner = households, HouseholdTag.objects, "household"
        else:
            scope, links, owner = residents, ResidentTag.objects, "resident"
        if tag.rule == TagRule.ELDERLY_ONLY:  # has members, and every one of them is 60+
            same_home = Resident.objects.filter(household_id=OuterRef("pk"))
            want = scope.filter(Exists(same_home)).exclude(Exists(same_home.exclude(elderly)))
        elif tag.rule == TagRule.TENANT:
            want = scope.filter(tenure=Tenure.TENANT)
        elif tag.rule == TagRule.MIGRANT:
            want = scope.filter(residence_status=ResidenceStatus.MIGRANT)
        elif tag.rule == TagRule.LIVES_ALONE:  # 60+, the only member of a household
            others = Resident.objects.filter(household_id=OuterRef("household_id")).exclude(
                pk=OuterRef("pk")
            )
            want = scope.filter(elderly, household__isnull=False).exclude(Exists(others))
        else:
            continue
        if household_ids is None:  # the street's links of this tag (a link has its owner's street)
            held = links.filter(tag=tag, street_id=street_id)
        else:
            held = links.filter(**{"tag": tag, f"{owner}__in": scope.values("pk")})
        # NOT EXISTS, not NOT IN: each held link probes ``want`` by its owner's id, where
        # NOT IN built the whole of ``want`` first, even for a street that held none.
        held.exclude(Exists(want.filter(pk=OuterRef(owner)))).delete()
        missing = want.exclude(Exists(links.filter(**{"tag": tag, owner: OuterRef("pk")})))
        _insert_links(links.model, owner, tag, missing)
    # Every write that changes households, members or tags comes through here.
    mark_stale(street_id)


def _insert_links(model, owner: str, tag: Tag, owners: QuerySet) -> None:
    """INSERT … SELECT a link without level from ``tag`` to each row of ``owners``."""
    rows = owners.order_by().values(of_street=F("street_id"), of_id=F("pk"))
    select, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(c) for c in ("street_id", f"{owner}_id", "tag_id", "level"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT m.of_street, m.of_id, %s, %s FROM ({select}) m",
            [tag.pk, "", *params],
        )
