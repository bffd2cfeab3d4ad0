"""Safety's entries in the navigation and on the home page (see ``core.nav``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from linli.core.nav import Entry, register, register_notice
from linli.grids import permissions as perms

from . import permissions as p


def register_entries() -> None:
    register(
        Entry(
            key="safety",
            label=_("Safety inspections"),
            title=_("Safety inspections (三清四查)"),
            url_name="safety:board",
            show=lambda user: perms.can(user, p.VIEW),
            blurb=_("Campaigns, hazards, rectification notices, re-inspections"),
            order=37,
        )
    )
    register(
        Entry(
            key="inspect",
            label=_("Inspect a site"),
            url_name="safety:pick",
            show=lambda user: perms.can(user, p.INSPECT),
            blurb=_("The checklist on your phone, also with no signal"),
            order=38,
            menu=False,
        )
    )
    register_notice("safety.due", _due)


def _due(user):
    """On staff's home page: re-inspections due within two days in their area."""
    if not perms.can(user, p.NOTICES):
        return None
    from .selectors import my_open_work

    n = my_open_work(user)["due"]
    if not n:
        return None
    return ngettext(
        "%(n)d rectification notice is due for re-inspection (回头看) within two days.",
        "%(n)d rectification notices are due for re-inspection (回头看) within two days.",
        n,
    ) % {"n": n}
