"""Settings shared by every environment. Secrets and the database come from the environment."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("LINLI_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


SECRET_KEY = env("LINLI_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = [h for h in (env("LINLI_ALLOWED_HOSTS", "") or "").split(",") if h]

# Linli's apps come first: for a msgid translated in several catalogues, Django uses the
# app listed first, and our wording (退出, 查找 ...) must win over Django's own.
INSTALLED_APPS = [
    "linli.core",
    "linli.accounts",
    "linli.grids",
    "linli.registry",
    "linli.workorders",
    "linli.points",
    "linli.volunteering",
    "linli.safety",
    "linli.outreach",
    "linli.demo",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "treebeard",
    "django_otp",
    "linli.core.thirdparty.AuthenticatorConfig",  # django_otp's TOTP plugin, named in Chinese
    "linli.core.thirdparty.RecoveryCodesConfig",  # django_otp's static plugin, named in Chinese
    "django_tasks",
    "linli.core.thirdparty.TasksDatabaseConfig",  # django_tasks_db, named in Chinese
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "linli.core.middleware.RequestAddressMiddleware",  # the audit trail's "from where"
    "django.contrib.sessions.middleware.SessionMiddleware",
    "linli.core.db.ReadYourWritesMiddleware",  # who wrote a moment ago reads the primary
    "linli.accounts.middleware.IdleTimeoutMiddleware",
    "linli.core.middleware.LanguageMiddleware",  # Chinese unless the user chose otherwise
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "linli.accounts.middleware.SecondStepMiddleware",  # nothing until the second factor passes
    "django.contrib.messages.middleware.MessageMiddleware",
    "linli.core.offline.QueueAnswerMiddleware",  # the phone's queue is answered in JSON
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "linli.accounts.middleware.StaffOnlyAdminMiddleware",
    "linli.core.db.StatementTimeoutMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "linli.core.context_processors.linli",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env("LINLI_DATABASE_URL", f"sqlite:///{VAR_DIR / 'linli.sqlite3'}"),
        conn_max_age=env_int("LINLI_DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Writers wait for the lock instead of failing at once (web + worker share the file).
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# A PostgreSQL streaming replica for the heavy read-only pages (metrics, .xlsx exports):
# they ask for it with linli.core.db.reading_from_replica(); every other read and every
# write stays on the primary. Unset: one database, nothing routed anywhere else.
_replica_url = env("LINLI_DATABASE_REPLICA_URL", "") or ""
if _replica_url:
    DATABASES["replica"] = dj_database_url.parse(
        _replica_url, conn_max_age=env_int("LINLI_DB_CONN_MAX_AGE", 60)
    )
LINLI_REPLICA_READS = bool(_replica_url)
# After a POST that wrote, that user reads from the primary for this many seconds.
LINLI_READ_YOUR_WRITES_SECONDS = env_int("LINLI_READ_YOUR_WRITES_SECONDS", 10)
DATABASE_ROUTERS = ["linli.core.db.ReplicaRouter"]
# Migrations connect as the role that owns the tables; everything else as the app role
# above, which owns nothing (linli/core/roles.py, `linli db-roles`). Empty: one role.
LINLI_DATABASE_OWNER_URL = env("LINLI_DATABASE_OWNER_URL", "") or ""
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "linli.accounts.passwords.CharacterClassValidator"},
]

# Login hardening: lockout after N failures, and the session ends after the idle timeout
# (the cookie age is renewed on every request, so it measures idleness, not login age).
LINLI_LOGIN_MAX_FAILURES = env_int("LINLI_LOGIN_MAX_FAILURES", 5)
LINLI_LOGIN_LOCKOUT_MINUTES = env_int("LINLI_LOGIN_LOCKOUT_MINUTES", 15)
SESSION_COOKIE_AGE = env_int("LINLI_SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = False  # IdleTimeoutMiddleware slides the expiry once a minute
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
# Two-step login (TOTP from an authenticator app, plus recovery codes; django-otp).
# Street administrators, cadres and anyone who may unmask personal data must enrol while
# this is on (等保 level 3); anyone else may. Local and demo settings turn it off.
LINLI_REQUIRE_2FA = env("LINLI_REQUIRE_2FA", "1") != "0"
OTP_TOTP_ISSUER = "Linli"
# Wrong codes count towards the login lockout above; django-otp's own growing delay
# would make the right code fail for a while after a slip, so it is off.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
LINLI_API_TOKEN_DAYS = env_int("LINLI_API_TOKEN_DAYS", 30)
# Web requests' statements are cancelled after this long (PostgreSQL; 0: never). See core.db.
# How long the change history and the access log are kept, at least (等保 level 3 asks
# for 180 days; less is raised to 180). Nothing in Linli deletes them.
LINLI_AUDIT_RETENTION_DAYS = max(180, env_int("LINLI_AUDIT_RETENTION_DAYS", 180))
LINLI_STATEMENT_TIMEOUT_MS = env_int("LINLI_STATEMENT_TIMEOUT_MS", 10_000)
# The request META key holding the client's address behind a reverse proxy (nginx:
# proxy_set_header X-Real-IP $remote_addr; then HTTP_X_REAL_IP). Empty: REMOTE_ADDR.
LINLI_CLIENT_ADDRESS_HEADER = env("LINLI_CLIENT_ADDRESS_HEADER", "")

# Personal data keys. Production must set both; local/test derive stable keys from SECRET_KEY.
LINLI_PII_KEY = env("LINLI_PII_KEY", "")
LINLI_BLIND_INDEX_KEY = env("LINLI_BLIND_INDEX_KEY", "")

# Excel ledgers: hostile-file limits.
LINLI_IMPORT_MAX_BYTES = env_int("LINLI_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
LINLI_IMPORT_MAX_UNCOMPRESSED_BYTES = env_int(
    "LINLI_IMPORT_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024
)
LINLI_IMPORT_MAX_ROWS = env_int("LINLI_IMPORT_MAX_ROWS", 200_000)
# Exported files are kept (sealed) this many hours for their owner to download.
LINLI_EXPORT_KEEP_HOURS = env_int("LINLI_EXPORT_KEEP_HOURS", 24)
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

NINJA_PAGINATION_PER_PAGE = 50

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LINLI_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

LINLI_APP_NAME = _("Linli community governance")
