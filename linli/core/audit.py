"""Writing to the change history and the personal-data access log, and how their verbs,
channels and fields read on the oversight pages."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from . import auditchain
from .models import AuditEvent, PiiAccess

# The verbs modules write to the change history, as people read them. A verb missing here
# is shown as written.
VERBS = {
    "create": _("Created"),
    "update": _("Changed"),
    "move": _("Moved"),
    "move_out": _("Moved out"),
    "tags": _("Tags set"),
    "import": _("Ledger import"),
    "grant": _("Role granted"),
    "revoke": _("Role removed"),
    "export": _("Exported"),
    "reset_2fa": _("Two-step verification reset"),
    "settle": _("Settled"),
}

# How clear personal data was reached (``PiiAccess.channel``).
CHANNELS = {
    "page": _("On a page"),
    "api": _("Through the API"),
    "export": _("In an Excel export"),
}

# What was shown in clear (``PiiAccess.fields``, comma separated).
PII_FIELDS = {"id_number": _("ID number"), "phone": _("Phone")}

# Where the current web request came from, set by ``RequestAddressMiddleware`` for the
# request's duration: every change recorded while serving it carries the address without
# each service being handed the request. Empty outside a request (worker, commands).
request_address: ContextVar[str | None] = ContextVar("request_address", default=None)


# How each app's change entries read: app label -> function(changes) -> [(label, text)].
# An app registers its own in AppConfig.ready (see ``register_change_describer``).
_DESCRIBERS: dict[str, Callable[[dict], list[tuple[str, str]]]] = {}


def register_change_describer(app_label: str, describe: Callable[[dict], list]) -> None:
    _DESCRIBERS[app_label] = describe


def describe_changes(target_type: str, changes: dict) -> list[tuple[str, str]]:
    """(label, text) lines of one change entry, worded by the app that wrote it; an app
    without a describer gets its keys and values as stored (they hold no clear PII)."""
    describe = _DESCRIBERS.get(target_type.partition(".")[0])
    if describe is not None:
        return describe(changes or {})
    return [(str(key), _plain(value)) for key, value in (changes or {}).items()]


def _plain(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list | tuple):
        return "、".join(_plain(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}: {_plain(v)}" for k, v in value.items())
    return str(value)


def verb_label(verb: str) -> str:
    return str(VERBS.get(verb, verb))


def channel_label(channel: str) -> str:
    return str(CHANNELS.get(channel, channel))


def fields_label(fields: str) -> str:
    return "、".join(str(PII_FIELDS.get(f, f)) for f in fields.split(",") if f)


def record_change(
    *,
    actor,
    target: models.Model,
    verb: str,
    summary: str,
    changes: dict[str, Any] | None = None,
    household_id: int | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one change at the end of its street's chain (``core.auditchain``).
    ``changes`` must already be free of clear PII (mask first); ``ip`` is where the
    request came from (default: the web request being served, if any)."""
    return auditchain.append(
        street_id=getattr(target, "street_id", None),
        actor_id=actor.pk if getattr(actor, "is_authenticated", False) else None,
        verb=verb,
        target_type=target._meta.label_lower,
        target_id=target.pk,
        household_id=household_id,
        summary=summary[:300],
        changes=changes or {},
        ip=ip or request_address.get(),
    )


def record_pii_access(
    *,
    actor,
    street_id: int | None,
    target_type: str,
    target_ids: Iterable[int] | None,
    fields: str,
    reason: str,
    channel: str,
    record_count: int | None = None,
) -> None:
    """Append one access-log row per unmasked record (or one summary row for a bulk export,
    whose ``record_count`` may be given when its ids are not at hand)."""
    ids = list(target_ids or [])
    if channel == "export" or not ids:
        PiiAccess.objects.create(
            street_id=street_id,
            actor=actor,
            target_type=target_type,
            target_id=ids[0] if len(ids) == 1 else None,
            fields=fields,
            reason=reason[:300],
            channel=channel,
            record_count=len(ids) if record_count is None else record_count,
        )
        return
    PiiAccess.objects.bulk_create(
        PiiAccess(
            street_id=street_id,
            actor=actor,
            target_type=target_type,
            target_id=pk,
            fields=fields,
            reason=reason[:300],
            channel=channel,
        )
        for pk in ids
    )
