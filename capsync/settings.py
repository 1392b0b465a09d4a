"""Capsync settings: one module for every deployment, configured from the environment.

Every variable is listed in README.md and .env.example. Defaults let `make demo` run on SQLite with an embedded
broker; production (DEBUG=0) refuses to start without a real SECRET_KEY and CAPSYNC_ENCRYPTION_KEYS, or with the
console email backend. docs/OPERATIONS.md covers running it.

Longer than 400 lines because one settings module for every deployment is the rule (STYLE rule 3): splitting it
would hide which environment variable sets what.
"""

import os
from pathlib import Path

import environ
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

DEVELOPMENT_SECRET_KEY = "capsync-development-only-secret-key-do-not-use-in-production"
# A fixed Fernet key so the demo works out of the box; production must set its own.
DEVELOPMENT_ENCRYPTION_KEY = "Y2Fwc3luYy1kZXZlbG9wbWVudC1vbmx5LWtleS0wMDA="


def env_secret(name: str, default: str = "") -> str:
    """Read a secret from NAME, or from the file named by NAME_FILE (Docker/Kubernetes secrets)."""
    file_name = env.str(f"{name}_FILE", default="")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE points to {file_name!r}, which cannot be read: {exc}") from exc
    return env.str(name, default=default)


def env_bool(name: str, *, default: bool) -> bool:
    """Read a boolean strictly: 1/0, true/false, on/off. Anything else stops startup rather than guessing."""
    raw = env.str(name, default="").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "on"}:
        return True
    if raw in {"0", "false", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, on/off), got {raw!r}.")


DEBUG = env_bool("DEBUG", default=True)

SECRET_KEY = env_secret("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
# Old keys, still accepted for signatures (sessions, password reset links) while a new SECRET_KEY takes over.
SECRET_KEY_FALLBACKS = [key.strip() for key in env_secret("SECRET_KEY_FALLBACKS").split(",") if key.strip()]
CAPSYNC_ENCRYPTION_KEYS = [key.strip() for key in env_secret("CAPSYNC_ENCRYPTION_KEYS").split(",") if key.strip()]

if not DEBUG:
    # .env.example's placeholder starts with "change-me": copying the example must not yield a public key.
    if SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 32 or SECRET_KEY.startswith("change-me"):
        raise ImproperlyConfigured(
            "Refusing to start with DEBUG=0: set SECRET_KEY (or SECRET_KEY_FILE) to a random string of 32+ characters."
        )
    if not CAPSYNC_ENCRYPTION_KEYS:
        raise ImproperlyConfigured(
            "Refusing to start with DEBUG=0: set CAPSYNC_ENCRYPTION_KEYS to one or more comma-separated Fernet keys "
            "(make one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')."
        )
if not CAPSYNC_ENCRYPTION_KEYS:
    CAPSYNC_ENCRYPTION_KEYS = [DEVELOPMENT_ENCRYPTION_KEY]
for _position, _key in enumerate(CAPSYNC_ENCRYPTION_KEYS, start=1):
    try:
        Fernet(_key)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"CAPSYNC_ENCRYPTION_KEYS: key {_position} is not a Fernet key (32 url-safe base64-encoded bytes)."
        ) from exc

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "accounts.apps.CapsyncAdminConfig",  # django.contrib.admin, signed in through allauth with two factors
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",  # pg_trgm lookups for search/; harmless on SQLite
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "accounts",
    "contacts",
    "opportunities",
    "imports",
    "invoices",
    "notifications",
    "activity",
    "dashboard",
    "forecast",
    "search",
    "demo",
    "web",
    "integrations.xero",
    "health",
]

MIDDLEWARE = [
    # First: load balancers and compose probe /healthz by IP over plain HTTP, which must not meet ALLOWED_HOSTS,
    # the HTTPS redirect or the login requirement.
    "health.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
]

ROOT_URLCONF = "capsync.urls"
WSGI_APPLICATION = "capsync.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "integrations.xero.context_processors.xero_banner",
                "notifications.context_processors.unread_notifications",
                "activity.context_processors.open_task_count",
                "accounts.context_processors.money_permission",
            ],
            # `|nobidi`, the one filter that shows names without bidirectional overrides, in every template.
            "builtins": ["web.templatetags.bidi"],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The demo's web, worker threads and beat share one SQLite file: write-ahead logging lets them read while one
    # writes, IMMEDIATE transactions take the write lock up front, and writers wait instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: email addresses identify people; there are no usernames. Accounts are made by an admin,
