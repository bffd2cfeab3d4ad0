"""The household file's "requests" section (一户一档): the household's work orders.

Registered from ``WorkordersConfig.ready``. The rows come from
``selectors.household_workorders``, which starts from the viewer's own
work-order scope: a grid worker sees the household's requests in their grid,
the resident their own household's requests they may see, others nothing
(the section is left out).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from linli.grids import permissions as perms
from linli.registry.household_file import register_section

from . import permissions as p
from . import selectors, selectors_pages

SHOWN = 10


def household_requests(actor, household) -> dict | None:
    if not perms.can(actor, p.VIEW):
        return None
    qs = selectors.household_workorders(actor=actor, household=household)
    rows = list(qs[: SHOWN + 1])
    total = len(rows) if len(rows) <= SHOWN else qs.count()
    return {
        "rows": rows[:SHOWN],
        "more": total > SHOWN,
        "total": total,
        "resident": selectors_pages.is_reporter_only(actor),
    }


def register() -> None:
    register_section(
        key="workorders",
        title=_("Requests (诉求)"),
        template="workorders/_household_section.html",
        provider=household_requests,
    )
