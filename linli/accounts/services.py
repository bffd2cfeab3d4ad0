"""Login with lockout, the second step (TOTP and recovery codes), and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from linli.core.audit import record_change
from linli.core.errors import InvalidInput
from linli.grids import permissions as perms
from linli.grids.models import Role, StaffAssignment

from .models import ApiToken, User


class LoginRefused(Exception):
    """Login failed; ``str(exc)`` is the message to show (it never says which part was wrong)."""


def login_attempt(*, request, username: str, password: str) -> User:
    """Check credentials with lockout after LINLI_LOGIN_MAX_FAILURES consecutive failures.

    The failure counter is bumped with a conditional UPDATE so parallel attempts
    cannot undercount. A locked account is refused even with the right password.
    """
    candidate = User.objects.filter(username=username).only("pk", "locked_until").first()
    if candidate and candidate.is_locked:
        raise LoginRefused(_locked_message())
    user = authenticate(request, username=username, password=password)
    if user is None:
        if candidate:
            _count_failure(candidate.pk)
        raise LoginRefused(_("Wrong username or password."))
    # With a second step to come, the counter is cleared only once it passes: otherwise
    # the right password would wipe the wrong codes typed before it.
    if (user.failed_logins or user.locked_until) and second_step(user) is None:
        _clear_failures(user)
    return user


def _locked_message() -> str:
    return _("Too many failed attempts. This account is locked; try again later.")


def _count_failure(user_id: int) -> None:
    """One more failed attempt (a wrong password or a wrong code); the one that reaches
    LINLI_LOGIN_MAX_FAILURES locks the account and raises ``LoginRefused``.

    The counter is bumped with a conditional UPDATE so parallel attempts cannot undercount.
    """
    User.objects.filter(pk=user_id).update(failed_logins=F("failed_logins") + 1)
    lock_until = timezone.now() + dt.timedelta(minutes=settings.LINLI_LOGIN_LOCKOUT_MINUTES)
    locked = User.objects.filter(
        pk=user_id, failed_logins__gte=settings.LINLI_LOGIN_MAX_FAILURES
    ).update(locked_until=lock_until, failed_logins=0)
    if locked:
        raise LoginRefused(_locked_message())


def _clear_failures(user: User) -> None:
    User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
    user.failed_logins, user.locked_until = 0, None


# --- the second step -----------------------------------------------------------------------

ENROL, VERIFY = "enrol", "verify"
RECOVERY_CODE_COUNT = 10
TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"


def second_factor_required(user: User) -> bool:
    """Whether the user's roles demand a second factor: superusers, street administrators,
    cadres and anyone who may unmask personal data (等保 level 3 for administrators)."""
    if user.is_superuser:
        return True
    strong = {Role.STREET_ADMIN, Role.CADRE}
    return any(g.role in strong for g in perms.grants(user)) or perms.can(user, perms.VIEW_PII)


def is_enrolled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def second_step(user: User) -> str | None:
    """What the user must do after the password: ``VERIFY`` (enrolled: a code),
    ``ENROL`` (required by a role, not enrolled yet, LINLI_REQUIRE_2FA on) or None."""
    if is_enrolled(user):
        return VERIFY
    if settings.LINLI_REQUIRE_2FA and second_factor_required(user):
        return ENROL
    return None


def _normalised_code(code: str) -> str:
    """A code as typed, without spaces or dashes; refused (400) unless it is six digits
    or shaped like a recovery code."""
    code = "".join((code or "").split()).replace("-", "").lower()
    if (len(code) == 6 and code.isdigit()) or (8 <= len(code) <= 16 and code.isalnum()):
        return code
    raise InvalidInput(
        _("Enter the 6-digit code from the authenticator app, or one of the recovery codes."),
        field="otp",
    )


def enrolment_device(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator the user is setting up (created on first ask, kept
    until confirmed, so reloading the page shows the same QR code)."""
    if is_enrolled(user):
        raise InvalidInput(_("Two-step verification is already set up for this account."))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def enrolment_confirm(*, user: User, code: str) -> list[str]:
    """Confirm the authenticator with one code from it; returns the fresh recovery codes
    (shown once: each is spent when used). A wrong code counts towards the lockout and
    changes nothing else."""
    code = _normalised_code(code)
    _refuse_if_locked(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None or is_enrolled(user):
        raise InvalidInput(_("Start the set-up again: open the set-up page."))
    if not (code.isdigit() and device.verify_token(code)):
        _count_failure(user.pk)
        raise LoginRefused(_wrong_code_message())
    return _enrolment_finish(user, device)


@transaction.atomic
def _enrolment_finish(user: User, device: TOTPDevice) -> list[str]:
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    StaticDevice.objects.filter(user=user).delete()
    recovery = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=recovery, token=c) for c in codes)
    _clear_failures(user)
    return codes


