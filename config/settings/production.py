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
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = [o for o in (env("LINLI_CSRF_TRUSTED_ORIGINS", "") or "").split(",") if o]

# Static files served by the app itself (compressed, cache-busted) so nginx needs no static config.
MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")  # noqa: F405
