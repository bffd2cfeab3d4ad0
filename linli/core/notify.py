"""Notifications: the in-app inbox plus a pluggable outside channel (SMS, WeChat, e-mail).

``notify(...)`` is what services call. It registers an ``on_commit`` hook, so
nothing is written to the inbox nor sent outside unless the change that caused
it commits (a rolled-back dispatch tells nobody). With ``inbox_now=True`` the
inbox rows are written at once inside the caller's transaction instead (they
roll back with it) and only the outside channel waits for the commit. The
outside channel is the class named by ``settings.LINLI_NOTIFIER`` implementing
``Notifier.send``:

* ``NullNotifier`` (default): inbox only;
* ``LogNotifier``: logs the message kind and recipient id (never a phone number);
* ``MemoryNotifier``: keeps messages in ``MemoryNotifier.outbox`` for tests.

A recipient is a user (inbox + channel) or a bare phone number for people who
reported by phone without an account (channel only). Messages never carry
personal data: the work-order number and category are enough to recognise it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol, cast

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import Notification

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    kind: str
    subject: str
    body: str = ""
    link: str = ""
    user_id: int | None = None
    phone: str = field(default="", repr=False)  # an outsider's phone; never logged
    street_id: int | None = None


class Notifier(Protocol):
    """Port for outside channels. Implementations must not raise for one bad recipient."""

    def send(self, message: Message) -> None: ...


class NullNotifier(Notifier):
    def send(self, message: Message) -> None:
        return None


class LogNotifier(Notifier):
    def send(self, message: Message) -> None:
        logger.info("notify kind=%s user=%s", message.kind, message.user_id)


class MemoryNotifier(Notifier):
    """Test fake: every message sent goes to the class-level ``outbox``."""

    outbox: list[Message] = []

    def send(self, message: Message) -> None:
        MemoryNotifier.outbox.append(message)

    @classmethod
    def clear(cls) -> None:
        cls.outbox.clear()


@lru_cache(maxsize=4)
def _notifier_class(path: str) -> type[Notifier]:
    return import_string(path)


def get_notifier() -> Notifier:
    path = getattr(settings, "LINLI_NOTIFIER", "linli.core.notify.NullNotifier")
    return _notifier_class(path)()


def _send(messages: Iterable[Message]) -> None:
    notifier = get_notifier()
    for message in messages:
        try:
            notifier.send(message)
        except Exception:  # one failing channel must not undo or block the others
            logger.exception("notifier failed for kind=%s", message.kind)


def deliver(messages: Iterable[Message], *, dedupe_key: str = "") -> None:
    """Write inbox rows and hand messages to the channel now (use ``notify`` from services)."""
    with transaction.atomic():
        outgoing = _write_inbox(list(messages), dedupe_key)
    _send(outgoing)


_INBOX_FIELDS = ("street", "user", "at", "kind", "subject", "body", "link", "dedupe_key")


def _write_inbox(messages: list[Message], dedupe_key: str) -> list[Message]:
    """The users' inbox rows in ONE statement, in the current transaction; returns the
    messages to hand to the channel: the phone-only ones and those whose row was written.

    A row already there under the same dedupe key (the sweep ran twice) is skipped
    (``ON CONFLICT DO NOTHING``, PostgreSQL and SQLite), and so is its channel send;
    ``RETURNING`` says which rows went in, without a savepoint per row. The one way inbox
    rows are written: by ``deliver`` after the commit, or at once for ``inbox_now``.
    """
    to_users = [m for m in messages if m.user_id is not None]
    if not to_users:
        return messages
    fields = [cast(Field, Notification._meta.get_field(name)) for name in _INBOX_FIELDS]
    now = timezone.now()
    params: list = []
    for m in to_users:
        values = (m.street_id, m.user_id, now, m.kind, m.subject[:200], m.body, m.link[:300],
                  dedupe_key[:120])  # fmt: skip
        params += [f.get_db_prep_save(v, connection) for f, v in zip(fields, values, strict=True)]
    qn = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        f"INSERT INTO {qn(Notification._meta.db_table)} "
        f"({', '.join(qn(f.column) for f in fields)}) VALUES {', '.join([row] * len(to_users))} "
        f"ON CONFLICT DO NOTHING RETURNING {qn('user_id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        written = Counter(r[0] for r in cursor.fetchall())
    outgoing = []
    for m in messages:
        if m.user_id is None:
            outgoing.append(m)
        elif written[m.user_id]:  # under one dedupe key, a user's first message is the row
            written[m.user_id] -= 1
            outgoing.append(m)
    return outgoing


def notify(messages: Iterable[Message], *, dedupe_key: str = "", inbox_now: bool = False) -> None:
    """Deliver after the surrounding transaction commits (immediately if there is none).

    ``inbox_now=True``: write the inbox rows at once, in the caller's transaction (so they
    still exist only if it commits, and cost no second transaction), and hand the messages
    to the outside channel after the commit. For a hot path already in a transaction.
    """
    batch = list(messages)
    if not batch:
        return
    if not inbox_now:
        transaction.on_commit(lambda: deliver(batch, dedupe_key=dedupe_key))
        return
    outgoing = _write_inbox(batch, dedupe_key)
    if outgoing:
        transaction.on_commit(lambda: _send(outgoing))


# --- the inbox page ---------------------------------------------------------------------------


def inbox(user):
    """The user's own messages, newest first."""
    return Notification.objects.filter(user=user).order_by("-at", "-id")


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(*, actor, ids: list[int] | None = None) -> int:
    """Mark the actor's unread notifications (all, or those in ``ids``) read; returns how many.

    One conditional UPDATE of the actor's own rows, so two clicks at once mark each once.
    """
    with transaction.atomic():
        qs = Notification.objects.filter(user_id=actor.pk, read_at__isnull=True)
        if ids is not None:
            qs = qs.filter(pk__in=ids)
        return qs.update(read_at=timezone.now())
