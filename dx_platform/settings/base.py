"""Settings shared by every environment, read from the environment (12-factor).

With nothing set the site runs on SQLite under var/ and runs Celery tasks in-process;
DATABASE_URL and REDIS_URL switch it to PostgreSQL, Redis and real workers.
"""

from __future__ import annotations

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE

from dx_platform.core.api_components import ERROR_COMPONENTS

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-local-only-key-change-me")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("DJANGO_SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.humanize",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "auditlog",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "dx_platform.core",
    "dx_platform.accounts",
    "dx_platform.organizations",
    "dx_platform.notifications",
    "assessments",
    "benchmarks",
    "community",
    "coordination",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "dx_platform.core.text.TypedTextMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "dx_platform.accounts.middleware.RequireMFAMiddleware",
    "dx_platform.audit.middleware.ActorAuditlogMiddleware",
]

ROOT_URLCONF = "dx_platform.urls"
WSGI_APPLICATION = "dx_platform.wsgi.application"

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
                "dx_platform.core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves a few people at once: in WAL mode readers go on while one writes; a
    # write waits its turn (up to 20 s) instead of failing with "database is locked"; IMMEDIATE takes the
    # write lock when a transaction starts, so two never deadlock trying to upgrade their read locks.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# Internationalisation: Japanese first, English available.
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "/media/"


# --- Uploads: what each kind of upload may be. A spreadsheet is read only up to its caps, whatever it
# declares; each value can be set in the environment, e.g. UPLOAD_KPI_MEASUREMENTS_MAX_MB=5.
def _upload_limits(kind: str, *, mb: int, rows: int = 0, columns: int = 0, unpacked_mb: int = 0) -> dict[str, int]:
    prefix = f"UPLOAD_{kind.upper()}"
    return {
        "max_bytes": env.int(f"{prefix}_MAX_MB", default=mb) * 2**20,
        "max_rows": env.int(f"{prefix}_MAX_ROWS", default=rows),
        "max_columns": env.int(f"{prefix}_MAX_COLUMNS", default=columns),
        # An XLSX is a zip: its parts together, once unpacked.
        "max_unpacked_bytes": env.int(f"{prefix}_MAX_UNPACKED_MB", default=unpacked_mb) * 2**20,
    }


UPLOAD_LIMITS = {
    # Staff only, read by the imports worker: 1,741 municipalities × every item in the long shape.
    "national_survey": _upload_limits("national_survey", mb=50, rows=300_000, columns=200, unpacked_mb=400),
    # One municipality's answers (long: one row per item; wide: one row).
    "assessment_import": _upload_limits("assessment_import", mb=5, rows=2_000, columns=200, unpacked_mb=20),
    # date,value[,note]: years of daily measurements of one KPI.
    "kpi_measurements": _upload_limits("kpi_measurements", mb=2, rows=10_000, columns=20, unpacked_mb=20),
    # Evidence files and case kits are stored, never read.
    "document": _upload_limits("document", mb=10),
}
# The national import's worker task: stopped (and the dataset failed) past the soft limit, killed past the hard one.
NATIONAL_IMPORT_SOFT_TIME_LIMIT = env.int("NATIONAL_IMPORT_SOFT_TIME_LIMIT", default=60 * 20)
NATIONAL_IMPORT_TIME_LIMIT = env.int("NATIONAL_IMPORT_TIME_LIMIT", default=60 * 25)

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# Where dx_platform.core.mail.FileEmailBackend (the demo's and local development's) writes each message.
EMAIL_FILE_PATH = env("DJANGO_EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
# A hung mail server must not hold a worker (and the row it claimed) until the task's hard limit.
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="地域DXプラットフォーム <noreply@chiiki-dx.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Content Security Policy: every page's scripts are files of our own origin, none inline ---
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # Plotly writes style attributes into the charts it draws.
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        # MapLibre (plotly's map traces) runs its workers from blob URLs.
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- django-allauth: email sign-in, sign-up by invitation only, TOTP ---
ACCOUNT_ADAPTER = "dx_platform.accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {"signup": "dx_platform.accounts.forms.InvitationSignupForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[地域DX] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("DJANGO_HTTP_PROTOCOL", default="http")
# Login and reset throttles (allauth counts them in the cache, so production needs Redis).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "地域DXプラットフォーム"

# The audit log shows a changed foreign key by the name stored at the time (no query per entry).
AUDITLOG_USE_FK_STRING_REPRESENTATION = True

INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=7)
# Platform staff can do everything: they must use TOTP (the local demo turns this off).
STAFF_MFA_REQUIRED = env.bool("STAFF_MFA_REQUIRED", default=True)