# so open sign-up is off unless ACCOUNT_ALLOW_SIGNUP=1.
ACCOUNT_ALLOW_SIGNUP = env_bool("ACCOUNT_ALLOW_SIGNUP", default=False)
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="none")
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
# Failed sign-ins count per account from one address (allauth's `key`, made email + client address by
# accounts.adapter) and, more loosely, per address: someone trying made-up emails from one address no longer
# locks out everyone else there (behind a proxy: everyone), and cannot lock an account from elsewhere.
ACCOUNT_RATE_LIMITS = {"login_failed": "30/m/ip,5/5m/key"}
# allauth keeps those counts (and its TOTP replay guard) in Django's cache. Per process by default, which is
# right for the demo and the tests; production points CACHE_URL at Redis (docker-compose uses its own Redis
# database, 1, apart from Celery's) so every gunicorn worker sees the same counts.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Capsync"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Hashed, compressed static files with a manifest in production. Its own switch, because the image collects them
# at build time, where DEBUG=1 stands in for the secrets a DEBUG=0 start demands (see the Dockerfile).
STATICFILES_MANIFEST = env_bool("STATICFILES_MANIFEST", default=not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATICFILES_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Content Security Policy (Django's built-in middleware). No inline scripts or styles: htmx is served from
# static files and told not to inject its indicator <style> (see templates/base.html).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
BEHIND_HTTPS_PROXY = env_bool("BEHIND_HTTPS_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_HTTPS_PROXY else None
# The client's address, for allauth's sign-in throttle: behind the proxy every request comes from the proxy, so
# take the address it appends to X-Forwarded-For (the last one; what a client sends before it is not trusted),
# or the header a proxy sets instead (e.g. X-Real-IP, CF-Connecting-IP).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("ALLAUTH_TRUSTED_PROXY_COUNT", default=1 if BEHIND_HTTPS_PROXY else 0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env.str("ALLAUTH_TRUSTED_CLIENT_IP_HEADER", default="") or None

# Behind a TLS proxy Django can tell HTTPS from HTTP, so redirecting and HSTS are safe defaults there (as in
# cookiecutter-django); without one, redirecting would loop, so both stay off unless set explicitly.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=BEHIND_HTTPS_PROXY)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 60 * 60 if BEHIND_HTTPS_PROXY else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)

CONSOLE_EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
_email_backend = env.str("EMAIL_BACKEND", default="") or CONSOLE_EMAIL_BACKEND
if not DEBUG and _email_backend == CONSOLE_EMAIL_BACKEND and not env_bool("EMAIL_BACKEND_CONSOLE_OK", default=False):
    raise ImproperlyConfigured(
        "Refusing to start with DEBUG=0 and the console email backend: overdue alerts and 'reconnect Xero' emails "
        "would only be printed to the log. Set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and "
        "EMAIL_HOST (see .env.example), or set EMAIL_BACKEND_CONSOLE_OK=1 to keep emails in the log on purpose."
    )
MAILERS = {
    "default": {
        "BACKEND": _email_backend,
        "OPTIONS": {
            "host": env.str("EMAIL_HOST", default="localhost"),
            "port": env.int("EMAIL_PORT", default=587),
            "username": env.str("EMAIL_HOST_USER", default=""),
            "password": env_secret("EMAIL_HOST_PASSWORD"),
            "use_tls": env_bool("EMAIL_USE_TLS", default=True),
        }
        if _email_backend.endswith("smtp.EmailBackend")
        else {},
    }
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Capsync <capsync@localhost>")

# Redis serves Celery (broker and results) and the sync locks. Without REDIS_URL the demo runs Celery on
# kombu's filesystem transport, which needs no server at all.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
if CELERY_BROKER_URL == "filesystem://":
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "broker"),
        "data_folder_out": str(VAR_DIR / "broker"),
        "processed_folder": str(VAR_DIR / "broker-processed"),
        "control_folder": str(VAR_DIR / "broker-control"),  # kombu's default is ./control beside the code
        "store_processed": False,
    }
else:
    # Longer than any task's time limit or retry countdown, so an unacked task is never redelivered early.
    _visibility_timeout = env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * 60 * 60)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": _visibility_timeout,
        # Workers look for tasks abandoned by a dead worker this often (a cheap Redis range query).
        "unacked_restore_interval": max(1, min(10, _visibility_timeout // 5)),
        "unacked_restore_throttle": 1,
    }
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=50 * 60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=55 * 60)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "integrations.xero.tasks.*": {"queue": "xero"},
    "notifications.tasks.*": {"queue": "celery"},
    "imports.tasks.*": {"queue": "celery"},
    "forecast.tasks.*": {"queue": "celery"},
}

