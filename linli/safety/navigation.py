"""Safety's entries in the navigation and on the home page (see ``core.nav``)."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from linli.core.nav import Entry, Link, register, register_link, register_notice
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
    register_link("workorders.dispatch", "safety.hazard", _hazard_link)


def _hazard_link(actor, work_order) -> Link | None:
    """On a request being dispatched (飞线充电 in a stairwell): put it on the compound's
    safety record as a hazard, for staff who inspect there."""
    from .services import request_site, require_reach

    site = request_site(work_order)
    if site is None or not perms.can(actor, p.INSPECT):
        return None
    try:
        require_reach(actor, p.INSPECT, site)
    except Http404:
        return None
    return Link(
        label=_("Record it as a safety hazard"),
        href=reverse("safety:hazard_from_request", args=[work_order.pk]),
        note=_("It goes on the compound's safety record, linked to this request."),
    )


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
