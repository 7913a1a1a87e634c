"""Ejournal settings: one file, driven by environment variables.

Defaults are safe for production (DEBUG off, secure cookies, HSTS); `make run`
and the test suite set DEBUG=1 and a development SECRET_KEY explicitly.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _
from redis.backoff import NoBackoff
from redis.retry import Retry

BASE_DIR = Path(__file__).resolve().parent.parent
TESTING = "PYTEST_VERSION" in os.environ


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", TESTING)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
# Without a key, management commands (makemigrations, check…) still run, but the web and Celery
# refuse to start unless DEBUG is on (ejournal/wsgi.py, asgi.py, celery.py call require_secret_key).
SECRET_KEY_MISSING = not SECRET_KEY
if SECRET_KEY_MISSING:
    SECRET_KEY = "dev-only-insecure-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1" if (DEBUG or TESTING) else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "guardian",
    "django_htmx",
    "accounts",
    "schedule",
    "journal",
    "reports",
    "archive",
    "ejournal",  # on top of the apps: the demo school builder and its `seed_demo` command
]

MIDDLEWARE = [
    "ejournal.faults.DatabaseUnavailableMiddleware",  # first: a lost database anywhere is a 503, not a 500
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "ejournal.limits.RequestBodyLimitMiddleware",  # before CSRF, the first to read a body
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.sessions.SessionMiddleware",  # time limits of sessions; 401 JSON to scripts signed out
    "accounts.middleware.SchoolMiddleware",
]

if not (DEBUG or TESTING):
    # Static files straight from the web container in production; runserver serves them in development.
    MIDDLEWARE.insert(2, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "ejournal.urls"
WSGI_APPLICATION = "ejournal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.portal",
            ],
        },
    }
]

DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ejournal")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
# A lost connection (a server restart, pg_terminate_backend) costs only the request in flight a 503
# (ejournal/faults.py): the pool checks each connection before handing it out, persistent connections are
# health-checked at a request's first query. A pool still empty after DB_POOL_TIMEOUT seconds answers 503
# instead of holding the gunicorn worker.
if env_bool("DB_POOL", not TESTING):
    from psycopg_pool import ConnectionPool

    # Django's psycopg pool: one pool per worker process (opened after gunicorn forks); CONN_MAX_AGE must stay 0.
    _pool_max = int(os.environ.get("DB_POOL_MAX", "10"))
    DATABASES["default"]["OPTIONS"] = {
        "pool": {
            "min_size": min(2, _pool_max),
            "max_size": _pool_max,
            "timeout": float(os.environ.get("DB_POOL_TIMEOUT", "3")),
            "check": ConnectionPool.check_connection,
        }
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if TESTING else 60
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Server-side parameter binding, and psycopg prepares a statement the fifth time a connection runs it
# (DB_PREPARE_THRESHOLD; Django turns preparing off unless asked), so the hot queries (the grid, saving
# a mark) are planned once per connection instead of per request. Behind PgBouncer in transaction
# mode set DB_SERVER_SIDE_BINDING=0. The test suite does not prepare (its schema changes under it).
if env_bool("DB_SERVER_SIDE_BINDING", True):
    DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
    threshold = os.environ.get("DB_PREPARE_THRESHOLD", "" if TESTING else "5")
    if threshold.isdigit():
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = int(threshold)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "accounts.auth.LockoutModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A parent's reset link by e-mail is valid this long, in seconds (ASVS 2.5: short; the letter says so).
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", str(60 * 60)))
# A temporary password on a school's reset slip signs in for this many days (the slip reaches a family
# through the child; the slip says until when).
TEMPORARY_PASSWORD_DAYS = int(os.environ.get("TEMPORARY_PASSWORD_DAYS", "14"))
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# R-ACC-9, issue 14: sign-in is slowed per login and address, capped per address, and a login is
# locked only after many failures (accounts/throttle.py), so nobody can lock someone else out cheaply.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "50"))
LOGIN_LOCK_MINUTES = int(os.environ.get("LOGIN_LOCK_MINUTES", "15"))
LOGIN_PAIR_FREE_FAILURES = int(os.environ.get("LOGIN_PAIR_FREE_FAILURES", "3"))
LOGIN_PAIR_DELAY_SECONDS = int(os.environ.get("LOGIN_PAIR_DELAY_SECONDS", "30"))
LOGIN_PAIR_DELAY_MAX_SECONDS = int(os.environ.get("LOGIN_PAIR_DELAY_MAX_SECONDS", "900"))
LOGIN_ADDRESS_LIMIT = int(os.environ.get("LOGIN_ADDRESS_LIMIT", "100"))
LOGIN_ADDRESS_WINDOW_MINUTES = int(os.environ.get("LOGIN_ADDRESS_WINDOW_MINUTES", "15"))
INVITE_CODE_DAYS = int(os.environ.get("INVITE_CODE_DAYS", "30"))
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Ejournal")

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if (DEBUG or TESTING)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/" + ("14" if TESTING else "0"))
if TESTING:
    # One Redis database (cache and broker) per pytest-xdist worker: REDIS_URL's number plus the worker's
    # index ("gw1" → +1), so a worker never runs, counts or purges the tasks another worker published.
    _redis = urlsplit(REDIS_URL)
    _worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    REDIS_URL = _redis._replace(path=f"/{int(_redis.path.strip('/') or 0) + _worker}").geturl()
# Per-address and per-pair sign-in counters; when this Redis is down the same rules are read from the failed
# sign-ins in the audit trail (accounts/throttle.py).
LOGIN_THROTTLE_REDIS_URL = os.environ.get("LOGIN_THROTTLE_REDIS_URL", REDIS_URL)
# Redis only speeds things up (issue 20): when it cannot be reached the cache answers misses
# (ejournal/cache.py), and after a connection error nothing waits on it for REDIS_RETRY_SECONDS.
REDIS_RETRY_SECONDS = float(os.environ.get("REDIS_RETRY_SECONDS", "5"))
REDIS_TIMEOUT_SECONDS = float(os.environ.get("REDIS_TIMEOUT_SECONDS", "0.5"))
CACHES = {
    "default": {
        "BACKEND": "ejournal.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {
            "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
            "socket_timeout": REDIS_TIMEOUT_SECONDS,
            # One retry: the first command on a pooled connection that a Redis restart closed reconnects.
            "retry": Retry(NoBackoff(), 1),
        },
    }
}
# Sessions are read from Redis and written through to PostgreSQL: no session query per request,
# and a Redis restart or outage only costs a database read.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = None
# A task is acknowledged after it ran, so one whose worker died (SIGKILL, OOM, a lost machine) is run again:
# Redis hands an unacknowledged task to another worker after the visibility timeout. The timeout must exceed
# the longest job or a job still running is started a second time; the hard time limit stops every job well
# before it (the longest, a class's printout or a year's mark-log export, take seconds to a few minutes).
# Tasks are idempotent (STYLE.md), so a job run again does its work once (docs/operations.md).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
_visibility_timeout = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": _visibility_timeout,
    "unacked_restore_interval": min(10, _visibility_timeout),  # how often a worker looks for such tasks
    # A hung Redis (it accepts connections, answers nothing) must not hold a request that publishes a task
    # after its commit: without these a publish waits for ever. The worker's blocking reads wait 1 s each.
    "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
    "socket_timeout": max(2.0, REDIS_TIMEOUT_SECONDS),
}
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT", "1800"))  # below the visibility timeout
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_IMPORTS = ["ejournal.health"]  # its heartbeat task; the apps' tasks are found by autodiscovery
# django-celery-beat has no release for Django 6.1 (STACK.md): the schedule lives here.
CELERY_BEAT_SCHEDULE = {
    "purge-stale-invite-codes": {
        "task": "accounts.tasks.purge_stale_invite_codes_task",
        "schedule": crontab(minute=15),
    },
    # Sessions past their time limits leave the registry and the store; Django's expired sessions go.
    "purge-expired-sessions": {
        "task": "accounts.tasks.purge_expired_sessions_task",
        "schedule": crontab(minute=25),
    },
    # Re-sends mark-log exports the broker never received; deletes exports older than a week.
    "tidy-marklog-exports": {
        "task": "journal.tasks.tidy_marklog_exports_task",
        "schedule": crontab(minute="*/15"),
    },
    # Parents' notifications (accounts/notify/): the outbox flush sends what the broker never got;
    # summaries and digests are checked hourly against each school's own clock (18:00, Sunday 18:00).
    # New marks and absences for parents, read from the mark log (journal/marklog/notifications.py).
    "dispatch-journal-notifications": {
        "task": "journal.tasks.dispatch_notifications_task",
        "schedule": crontab(),
        "options": {"expires": 55},
    },
    # Deadlines of the journal (journal/deadlines/, R-CTL-1…4), each school by its own clock: the nightly
    # measurement (from 01:00), the teachers' daily letter with the finals they owe (from the school's hour,
    # 08:00 by default), the deputies' weekly summary (from Monday 07:00).
    "measure-deadlines": {
        "task": "journal.tasks.measure_deadlines_task",
        "schedule": crontab(minute=20),
    },
    "remind-teachers": {
        "task": "journal.tasks.remind_teachers_task",
        "schedule": crontab(minute=10),
    },
    "weekly-deadline-summary": {
        "task": "journal.tasks.weekly_control_task",
        "schedule": crontab(minute=30),
    },
    # Jobs with no row of their own that the broker never got (a password reset asked during an outage).
    "republish-pending-jobs": {
        "task": "accounts.tasks.republish_pending_jobs_task",
        "schedule": crontab(),
        "options": {"expires": 55},
    },
    "flush-notification-outbox": {
        "task": "accounts.notify_tasks.flush_outbox_task",
        "schedule": crontab(),
        "options": {"expires": 55},
    },
    "daily-notification-summaries": {
        "task": "accounts.notify_tasks.daily_summaries_task",
        "schedule": crontab(minute=2),
    },
    "weekly-notification-digest": {
        "task": "journal.tasks.weekly_digest_task",
        "schedule": crontab(minute=7),
    },
    # Re-sends printout renders (reports/signoff.py) whose task never reached the broker.
    "resend-printouts": {
        "task": "reports.tasks.resend_printouts_task",
        "schedule": crontab(minute="*/15"),
    },
    # The moment of its last run is what /health/ reports as the beat's (ejournal/health.py).
    "beat-heartbeat": {
        "task": "ejournal.health.beat_heartbeat_task",
        "schedule": crontab(),
        "options": {"expires": 55},
    },
    "purge-notification-outbox": {
        "task": "accounts.notify_tasks.purge_outbox_task",
        "schedule": crontab(minute=40, hour=3),
    },
    # Each school's monthly activity report (R-R-4, reports/monthly.py): hourly, so the 1st is met in each
    # school's own time zone and a month missed while the worker was down is built by the next run.
    "monthly-activity-reports": {
        "task": "reports.tasks.build_monthly_reports_task",
        "schedule": crontab(minute=45),
    },
    # Each school's progress-and-quality report of every reporting period (seed 002 9.2,
    # reports/period_reports.py): hourly, the day after the period's finals deadline in the school's own time
    # zone; a period missed while the worker was down is built by the next run.
    "period-progress-reports": {
        "task": "reports.tasks.build_period_reports_task",
        "schedule": crontab(minute=55),
    },
    # The jobs page's record of runs (accounts/jobruns.py) keeps 30 days. Every entry here gets a label
    # there (accounts/selectors_jobs.py).
    "purge-job-runs": {
        "task": "accounts.tasks.purge_job_runs_task",
        "schedule": crontab(minute=50, hour=3),
    },
}

# Django 6.1 mailers: one "default" mailer (SMTP unless EMAIL_BACKEND names another backend);
# the test runner swaps it for the in-memory one.
EMAIL_BACKEND_PATH = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
SMTP_OPTIONS = {
    "host": os.environ.get("EMAIL_HOST", "localhost"),
    "port": int(os.environ.get("EMAIL_PORT", "25")),
    "username": os.environ.get("EMAIL_HOST_USER", ""),
    "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
    "use_tls": env_bool("EMAIL_USE_TLS"),
    "timeout": 10,
}
MAILERS = {
    "default": {
        "BACKEND": EMAIL_BACKEND_PATH,
        "OPTIONS": SMTP_OPTIONS if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend") else {},
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ejournal@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Production hardening: on unless DEBUG, so `check --deploy` is silent.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY") else None
# How many reverse proxies stand in front of gunicorn, each appending to X-Forwarded-For; the client's
# address is the one the last of them saw (accounts.middleware.client_ip). 0: the socket's address.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# Request bodies larger than these are refused with 413 before anything reads them
# (ejournal/limits.py); the reverse proxy (deploy/Caddyfile) refuses the same sizes first.
REQUEST_BODY_MAX = int(os.environ.get("REQUEST_BODY_MAX", str(3 * 2**20)))
REQUEST_BODY_LIMITS = {
    "journal:add_attachment": 11 * 2**20,  # a 10 MB homework file (journal.records.services.MAX_FILE_SIZE)
    "reports:verify": 31 * 2**20,  # a 30 MB printout PDF (reports.verification.MAX_UPLOAD)
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
# Staff sessions end after this long without a request and after SESSION_STAFF_MAX_HOURS in all; families'
# (parents, students) after SESSION_FAMILY_DAYS (accounts/sessions.py).
SESSION_STAFF_IDLE_MINUTES = int(os.environ.get("SESSION_STAFF_IDLE_MINUTES", "30"))
SESSION_STAFF_MAX_HOURS = int(os.environ.get("SESSION_STAFF_MAX_HOURS", "12"))
SESSION_FAMILY_DAYS = int(os.environ.get("SESSION_FAMILY_DAYS", "30"))
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Scripts come only from our static files: no inline script or handler, no eval (htmx is told so in
# base.html's htmx-config). Inline style stays allowed: style injection cannot run code, and the pages'
# <style> blocks and computed colours (chart swatches) are not worth nonces that htmx swaps would break.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],  # QR codes are SVG data: URIs (accounts.pdf)
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING" if TESTING else "INFO")},
    # WeasyPrint reports every layout step of every page at INFO: a class printout would write hundreds of lines.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}

if TESTING:
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
