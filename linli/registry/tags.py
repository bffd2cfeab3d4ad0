"""Default tags and the rules that derive some of them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from .ledger.bulk import insert_rows
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
_LINK_COLUMNS = {  # a derived tag link has no level
    owner: ("street_id", owner, "tag_id", "level") for owner in ("household_id", "resident_id")
}

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

    Set-based: a few queries whatever the number of households, so an import of
    100,000 residents and the nightly age refresh use the same code.
    """
    today = today or dt.date.today()
    tags = ensure_default_tags(street_id)
    derived = [t for t in tags.values() if t.rule]
    hh = Household.objects.filter(street_id=street_id)
    res = Resident.objects.filter(street_id=street_id)
    if household_ids is not None:
        ids = list(household_ids)
        hh = hh.filter(id__in=ids)
        res = res.filter(household_id__in=ids)
    cutoff = cutoff_birth_date(today)

    members: dict[int, list[tuple[int, bool]]] = {}  # household → (resident, 60+?)
    for household_id, resident_id, birth in res.filter(household__isnull=False).values_list(
        "household_id", "id", "birth_date"
    ):
        members.setdefault(household_id, []).append((resident_id, bool(birth and birth <= cutoff)))
    for tag in derived:
        if tag.target == TagTarget.HOUSEHOLD:
            if tag.rule == TagRule.ELDERLY_ONLY:
                want = {h for h, people in members.items() if all(old for _r, old in people)}
            elif tag.rule == TagRule.TENANT:
                want = set(hh.filter(tenure=Tenure.TENANT).values_list("id", flat=True))
            else:
                continue
            links = HouseholdTag.objects.filter(tag=tag, household__in=hh)
            have = set(links.values_list("household_id", flat=True))
            for chunk in _chunks(have - want):
                HouseholdTag.objects.filter(tag=tag, household_id__in=chunk).delete()
            insert_rows(
                HouseholdTag, _LINK_COLUMNS["household_id"],
                [(street_id, h, tag.pk, "") for h in sorted(want - have)],
            )  # fmt: skip
        else:
            if tag.rule == TagRule.MIGRANT:
                migrants = res.filter(residence_status=ResidenceStatus.MIGRANT)
                want = set(migrants.values_list("id", flat=True))
            elif tag.rule == TagRule.LIVES_ALONE:
                want = {
                    people[0][0] for people in members.values() if len(people) == 1 and people[0][1]
                }
            else:
                continue
            links = ResidentTag.objects.filter(tag=tag, resident__in=res)
            have = set(links.values_list("resident_id", flat=True))
            for chunk in _chunks(have - want):
                ResidentTag.objects.filter(tag=tag, resident_id__in=chunk).delete()
            insert_rows(
                ResidentTag, _LINK_COLUMNS["resident_id"],
                [(street_id, r, tag.pk, "") for r in sorted(want - have)],
            )  # fmt: skip


def _chunks(ids: set[int], size: int = 2000):
    """Keep IN lists under SQLite's bound-parameter limit."""
    ordered = sorted(ids)
    for i in range(0, len(ordered), size):
        yield ordered[i : i + size]
