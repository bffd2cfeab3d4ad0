"""How timeline events read on the pages: for staff (verb, from → to, details) and for the
resident (one plain sentence per public event)."""

from __future__ import annotations

import contextlib
import datetime as dt

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.grids.models import Role

from ..workflow import TRANSITIONS, Level, Satisfaction, Status

EXTRA_VERBS = {
    "accept": gettext_lazy("Request received"),
    "merged_in": gettext_lazy("A duplicate request was merged into this one"),
}


def verb_label(verb: str) -> str:
    if verb in EXTRA_VERBS:
        return str(EXTRA_VERBS[verb])
    t = TRANSITIONS.get(verb)
    return str(t.label) if t else verb


def status_label(status: str) -> str:
    try:
        return str(Status(status).label)
    except ValueError:
        return status


def role_label(role: str) -> str:
    if role == "unit_staff":
        return str(Role.UNIT_STAFF.label)
    try:
        return str(Role(role).label)
    except ValueError:
        return role or ""


def _when(value: str) -> str:
    moment = parse_datetime(value) if isinstance(value, str) else value
    if not isinstance(moment, dt.datetime):
        return str(value)
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


def event_details(event) -> list[str]:
    """Structured details of an event as short lines (no personal data is ever in ``data``)."""
    d = event.data or {}
    lines = []
    if event.verb == "accept" and d.get("channel"):
        from ..models import Channel

        with contextlib.suppress(ValueError):
            lines.append(_("Channel: %(c)s") % {"c": Channel(d["channel"]).label})
        if d.get("consent"):
            from ..models import ProxyConsent

            with contextlib.suppress(ValueError):
                lines.append(_("Consent: %(c)s") % {"c": ProxyConsent(d["consent"]).label})
    if event.verb == "dispatch":
        if d.get("in_house"):
            lines.append(_("Handled by the neighbourhood itself"))
        elif d.get("lead_unit_name"):
            lines.append(_("Lead unit: %(u)s") % {"u": d["lead_unit_name"]})
    if event.verb in ("follow_up", "reopen") and d.get("satisfaction"):
        with contextlib.suppress(ValueError):
            lines.append(str(Satisfaction(d["satisfaction"]).label))
    if event.verb == "extend" and d.get("new_due"):
        lines.append(_("New deadline: %(d)s") % {"d": _when(d["new_due"])})
    if event.verb == "escalate" and d.get("level_to") is not None:
        with contextlib.suppress(ValueError):
            lines.append(_("Now at: %(l)s") % {"l": Level(d["level_to"]).label})
    if event.verb == "merge" and d.get("into_number"):
        lines.append(_("Merged into %(n)s") % {"n": d["into_number"]})
    if event.verb == "merged_in" and d.get("from_number"):
        lines.append(_("From %(n)s") % {"n": d["from_number"]})
    return lines


def resident_sentence(event) -> str:
    """The plain-language line a resident reads for one public event of their request."""
    d = event.data or {}
    verb = event.verb
    if verb == "accept":
        return _("We received your request.")
    if verb == "verify":
        return _("A community worker checked it on site.")
    if verb == "dispatch":
        if d.get("in_house") or not d.get("lead_unit_name"):
            return _("The neighbourhood committee is handling it.")
        return _("It was handed to %(unit)s to fix.") % {"unit": d["lead_unit_name"]}
    if verb == "start":
        return _("Work has started.")
    if verb == "update":
        return _("Progress update.")
    if verb == "report_back":
        return _("The work is reported done.")
    if verb == "check":
        return _("The community checked the work: it is done.")
    if verb == "rework":
        return _("The community checked the work and asked for more to be done.")
    if verb == "follow_up":
        return _("You told us how satisfied you are. Thank you.")
    if verb == "reopen":
        return _("You were not satisfied, so the work goes on.")
    if verb == "close":
        return _("Your request is closed.")
    if verb == "reject":
        return _("Your request was not accepted.")
    if verb in ("merge", "merged_in"):
        return _("It was joined with a request about the same problem; you will hear its progress.")
    if verb == "withdraw":
        return _("The request was withdrawn.")
    if verb == "extend":
        return _("More time is needed; the new deadline is %(d)s.") % {
            "d": _when(d.get("new_due", ""))
        }
    return verb_label(verb)


def decorate(events, *, resident: bool) -> list:
    """Attach display strings to each event for the templates."""
    for e in events:
        e.verb_text = verb_label(e.verb)
        e.role_text = role_label(e.actor_role)
        e.from_text = status_label(e.from_status) if e.from_status else ""
        e.to_text = status_label(e.to_status) if e.to_status else ""
        e.detail_lines = event_details(e)
        if resident:
            e.sentence = resident_sentence(e)
        if not hasattr(e, "photo_list"):
            e.photo_list = []
    return events
