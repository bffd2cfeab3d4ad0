"""维修统计表: the repair ledger the community keeps, one row per confirmed repair, with the
paper's eight columns in its order: 报修人姓名、楼号、维修事项、联系电话、维修人姓名、
维修日期、维修结果、积分 (the points each repairer got). The phone is masked unless the
viewer may see personal data in full; then the export is written to the access log."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.audit import record_pii_access
from linli.core.xlsx import Workbook
from linli.grids import permissions as perms

from . import permissions as p
from .models import ClaimState, OrderResult, OrderStatus, VolunteerOrder

COLUMNS = [
    "报修人姓名",
    "楼号",
    "维修事项",
    "联系电话",
    "维修人姓名",
    "维修日期",
    "维修结果",
    "积分",
]
WIDTHS = [10, 16, 36, 14, 24, 12, 10, 6]


@dataclass
class LedgerRow:
    reporter: str
    building: str
    job: str
    phone: str
    repairers: str
    day: str
    result: str
    points: int
    order: VolunteerOrder

    def cells(self) -> list:
        return [self.reporter, self.building, self.job, self.phone, self.repairers, self.day,
                self.result, self.points]  # fmt: skip


def _confirmed(actor):
    return (
        perms.filter_to_scope(VolunteerOrder.objects.all(), actor, p.MANAGE)
        .filter(status=OrderStatus.DONE)
        .select_related("resident", "dwelling__entrance__building__compound")
        .prefetch_related("claims__volunteer__resident", "claims__volunteer__user")
        .order_by("-confirmed_at", "-id")
    )


def repair_ledger_rows(
    actor, *, limit: int | None = None, clear_phones: bool = False
) -> list[LedgerRow]:
    rows = []
    qs = _confirmed(actor)
    for order in qs[:limit] if limit else qs:
        building = ""
        if order.dwelling_id:
            b = order.dwelling.entrance.building
            building = f"{b.compound.name} {b.number}号楼"
        phone = order.resident.phone if order.resident_id and clear_phones else ""
        if order.resident_id and not clear_phones:
            phone = order.resident.phone_masked
        repairers = [
            c.volunteer.name for c in order.claims.all() if c.status == ClaimState.CHECKED_OUT
        ]
        rows.append(
            LedgerRow(
                reporter=order.resident.name if order.resident_id else "",
                building=building,
                job=order.title,
                phone=phone,
                repairers="、".join(repairers),
                day=timezone.localtime(order.starts_at).date().isoformat(),
                result=str(OrderResult(order.result).label) if order.result else "",
                points=order.points,
                order=order,
            )
        )
    return rows


def repair_ledger_workbook(actor) -> tuple[bytes, str]:
    """The whole ledger of the actor's area as .xlsx bytes and a file name."""
    clear = perms.can(actor, perms.VIEW_PII)
    rows = repair_ledger_rows(actor, clear_phones=clear)
    if clear and rows:
        record_pii_access(
            actor=actor,
            street_id=rows[0].order.street_id,
            target_type="registry.resident",
            target_ids=[r.order.resident_id for r in rows if r.order.resident_id],
            fields="phone",
            reason=_("Repair ledger export"),
            channel="export",
        )
    out = io.BytesIO()
    with Workbook() as book:
        sheet = book.sheet(_("Repair ledger"), COLUMNS, WIDTHS)
        for row in rows:
            sheet.append(row.cells())
        book.save(out)
    return out.getvalue(), f"weixiu-tongji-{timezone.localdate():%Y%m%d}.xlsx"
