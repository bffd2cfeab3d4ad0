"""The second step of the login: enrolment, codes, recovery codes, lockout, the admin's
reset, the session before the second step, and API tokens with ``otp``."""

import pytest
from django.conf import settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from linli.accounts import services
from linli.accounts.models import ApiToken, User
from linli.core.models import AuditEvent
from linli.testing import english

pytestmark = pytest.mark.django_db

LOGIN, STEP, ENROL = "/accounts/login/", "/accounts/second-step/", "/accounts/second-step/set-up/"
TOKEN_URL = "/api/v1/auth/token"
PEOPLE = "/people/"  # a street administrator's page


@pytest.fixture
def required(settings):
    settings.LINLI_REQUIRE_2FA = True


def code_for(user) -> str:
    """The authenticator's current code. django-otp refuses a code of a time step already
    used (replay), so the device forgets its last step first: a test logs in several
    times within one step."""
    device = TOTPDevice.objects.get(user=user)
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    token = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    return f"{token:06d}"


def enrolled(user) -> list[str]:
    """Set the user up as the enrolment page does; returns the recovery codes."""
    device = services.enrolment_device(user=user)
    code = TOTP(device.bin_key, device.step, device.t0, device.digits).token()
    return services.enrolment_confirm(user=user, code=f"{code:06d}")


def password_step(client, username, password, **extra):
    return english(client).post(LOGIN, {"username": username, "password": password}, **extra)


def failures(user) -> int:
    return User.objects.get(pk=user.pk).failed_logins


# --- enrolment ---------------------------------------------------------------------------


