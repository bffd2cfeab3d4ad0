"""What volunteering adds to other pages: the household file's section (一户一档), the link
on a work order that may become a volunteer order, and points' settlement check."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core import nav
from linli.grids import permissions as perms
from linli.registry.household_file import register_section
from linli.workorders.selectors import suggest_handler

from . import permissions as p
from .models import OrderStatus, VolunteerOrder


def household_orders(actor, household) -> dict | None:
    """The volunteer orders done for the household's members (staff in scope only)."""
    if perms.NODE not in perms.kinds(actor, p.VIEW):
        return None
    rows = list(
        perms.filter_to_scope(VolunteerOrder.objects.all(), actor, p.VIEW)
        .filter(resident__household=household)
        .order_by("-starts_at")[:10]
    )
    return {"rows": rows}


def unconfirmed_work(street_id: int, period) -> str | None:
    """Points' settlement waits while jobs done in the period are not yet confirmed."""
    waiting = VolunteerOrder.objects.filter(
        street_id=street_id,
        status=OrderStatus.WORKING,
        starts_at__lt=period.ends_at,
    ).count()
    if waiting:
        return _(
            "%(n)d volunteer orders of this period are not yet confirmed: confirm them "
            "before settling, so their points are counted."
        ) % {"n": waiting}
    return None


def from_request_link(actor, work_order) -> nav.Link | None:
    """On a request being dispatched: a job inside a dwelling that is not the property
    company's may become a volunteer order instead (for staff who write orders there)."""
    if not suggest_handler(work_order).volunteer_order_possible:
        return None
    if not perms.allows(actor, p.MANAGE, work_order.grid):
        return None
    return nav.Link(
        label=_("Make it a volunteer order"),
        href=f"{reverse('volunteering:order_new')}?work_order={work_order.pk}",
        note=_("The volunteers are told; their result moves this request on."),
    )


def register() -> None:
    nav.register_link("workorders.dispatch", "volunteering.order", from_request_link)
    register_section(
        key="volunteering",
        title=gettext_lazy("Volunteer help (志愿服务)"),
        template="volunteering/_household_section.html",
        provider=household_orders,
    )
