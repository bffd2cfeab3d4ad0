"""API tokens: log in for a bearer token, and end it.

Issuing goes through ``services.login_attempt``, so the API and the login page share
one lockout: five failures lock the account, and a locked account is refused even
with the right password. A user with a second step (see ``services.second_step``)
gets a token only with a good ``otp``: wrong codes count towards the same lockout.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from linli.core.api import NO_NUL, ErrorOut, InputSchema, ValidationErrorOut
from linli.core.errors import LinliError

from . import services

router = Router(tags=["auth"])


class TokenIn(InputSchema):
    username: str = Field(..., min_length=1, max_length=150, pattern=NO_NUL)
    password: str = Field(..., min_length=1, max_length=4096, pattern=NO_NUL)
    otp: str = Field(
        "",
        max_length=64,
        pattern=NO_NUL,
        description="the 6-digit code from the authenticator app, or a recovery code "
        "(needed by accounts with two-step verification)",
    )


class TokenOut(Schema):
    token: str = Field(..., description="send as 'Authorization: Bearer <token>'")
    token_type: str = "Bearer"
    expires_at: dt.datetime


class LoginFailed(LinliError):
    status = 401


@router.post(
    "/token",
    auth=None,
    response={200: TokenOut, 400: ErrorOut, 401: ErrorOut, 422: ValidationErrorOut},
    summary="Get a bearer token",
)
def token_create(request, payload: TokenIn):
    """Exchange a username and password for a bearer token (valid LINLI_API_TOKEN_DAYS days).

    Wrong credentials and a locked account both answer 401 with ``code`` "login_refused";
    the message says which of the two it is, never which part was wrong. For an account
    with two-step verification: no ``otp`` answers 401 "otp_required", a wrong one 401
    "otp_refused" (it counts towards the lockout), one of the wrong shape 400 "invalid";
    an account that must set it up and has not answers 401 "otp_enrol_required".
    """
    try:
        user = services.login_attempt(
            request=request, username=payload.username, password=payload.password
        )
    except services.LoginRefused as exc:
        raise LoginFailed(str(exc), code="login_refused") from None
    step = services.second_step(user)
    if step == services.ENROL:
        raise LoginFailed(
            _(
                "This account must set up two-step verification first: log in on the "
                "website once and follow the steps, then ask for a token with the code."
            ),
            code="otp_enrol_required",
        )
    if step == services.VERIFY:
        if not payload.otp.strip():
            raise LoginFailed(
                _(
                    "This account uses two-step verification: send the 6-digit code from "
                    "the authenticator app, or a recovery code, in the otp field."
                ),
                code="otp_required",
                field="otp",
            )
        try:
            services.second_factor_verify(user=user, code=payload.otp)
        except services.LoginRefused as exc:
            raise LoginFailed(str(exc), code="otp_refused", field="otp") from None
    raw, token = services.token_issue(user=user)
    return {"token": raw, "expires_at": token.expires_at}


@router.delete("/token", response={204: None, 401: ErrorOut}, summary="End this token")
def token_delete(request):
    """Revoke the bearer token this request was made with; it stops working at once."""
    services.token_revoke(raw=request.api_token)
    return Status(204, None)
