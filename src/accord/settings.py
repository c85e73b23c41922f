"""Django settings. Everything that differs between machines comes from ACCORD_* environment variables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("ACCORD_HOME", Path.cwd()))
VAR_DIR = Path(os.environ.get("ACCORD_VAR_DIR", PROJECT_DIR / "var"))

DEBUG = os.environ.get("ACCORD_DEBUG", "0") == "1"
# The fallback key only ever signs local development sessions; production sets ACCORD_SECRET_KEY.
SECRET_KEY = os.environ.get("ACCORD_SECRET_KEY", "accord-insecure-development-key-change-me-0123456789")
ALLOWED_HOSTS = [h for h in os.environ.get("ACCORD_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("ACCORD_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
SITE_URL = os.environ.get("ACCORD_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "accord.core",
    "accord.accounts",
    "accord.creators",
    "accord.campaigns",
    "accord.matching",
    "accord.contracts",
    "accord.ledger",
    "accord.escrow",
    "accord.tracking",
    "accord.incentives",
    "accord.payouts",
    "accord.disputes",
    "accord.messaging",
    "accord.reputation",
    "accord.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accord.accounts.language.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accord.core.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "accord.urls"
WSGI_APPLICATION = "accord.wsgi.application"
ASGI_APPLICATION = "accord.asgi.application"

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
                "accord.web.context.navigation",
            ],
        },
    },
]


def _database() -> dict[str, Any]:
    url = os.environ.get("ACCORD_DATABASE_URL", "")
    if url:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
        if config["ENGINE"] == "django.db.backends.postgresql":
            config.setdefault("OPTIONS", {})
            config["TEST"] = {"NAME": os.environ.get("ACCORD_TEST_DATABASE_NAME", f"test_{config['NAME']}")}
        return config
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(VAR_DIR / "accord.sqlite3"),
        "OPTIONS": {
            # WAL lets readers proceed while one writer commits; IMMEDIATE takes the write lock at BEGIN so two
            # writers queue on busy_timeout instead of failing with "database is locked" on lock upgrade.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
        "TEST": {"NAME": str(VAR_DIR / "test-accord.sqlite3")},
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("nl", "Nederlands")]
# Each app carries its own catalog in <app>/locale (found through INSTALLED_APPS), so no LOCALE_PATHS.
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("ACCORD_STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request without it
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("ACCORD_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

EMAIL_BACKEND = os.environ.get("ACCORD_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("ACCORD_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("ACCORD_EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("ACCORD_FROM_EMAIL", "Accord <no-reply@accord.localhost>")

TASKS = {
    "default": {
        "BACKEND": os.environ.get("ACCORD_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Accord's own knobs.
ACCORD_IDEMPOTENCY_WAIT_SECONDS = float(os.environ.get("ACCORD_IDEMPOTENCY_WAIT_SECONDS", "15"))
ACCORD_IDEMPOTENCY_RETENTION_DAYS = 30
ACCORD_INVITATION_DAYS = 14
ACCORD_PAGE_SIZE = 50
# Money and providers. The platform fee is in basis points of each release (1000 = 10%), overridable per organization.
ACCORD_PLATFORM_FEE_BPS = int(os.environ.get("ACCORD_PLATFORM_FEE_BPS", "1000"))
# Payout runs move money in batches of this many payouts per transaction; an operator's "run now" with more
# creators to pay than the inline maximum goes to the background worker instead of blocking the request.
ACCORD_PAYOUTS_BATCH = int(os.environ.get("ACCORD_PAYOUTS_BATCH", "5000"))
ACCORD_PAYOUTS_INLINE_MAX = int(os.environ.get("ACCORD_PAYOUTS_INLINE_MAX", "200"))
ACCORD_STRIPE_API_KEY = os.environ.get("ACCORD_STRIPE_API_KEY", "")
ACCORD_STRIPE_WEBHOOK_SECRET = os.environ.get("ACCORD_STRIPE_WEBHOOK_SECRET", "")
ACCORD_ESCROW_ACCOUNT_HOLDER = os.environ.get("ACCORD_ESCROW_ACCOUNT_HOLDER", "Accord escrow")
ACCORD_ESCROW_IBAN = os.environ.get("ACCORD_ESCROW_IBAN", "")
ACCORD_ESCROW_BIC = os.environ.get("ACCORD_ESCROW_BIC", "")
# Tracking: click IPs are stored only as salted hashes; the salt defaults to one derived from SECRET_KEY.
ACCORD_TRACKING_SALT = os.environ.get("ACCORD_TRACKING_SALT", "")
# Tracking links on a host of their own (e.g. https://go.example.com, routed to ``accord tracking serve-redirects``);
# empty: links are this site's /t/<code>.
ACCORD_TRACKING_BASE_URL = os.environ.get("ACCORD_TRACKING_BASE_URL", "")
ACCORD_TRUST_X_FORWARDED_FOR = os.environ.get("ACCORD_TRUST_X_FORWARDED_FOR", "0") == "1"
# Outgoing webhooks: private/loopback targets and plain http only in development.
ACCORD_WEBHOOK_ALLOW_PRIVATE = os.environ.get("ACCORD_WEBHOOK_ALLOW_PRIVATE", "1" if DEBUG else "0") == "1"
ACCORD_WEBHOOK_MAX_ATTEMPTS = 8
ACCORD_WEBHOOK_BACKOFF_SECONDS = 30
ACCORD_WEBHOOK_TIMEOUT_SECONDS = 10
ACCORD_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ACCORD_MAX_PAGE_SIZE = 200

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ACCORD_LOG_LEVEL", "WARNING")},
}
