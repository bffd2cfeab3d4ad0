import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils import timezone

from linli.accounts.models import User
from linli.testing import english

pytestmark = pytest.mark.django_db


def post_login(client, username, password):
    return english(client).post("/accounts/login/", {"username": username, "password": password})


def test_login_and_logout(client, world, password):
    response = post_login(client, "grid_a1", password)
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_wrong_password_does_not_say_which_part_was_wrong(client, world):
    response = post_login(client, "grid_a1", "nope")
    assert response.status_code == 400
    assert b"Wrong username or password" in response.content
    assert (
        post_login(client, "no-such-user", "nope").content.count(b"Wrong username or password") == 1
    )


def test_lockout_after_five_failures_even_with_right_password(client, world, password):
    for _ in range(settings.LINLI_LOGIN_MAX_FAILURES - 1):
        post_login(client, "grid_a1", "wrong-password-1")
    response = post_login(client, "grid_a1", "wrong-password-1")
    assert b"locked" in response.content
    user = User.objects.get(username="grid_a1")
    assert user.is_locked
    response = post_login(client, "grid_a1", password)
    assert response.status_code == 400 and b"locked" in response.content
    # When the lock expires the right password works again and the counter resets.
    User.objects.filter(pk=user.pk).update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert post_login(client, "grid_a1", password).status_code == 302
    user.refresh_from_db()
    assert user.failed_logins == 0 and user.locked_until is None


def test_success_resets_failure_counter(client, world, password):
    post_login(client, "grid_a1", "wrong-password-1")
    post_login(client, "grid_a1", password)
    assert User.objects.get(username="grid_a1").failed_logins == 0


def test_session_is_an_idle_timeout():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert "linli.accounts.middleware.IdleTimeoutMiddleware" in settings.MIDDLEWARE


def test_activity_pushes_the_expiry_but_writes_at_most_once_a_minute(
    client, world, password, monkeypatch
):
    from django.contrib.sessions.models import Session

    clock = [1_800_000_000.0]
    monkeypatch.setattr("linli.accounts.middleware.time.time", lambda: clock[0])
    post_login(client, "grid_a1", password)
    assert client.get("/").status_code == 200
    Session.objects.update(expire_date=timezone.now() + dt.timedelta(minutes=5))
    clock[0] += 30  # within the minute: no write, the expiry stays where it was
    assert client.get("/").status_code == 200
    expiry = Session.objects.get().expire_date
    assert expiry < timezone.now() + dt.timedelta(minutes=6)
    clock[0] += 31  # a minute since the last write: pushed a full idle period ahead
    assert client.get("/").status_code == 200
    expiry = Session.objects.get().expire_date
    assert expiry > timezone.now() + dt.timedelta(minutes=29)


def test_idle_session_expires(client, world, password):
    from django.contrib.sessions.models import Session

    post_login(client, "grid_a1", password)
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("weak", ["short1!", "abcdefghijkl", "1234567890123", "password123"])
def test_password_policy_refuses_weak_passwords(weak):
    with pytest.raises(ValidationError):
        password_validation.validate_password(weak, User(username="someone"))


def test_password_policy_accepts_a_mixed_password():
    password_validation.validate_password("Yulan-2026-grid", User(username="someone"))


def test_admin_site_is_for_superusers_only(client, world):
    client.force_login(world.admin)
    assert client.get("/admin/").status_code == 404
    world.admin.is_superuser = world.admin.is_staff = True
    world.admin.save()
    assert client.get("/admin/").status_code == 200


def test_open_redirect_after_login_is_refused(client, world, password):
    response = client.post(
        "/accounts/login/?next=https://evil.example/", {"username": "grid_a1", "password": password}
    )
    assert response.status_code == 302 and response["Location"] == "/"