def test_required_user_is_sent_to_enrol_and_sees_codes_once(client, world, password, required):
    admin = world.admin
    response = password_step(client, "admin", password)
    assert response.status_code == 302 and response["Location"] == ENROL
    page = client.get(ENROL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "otpauth" not in html  # the QR code is drawn inline
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    secret = page.context["secret"].replace(" ", "")
    assert len(secret) == 32 and secret in html.replace(" ", "")
    assert client.get(ENROL).context["secret"].replace(" ", "") == secret  # same on reload

    wrong = client.post(ENROL, {"code": "000000"})
    assert wrong.status_code == 400 and b"Wrong code" in wrong.content
    assert failures(admin) == 1
    assert not TOTPDevice.objects.filter(user=admin, confirmed=True).exists()
    assert client.get(PEOPLE).status_code == 302  # still nothing

    token = TOTP(device.bin_key, device.step, device.t0, device.digits).token()
    done = client.post(ENROL, {"code": f"{token:06d}"})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(c in done.content.decode() for c in codes)
    assert StaticToken.objects.filter(device__user=admin).count() == 10
    assert TOTPDevice.objects.get(user=admin).confirmed
    assert failures(admin) == 0
    assert client.get(PEOPLE).status_code == 200
    # Shown once: the set-up page now only says how many codes are left.
    again = client.get(ENROL)
    assert again.status_code == 200 and not any(c in again.content.decode() for c in codes)


def test_enrolment_is_optional_for_a_grid_worker(client, world, password, required):
    response = password_step(client, "grid_a1", password)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get(ENROL).status_code == 200  # may opt in
    enrolled(world.grid_a1_worker)
    client.post("/accounts/logout/")
    assert password_step(client, "grid_a1", password)["Location"] == STEP


def test_not_required_when_relaxed_and_the_login_page_says_so(client, world, password):
    assert not settings.LINLI_REQUIRE_2FA  # the test settings
    assert b"not required on this server" in english(client).get(LOGIN).content
    response = password_step(client, "admin", password)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get(PEOPLE).status_code == 200


def test_the_login_page_says_nothing_when_required(client, world, required):
    assert b"not required on this server" not in english(client).get(LOGIN).content


# --- the second step ---------------------------------------------------------------------


def test_enrolled_user_logs_in_with_a_code_and_goes_where_asked(client, world, password):
    enrolled(world.cadre)  # enrolled: the code is asked for even with the requirement off
    response = password_step(client, "cadre", password, QUERY_STRING="next=/people/")
    assert response["Location"] == f"{STEP}?next=%2Fpeople%2F"
    response = client.post(STEP, {"code": code_for(world.cadre), "next": "/people/"})
    assert response.status_code == 302 and response["Location"] == "/people/"
    assert client.get("/").status_code == 200


def test_session_grants_nothing_before_the_second_step(client, world, password, required):
    enrolled(world.admin)
    password_step(client, "admin", password)
    response = client.get(PEOPLE)
    assert response.status_code == 302
    assert response["Location"] == f"{STEP}?next=%2Fpeople%2F"
    assert client.get("/").status_code == 302
    posted = client.post(PEOPLE, {"username": "x"})
    assert posted.status_code == 302 and posted["Location"] == STEP
    api = client.get("/api/v1/households", HTTP_ACCEPT_LANGUAGE="en")
    assert api.status_code == 401
    assert client.get(STEP).status_code == 200  # the step itself is open
    # Logging out works from here.
    client.post("/accounts/logout/")
    assert client.get(STEP)["Location"].startswith(LOGIN)


def test_force_logged_in_session_is_held_at_the_step_too(client, world, required):
    client.force_login(world.admin)  # no password page: the mark is missing all the same
    assert client.get(PEOPLE)["Location"].startswith(ENROL)


def test_wrong_codes_count_towards_the_lockout(client, world, password):
    enrolled(world.cadre)
    password_step(client, "cadre", password)
    for _ in range(settings.LINLI_LOGIN_MAX_FAILURES - 2):
        response = client.post(STEP, {"code": "000000"})
        assert response.status_code == 400 and b"Wrong code" in response.content
    # The right password again does not wipe the wrong codes typed before it.
    client.post("/accounts/logout/")
    password_step(client, "cadre", password)
    assert failures(world.cadre) == settings.LINLI_LOGIN_MAX_FAILURES - 2
    client.post(STEP, {"code": "000000"})
    response = client.post(STEP, {"code": "000000"})
    assert response.status_code == 302 and response["Location"] == LOGIN  # logged out
    assert User.objects.get(pk=world.cadre.pk).is_locked
    assert client.get("/").status_code == 302
    refused = password_step(client, "cadre", password)
    assert refused.status_code == 400 and b"locked" in refused.content


def test_malformed_code_is_refused_without_counting(client, world, password):
    enrolled(world.cadre)
    password_step(client, "cadre", password)
    response = client.post(STEP, {"code": "12"})
    assert response.status_code == 400 and b"6-digit code" in response.content
    assert failures(world.cadre) == 0


def test_recovery_code_works_once(client, world, password):
    codes = enrolled(world.cadre)
    password_step(client, "cadre", password)
    shown = codes[3].upper()[:4] + " " + codes[3].upper()[4:]  # as read from paper
    response = client.post(STEP, {"code": shown})
    assert response.status_code == 302
    assert StaticToken.objects.filter(device__user=world.cadre).count() == 9
    assert not StaticToken.objects.filter(token=codes[3]).exists()
    client.post("/accounts/logout/")
    password_step(client, "cadre", password)
    again = client.post(STEP, {"code": codes[3]})
    assert again.status_code == 400 and b"Wrong code" in again.content
    assert failures(world.cadre) == 1
    assert client.get("/").status_code == 302


# --- reset by a street administrator -----------------------------------------------------


def test_street_admin_resets_and_the_person_enrols_again(client, world, password, required):
    enrolled(world.cadre)
    client.force_login(world.admin)
    enrolled(world.admin)
    session = client.session
    session["_linli_second_step"] = world.admin.pk
    session.save()
    page = english(client).get(PEOPLE)
    assert b"Reset two-step verification" in page.content
    response = client.post(f"/people/user/{world.cadre.pk}/reset-two-step/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=world.cadre).exists()
    assert not StaticToken.objects.filter(device__user=world.cadre).exists()
    event = AuditEvent.objects.get(verb="reset_2fa")
    assert event.actor == world.admin and event.street_id == world.street.pk
    assert "王国治" in event.summary
    client.post("/accounts/logout/")
    assert password_step(client, "cadre", password)["Location"] == ENROL


def test_reset_refused_for_another_streets_admin(client, world):
    enrolled(world.cadre)
    before = StaticToken.objects.filter(device__user=world.cadre).count()
    client.force_login(world.other_admin)
    session = client.session
    session["_linli_second_step"] = world.other_admin.pk
    session.save()
    response = client.post(f"/people/user/{world.cadre.pk}/reset-two-step/")
    assert response.status_code == 404
    assert TOTPDevice.objects.filter(user=world.cadre, confirmed=True).exists()
    assert StaticToken.objects.filter(device__user=world.cadre).count() == before
    assert not AuditEvent.objects.filter(verb="reset_2fa").exists()


def test_reset_refused_for_a_grid_worker_and_for_oneself(world):
    from django.http import Http404

    from linli.core.errors import InvalidInput

    enrolled(world.admin)
    with pytest.raises(Http404):
        services.second_factor_reset(actor=world.grid_a1_worker, user=world.admin)
    with pytest.raises(InvalidInput):
        services.second_factor_reset(actor=world.admin, user=world.admin)
    assert TOTPDevice.objects.filter(user=world.admin, confirmed=True).exists()
    assert not AuditEvent.objects.filter(verb="reset_2fa").exists()


# --- API tokens --------------------------------------------------------------------------


def post_token(client, username, password, **more):
    return client.post(
        TOKEN_URL,
        {"username": username, "password": password, **more},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_token_needs_the_otp_of_an_enrolled_user(client, world, password):
    codes = enrolled(world.cadre)
    response = post_token(client, "cadre", password)
    assert response.status_code == 401 and response.json()["code"] == "otp_required"
    assert "otp field" in response.json()["message"]
    wrong = post_token(client, "cadre", password, otp="000000")
    assert wrong.status_code == 401 and wrong.json()["code"] == "otp_refused"
    assert failures(world.cadre) == 1
    malformed = post_token(client, "cadre", password, otp="abc")
    assert malformed.status_code == 400 and malformed.json()["field"] == "otp"
    assert not ApiToken.objects.exists()
    good = post_token(client, "cadre", password, otp=code_for(world.cadre))
    assert good.status_code == 200
    assert (
        client.get(
            "/api/v1/households", HTTP_AUTHORIZATION=f"Bearer {good.json()['token']}"
        ).status_code
        == 200
    )
    assert failures(world.cadre) == 0
    assert post_token(client, "cadre", password, otp=codes[0]).status_code == 200
    assert post_token(client, "cadre", password, otp=codes[0]).status_code == 401


def test_token_refused_until_a_required_user_enrols(client, world, password, required):
    response = post_token(client, "admin", password, otp="123456")
    assert response.status_code == 401 and response.json()["code"] == "otp_enrol_required"
    assert not ApiToken.objects.exists()
    # Someone the roles do not require it of gets a token with the password.
    assert post_token(client, "grid_a1", password).status_code == 200
