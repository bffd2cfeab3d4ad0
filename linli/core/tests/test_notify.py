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


# --- inbox_now: the inbox row in the caller's transaction, the channel after commit ---------


def test_inbox_now_writes_the_row_at_once_and_sends_after_commit(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        notify([Message(kind="k", subject="s", user_id=world.admin.pk)], inbox_now=True)
        assert unread_count(world.admin) == 1  # visible inside the transaction already
    assert MemoryNotifier.outbox == []
    callbacks[0]()
    assert [m.kind for m in MemoryNotifier.outbox] == ["k"]


def test_inbox_now_rolled_back_change_tells_nobody(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                notify([Message(kind="k", subject="s", user_id=world.admin.pk)], inbox_now=True)
                raise RuntimeError
        except RuntimeError:
            pass
    assert MemoryNotifier.outbox == [] and Notification.objects.count() == 0


def test_inbox_now_dedupe_key_delivers_once_per_user_and_keeps_the_transaction(
    world, django_capture_on_commit_callbacks
):
    msg = Message(kind="k", subject="s", user_id=world.admin.pk)
    deliver([msg], dedupe_key="sweep-1")
    other = Message(kind="k", subject="s", user_id=world.grid_a1_worker.pk)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notify([msg, other], dedupe_key="sweep-1", inbox_now=True)
        # The conflict did not break the transaction: it can still write.
        assert Notification.objects.filter(dedupe_key="sweep-1").count() == 2
    assert Notification.objects.filter(user=world.admin).count() == 1
    assert [m.user_id for m in MemoryNotifier.outbox] == [world.admin.pk, world.grid_a1_worker.pk]


def test_inbox_now_same_user_twice_under_one_key_lands_once(
    world, django_capture_on_commit_callbacks
):
    first = Message(kind="k", subject="first", user_id=world.admin.pk)
    second = Message(kind="k", subject="second", user_id=world.admin.pk)
    with django_capture_on_commit_callbacks(execute=True):
        notify([first, second], dedupe_key="x", inbox_now=True)
    assert list(Notification.objects.values_list("subject", flat=True)) == ["first"]
    assert [m.subject for m in MemoryNotifier.outbox] == ["first"]
    MemoryNotifier.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notify([first, second], inbox_now=True)  # no key: both are rows and both are sent
    assert Notification.objects.count() == 3
    assert [m.subject for m in MemoryNotifier.outbox] == ["first", "second"]


def test_inbox_now_phone_only_recipient_goes_to_the_channel_only(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            [Message(kind="k", subject="s", phone="13800001111"),
             Message(kind="k", subject="s", user_id=world.admin.pk, street_id=world.street.pk,
                     link="/x/")],
            inbox_now=True,
        )  # fmt: skip
    assert Notification.objects.get().street_id == world.street.pk
    assert [m.phone for m in MemoryNotifier.outbox] == ["13800001111", ""]
