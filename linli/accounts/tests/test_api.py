"""API tokens through the API: issue, use, expiry, revocation, lockout, malformed input."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from linli.accounts.models import ApiToken, User

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token"
PROBE_URL = "/api/v1/households"  # any authenticated endpoint


def post_token(client, username, password):
    return client.post(
        TOKEN_URL,
        {"username": username, "password": password},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def bearer(raw):
    return {"Authorization": f"Bearer {raw}", "Accept-Language": "en"}


def test_token_issued_for_right_credentials_and_works(client, world, password):
    response = post_token(client, "grid_a1", password)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    expires = dt.datetime.fromisoformat(body["expires_at"])
    expected = timezone.now() + dt.timedelta(days=settings.LINLI_API_TOKEN_DAYS)
    assert abs((expires - expected).total_seconds()) < 60
    # Only the digest is stored, never the token itself.
    token = ApiToken.objects.get(user=world.grid_a1_worker)
    assert body["token"] not in token.digest
    probe = client.get(PROBE_URL, headers=bearer(body["token"]))
    assert probe.status_code == 200
    assert probe.json()["count"] == 2  # grid A1's two households
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_wrong_credentials_are_401_and_issue_nothing(client, world):
    for username in ("grid_a1", "no-such-user"):
        response = post_token(client, username, "wrong-password-1")
        assert response.status_code == 401
        assert response.json() == {
            "code": "login_refused",
            "message": "Wrong username or password.",
            "field": None,
        }
    assert not ApiToken.objects.exists()


def test_inactive_user_gets_no_token(client, world, password):
    User.objects.filter(pk=world.grid_a1_worker.pk).update(is_active=False)
    assert post_token(client, "grid_a1", password).status_code == 401
    assert not ApiToken.objects.exists()


def test_lockout_applies_to_the_api(client, world, password):
    for _ in range(settings.LINLI_LOGIN_MAX_FAILURES - 1):
        assert post_token(client, "grid_a1", "wrong-password-1").status_code == 401
    fifth = post_token(client, "grid_a1", "wrong-password-1")
    assert fifth.status_code == 401 and "locked" in fifth.json()["message"]
    assert User.objects.get(username="grid_a1").is_locked
    # Locked: the right password is refused with the lockout message, and no token issued.
    response = post_token(client, "grid_a1", password)
    assert response.status_code == 401
    assert response.json()["code"] == "login_refused"
    assert "locked" in response.json()["message"]
    assert not ApiToken.objects.exists()


def test_failures_on_the_api_and_the_login_page_add_up(client, world, password):
    for _ in range(settings.LINLI_LOGIN_MAX_FAILURES - 1):
        post_token(client, "grid_a1", "wrong-password-1")
    client.post("/accounts/login/", {"username": "grid_a1", "password": "wrong-password-1"})
    assert "locked" in post_token(client, "grid_a1", password).json()["message"]


def test_expired_token_is_refused(client, world, password):
    raw = post_token(client, "grid_a1", password).json()["token"]
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(PROBE_URL, headers=bearer(raw))
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_token_of_a_deactivated_user_is_refused(client, world, password):
    raw = post_token(client, "grid_a1", password).json()["token"]
    User.objects.filter(pk=world.grid_a1_worker.pk).update(is_active=False)
    assert client.get(PROBE_URL, headers=bearer(raw)).status_code == 401


def test_delete_revokes_only_the_current_token(client, world, password):
    first = post_token(client, "grid_a1", password).json()["token"]
    second = post_token(client, "grid_a1", password).json()["token"]
    response = client.delete(TOKEN_URL, headers=bearer(first))
    assert response.status_code == 204
    assert client.get(PROBE_URL, headers=bearer(first)).status_code == 401
    assert client.get(PROBE_URL, headers=bearer(second)).status_code == 200
    # A revoked token cannot revoke again (it no longer authenticates).
    assert client.delete(TOKEN_URL, headers=bearer(first)).status_code == 401
    assert ApiToken.objects.count() == 2  # the row stays, expired, as a record


def test_delete_needs_a_token(client, world):
    response = client.delete(TOKEN_URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic Z3JpZF9hMTpwYXNz"},
        {"Authorization": "Token abc"},
    ],
)
def test_unauthenticated_requests_get_a_structured_401(client, world, headers):
    response = client.get(PROBE_URL, headers={**headers, "Accept-Language": "en"})
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    body = response.json()
    assert body["code"] == "unauthenticated" and body["message"]


def test_session_login_does_not_open_the_api(client, world):
    client.force_login(world.admin)
    assert client.get(PROBE_URL).status_code == 401


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"password": "x"}, "username"),
        ({"username": "grid_a1"}, "password"),
        ({"username": "", "password": "x"}, "username"),
        ({"username": "grid\x00a1", "password": "x"}, "username"),
        ({"username": "grid_a1", "password": "a\x00b"}, "password"),
        ({"username": ["grid_a1"], "password": "x"}, "username"),
    ],
)
def test_malformed_token_requests_are_422_naming_the_field(client, world, payload, field):
    response = client.post(
        TOKEN_URL, payload, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["field"] == field
    assert field in body["message"]
    assert User.objects.get(username="grid_a1").failed_logins == 0
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("raw", [b"not json", b"{", b"\xff\xfe", b"\x00"])
def test_unreadable_body_is_400(client, world, raw):
    response = client.post(TOKEN_URL, raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_missing_body_is_422(client, world):
    response = client.post(TOKEN_URL, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert response.json()["message"].startswith("Invalid input:")


@pytest.mark.parametrize("raw", [b"[]", b'"admin"', b"5", b"null", b'["admin", "x"]'])
def test_body_that_is_not_an_object_is_422(client, world, raw):
    response = client.post(TOKEN_URL, raw, content_type="application/json")
    assert response.status_code == 422
    assert not ApiToken.objects.exists()


def test_last_use_is_stamped_at_most_once_a_minute(client, world, password):
    raw = post_token(client, "grid_a1", password).json()["token"]
    client.get(PROBE_URL, headers=bearer(raw))
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    client.get(PROBE_URL, headers=bearer(raw))
    assert ApiToken.objects.get().last_used_at == first  # no write on every request
    earlier = timezone.now() - dt.timedelta(minutes=2)
    ApiToken.objects.update(last_used_at=earlier)
    client.get(PROBE_URL, headers=bearer(raw))
    assert ApiToken.objects.get().last_used_at > earlier
