"""The JSON API at /api/v1/: one NinjaAPI joining each app's router.

Authentication is a bearer token from ``POST /api/v1/auth/token``; scope and
masking are the same as on the pages because both go through the same selectors.
"""

from django.http import Http404
from ninja import NinjaAPI
from ninja.security import HttpBearer

from linli.accounts.services import token_user
from linli.core.errors import LinliError


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = token_user(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Linli API",
    version="1",
    urls_namespace="api",
    auth=BearerToken(),
    openapi_url="/openapi.json",
    docs_url="/docs",
)


@api.exception_handler(LinliError)
def linli_error(request, exc: LinliError):
    return api.create_response(
        request, {"code": exc.code, "message": exc.message, "field": exc.field}, status=exc.status
    )


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"code": "not_found", "message": "Not found"}, status=404)
