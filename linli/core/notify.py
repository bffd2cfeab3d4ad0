"""Notifications: the in-app inbox plus a pluggable outside channel (SMS, WeChat, e-mail).

``notify(...)`` is what services call. It registers an ``on_commit`` hook, so
nothing is written to the inbox nor sent outside unless the change that caused
it commits (a rolled-back dispatch tells nobody). The outside channel is the
class named by ``settings.LINLI_NOTIFIER`` implementing ``Notifier.send``:

* ``NullNotifier`` (default): inbox only;
* ``LogNotifier``: logs the message kind and recipient id (never a phone number);
* ``MemoryNotifier``: keeps messages in ``MemoryNotifier.outbox`` for tests.

A recipient is a user (inbox + channel) or a bare phone number for people who
reported by phone without an account (channel only). Messages never carry
personal data: the work-order number and category are enough to recognise it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
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

    @classmethod
    def kinds_for(cls, user) -> list[str]:
        return [m.kind for m in cls.outbox if m.user_id == user.pk]


@lru_cache(maxsize=4)
def _notifier_class(path: str) -> type[Notifier]:
    return import_string(path)


def get_notifier() -> Notifier:
    path = getattr(settings, "LINLI_NOTIFIER", "linli.core.notify.NullNotifier")
    return _notifier_class(path)()


def deliver(messages: Iterable[Message], *, dedupe_key: str = "") -> None:
    """Write inbox rows and hand messages to the channel now (use ``notify`` from services)."""
    notifier = get_notifier()
    for message in messages:
        if message.user_id is not None:
            try:
                with transaction.atomic():
                    Notification.objects.create(
                        street_id=message.street_id,
                        user_id=message.user_id,
                        kind=message.kind,
                        subject=message.subject[:200],
                        body=message.body,
                        link=message.link[:300],
                        dedupe_key=dedupe_key[:120],
                    )
            except IntegrityError:
                continue  # already delivered under this dedupe key (sweep ran twice)
        try:
            notifier.send(message)
        except Exception:  # one failing channel must not undo or block the others
            logger.exception("notifier failed for kind=%s", message.kind)


def notify(messages: Iterable[Message], *, dedupe_key: str = "") -> None:
    """Deliver after the surrounding transaction commits (immediately if there is none)."""
    batch = list(messages)
    if batch:
        transaction.on_commit(lambda: deliver(batch, dedupe_key=dedupe_key))


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
