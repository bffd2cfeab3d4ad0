"""Tests: fast hashing, immediate tasks, SQLite unless LINLI_DATABASE_URL points elsewhere."""

import os

from .base import *  # noqa: F403
from .base import DATABASES, INSTALLED_APPS, dj_database_url

# The test helpers, and the models the workflow kit's own tests run on.
INSTALLED_APPS = [*INSTALLED_APPS, "linli.testing"]

SECRET_KEY = "linli-test-secret-key"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if not os.environ.get("LINLI_DATABASE_URL"):
    DATABASES["default"] = dj_database_url.parse("sqlite://:memory:")
# The replica alias reads the test database: the real replica's copy of it when
# LINLI_DATABASE_REPLICA_URL is set, else another connection to the same database. Pages
# keep reading from the primary unless a test turns LINLI_REPLICA_READS on.
_replica_url = os.environ.get("LINLI_DATABASE_REPLICA_URL")
DATABASES["replica"] = {
    **(dj_database_url.parse(_replica_url) if _replica_url else DATABASES["default"]),
    "TEST": {"MIRROR": "default"},
}
LINLI_REPLICA_READS = False
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Off, so the tests and the browser tests log staff in with a password; the two-step
# tests turn it on (settings fixture). Enrolled users pass the second step either way.
LINLI_REQUIRE_2FA = False
LINLI_NOTIFIER = "linli.core.notify.MemoryNotifier"
# Kept counts are recounted in the writing transaction (the worker does it within a minute).
LINLI_COUNTS_IMMEDIATE = True