XERO_LOGIN_URL = env.str("XERO_LOGIN_URL", default="https://login.xero.com").rstrip("/")
XERO_IDENTITY_URL = env.str("XERO_IDENTITY_URL", default="https://identity.xero.com").rstrip("/")
XERO_API_URL = env.str("XERO_API_URL", default="https://api.xero.com").rstrip("/")
XERO_CLIENT_ID = env.str("XERO_CLIENT_ID", default="")
XERO_CLIENT_SECRET = env_secret("XERO_CLIENT_SECRET")
XERO_WEBHOOK_KEY = env_secret("XERO_WEBHOOK_KEY")
# "Connect to Xero" posts a form that redirects to Xero's login page; browsers apply form-action to that redirect.
SECURE_CSP["form-action"] = [CSP.SELF, XERO_LOGIN_URL]

# What Capsync asks of a Xero organisation: Xero's granular scopes (required of apps created since March 2026).
XERO_SCOPES = env.list(
    "XERO_SCOPES",
    default=[
        "openid",
        "profile",
        "email",
        "offline_access",
        "accounting.contacts",
        "accounting.invoices",
        "accounting.payments",
        "accounting.settings.read",
    ],
)
# oauthlib refuses plain http. Allow it only when every Xero URL is either https or on this machine (the sandbox).
_XERO_URLS = (XERO_LOGIN_URL, XERO_IDENTITY_URL, XERO_API_URL)
if all(url.startswith(("https://", "http://127.0.0.1", "http://localhost")) for url in _XERO_URLS):
    if any(url.startswith("http://") for url in _XERO_URLS):
        os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")
else:
    raise ImproperlyConfigured(
        "XERO_LOGIN_URL, XERO_IDENTITY_URL and XERO_API_URL must use https (or be on 127.0.0.1)."
    )
# Xero answers with the scopes it granted, which may be listed in another order or grow over consents.
os.environ.setdefault("OAUTHLIB_RELAX_TOKEN_SCOPE", "1")
# The cash-in forecast expects an open opportunity's money this many days after its close date when its
# organisation has no payment terms stored from Xero.
FORECAST_PAYMENT_TERMS_DAYS = env.int("FORECAST_PAYMENT_TERMS_DAYS", default=30)
# How old the dashboard's forecast card may get before a load queues its refresh (forecast.card).
FORECAST_CARD_SECONDS = env.int("FORECAST_CARD_SECONDS", default=600)
if not 0 <= FORECAST_PAYMENT_TERMS_DAYS <= 365:
    raise ImproperlyConfigured(f"FORECAST_PAYMENT_TERMS_DAYS must be 0 to 365 days, got {FORECAST_PAYMENT_TERMS_DAYS}")

XERO_SYNC_INTERVAL_SECONDS = env.int("XERO_SYNC_INTERVAL_SECONDS", default=2 * 60 * 60)
# New organisations start with this interval, and the database refuses one under 5 minutes: a shorter setting
# would only surface as a failed "Connect to Xero", so it stops startup instead.
if XERO_SYNC_INTERVAL_SECONDS < 5 * 60:
    raise ImproperlyConfigured(
        f"XERO_SYNC_INTERVAL_SECONDS must be at least 300 (5 minutes), got {XERO_SYNC_INTERVAL_SECONDS}. To make beat "
        "look for due organisations more often, set XERO_SYNC_FANOUT_SECONDS."
    )
