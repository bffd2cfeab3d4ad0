"""``{% wo_nav as wo %}``: which work-order links the navigation and home page offer."""

from __future__ import annotations

from django import template

from linli.grids import permissions as perms

from .. import selectors_pages
from ..workflow import P_METRICS, P_VIEW

register = template.Library()


@register.simple_tag(takes_context=True)
def wo_nav(context) -> dict:
    """``staff`` (queue), ``resident`` (my requests, report), ``metrics``, ``unread`` (lazy)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if not perms.can(user, P_VIEW):
        return {}
    resident = selectors_pages.is_reporter_only(user)
    return {
        "staff": not resident,
        "resident": resident,
        "report": selectors_pages.can_report(user),
        "metrics": selectors_pages.is_node_staff(user, P_METRICS),
        "unread": lambda: selectors_pages.unread_count(user),
    }
