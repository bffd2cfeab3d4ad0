"""Points' entries in the navigation and on the home page (see ``core.nav``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from linli.core.nav import Entry, register
from linli.grids import permissions as perms

from . import permissions as p


def register_entries() -> None:
    register(
        Entry(
            key="my_points",
            label=_("My points"),
            url_name="points:mine",
            show=lambda user: perms.can(user, p.VIEW_OWN),
            blurb=_("Points earned, what they buy in the points store"),
            order=16,
            big=True,
        )
    )
    register(
        Entry(
            key="store",
            label=_("Points store"),
            title=_("Points store (积分超市)"),
            url_name="points:store",
            show=lambda user: perms.can(user, p.COUNTER) or perms.can(user, p.STORE),
            blurb=_("The counter, the shelves, stock and settlement"),
            order=40,
        )
    )
