"""Login with lockout, and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ApiToken, User


class LoginRefused(Exception):
    """Login failed; ``str(exc)`` is the message to show (it never says which part was wrong)."""


def login_attempt(*, request, username: str, password: str) -> User:
    """Check credentials with lockout after LINLI_LOGIN_MAX_FAILURES consecutive failures.

    The failure counter is bumped with a conditional UPDATE so parallel attempts
    cannot undercount. A locked account is refused even with the right password.
    """
    now = timezone.now()
    candidate = User.objects.filter(username=username).only("pk", "locked_until").first()
    if candidate and candidate.locked_until and candidate.locked_until > now:
        raise LoginRefused(_("Too many failed attempts. This account is locked; try again later."))
    user = authenticate(request, username=username, password=password)
    if user is None:
        if candidate:
            User.objects.filter(pk=candidate.pk).update(failed_logins=F("failed_logins") + 1)
            lock_until = now + dt.timedelta(minutes=settings.LINLI_LOGIN_LOCKOUT_MINUTES)
            locked = User.objects.filter(
                pk=candidate.pk, failed_logins__gte=settings.LINLI_LOGIN_MAX_FAILURES
            ).update(locked_until=lock_until, failed_logins=0)
            if locked:
                raise LoginRefused(
                    _("Too many failed attempts. This account is locked; try again later.")
                )
        raise LoginRefused(_("Wrong username or password."))
    if user.failed_logins or user.locked_until:
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
    return user


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
