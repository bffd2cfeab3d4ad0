import time

from django.http import Http404


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
