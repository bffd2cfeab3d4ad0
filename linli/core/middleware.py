"""The language of each response: Chinese first.

Pages speak Chinese unless the user picked another language with the language picker (its
choice is kept in the language cookie). The browser's Accept-Language header is not asked:
an English phone still gets the Chinese login page a street office hands its residents.
The JSON API and Open311 serve programs, which state the language they want in
Accept-Language, so there the header is honoured (cookie, header, then Chinese).
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers

# Paths whose clients are programs: they choose their language with Accept-Language.
HEADER_LANGUAGE_PATHS = ("/api/", "/open311/")


def _chosen(request) -> str | None:
    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


class LanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        by_header = request.path_info.startswith(HEADER_LANGUAGE_PATHS)
        if by_header:
            language = translation.get_language_from_request(request)
        else:
            language = _chosen(request) or settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        if by_header:
            patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class RequestAddressMiddleware:
    """Remember where the request came from for the audit trail (``core.audit``). Behind a
    reverse proxy, the proxy's own address is REMOTE_ADDR; set LINLI_CLIENT_ADDRESS_HEADER
    (e.g. ``HTTP_X_REAL_IP``, which nginx sets) to read the client's from the proxy."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = getattr(settings, "LINLI_CLIENT_ADDRESS_HEADER", "") or "REMOTE_ADDR"

    def __call__(self, request):
        from .audit import request_address

        address = (request.META.get(self.header) or request.META.get("REMOTE_ADDR") or "")[:45]
        token = request_address.set(address or None)
        try:
            return self.get_response(request)
        finally:
            request_address.reset(token)
