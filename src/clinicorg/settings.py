"""Django settings, read from the environment with embedded defaults (see README)."""

import secrets
from pathlib import Path

import environ

env = environ.Env()

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env.str("CLINICORG_DATA_DIR", default="var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else generated once into the data dir."""
    if env.str("SECRET_KEY", default=""):
        return env.str("SECRET_KEY")
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Serves the API docs page's Swagger UI from our static files instead of a CDN.
    "ninja",
    "clinicorg.core",
    "clinicorg.directory",
    "clinicorg.access",
    "clinicorg.security",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "clinicorg.staff",
    "clinicorg.scheduling",
    "clinicorg.transfer",
    "clinicorg.reports",
    "clinicorg.api",
    "clinicorg.web",
    "clinicorg.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "clinicorg.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "clinicorg.core.middleware.OrganizationTimezoneMiddleware",
    "clinicorg.security.sessions.SessionLifetimeMiddleware",
    "clinicorg.security.two_factor.EnrollmentRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "clinicorg.security.headers.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clinicorg.urls"
WSGI_APPLICATION = "clinicorg.wsgi.application"

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
                "clinicorg.web.context.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'clinicorg.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and a worker share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
    )
else:
    # A database that does not answer fails the request (and /readyz) within seconds.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections, checked before reuse (CONN_MAX_AGE seconds; 0 closes each request's).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "staff.StaffMember"
