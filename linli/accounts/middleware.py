import time
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse


class StaffOnlyAdminMiddleware:
    """The Django admin is for superusers only; everyone else gets the same 404 as any unknown page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/admin/"):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and not user.is_superuser:
                raise Http404
        return self.get_response(request)


class IdleTimeoutMiddleware:
    """Sliding idle timeout: each request pushes the session's expiry SESSION_COOKIE_AGE
    ahead, but the session is written at most once a minute (``REFRESH_SECONDS``) rather
    than on every request, which cost a database write per page. A session idle for the
    configured minutes (give or take one) has expired."""

    REFRESH_SECONDS = 60
    KEY = "_linli_refreshed"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            now = int(time.time())
            if now - session.get(self.KEY, 0) >= self.REFRESH_SECONDS:
                session[self.KEY] = now  # marks it modified: SessionMiddleware saves it
        return response


# Set in the session once the second step passed, or once the login needed none.
SECOND_STEP_KEY = "_linli_second_step"


def second_step_done(request) -> None:
    request.session[SECOND_STEP_KEY] = request.user.pk


class SecondStepMiddleware:
    """Until the second step (a code from the authenticator, or a recovery code) passes, a
    logged-in session grants nothing: every page but the second-step pages and logging out
    redirects to the step due, and the API sees no user from the session (a bearer token is
    issued only after both steps). A session without the mark is checked on each request,
    so a grant that demands a second factor takes effect at once."""

    OPEN_PATHS = ("/accounts/second-step/", "/accounts/logout/", "/i18n/", "/static/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and request.session.get(SECOND_STEP_KEY) != user.pk
        ):
            from . import services  # the models load after the middleware module

            step = services.second_step(user)
            if step is None:
                second_step_done(request)
            elif request.path.startswith("/api/"):
                request.user = AnonymousUser()
            elif not request.path.startswith(self.OPEN_PATHS):
                name = "accounts:enrol" if step == services.ENROL else "accounts:second_step"
                target = reverse(name)
                if request.method == "GET":
                    target += "?" + urlencode({"next": request.get_full_path()})
                return redirect(target)
        return self.get_response(request)
