"""Outreach's entries in the navigation and on the home page (see ``core.nav``)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core.nav import Entry, register, register_notice
from linli.grids import permissions as perms

from . import permissions as p


def _door(user) -> bool:
    """Building leaders and grid workers: the handout on their phone."""
    return perms.can(user, p.RECORD) and not perms.can(user, p.MANAGE)


def register_entries() -> None:
    register(
        Entry(
            key="outreach_door",
            label=gettext_lazy("Door-to-door handout"),
            title=gettext_lazy("Door-to-door handout (上门发放)"),
            url_name="outreach:door",
            show=_door,
            blurb=gettext_lazy("Record, door by door, who got the fire blanket"),
            order=12,
            big=True,
        )
    )
    register(
        Entry(
            key="outreach",
            label=gettext_lazy("Fire safety"),
            title=gettext_lazy("Distributions, drills and trainings"),
            url_name="outreach:board",
            show=lambda user: perms.can(user, p.MANAGE),
            blurb=gettext_lazy("Fire blankets door to door, fire drills, 开工第一课"),
            order=40,
        )
    )
    register(
        Entry(
            key="outreach_drills",
            label=gettext_lazy("Trainings"),
            title=gettext_lazy("Drills and trainings"),
            url_name="outreach:drills",
            show=lambda user: (
                perms.UNIT in perms.kinds(user, p.VIEW)
                or (perms.can(user, p.HOLD) and not perms.can(user, p.MANAGE))
            ),
            blurb=gettext_lazy("Planned and held drills and trainings"),
            order=41,
        )
    )
    register_notice("outreach.figures", _figures)


def _figures(user):
    """On the home page of those who manage: this year's fire drills against the grids, and
    the coverage of the distributions under way."""
    if not perms.can(user, p.MANAGE):
        return None
    from .models import DistributionStatus
    from .selectors import compliance, distributions, totals_for

    c = compliance(user, timezone.localdate().year)
    text = _("Fire drills this year: %(ok)d of %(n)d grids.") % {
        "ok": c.grids_ok,
        "n": len(c.grids),
    }
    running = list(distributions(user, status=DistributionStatus.RUNNING)[:3])
    totals = totals_for(user, running)
    for d in running:
        t = totals[d.pk]
        text += " " + _("%(name)s: %(percent)s%% of households (%(handed)d of %(total)d).") % {
            "name": d.name, "percent": t.percent, "handed": t.handed, "total": t.total,
        }  # fmt: skip
    return text