AUTHENTICATION_BACKENDS = [
    "clinicorg.security.backends.SignInLockout",
    "clinicorg.staff.backends.StaffBackend",
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("PASSWORD_MIN_LENGTH", default=12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # A Redis outage is a cache miss, not a 500 (core.cache); sessions are kept in the
    # database too (cached_db), so sign-in and signed-in pages go on without Redis.
    CACHES = {
        "default": {
            "BACKEND": "clinicorg.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# Without a broker, tasks run inline in the calling process.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged when it ends, and goes back to the queue when its worker is lost, so
# a crash loses no work; every task is safe to run twice (its work is keyed by a row's state).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A broker that does not answer fails a dispatch within seconds; the work stays in the database
# (import jobs, the mail outbox) and is dispatched again by the periodic tasks below.
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 3,
    "socket_timeout": 10,
    "max_retries": 1,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# `celery beat` keeps its schedule state in the data folder, not the working directory.
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# Daily work for `celery -A clinicorg beat`, which runs with REDIS_URL; without a broker the
# same clean-up is a daily cron job of `clinicorg imports purge`.
# A worker records a heartbeat this often (under beat); /readyz reports it stale after three.
WORKER_HEARTBEAT_SECONDS = env.float("WORKER_HEARTBEAT_SECONDS", default=30)
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "core.worker_heartbeat", "schedule": WORKER_HEARTBEAT_SECONDS},
    # Import jobs whose worker died are queued again (or failed); jobs never taken up are
    # dispatched again.
    "reap-import-jobs": {
        "task": "transfer.reap_import_jobs",
        "schedule": env.float("REAP_INTERVAL_SECONDS", default=60),
    },
    # The mail outbox (invitations, reminder digests): emails a broker outage (or a crash)
    # left unsent, and those a mail server outage backed off.
    "send-mail-outbox": {
        "task": "core.send_outbox",
        "schedule": env.float("MAIL_OUTBOX_INTERVAL_SECONDS", default=30),
    },
    "purge-import-files": {"task": "transfer.purge_import_files", "schedule": 24 * 60 * 60},
    # License expiry digests (cron without a broker: `clinicorg reminders send`).
    "send-license-reminders": {
        "task": "reports.send_license_reminders",
        "schedule": 24 * 60 * 60,
    },
}

EMAIL_OUTBOX_DIR = DATA_DIR / "outbox"
_email_url = env.str("EMAIL_URL", default="")
if _email_url:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(EMAIL_OUTBOX_DIR)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="clinicorg <no-reply@localhost>")
# Links in emails; by default the address `clinicorg serve` listens on ($PORT, else 8000).
SITE_URL = env.str("SITE_URL", default=f"http://127.0.0.1:{env.str('PORT', default='8000')}")
SITE_URL = SITE_URL.rstrip("/")

INVITATION_TTL_DAYS = env.int("INVITATION_TTL_DAYS", default=7)
# The staff list (page and API) counts its matches up to this many and shows "1,000+" past it.
STAFF_LIST_COUNT_CAP = max(1, env.int("STAFF_LIST_COUNT_CAP", default=1000))
# The official NUCC taxonomy CSV that `clinicorg demo` loads when no code set is loaded yet.
NUCC_TAXONOMY_CSV = env.str("NUCC_TAXONOMY_CSV", default="")
# The mail outbox (core.outbox: invitations, reminder digests): emails per batch, and how
# long a sender holds a batch before another may take it over (a sender that died hands its
# batch on after this).
MAIL_OUTBOX_BATCH = env.int("MAIL_OUTBOX_BATCH", default=200)
MAIL_OUTBOX_LEASE_SECONDS = env.float("MAIL_OUTBOX_LEASE_SECONDS", default=300)
# Bulk "resend pending invitations" of an organization: at most once per this many minutes.
BULK_RESEND_INTERVAL_MINUTES = env.int("BULK_RESEND_INTERVAL_MINUTES", default=15)
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=50 * 1024 * 1024)
# Uploads that were never committed (errors, an unconfirmed preview) hold personal data; they
# are deleted this many days after their check (`clinicorg imports purge`, daily under beat).
IMPORT_RETENTION_DAYS = env.int("IMPORT_RETENTION_DAYS", default=30)
# Without a Celery broker, each import job runs in a child process ("process") under this
# address-space limit, so that no file can take the web server down; "inline" runs it in the
# calling process (the test suite, whose data the child could not see). The request that
# starts a job waits for it this long before answering with its progress.
IMPORT_WORKER = env.str("IMPORT_WORKER", default="process")
IMPORT_WORKER_MEMORY_MB = env.int("IMPORT_WORKER_MEMORY_MB", default=2048)
IMPORT_WAIT_SECONDS = env.float("IMPORT_WAIT_SECONDS", default=60)
# A running job whose worker has not beaten for this long (the worker beats a few times in
# that period, even inside its write transaction) is taken for dead: queued again with a
# broker, up to IMPORT_MAX_ATTEMPTS runs, else failed.
IMPORT_HEARTBEAT_TIMEOUT_MINUTES = env.float("IMPORT_HEARTBEAT_TIMEOUT_MINUTES", default=5)
IMPORT_MAX_ATTEMPTS = env.int("IMPORT_MAX_ATTEMPTS", default=3)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Production (STATIC_MANIFEST=true, after `clinicorg collectstatic`): hashed, compressed file
# names that WhiteNoise serves with a year-long immutable cache. Without it (a laptop, the
# tests) files are served as they are from the apps, with no collectstatic step.
STATIC_MANIFEST = env.bool("STATIC_MANIFEST", default=False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = DATA_DIR / "media"
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
WHITENOISE_AUTOREFRESH = DEBUG

# A session ends after SESSION_IDLE_MINUTES without a request, and SESSION_ABSOLUTE_HOURS after
# sign-in however active it is (security.sessions).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_HOURS", default=12) * 60 * 60
# Throttles of guessable secrets from one address: (failures, window in seconds).
THROTTLE_BEARER_TOKENS = (env.int("THROTTLE_BEARER_TOKENS", default=20), 300)
THROTTLE_INVITATION_LINKS = (env.int("THROTTLE_INVITATION_LINKS", default=10), 900)
THROTTLE_PASSWORD_RESETS = (env.int("THROTTLE_PASSWORD_RESETS", default=5), 900)
# Password-reset requests per email address: (requests, window in seconds); the per-address
# count above is THROTTLE_PASSWORD_RESETS.
THROTTLE_PASSWORD_RESET_EMAILS = (env.int("THROTTLE_PASSWORD_RESET_EMAILS", default=3), 3600)
# Posts to the public booking pages per client address: (posts, window in seconds), booking
# and cancelling counted apart.
THROTTLE_BOOKING_POSTS = (env.int("THROTTLE_BOOKING_POSTS", default=20), 3600)
# django-ratelimit counts the throttles above in the default cache.
RATELIMIT_USE_CACHE = "default"
# A password-reset link works once, for this long (Django's signed, expiring tokens).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_MINUTES", default=60) * 60
# Two-factor sign-in (django-otp, TOTP with recovery codes): the issuer shown in authenticator
# apps; wrong codes count towards the sign-in lockout above (django-axes) instead of
# django-otp's own per-device delay, so one limit covers passwords and codes alike.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="clinicorg")
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# How long a correct password waits for its second factor before sign-in starts over.
TWO_FACTOR_STEP_SECONDS = 300
# Behind reverse proxies, how many add themselves to X-Forwarded-For (core.middleware.client_ip).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Sign-in lockout (django-axes, through the cache): per account and per address.
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_FAILURE_LIMIT = env.int("SIGNIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.int("SIGNIN_COOLOFF_MINUTES", default=15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_FORM_FIELD = "username"  # the sign-in form's field (holding the email)
AXES_CLIENT_IP_CALLABLE = "clinicorg.core.middleware.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked.html"
AXES_VERBOSE = False

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Behind HTTPS (production): redirect plain HTTP, send HSTS, keep cookies to HTTPS. Behind a
# TLS-terminating proxy, TRUSTED_PROXY_COUNT > 0 also trusts its X-Forwarded-Proto.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): scripts, styles and everything else from this site only;
# no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# A form whose CSRF check fails says so in the layout (the form has expired) instead of
# Django's bare page.
CSRF_FAILURE_VIEW = "clinicorg.web.views.errors.csrf_failure"
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)

# Standard error, one line per record with time, level, request id, actor and organization;
# LOG_FORMAT=json writes each record as a JSON object with those fields.
_LOG_FIELDS = "%(asctime)s %(levelname)s %(name)s %(request_id)s %(actor)s %(organization)s"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "clinicorg.core.logging.ContextFilter"}},
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s [%(request_id)s %(actor)s org=%(organization)s] "
            "%(name)s: %(message)s"
        },
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": f"{_LOG_FIELDS} %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["context"],
            "formatter": "json" if env.str("LOG_FORMAT", default="plain") == "json" else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# Email is unique case-insensitively through a functional constraint (staff_email_unique_ci).
SILENCED_SYSTEM_CHECKS = ["auth.W004"]
if not REDIS_URL:
    # `clinicorg serve` is one process, whose memory cache holds the sign-in and throttle counts;
    # several processes (gunicorn) need REDIS_URL so that they share them.
    SILENCED_SYSTEM_CHECKS.append("axes.W001")
