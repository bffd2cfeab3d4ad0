"""The notifier port: inbox rows and channel sends only after commit, deduplicated."""

import pytest
from django.db import transaction

from linli.core.models import Notification
from linli.core.notify import MemoryNotifier, Message, deliver, notify, unread_count

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clean_outbox():
    MemoryNotifier.clear()
    yield
    MemoryNotifier.clear()


def test_nothing_is_sent_before_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify([Message(kind="k", subject="s", user_id=world.admin.pk)])
    assert MemoryNotifier.outbox == [] and Notification.objects.count() == 0
    callbacks[0]()
    assert [m.kind for m in MemoryNotifier.outbox] == ["k"]
    assert unread_count(world.admin) == 1


def test_rolled_back_change_tells_nobody(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                notify([Message(kind="k", subject="s", user_id=world.admin.pk)])
                raise RuntimeError
        except RuntimeError:
            pass
    assert MemoryNotifier.outbox == [] and Notification.objects.count() == 0


def test_dedupe_key_delivers_once_per_user(world):
    msg = Message(kind="k", subject="s", user_id=world.admin.pk)
    deliver([msg], dedupe_key="sweep-1")
    deliver([msg], dedupe_key="sweep-1")
    assert Notification.objects.filter(user=world.admin).count() == 1
    assert len(MemoryNotifier.outbox) == 1


def test_phone_only_recipient_goes_to_the_channel_only(world):
    deliver([Message(kind="k", subject="s", phone="13800001111")])
    assert Notification.objects.count() == 0
    assert MemoryNotifier.outbox[0].phone == "13800001111"
    assert "13800001111" not in repr(MemoryNotifier.outbox[0])
