"""API tokens: log in for a bearer token, and end it.

Issuing goes through ``services.login_attempt``, so the API and the login page share
one lockout: five failures lock the account, and a locked account is refused even
with the right password.
"""

from __future__ import annotations

import datetime as dt

from ninja import Field, Router, Schema, Status

from linli.core.api import NO_NUL, ErrorOut, InputSchema, ValidationErrorOut
from linli.core.errors import LinliError

from . import services

router = Router(tags=["auth"])


class TokenIn(InputSchema):
    username: str = Field(..., min_length=1, max_length=150, pattern=NO_NUL)
    password: str = Field(..., min_length=1, max_length=4096, pattern=NO_NUL)


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
    the message says which of the two it is, never which part was wrong.
    """
    try:
        user = services.login_attempt(
            request=request, username=payload.username, password=payload.password
        )
    except services.LoginRefused as exc:
        raise LoginFailed(str(exc), code="login_refused") from None
    raw, token = services.token_issue(user=user)
    return {"token": raw, "expires_at": token.expires_at}


@router.delete("/token", response={204: None, 401: ErrorOut}, summary="End this token")
def token_delete(request):
    """Revoke the bearer token this request was made with; it stops working at once."""
    services.token_revoke(raw=request.api_token)
    return Status(204, None)
