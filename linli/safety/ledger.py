"""The campaign ledger (检查台账) as .xlsx: a sheet of inspections (one row per inspection of
a site, with each item's result) and a sheet of the hazards found with their notices. No
personal data: sites, units and the responsible person's name as written on the notice."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.xlsx import Workbook

from .models import Campaign, Result
from .selectors import hazards, inspections

RESULT_MARK = {Result.OK: "合格", Result.HAZARD: "隐患", Result.NA: "—"}


def campaign_workbook(actor, campaign: Campaign) -> tuple[bytes, str]:
    items = list(campaign.checklist.items.all())
    heads = [
        _("Number"),
        _("Date"),
        _("Site"),
        _("Kind of site"),
        _("Grid"),
        _("Night"),
        *[i.label for i in items],
        _("Hazards"),
        _("Team members"),
    ]
    rows = inspections(actor).filter(campaign=campaign).prefetch_related("results")
    out = io.BytesIO()
    with Workbook() as book:
        sheet = book.sheet(
            _("Inspections"), heads, [16, 12, 24, 14, 16, 6, *[10] * len(items), 8, 24]
        )
        for row in rows.order_by("inspected_at", "id").iterator(chunk_size=500):
            results = {r.item_id: r for r in row.results.all()}
            cells = []
            for item in items:
                r = results.get(item.pk)
                mark = RESULT_MARK.get(r.result, "") if r else ""
                cells.append(f"{mark} {r.count}".strip() if r and r.count is not None else mark)
            sheet.append(
                [
                    row.number,
                    timezone.localtime(row.inspected_at).date(),
                    row.site_name,
                    row.get_site_kind_display(),
                    row.grid.name,
                    "是" if row.night else "",
                    *cells,
                    row.hazards_found,
                    row.members,
                ]
            )
        found = book.sheet(
            _("Hazards"),
            [
                _("Number"),
                _("Site"),
                _("Checklist item"),
                _("What was found"),
                _("Severity"),
                _("Status"),
                _("On the spot"),
                _("Notice"),
                _("Deadline"),
            ],
            [16, 24, 16, 40, 8, 10, 8, 20, 12],
        )
        for h in hazards(actor).filter(inspection__campaign=campaign).order_by("id"):
            found.append(
                [
                    h.number,
                    h.site_name,
                    h.item.label if h.item else "",
                    h.description,
                    h.get_severity_display(),
                    h.get_status_display(),
                    "是" if h.on_the_spot else "",
                    h.notice.number if h.notice else "",
                    h.notice.deadline if h.notice else "",
                ]
            )
        book.save(out)
    return out.getvalue(), f"jiancha-taizhang-{campaign.pk}-{timezone.localdate():%Y%m%d}.xlsx"