# How often beat's fan-out looks for organisations whose interval has passed.
XERO_SYNC_FANOUT_SECONDS = env.int("XERO_SYNC_FANOUT_SECONDS", default=5 * 60)
# How long an organisation's sync claim lasts without being renewed: a sync whose worker died is taken over
# after this.
XERO_SYNC_CLAIM_SECONDS = env.int("XERO_SYNC_CLAIM_SECONDS", default=15 * 60)
# Pages of a collection a sync asks for ahead of the one it is storing (integrations/xero/sync/prefetch.py): that many
# calls in flight, never more than Xero's 5 per organisation; 1 reads page after page.
XERO_SYNC_PAGES_AHEAD = max(1, min(5, env.int("XERO_SYNC_PAGES_AHEAD", default=5)))
# Connections that store a sync's invoice pages while it parses the next ones (integrations/xero/sync/writers.py);
# 0 stores each page in the sync's own thread. PostgreSQL only.
XERO_SYNC_PAGE_WRITERS = max(0, min(4, env.int("XERO_SYNC_PAGE_WRITERS", default=2)))
# ... but only while the machine's load average (1 minute) is below this: by default, the CPUs this process may use.
# (os.sched_getaffinity is Linux's; elsewhere, as on a Mac running the demo, every CPU counts.)
XERO_SYNC_PAGE_WRITERS_MAX_LOAD = env.float(
    "XERO_SYNC_PAGE_WRITERS_MAX_LOAD",
    default=float(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1),
)
# Pages one task of an organisation-wide sync reads before it queues the rest of the run behind the other
# organisations' work (sync/slices.py); 0 runs every sync in one task.
XERO_SYNC_SLICE_PAGES = max(0, env.int("XERO_SYNC_SLICE_PAGES", default=10))
# Xero's calls a minute for the whole app (every organisation together), kept by a window in Redis.
XERO_APP_MINUTE_LIMIT = max(1, env.int("XERO_APP_MINUTE_LIMIT", default=10_000))
# Xero's daily allowance of calls per organisation depends on the app's pricing tier (developer.xero.com/pricing):
# 1,000 on Starter, 5,000 above. XERO_DAY_CALL_LIMIT overrides the tier's figure.
XERO_TIER_DAY_CALL_LIMITS = {"starter": 1000, "core": 5000, "plus": 5000, "advanced": 5000, "enterprise": 5000}
XERO_APP_TIER = env.str("XERO_APP_TIER", default="core").lower()
if XERO_APP_TIER not in XERO_TIER_DAY_CALL_LIMITS:
    raise ImproperlyConfigured(f"XERO_APP_TIER must be one of {', '.join(XERO_TIER_DAY_CALL_LIMITS)}.")
XERO_DAY_CALL_LIMIT = env.int("XERO_DAY_CALL_LIMIT", default=XERO_TIER_DAY_CALL_LIMITS[XERO_APP_TIER])
# Calls of the day's allowance that scheduled syncs leave for "Sync now", webhooks and pushed edits.
XERO_DAY_CALL_RESERVE = env.int("XERO_DAY_CALL_RESERVE", default=XERO_DAY_CALL_LIMIT // 10)
# Beat wakes the fan-out often; each organisation's own interval (default XERO_SYNC_INTERVAL_SECONDS) decides
# whether it is due.
CELERY_BEAT_SCHEDULE = {
    "xero-organisations-sync-due": {
        "task": "integrations.xero.tasks.organisations_sync_due",
        "schedule": XERO_SYNC_FANOUT_SECONDS,
    },
    # Hourly, so every organisation's first overdue day is caught soon after its own midnight; alerts go out once.
    "overdue-alerts-send": {"task": "notifications.tasks.overdue_alerts_send", "schedule": 60 * 60},
    # Hourly too, for the same reason: an instalment's raising day starts at its organisation's midnight.
    "instalment-invoices-raise-due": {
        "task": "integrations.xero.tasks.instalment_invoices_raise_due",
        "schedule": 60 * 60,
    },
}

LOG_FORMAT = env.str("LOG_FORMAT", default="keyvalue" if DEBUG else "json")
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "capsync.logging.RedactSecretsFilter"}},
    "formatters": {
        "keyvalue": {"()": "capsync.logging.KeyValueFormatter"},
        "json": {"()": "capsync.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["redact_secrets"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
