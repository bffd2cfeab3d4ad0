"""The in-app inbox: each user reads only their own messages and can mark them read."""

from __future__ import annotations

import pytest
from django.urls import reverse

from linli.core.models import Notification
from linli.core.notify import Message, deliver
from linli.testing import english
from linli.workorders.tests.conftest import advance

pytestmark = pytest.mark.django_db


def test_unit_is_told_of_dispatch_and_resident_of_progress(
    wo, login, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = advance(wo, wo.intake(), "dispatched")
    r = english(login(wo.property)).get(reverse("core:inbox"))
    assert r.status_code == 200
    text = r.content.decode()
    assert order.number in text and reverse("workorders:detail", args=[order.pk]) in text
    r = english(login(wo.resident_user)).get(reverse("core:inbox"))
    text = r.content.decode()
    assert order.number in text and reverse("workorders:mine_detail", args=[order.pk]) in text
    assert b'class="resident"' in r.content
    # Nobody else's messages.
    r = english(login(wo.grid_b1_worker)).get(reverse("core:inbox"))
    assert order.number not in r.content.decode()


def test_mark_read_only_touches_own_messages(wo, login):
    deliver(
        [
            Message(kind="k", subject="甲", user_id=wo.property.pk),
            Message(kind="k", subject="乙", user_id=wo.grid_a1_worker.pk),
        ]
    )
    c = login(wo.property)
    assert b"Mark 1 unread message read" in english(c).get(reverse("core:inbox")).content
    assert c.post(reverse("core:inbox_read")).status_code == 302
    assert Notification.objects.get(user=wo.property).read_at is not None
    assert Notification.objects.get(user=wo.grid_a1_worker).read_at is None
    assert c.get(reverse("core:inbox_read")).status_code == 405


def test_nav_shows_requests_and_unread_count(wo, login):
    deliver([Message(kind="k", subject="x", user_id=wo.grid_a1_worker.pk)])
    r = english(login(wo.grid_a1_worker)).get(reverse("core:home"))
    text = r.content.decode()
    assert reverse("workorders:queue") in text and "Messages (1)" in text
    r = english(login(wo.resident_user)).get(reverse("core:home"))
    text = r.content.decode()
    assert reverse("workorders:resident_new") in text and reverse("workorders:mine") in text
    r = english(login(wo.nobody)).get(reverse("core:home"))
    assert reverse("workorders:queue") not in r.content.decode()