# --- Django REST framework ---
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "dx_platform.accounts.api.HasRequiredTwoFactor",
    ],
    # Typed text comes in without control characters (dx_platform/core/text.py), as on the pages.
    "DEFAULT_PARSER_CLASSES": [
        "dx_platform.core.text.JSONParser",
        "dx_platform.core.text.FormParser",
        "dx_platform.core.text.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "dx_platform.core.pagination.ApiPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "dx_platform.core.api.AutoSchema",
    "EXCEPTION_HANDLER": "dx_platform.core.api.exception_handler",
    "DEFAULT_METADATA_CLASS": "dx_platform.core.metadata.BriefMetadata",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="60/min"),
        "user": env("API_THROTTLE_USER", default="1200/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Chiiki DX Platform API",
    "DESCRIPTION": "地域DXプラットフォームのAPI (v1).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Practice cases and solutions share draft/published: one enum of that name for both.
    # Choice sets that share a field name get names of their own (else drf-spectacular numbers them).
    "ENUM_NAME_OVERRIDES": {
        "PublicationStatusEnum": "community.models.cases.PracticeCase.Status",
        "SupportCaseStatusEnum": "coordination.models.SupportCase.Status",
        "CouncilReportStatusEnum": "coordination.models.CouncilReport.Status",
        "SkillEnum": "coordination.models.SKILLS",
    },
    "APPEND_COMPONENTS": ERROR_COMPONENTS,
}

# --- Celery: Redis broker and result backend when REDIS_URL is set, in-process otherwise ---
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60 * 10
CELERY_TASK_TIME_LIMIT = 60 * 15
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task whose worker was killed (acks_late: its message is still unacknowledged) goes back to its queue once
# it has been out this long; a restarted worker looks for such messages at start and every
# 10 × unacked_restore_interval seconds after. It must outlast the longest task (the national import may
# run 25 minutes), or a task still running is delivered a second time.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=60 * 30),
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=30),
}
# One queue per kind of work, so a long recompute never delays a notification email.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "dx_platform.notifications.tasks.*": {"queue": "mail"},
    "dx_platform.organizations.tasks.*": {"queue": "mail"},
    "assessments.tasks.*": {"queue": "mail"},
    "benchmarks.tasks.import_*": {"queue": "imports"},
    "benchmarks.tasks.*": {"queue": "scoring"},
    "coordination.tasks.make_council_report": {"queue": "scoring"},
    "coordination.tasks.*": {"queue": "mail"},
}
CELERY_BEAT_SCHEDULE = {
    "send-daily-digests": {
        "task": "dx_platform.notifications.tasks.send_daily_digests",
        "schedule": crontab(hour=7, minute=30),
    },
    "health": {
        "task": "dx_platform.core.tasks.health",
        "schedule": 300.0,
    },
    "roadmap-baselines": {
        "task": "assessments.tasks.freeze_roadmap_baselines",
        "schedule": crontab(hour=0, minute=30),
    },
    "support-reminders": {
        "task": "coordination.tasks.send_support_reminders",
        "schedule": crontab(hour=7, minute=10),
    },
    "kpi-reminders": {
        "task": "assessments.tasks.send_kpi_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    # Nightly safety net; datasets whose inputs have not changed are skipped without computing.
    "recompute-benchmarks": {
        "task": "benchmarks.tasks.recompute_all",
        "schedule": crontab(hour=2, minute=0),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    # WeasyPrint logs every layout step of a council report at INFO.
    "loggers": {"weasyprint": {"level": "WARNING"}},
}
