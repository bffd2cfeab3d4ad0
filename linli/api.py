"""The JSON API at /api/v1/: one NinjaAPI joining each app's router.

Authentication is a bearer token from ``POST /api/v1/auth/token``; scope and
masking are the same as on the pages because both go through the same selectors.
Every error is ``{"code", "message", "field"}`` (see ``linli.core.api.ErrorOut``);
the OpenAPI document at /api/v1/openapi.json needs no token.
"""

from __future__ import annotations

from django.db.utils import OperationalError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer

from linli.accounts.api import router as auth_router
from linli.accounts.services import token_user
from linli.core.db import is_timeout
from linli.core.errors import InvalidForm, LinliError
from linli.registry.api import router as registry_router


class BearerToken(HttpBearer):
    """``Authorization: Bearer <token>``; the raw token is kept on the request for revocation."""

    def authenticate(self, request, token):
        user = token_user(token)
        if user is not None:
            request.user = user
            request.api_token = token
        return user


class Utf8JSON(JSONRenderer):
    """Chinese text as UTF-8 rather than \\u escapes, so curl output stays readable."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="Linli API",
    version="1",
    description=(
        "Grid registry of the Linli community-governance platform. Every list and "
        "detail is limited to what the token's user may see; records outside that "
        "scope answer 404 exactly like missing ones. ID numbers and phones are masked."
    ),
    urls_namespace="api",
    auth=BearerToken(),
    openapi_url="/openapi.json",
    docs_url="/docs",
    renderer=Utf8JSON(),
)


def _error(request, status: int, code: str, message: str, field: str | None = None, **extra):
    body = {"code": code, "message": message, "field": field, **extra}
    return api.create_response(request, body, status=status)


@api.exception_handler(LinliError)
def linli_error(request, exc: LinliError):
    extra = {"errors": exc.errors} if isinstance(exc, InvalidForm) else {}
    return _error(request, exc.status, exc.code, exc.message, exc.field, **extra)


@api.exception_handler(OperationalError)
def database_error(request, exc: OperationalError):
    if not is_timeout(exc):
        raise exc
    return _error(
        request,
        503,
        "too_broad",
        _("The query took longer than the server allows and was stopped; narrow it down."),
    )


@api.exception_handler(Http404)
def not_found(request, exc):
    return _error(request, 404, "not_found", _("Not found."))


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    response = _error(
        request,
        401,
        "unauthenticated",
        _("Send a valid bearer token: POST /api/v1/auth/token gives one."),
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(ValidationError)
def invalid_input(request, exc: ValidationError):
    """422 naming each input that does not fit, e.g. ``page: Input should be ...``."""
    errors = [
        {"field": _field_name(err.get("loc", ())), "message": str(err.get("msg", ""))}
        for err in exc.errors
    ]
    details = "; ".join(
        f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors
    )
    first = errors[0]["field"] if errors else None
    return _error(
        request,
        422,
        "invalid",
        _("Invalid input: %(details)s") % {"details": details},
        first or None,
        errors=errors,
    )


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    # Raised by ninja itself, e.g. a request body that is not JSON (400).
    return _error(request, exc.status_code, "bad_request", _("The request could not be read."))


def _field_name(loc) -> str:
    """The input's own name: ('query', 'page') → 'page'; ('body', 'payload', 'username') →
    'username'; ('query', 'search', 'tag', 0) → 'tag' (the list index and the wrapping
    parameter are ninja's, not the client's)."""
    names = [str(part) for part in loc if not isinstance(part, int)]
    if len(names) < 2 or names[1:] == ["payload"]:
        return ""  # the request as a whole (e.g. no JSON body at all)
    return names[-1]


api.add_router("/auth", auth_router)
api.add_router("/", registry_router)
api.add_router("/workorders", "linli.workorders.api.router")
api.add_router("/orders", "linli.volunteering.api.router")
api.add_router("/claims", "linli.volunteering.api.claims_router")
api.add_router("/points", "linli.points.api.router")
api.add_router("/store", "linli.points.api.store_router")
api.add_router("/campaigns", "linli.safety.api.campaigns_router")
api.add_router("/inspections", "linli.safety.api.inspections_router")
api.add_router("/hazards", "linli.safety.api.hazards_router")
api.add_router("/notices", "linli.safety.api.notices_router")
api.add_router("/facilities/charging", "linli.safety.api.charging_router")
api.add_router("/facilities", "linli.safety.api.facilities_router")
api.add_router("/distributions", "linli.outreach.api.router")
api.add_router("/drills", "linli.outreach.api.drills_router")


def unknown_route(request, path: str = ""):
    """Any /api/v1/ path no router matches: the same JSON 404 as a missing record."""
    return not_found(request, Http404())
