"""Local development and the demo (`make demo`): SQLite by default, keys derived for convenience."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env("LINLI_DEBUG", "1") == "1"
SECRET_KEY = SECRET_KEY or "linli-local-development-key-not-for-production"  # noqa: F405
ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]  # noqa: F405
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}

# The SQLite file and uploads live in var/; create it so a fresh clone works at once.
VAR_DIR.mkdir(parents=True, exist_ok=True)  # noqa: F405
