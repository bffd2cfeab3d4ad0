"""What outreach adds to the household file (一户一档): what the household received."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from linli.grids import permissions as perms
from linli.registry.household_file import register_section

from . import permissions as p
from .selectors import household_visits


def household_received(actor, household) -> dict | None:
    if not perms.can(actor, p.HOUSEHOLD):
        return None
    return {"rows": household_visits(actor, household)}


def register() -> None:
    register_section(
        key="outreach",
        title=gettext_lazy("Fire-safety items received (发放记录)"),
        template="outreach/_household_section.html",
        provider=household_received,
    )
