"""The work-order entries in the navigation and on the home page (see ``core.nav``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from linli.core.nav import Entry, register
from linli.grids import permissions as perms

from . import permissions as p
from . import selectors_pages


def register_entries() -> None:
    register(
        Entry(
            key="report",
            label=_("Report a problem"),
            url_name="workorders:resident_new",
            show=lambda user: perms.can(user, p.REPORT),
            blurb=_("A leak, a broken light, a neighbour dispute: tell the community"),
            order=12,
            big=True,
            menu=False,
        )
    )
    register(
        Entry(
            key="mine",
            label=_("My requests"),
            url_name="workorders:mine",
            show=selectors_pages.is_reporter_only,
            blurb=_("What has happened to what you reported"),
            order=14,
            big=True,
        )
    )
    register(
        Entry(
            key="requests",
            label=_("Requests"),
            title=_("Requests (诉求)"),
            url_name="workorders:queue",
            show=lambda user: bool(perms.kinds(user, p.VIEW) - {perms.OWNER}),
            blurb=_("What waits for you, overdue work, intake"),
            order=30,
        )
    )
    register(
        Entry(
            key="metrics",
            label=_("Request metrics"),
            url_name="workorders:metrics",
            show=lambda user: perms.NODE in perms.kinds(user, p.METRICS),
            blurb=_("Received, closed, on time, satisfaction"),
            order=32,
            menu=False,
        )
    )
