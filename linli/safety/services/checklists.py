"""Checklist templates: the street's default (the items the 三清四查 campaigns check) and
copies edited for a campaign."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from linli.core.audit import record_change
from linli.core.errors import InvalidInput
from linli.core.text import clean_text
from linli.grids import permissions as perms

from .. import permissions as p
from ..models import Checklist, ChecklistItem, Tally

DEFAULT_NAME = "三清四查检查表"

# (item, counted in, tally, report wording). The wording is the campaign report's phrase
# for the item, as the street's newspaper wrote it.
DEFAULT_ITEMS = [
    ("公共区域堆物", "处", Tally.COUNT, "清理公共区域堆物{n}处"),
    ("通道堆物", "处", Tally.COUNT, "清理通道堆物{n}处"),
    ("擅自搭建隔层", "", Tally.HAZARDS, "查出擅自搭建隔层{n}处"),
    ("消防设施设备维护", "", Tally.HAZARDS, "消防设施设备缺乏维护{n}处"),
    ("消防管网", "", Tally.CHECKED, "检查消防管网{n}处"),
    ("消防车通道/疏散通道畅通", "", Tally.CHECKED, "检查消防车通道、疏散通道等是否畅通{n}处"),
    ("安全出口", "", Tally.CHECKED, "检查安全出口{n}处"),
    ("电动自行车违规停放/充电", "辆", Tally.COUNT, "电动自行车违规停放充电{n}辆"),
    ("飞线充电", "处", Tally.COUNT, "飞线充电{n}处"),
    ("电线老化", "", Tally.HAZARDS, "电线老化{n}处"),
    ("燃气使用", "", Tally.HAZARDS, "燃气使用不规范{n}处"),
]


def default_checklist(street_id: int) -> Checklist:
    """The street's default checklist, made on first use."""
    with transaction.atomic():
        checklist, made = Checklist.objects.get_or_create(street_id=street_id, name=DEFAULT_NAME)
        if made:
            ChecklistItem.objects.bulk_create(
                ChecklistItem(
                    street_id=street_id,
                    checklist=checklist,
                    position=i,
                    label=label,
                    count_unit=unit,
                    tally=tally,
                    phrase=phrase,
                )
                for i, (label, unit, tally, phrase) in enumerate(DEFAULT_ITEMS, start=1)
            )
    return checklist


def parse_items(text: str) -> list[tuple[str, str, str, str]]:
    """One item per line: ``item | counted in | report wording`` (the last two optional).
    The report tallies an item whose wording starts with 检查 as the places checked, a
    counted item as the sum of its counts, any other as the places with the hazard."""
    items: list[tuple[str, str, str, str]] = []
    seen = set()
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")] + ["", ""]
        label, unit, phrase = parts[0], parts[1], parts[2]
        if not label or len(label) > 60 or len(unit) > 6 or len(phrase) > 60:
            raise InvalidInput(
                _(
                    "Line %(line)d: write the item (at most 60 characters), then | the unit it "
                    "is counted in (at most 6), then | the report's wording."
                )
                % {"line": number},
                field="items",
            )
        if phrase and "{n}" not in phrase:
            raise InvalidInput(
                _("Line %(line)d: the report's wording needs {n} where the number goes.")
                % {"line": number},
                field="items",
            )
        if label in seen:
            raise InvalidInput(
                _("Line %(line)d: %(item)s is listed twice.") % {"line": number, "item": label},
                field="items",
            )
        seen.add(label)
        tally = (
            Tally.CHECKED if phrase.startswith("检查") else Tally.COUNT if unit else Tally.HAZARDS
        )
        items.append((label, unit, tally, phrase))
    if not items:
        raise InvalidInput(_("List at least one item to check."), field="items")
    return items


def items_text(checklist: Checklist) -> str:
    """The checklist's items in the form ``parse_items`` reads (to start a copy from)."""
    return "\n".join(
        " | ".join([item.label, item.count_unit, item.phrase]).rstrip(" |")
        for item in checklist.items.all()
    )


def checklist_create(*, actor, street_id: int, name: str, items: str) -> Checklist:
    """A new checklist template (street admins and cadres)."""
    if street_id not in perms.streets(actor, p.CAMPAIGNS):
        raise InvalidInput(_("Choose a street you run campaigns in."), field="street")
    name = clean_text(name, field="name", label=_("the checklist's name"), required=True, limit=60)
    parsed = parse_items(items)
    with transaction.atomic():
        if Checklist.objects.filter(street_id=street_id, name=name).exists():
            raise InvalidInput(_("There is already a checklist of that name."), field="name")
        checklist = Checklist.objects.create(street_id=street_id, name=name)
        ChecklistItem.objects.bulk_create(
            ChecklistItem(
                street_id=street_id,
                checklist=checklist,
                position=i,
                label=label,
                count_unit=unit,
                tally=tally,
                phrase=phrase,
            )
            for i, (label, unit, tally, phrase) in enumerate(parsed, start=1)
        )
        record_change(
            actor=actor,
            verb="create",
            target=checklist,
            summary=_("Checklist set up"),
            changes={"name": name, "items": [i[0] for i in parsed]},
        )
    return checklist
