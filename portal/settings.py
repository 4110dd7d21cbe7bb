"""Settings for the Civil Society Coordination Portal.

One file, driven by environment variables. With no environment at all it runs the embedded default:
SQLite, Celery tasks in-process, local-memory cache, mail to the console. Production mode (DEBUG=0)
refuses to start without a real SECRET_KEY and ALLOWED_HOSTS.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Final

import django.conf.locale
import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)

# The embedded default's key is public (it is in this file); production must bring its own.
EMBEDDED_SECRET_KEY = "embedded-default-not-secret-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=EMBEDDED_SECRET_KEY)
if not DEBUG and (SECRET_KEY == EMBEDDED_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured("Production mode (DEBUG=0) needs SECRET_KEY: 50 or more random characters.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Production mode (DEBUG=0) needs ALLOWED_HOSTS.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A form sent without its valid token (left open until the session expired) gets a page that says so.
CSRF_FAILURE_VIEW = "portal.errors.csrf_failure"

SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# How many proxies in front of the portal append to X-Forwarded-For (docker-compose.yml's layout: one). Every
# rate limit and the audit log read the client's address through portal.proxies.client_ip, which trusts that
# many entries from the end of the header; with 0, the header is the client's own words and is ignored.
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)

INSTALLED_APPS = [
    # modeltranslation patches the admin, so it comes before django.contrib.admin.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_countries",
    "django_htmx",
    "django_celery_beat",
    "portal",
    "organizations",
    "agreements",
    "events",
    "newsletters",
    "statements",
    "consultations",
    "home",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside everything that could personalise a response, so that it sees the cookies they set.
    "portal.publiccache.PublicPageCacheMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF, whose check reads a POST's body: an oversized body is refused unread.
    "portal.middleware.RequestSizeMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.two_factor.SessionSecondFactorMiddleware",
    # Keeps the list of a person's signed-in sessions ("Your sessions", portal/sessions.py).
    "portal.sessions.SessionRecordMiddleware",
    "portal.middleware.AuditOriginMiddleware",
    "portal.middleware.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "home.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "portal.context_processors.navigation",
                "organizations.context_processors.review_queue",
            ],
            # `isolate` (names and titles inside <bdi>) is used on nearly every page.
            "builtins": ["portal.templatetags.bidi"],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if DEBUG else 60)
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # No JIT compilation: a page's queries are short, and compiling one whose estimate passes PostgreSQL's threshold
    # took longer than running it (16 of the 24 ms of the events list's count at 20,000 events, bench/pages.py).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
    # Parameters bound by the server, so that psycopg prepares a statement run again on the same connection and
    # PostgreSQL plans it once: planning the events' visibility query took longer than running it (bench/README.md).
    DATABASES["default"]["OPTIONS"]["server_side_binding"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis is optional: present, it is the Celery broker, the result store and the cache (which allauth's
# and DRF's rate limits need shared between processes); absent, everything stays in-process.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "portal.rediscache.RedisCache", "LOCATION": REDIS_URL}}
    # Sessions read from the shared cache and written to both (every signed-in request reads its session). Only
    # with a cache every process shares: ending a session (portal.sessions) must end it in all of them at once.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# Tasks may run twice (a killed worker, Redis re-delivery): they are written to be idempotent, and
# acknowledged only once done so that a lost worker's task is delivered again.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Tasks are short (a campaign is sent in slices of seconds), so an unacknowledged task is re-delivered soon.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=600)}
# Campaigns (newsletters.dispatch): each is sent by this many senders at once, every one a task that any worker
# process may run, over its own SMTP connection; set it to the number of worker processes, on every machine, that
# should share a campaign (the sum of their --concurrency).
DISPATCH_SENDERS = env.int("DISPATCH_SENDERS", default=4)
# A sender renews the lease on what it has claimed every third of this; a worker that dies or stalls loses its
# claims to the other senders this many seconds after its last renewal.
DISPATCH_LEASE_SECONDS = env.int("DISPATCH_LEASE_SECONDS", default=10)
# The sending limit (portal/sending.py): everything the portal sends (campaigns, statement outreach, notifications,
# account mail) counted together across every process and worker, through Redis. Messages per second (0: as fast
# as the mail server accepts; a campaign may also have its own), and the provider's caps per minute, hour and day
# as sliding windows (0: none). Campaigns leave SENDING_RESERVE_PERCENT of each cap to the mail a person waits for.
SENDING_PER_SECOND = env.int("SENDING_PER_SECOND", default=0)
SENDING_PER_MINUTE = env.int("SENDING_PER_MINUTE", default=0)
SENDING_PER_HOUR = env.int("SENDING_PER_HOUR", default=0)
SENDING_PER_DAY = env.int("SENDING_PER_DAY", default=0)
SENDING_RESERVE_PERCENT = env.int("SENDING_RESERVE_PERCENT", default=10)
if not 0 <= SENDING_RESERVE_PERCENT < 100:
    raise ImproperlyConfigured("SENDING_RESERVE_PERCENT is a share of each cap, from 0 to 99.")
# First wait before a delivery refused with a temporary SMTP error is tried again; it doubles each time.
DISPATCH_RETRY_SECONDS = env.int("DISPATCH_RETRY_SECONDS", default=30)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "event-invitation-reminders": {"task": "events.tasks.send_invitation_reminders", "schedule": 3600},
    "event-reminders": {"task": "events.tasks.send_event_reminders", "schedule": 3600},
    "event-meeting-links": {"task": "events.tasks.send_meeting_links", "schedule": 60},
    "event-seat-holds": {"task": "events.tasks.release_expired_holds", "schedule": 600},
    "consultation-reminders": {"task": "consultations.tasks.send_consultation_reminders", "schedule": 3600},
    "publish-due-editions": {"task": "newsletters.tasks.publish_due_editions", "schedule": 300},
    "start-due-campaigns": {"task": "newsletters.tasks.start_due_campaigns", "schedule": 60},
    "resume-interrupted-campaigns": {"task": "newsletters.tasks.resume_interrupted_campaigns", "schedule": 300},
    "apply-retention": {"task": "portal.tasks.apply_retention", "schedule": 24 * 3600},
}
# How long each category of personal data is kept (portal/retention.py: each app defines its categories; the daily
# task and `manage.py apply_retention` delete what is older; the privacy page publishes these periods). Each period
# is overridable by an environment variable, RETENTION_<CATEGORY>_DAYS (or _HOURS where it says so).
RETENTION = {
    # Registrations, attendance and visa-letter requests, after the event ends; its figures are kept.
    "event_registrations": datetime.timedelta(days=env.int("RETENTION_EVENT_REGISTRATIONS_DAYS", default=365)),
    # Seats held for delegates invited by email (their address and needs), after the event ends.
    "delegate_invitations": datetime.timedelta(days=env.int("RETENTION_DELEGATE_INVITATIONS_DAYS", default=30)),
    # Subscriptions never confirmed, after they were asked for.
    "unconfirmed_subscriptions": datetime.timedelta(
        hours=env.int("RETENTION_UNCONFIRMED_SUBSCRIPTIONS_HOURS", default=48)
    ),
    # Subscriptions ended by their subscriber, after the unsubscribe.
    "unsubscribed_addresses": datetime.timedelta(days=env.int("RETENTION_UNSUBSCRIBED_ADDRESSES_DAYS", default=90)),
    # Addresses that bounced, after the last bounce.
    "bounced_addresses": datetime.timedelta(days=env.int("RETENTION_BOUNCED_ADDRESSES_DAYS", default=90)),
    # Invitations of colleagues not accepted, after they expired.
    "expired_invitations": datetime.timedelta(days=env.int("RETENTION_EXPIRED_INVITATIONS_DAYS", default=30)),
    # Requests to join an organisation that its owners refused, after the decision.
    "declined_join_requests": datetime.timedelta(days=env.int("RETENTION_DECLINED_JOIN_REQUESTS_DAYS", default=90)),
    # Requests to accede to an agreement that were declined, after the decision.
    "declined_accession_requests": datetime.timedelta(
        days=env.int("RETENTION_DECLINED_ACCESSION_REQUESTS_DAYS", default=180)
    ),
    # Organisations registered but never submitted for verification, after their last change.
    "draft_organizations": datetime.timedelta(days=env.int("RETENTION_DRAFT_ORGANIZATIONS_DAYS", default=180)),
    # The audit log (portal.models.AuditEntry), after each entry is written.
    "audit_log": datetime.timedelta(days=env.int("RETENTION_AUDIT_LOG_DAYS", default=365)),
    # The list of a person's signed-in sessions (portal.models.SignedInSession), after each was last used.
    "sessions": datetime.timedelta(days=env.int("RETENTION_SESSIONS_DAYS", default=30)),
}

AUTH_USER_MODEL = "portal.User"
# Django's and allauth's, reading the person of each request directly (portal/auth_backends.py).
AUTHENTICATION_BACKENDS = [
    "portal.auth_backends.ModelBackend",
    "portal.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: email is the login; the address must be verified before the account is used.
ACCOUNT_ADAPTER = "portal.adapters.AccountAdapter"
ACCOUNT_USER_DISPLAY = "portal.adapters.user_display"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "portal.forms.SignupForm"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Civil Society Portal] "
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    # The portal's own endpoints that send email to others, counted by the same limiter (portal/ratelimit.py).
    "invite_member": "10/m/user,100/d/user",
    "request_to_join": "5/m/user,30/d/user",
    "request_accession": "5/m/user,30/d/user",
    "invite_organizations": "10/m/user,200/d/user",
    "statement_outreach": "5/m/user,50/d/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Civil Society Portal"
# Coordinators and operators hold other people's data and speak for the mechanisms: until they turn on an
# authenticator app, portal.access.viewer_of treats them as plain members (and the admin refuses them).
# Staff of ordinary organisations need no second factor. Switch off only for a local demo.
PORTAL_REQUIRE_MFA_FOR_COORDINATORS = env.bool("PORTAL_REQUIRE_MFA_FOR_COORDINATORS", default=True)
# Anonymous visitors' pages from the shared cache, never older than the data (portal/publiccache.py).
PUBLIC_PAGE_CACHE = env.bool("PUBLIC_PAGE_CACHE", default=True)
# Reads a person's Viewer (portal.access) from the apps that own its rows (memberships; registrations and
# invitations), as AUTH_USER_MODEL names the user.
PORTAL_VIEWER = "events.models.viewer_for"

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("ar", "العربية"),
    ("ku", "Kurdî"),
    ("fr", "Français"),
    ("es", "Español"),
    ("ru", "Русский"),
]
# Django knows Central Kurdish (ckb, Arabic script) but not Kurmanji in Latin script, which the
# portal's users write; teach it the language so that get_language_info and bidi work.
django.conf.locale.LANG_INFO["ku"] = {
    "bidi": False,
    "code": "ku",
    "name": "Kurdish (Kurmanji)",
    "name_local": "Kurdî",
}
# Each language as it names itself, where a reader picks one (the language switcher, the PDFs of an edition):
# get_language_info(code)["name_local"]. CLDR's spelling: French, Spanish and Russian write their names in lower
# case, Arabic without Django's shadda. (LANGUAGES keeps the names the models' choices were recorded with.)
for _code, _name_local in {"ar": "العربية", "fr": "français", "es": "español", "ru": "русский"}.items():
    django.conf.locale.LANG_INFO[_code] = {**django.conf.locale.LANG_INFO[_code], "name_local": _name_local}
# locale/vendor holds our translations of Django's and allauth's own strings into Kurmanji, which they do
# not ship; makemessages never writes there (it only writes locale/<language>/).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "vendor"]
LANGUAGE_COOKIE_NAME = "portal_language"
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE: Final = "Lax"
# Dates and numbers as each language writes them (portal/formats/<language>/formats.py over Django's locales):
# "3 April 2018" in English, as in the seeds; Arabic in day-month-year order with its own comma; Kurmanji, which
# Django has no locale for, with its month names (locale/vendor/ku).
FORMAT_MODULE_PATH = ["portal.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
FORMS_URLFIELD_ASSUME_HTTPS = True

MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_LANGUAGES = tuple(code for code, _name in LANGUAGES)
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# A request body may be this large (form fields; Django refuses more with a 400); the views that take a file
# allow that file's limit more (portal.uploads.accepts_upload), and portal.middleware.RequestSizeMiddleware
# refuses anything larger with a 413 before it is read.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media/"
# Documents people upload (signed agreements, outcome papers) live outside MEDIA_ROOT and are served
# only through permission-checked views.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "var" / "private")

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Civil Society Portal <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # DRF's, noting when each key was last used.
        "portal.sessions.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["portal.renderers.JSONRenderer", "rest_framework.renderers.BrowsableAPIRenderer"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "portal.throttling.AnonRateThrottle",
        "portal.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_ANON_RATE", default="120/minute"),
        "user": env.str("API_USER_RATE", default="600/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Civil Society Coordination Portal API",
    "DESCRIPTION": "Organisations, agreements, events, bulletins and statements, as far as the caller may see them.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Choice sets several fields share, named once in the schema.
    "ENUM_NAME_OVERRIDES": {
        "AudienceEnum": "organizations.models.Audience",
        "ConsultationAudienceEnum": "consultations.models.Consultation.Audience",
        "CountryEnum": "django_countries.countries",
        "LanguageEnum": "portal.settings.LANGUAGES",
        # An event's list entry and its detail (with seats) are two components of the same choices.
        "EventKindEnum": "events.models.Event.Kind",
        "EventStatusEnum": "events.models.Event.Status",
        "EventVisibilityEnum": "events.models.Event.Visibility",
    },
}

# Content Security Policy: everything comes from this host; no inline scripts anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
