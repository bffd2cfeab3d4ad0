"""Volunteering's entries in the navigation and on the home page (see ``core.nav``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from linli.core.nav import Entry, register, register_notice
from linli.grids import permissions as perms

from . import permissions as p


def register_entries() -> None:
    register(
        Entry(
            key="open_orders",
            label=_("Orders to claim"),
            title=_("Volunteer orders to claim (抢单)"),
            url_name="volunteering:open",
            show=lambda user: perms.can(user, p.BROWSE),
            blurb=_("Jobs near you that need your skill, first come first served"),
            order=11,
            big=True,
        )
    )
    register(
        Entry(
            key="my_orders",
            label=_("My volunteer jobs"),
            url_name="volunteering:mine",
            show=lambda user: perms.can(user, p.SERVE),
            blurb=_("Check in and out, your hours, your service certificate"),
            order=13,
            big=True,
        )
    )
    register(
        Entry(
            key="volunteering",
            label=_("Volunteering"),
            title=_("Volunteer orders and teams"),
            url_name="volunteering:board",
            show=lambda user: perms.NODE in perms.kinds(user, p.MANAGE),
            blurb=_("Orders, the team roster, small wishes"),
            order=35,
        )
    )
    register(
        Entry(
            key="wishes",
            label=_("Small wishes"),
            title=_("Small wishes (微心愿)"),
            url_name="volunteering:wishes",
            show=lambda user: perms.can(user, p.WISH_HELP) and not perms.can(user, p.MANAGE),
            blurb=_("Wishes of neighbours in difficulty you could make come true"),
            order=50,
        )
    )
    register_notice("volunteering.open", _open_for_me)


def _open_for_me(user):
    """On a volunteer's home page: how many open orders need a skill they have."""
    if not perms.can(user, p.BROWSE):
        return None
    from .selectors import open_orders

    n = sum(1 for o in open_orders(user) if o.skilled and not o.mine)
    if not n:
        return None
    return ngettext(
        "%(n)d open order needs your skill: see 抢单.",
        "%(n)d open orders need your skill: see 抢单.",
        n,
    ) % {"n": n}