def _refuse_if_locked(user: User) -> None:
    if User.objects.filter(pk=user.pk, locked_until__gt=timezone.now()).exists():
        raise LoginRefused(_locked_message())


def _wrong_code_message() -> str:
    return _("Wrong code. Check the time on the phone and try the newest code.")


def second_factor_verify(*, user: User, code: str) -> TOTPDevice | StaticDevice:
    """Check the second step: a 6-digit code from the authenticator, or a recovery code
    (spent by its use: the delete that spends it is the check, so two parallel uses
    cannot both pass). A wrong code counts towards the lockout."""
    code = _normalised_code(code)
    _refuse_if_locked(user)
    device: TOTPDevice | StaticDevice | None = None
    if code.isdigit():
        for totp in TOTPDevice.objects.filter(user=user, confirmed=True):
            if totp.verify_token(code):
                device = totp
                break
    else:
        token = (
            StaticToken.objects.select_related("device")
            .filter(device__user=user, device__confirmed=True, token=code)
            .first()
        )
        if token is not None and StaticToken.objects.filter(pk=token.pk).delete()[0]:
            device = token.device
    if device is None:
        _count_failure(user.pk)
        raise LoginRefused(_wrong_code_message())
    _clear_failures(user)
    return device


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def second_factor_reset(*, actor, user: User) -> None:
    """A street administrator removes another staff member's authenticator and recovery
    codes (the person sets them up again at their next login). Only for people holding a
    role in the actor's street; anyone else answers 404, like a missing person."""
    held = (
        perms.filter_to_scope(StaffAssignment.objects.all(), actor, perms.ROLES_MANAGE)
        .filter(user=user)
        .order_by("pk")
        .first()
    )
    if held is None:
        raise Http404
    if user.pk == actor.pk:
        raise InvalidInput(_("You cannot reset your own second factor; ask another administrator."))
    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=user).delete()[0]
        StaticDevice.objects.filter(user=user).delete()
        if not removed:
            raise InvalidInput(_("This person has not set up two-step verification."))
        record_change(
            actor=actor,
            target=held,
            verb="reset_2fa",
            summary=_("Two-step verification of %(user)s reset") % {"user": user},
        )


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_issue(*, user: User) -> tuple[str, ApiToken]:
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        digest=_digest(raw),
        expires_at=timezone.now() + dt.timedelta(days=settings.LINLI_API_TOKEN_DAYS),
    )
    return raw, token


TOKEN_USE_RESOLUTION = dt.timedelta(minutes=1)


def token_user(raw: str) -> User | None:
    if not raw:
        return None
    now = timezone.now()
    # The digest is unique: at most one row, so no ORDER BY / LIMIT (as first() adds).
    found = list(
        ApiToken.objects.select_related("user").filter(
            digest=_digest(raw), expires_at__gt=now, user__is_active=True
        )
    )
    if not found:
        return None
    token = found[0]
    # Stamped at most once a minute: a write on every API request would cost more than
    # the read it serves (an fsync on SQLite) and serialise a client's parallel requests.
    if token.last_used_at is None or now - token.last_used_at > TOKEN_USE_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def token_revoke(*, raw: str) -> bool:
    """End an API token now (its row stays, expired, as a record of use).

    Returns whether a live token was ended; an unknown or already expired token is a no-op.
    """
    if not raw:
        return False
    now = timezone.now()
    return bool(
        ApiToken.objects.filter(digest=_digest(raw), expires_at__gt=now).update(expires_at=now)
    )
