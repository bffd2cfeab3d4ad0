"""Local development and the demo (`make demo`): SQLite by default, keys derived for convenience."""

from .base import *  # noqa: F403
from .base import env

# Off unless a developer asks (LINLI_DEBUG=1): with it on, any error or unknown address shows
# Django's debug page with settings and the list of every URL, which the demo must not.
DEBUG = env("LINLI_DEBUG", "0") == "1"
# The demo logs staff in with a password alone unless LINLI_REQUIRE_2FA=1; the login page
# says so. Anyone who enrolled still passes the second step.
LINLI_REQUIRE_2FA = env("LINLI_REQUIRE_2FA", "0") == "1"
SECRET_KEY = SECRET_KEY or "linli-local-development-key-not-for-production"  # noqa: F405
ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]  # noqa: F405
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}

# Static files come from WhiteNoise, straight from each app's static/ folder (no collectstatic),
# with DEBUG off as well: runserver serves them only in DEBUG.
MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG  # a developer's edits show without a restart

# The SQLite file and uploads live in var/; create it so a fresh clone works at once.
VAR_DIR.mkdir(parents=True, exist_ok=True)  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (WhiteNoise looks there too)
