"""Production: PostgreSQL, secrets required, secure cookies. Run behind nginx with gunicorn."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import LINLI_BLIND_INDEX_KEY, LINLI_PII_KEY, SECRET_KEY, env

for _name, _value in [
    ("LINLI_SECRET_KEY", SECRET_KEY),
    ("LINLI_PII_KEY", LINLI_PII_KEY),
    ("LINLI_BLIND_INDEX_KEY", LINLI_BLIND_INDEX_KEY),
]:
    if not _value:
        raise ImproperlyConfigured(f"{_name} must be set in production")

SESSION_COOKIE_SECURE = env("LINLI_INSECURE_COOKIES", "0") != "1"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HTTPS only: plain HTTP is redirected (behind a TLS proxy that sets X-Forwarded-Proto) and
# browsers are told to use HTTPS for a year (等保 2.0: confidentiality in transit). Set
# LINLI_SSL_REDIRECT=0 when the proxy redirects itself; LINLI_HSTS_SECONDS=0 while trying
# out a new domain (and LINLI_HSTS_PRELOAD=0 unless the domain goes on the browsers' preload
# list). /healthz stays reachable over plain HTTP for local probes.
SECURE_SSL_REDIRECT = env("LINLI_SSL_REDIRECT", "1") == "1"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(env("LINLI_HSTS_SECONDS", str(365 * 24 * 3600)) or 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env("LINLI_HSTS_SUBDOMAINS", "1") == "1"
SECURE_HSTS_PRELOAD = env("LINLI_HSTS_PRELOAD", "1") == "1"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = [o for o in (env("LINLI_CSRF_TRUSTED_ORIGINS", "") or "").split(",") if o]

# Static files served by the app itself (compressed, cache-busted) so nginx needs no static config.
MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")  # noqa: F405
