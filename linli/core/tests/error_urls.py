"""A URLconf for the error-page tests: the site's own URLs plus views that fail on purpose."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from config.urls import urlpatterns as site


def _forbidden(request):
    raise PermissionDenied


def _bad(request):
    raise SuspiciousOperation("tampered input")


def _broken(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("fail/403/", _forbidden),
    path("fail/400/", _bad),
    path("fail/500/", _broken),
    *site,
]
