"""综合评价 as an .xlsx workbook, written by the project's workbook writer (``core.xlsx``).

The figures are exactly the ``MetricsRow`` values the page shows (both call
``metrics.workorder_metrics`` with the same arguments). The writer neutralises text
cells that a spreadsheet would read as a formula (starting with = + - @, or a tab /
CR), so a name typed by someone cannot run as a formula.
"""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from linli.core.xlsx import Workbook

from .metrics import MetricsRow

# (attribute, column title, kind) — kind "rate" is written as a fraction (0.25 for 25%).
COLUMNS = [
    ("received", "Received", "int"),
    ("closed", "Closed", "int"),
    ("closure_rate", "Closure rate", "rate"),
    ("due", "Due in period", "int"),
    ("closed_on_time", "Closed on time", "int"),
    ("on_time_rate", "On-time closure rate", "rate"),
    ("avg_close_hours", "Average hours to close", "num"),
    ("p90_close_hours", "P90 hours to close", "num"),
    ("checked", "Checked", "int"),
    ("reworked", "Reworked", "int"),
    ("rework_rate", "Rework rate", "rate"),
    ("rated", "Rated", "int"),
    ("satisfied", "Satisfied", "int"),
    ("satisfaction_rate", "Satisfaction rate", "rate"),
    ("merged", "Merged duplicates", "int"),
    ("duplicate_rate", "Duplicate rate", "rate"),
    ("overdue_now", "Overdue now", "int"),
    ("extensions", "Extensions", "int"),
    ("escalations", "Escalations", "int"),
]


def column_titles() -> list[str]:
    # The titles are msgids: the same strings the page shows (translated there too).
    titles = {
        "Received": _("Received"),
        "Closed": _("Closed"),
        "Closure rate": _("Closure rate"),
        "Due in period": _("Due in period"),
        "Closed on time": _("Closed on time"),
        "On-time closure rate": _("On-time closure rate"),
        "Average hours to close": _("Average hours to close"),
        "P90 hours to close": _("P90 hours to close"),
        "Checked": _("Checked"),
        "Reworked": _("Reworked"),
        "Rework rate": _("Rework rate"),
        "Rated": _("Rated"),
        "Satisfied": _("Satisfied"),
        "Satisfaction rate": _("Satisfaction rate"),
        "Merged duplicates": _("Merged duplicates"),
        "Duplicate rate": _("Duplicate rate"),
        "Overdue now": _("Overdue now"),
        "Extensions": _("Extensions"),
        "Escalations": _("Escalations"),
    }
    return [titles[title] for _a, title, _k in COLUMNS]


def metrics_workbook(
    *, title: str, period: str, rows: list[MetricsRow], total: MetricsRow | None, group_title: str
) -> bytes:
    """The workbook as bytes: a title line, the period, a header, one row per group, a total."""
    out = io.BytesIO()
    with Workbook() as book:
        sheet = book.sheet(_("Metrics"))
        sheet.append([title])
        sheet.append([period])
        sheet.append([])
        sheet.append([group_title, *column_titles()], bold=True)
        for row in rows:
            sheet.append(_cells(row.label or _("Total"), row))
        if total is not None and rows and (len(rows) > 1 or rows[0].key is not None):
            sheet.append(_cells(_("Total"), total))
        book.save(out)
    return out.getvalue()


def _cells(label: str, row: MetricsRow) -> list:
    cells: list = [label]
    for attr, _title, kind in COLUMNS:
        value = getattr(row, attr)
        if value is None:
            cells.append(None)
        elif kind == "int":
            cells.append(int(value))
        else:
            cells.append(float(value))
    return cells
