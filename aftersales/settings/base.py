"""Settings shared by every environment; the only module that reads the environment.

Every variable is documented in README.md ("Configuration").
"""

import re
from datetime import timedelta
from pathlib import Path

import environ
import pghistory
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

SECRET_KEY = env("SECRET_KEY", default="insecure-local-development-key-change-me")
# Master keys wrapping the per-customer keys of the personal data in the audit trail
# (README, "Personal data"): comma-separated, the first wraps, all unwrap (rotation).
# Empty: a key derived from SECRET_KEY.
PII_MASTER_KEYS = env.list("PII_MASTER_KEY", default=[])
# A CJK-capable TrueType font for the customer data export PDF (Debian: fonts-wqy-zenhei).
PII_EXPORT_FONT = env("PII_EXPORT_FONT", default="/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Trigger-based row snapshots on PostgreSQL, the audit safety net (audits/safety_net/).
    "pgtrigger",
    "pghistory",
    # Sign-in hardening: lockouts (axes), the second factor (django-otp's TOTP devices and
    # backup codes), and our pages and rules for both (aftersales/signin/). Their AppConfigs
    # are subclassed there only to give them translated names in the admin.
    "aftersales.signin.apps.AxesConfig",
    "django_otp",
    "aftersales.signin.apps.TOTPConfig",
    "aftersales.signin.apps.StaticTokensConfig",
    "aftersales.signin",
    "aftersales.platform",
    # Named, hashed, expiring API tokens for integrators (README, "Integrator tokens").
    "aftersales.tokens",
    "audits",
    "tickets",
    "technicians",
    "technicians.outlets",
    "parts",
    # Issue 17, the commercial side: warranty terms and contracts, charging standards.
    "tickets.warranty",
    "tickets.charges",
    # The top floor: quality audits and KPI reports; the safety net's registrations.
    "audits.quality",
    "audits.safety_net",
    "tickets.settlement",
    "tickets.costs",
    # Issue 18: service operations from the standards.
    "tickets.knowledge",
    "tickets.depot",
    "tickets.incidents",
    "tickets.surveys",
    # Issue 19: the KPI report's daily rollups.
    "tickets.rollups",
    "technicians.tools",
    "audits.targets",
]

MIDDLEWARE = [
    # /healthz and /readyz, before the host check and the HTTPS redirect (aftersales/health.py).
    "aftersales.health.HealthProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Django's, but a background refresh (htmx polling) does not slide an idle session.
    "aftersales.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "audits.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "aftersales.signin.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "aftersales.middleware.NoStoreMiddleware",
    # Last, as axes asks: turns a lockout flagged during authenticate() into the 429 page.
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy (django-csp): scripts, styles, fonts and images only from our own
# origin (everything is vendored under static/, service centres run on closed networks), no
# inline script or style, no plugins, no framing, forms post only to us. Images may be data:
# URLs (the customer's signature preview, the two-factor QR code) and blob: URLs (a photo
# kept on the technician's phone with no signal, shown before it is sent); the only worker
# is the technician app's service worker, from our origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "worker-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

ROOT_URLCONF = "aftersales.urls"
WSGI_APPLICATION = "aftersales.wsgi.application"

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
            ],
        },
    },
]

# Selects drawn in Python (aftersales/form_renderer.py): the same HTML, a fraction of the time.
FORM_RENDERER = "aftersales.form_renderer.FormRenderer"

# Default: a SQLite file under var/ so the platform runs with no database server.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'aftersales.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the web process, the worker and beat share the file;
    # IMMEDIATE transactions take the write lock up front, so two writers queue instead
    # of failing when a read-then-write transaction tries to upgrade its lock.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Django's PostgreSQL backend, but a persistent connection that served a request less than
# DB_HEALTH_CHECK_BYPASS_SECONDS ago is not checked again with a SELECT 1 (aftersales/
# postgresql/base.py; 0 checks before every request, as Django does).
DB_HEALTH_CHECK_BYPASS_SECONDS = env.float("DB_HEALTH_CHECK_BYPASS_SECONDS", default=1.0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "aftersales.postgresql"
    DATABASES["default"]["HEALTH_CHECK_BYPASS_SECONDS"] = DB_HEALTH_CHECK_BYPASS_SECONDS
# Through PgBouncer in transaction pooling (docker-compose.yml), a server connection is
# someone else's between two transactions: no server-side cursors (named cursors live
# across statements), and Django's persistent connections to the pooler are cheap.
DB_POOLER = env("DB_POOLER", default="")
if DB_POOLER not in ("", "pgbouncer"):
    raise ImproperlyConfigured(f"DB_POOLER={DB_POOLER!r}: empty or 'pgbouncer'")
if DB_POOLER == "pgbouncer":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# A streaming read replica (README "Scale-out"): reports, exports and KPI reads go there
# inside aftersales.replica's scope while it answers and lags at most MAX_LAG seconds
# (measured every CHECK seconds per process); else they fall back to the primary.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")
DATABASE_REPLICA_MAX_LAG_SECONDS = env.float("DATABASE_REPLICA_MAX_LAG_SECONDS", default=30)
DATABASE_REPLICA_CHECK_SECONDS = env.float("DATABASE_REPLICA_CHECK_SECONDS", default=5)
DATABASE_REPLICA_CONNECT_TIMEOUT = env.int("DATABASE_REPLICA_CONNECT_TIMEOUT", default=2)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["replica"]["ENGINE"] = "aftersales.postgresql"
    DATABASES["replica"].update(
        CONN_MAX_AGE=DATABASES["default"].get("CONN_MAX_AGE", 0),
        CONN_HEALTH_CHECKS=True,
        HEALTH_CHECK_BYPASS_SECONDS=DB_HEALTH_CHECK_BYPASS_SECONDS,
        # The test run never creates a database there: it streams the primary's.
        TEST={"MIRROR": "default"},
    )
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = (
        DATABASE_REPLICA_CONNECT_TIMEOUT
    )
DATABASE_ROUTERS = ["aftersales.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A request's personal-data read events (audits.services.trail) commit without waiting
# for the WAL flush; changes always wait (README, "Personal data").
AUDIT_READ_EVENTS_ASYNC_COMMIT = env.bool("AUDIT_READ_EVENTS_ASYNC_COMMIT", default=True)

# Argon2id first (aftersales/signin/hashers.py: OWASP's 19 MiB / 2 passes / 1 lane, so 100
# agents signing in at the start of a shift are all in within seconds on two cores);
# PBKDF2 hashes from before verify and are upgraded at the next sign-in.
PASSWORD_HASHERS = [
    "aftersales.signin.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
PASSWORD_ARGON2_TIME_COST = env.int("PASSWORD_ARGON2_TIME_COST", default=2)
PASSWORD_ARGON2_MEMORY_KIB = env.int("PASSWORD_ARGON2_MEMORY_KIB", default=19456)
PASSWORD_ARGON2_PARALLELISM = env.int("PASSWORD_ARGON2_PARALLELISM", default=1)
# Applied by the admin's user forms, the technician API and technician_create, and
# seed_demo's DEMO_PASSWORD (README, "Sign-in and sessions").
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("PASSWORD_MIN_LENGTH", default=10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = env("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "media/"

# --- Uploads and request bodies (aftersales/uploads.py) ---------------------------------
# Per kind of upload, the largest file accepted, in bytes; the type is sniffed from the
# content against the kind's allow-list (PDF, PNG, JPEG, WebP; signatures PNG/JPEG).
UPLOAD_MAX_BYTES = {
    "certificate_document": env.int("UPLOAD_MAX_CERTIFICATE_BYTES", default=10 * 1024 * 1024),
    "evidence": env.int("UPLOAD_MAX_EVIDENCE_BYTES", default=20 * 1024 * 1024),
    "signature": env.int("UPLOAD_MAX_SIGNATURE_BYTES", default=256 * 1024),
    "ticket_attachment": env.int("UPLOAD_MAX_TICKET_ATTACHMENT_BYTES", default=10 * 1024 * 1024),
    # A CSV/XLSX of customers, products or parts (README, "Bulk import and export").
    "bulk_import": env.int("BULK_IMPORT_MAX_BYTES", default=20 * 1024 * 1024),
}
# Rows one import may hold (a larger file is refused before anything is written).
BULK_IMPORT_MAX_ROWS = env.int("BULK_IMPORT_MAX_ROWS", default=100_000)
# Photos and documents one ticket may hold (tickets.services.ticket_attachment_add).
TICKET_ATTACHMENTS_MAX = env.int("TICKET_ATTACHMENTS_MAX", default=50)
# A ticket photo is stored at most this many pixels on its longer side (the job page
# already sends 1600 from the phone; a photo taken without JavaScript is scaled here).
TICKET_PHOTO_MAX_SIDE = env.int("TICKET_PHOTO_MAX_SIDE", default=2048)
# The technician's job page (README "The technician's job page"): minutes before the
# booked window a check-in passes without a warning (and after it ends), the map site
# the address opens besides the phone's own map app ({address} is URL-encoded; e.g.
# Baidu Maps: "https://api.map.baidu.com/geocoder?address={address}&output=html&src=aftersales"),
# and how many past jobs on the unit the page shows.
JOB_CHECK_IN_TOLERANCE_MINUTES = env.int("JOB_CHECK_IN_TOLERANCE_MINUTES", default=30)
# Tools and test equipment (README, "Tools and test equipment"): the holder and the
# supervisors are reminded this many days before an instrument's calibration falls due (and
# once on the due date); with TOOLS_REFUSE_OVERDUE_CHECKIN on, a check-in is refused when
# the technician holds no in-service, calibrated instrument of a kind the job's product
# category requires (off: the check-in succeeds and the job page warns).
TOOLS_CALIBRATION_REMINDER_DAYS = env.int("TOOLS_CALIBRATION_REMINDER_DAYS", default=14)
TOOLS_REFUSE_OVERDUE_CHECKIN = env.bool("TOOLS_REFUSE_OVERDUE_CHECKIN", default=False)
JOB_MAP_URL_TEMPLATE = env(
    "JOB_MAP_URL_TEMPLATE", default="https://uri.amap.com/search?keyword={address}"
)
JOB_SERVICE_HISTORY_LIMIT = env.int("JOB_SERVICE_HISTORY_LIMIT", default=20)
# The technician's offline app (README "The technician's app offline"): a phone's clock
# this many seconds fast still counts as now when a change made offline is replayed.
OFFLINE_CLOCK_SKEW_SECONDS = env.int("OFFLINE_CLOCK_SKEW_SECONDS", default=120)
# The repair's own warranty: days from the completion, shown before the customer signs
# and printed on the signed work order (派工单).
REPAIR_WARRANTY_DAYS = env.int("REPAIR_WARRANTY_DAYS", default=90)
# Charges (tickets.charges): the prefixes of quote and receipt numbers, QT-2026-000001.
CHARGES_QUOTE_PREFIX = env.str("CHARGES_QUOTE_PREFIX", default="QT")
CHARGES_RECEIPT_PREFIX = env.str("CHARGES_RECEIPT_PREFIX", default="RC")
# Warranty terms (README "Warranty and service contracts"): the days a unit spent under
# repair extend its warranty (三包) for the terms that say so; off here switches it off
# for every term. Contract numbers' prefix; reminders this many days before a contract ends.
WARRANTY_REPAIR_DAYS_EXTEND = env.bool("WARRANTY_REPAIR_DAYS_EXTEND", default=True)
CONTRACT_NUMBER_PREFIX = env("CONTRACT_NUMBER_PREFIX", default="SC")
CONTRACT_REMINDER_DAYS = env.int("CONTRACT_REMINDER_DAYS", default=30)
# Service incidents (应急, README "Service incidents"): the hours from the declaration to
# each stage's due time, per grade. The standard's "2 / 4 / 6 hours" read most urgent
# first: a critical incident must be answered in 2 h, a major one in 4 h, a general one in
# 6 h; initial handling within 12 h and the closed loop within 24 h for every grade.
INCIDENT_TARGETS = {
    "critical": {"response": 2, "handling": 12, "closure": 24},
    "major": {"response": 4, "handling": 12, "closure": 24},
    "general": {"response": 6, "handling": 12, "closure": 24},
}
INCIDENT_NUMBER_PREFIX = env("INCIDENT_NUMBER_PREFIX", default="INC")
INCIDENT_SWEEP_INTERVAL_SECONDS = env.int("INCIDENT_SWEEP_INTERVAL_SECONDS", default=300)
# Images are decoded and re-encoded; more pixels than this is refused before decoding
# (a decompression bomb: a few KB of PNG that inflates to gigabytes).
UPLOAD_MAX_IMAGE_PIXELS = env.int("UPLOAD_MAX_IMAGE_PIXELS", default=40_000_000)
# Non-file request data (a JSON body, form fields): 2.5 MB, Django's default, explicit;
# the API's JSON parser enforces it too. Files above 2.5 MB stream to a temporary file.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
FILE_UPLOAD_HANDLERS = [
    # Stops a file beyond the largest UPLOAD_MAX_BYTES while it streams (400).
    "aftersales.uploads.UploadSizeLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# JSON bodies nested deeper than this are refused with 400 (aftersales.api.parsers).
API_JSON_MAX_DEPTH = env.int("API_JSON_MAX_DEPTH", default=64)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# --- Sign-in and sessions (README, "Sign-in and sessions") ------------------------------
# Client address: REMOTE_ADDR, or with N trusted reverse proxies in front the Nth
# X-Forwarded-For entry from the right (aftersales.http.client_ip, used by the lockouts,
# the API throttles and the audit trail alike).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Lockout (django-axes, database handler: works without Redis): this many failures within
# the cool-off lock the account, or the client address, until the cool-off passes without
# a new failure (failures while locked restart it) or someone unlocks.
SIGNIN_ACCOUNT_FAILURE_LIMIT = env.int("SIGNIN_ACCOUNT_FAILURE_LIMIT", default=10)
SIGNIN_ADDRESS_FAILURE_LIMIT = env.int("SIGNIN_ADDRESS_FAILURE_LIMIT", default=30)
SIGNIN_LOCKOUT_MINUTES = env.int("SIGNIN_LOCKOUT_MINUTES", default=15)
AUTHENTICATION_BACKENDS = [
    "aftersales.signin.lockout.SignInLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "aftersales.signin.lockout.SignInLockoutHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = SIGNIN_ACCOUNT_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=SIGNIN_LOCKOUT_MINUTES)
AXES_CLIENT_IP_CALLABLE = "aftersales.http.client_ip"
AXES_LOCKOUT_CALLABLE = "aftersales.signin.lockout.lockout_response"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
# A success does not wipe the failures: it would let one known account clear the address
# counter that protects everyone else behind it.
AXES_RESET_ON_SUCCESS = False
# Second factor (django-otp): the issuer shown in authenticator apps.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Aftersales")
# Idle desk sessions: the session lives SESSION_IDLE_MINUTES after the last request
# (sliding: every request saves it) and dies with the browser. 30 minutes: a desk PC left
# unattended shows customers' phone numbers and addresses; a technician's phone between
# two jobs signs in again (the form remembers nothing secret).
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
# …but a save that would move the expiry by less than this is skipped (a page view is then
# no write; aftersales.middleware.SessionMiddleware, aftersales/sessions.py).
SESSION_ENGINE = "aftersales.sessions"
SESSION_SLIDE_SECONDS = env.int("SESSION_SLIDE_SECONDS", default=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)

# --- Redis: broker and cache when REDIS_URL is set -----------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # The cache is an optimisation, never a dependency (style.md §8): with Redis down a
    # read misses (and falls back to the database), a write or delete is dropped, both
    # logged by django-redis; short socket timeouts so a dead server costs milliseconds.
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "aftersales",
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": env.float("REDIS_CONNECT_TIMEOUT", default=0.5),
                "SOCKET_TIMEOUT": env.float("REDIS_TIMEOUT", default=0.5),
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    DJANGO_REDIS_LOGGER = "aftersales.cache"
else:
    # A file cache is shared by web, worker and beat (throttle counters must be).
    # One directory per database: `make bench` (aftersales_bench) and `make run` (the
    # SQLite file) share var/, and a cached webhook list of the one database made the
    # other's deliveries point at webhooks it does not have.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(
                VAR_DIR / "cache" / re.sub(r"[^\w.-]", "_", Path(DATABASES["default"]["NAME"]).name)
            ),
        }
    }

# --- Celery ----------------------------------------------------------------------------
# Without REDIS_URL the broker is kombu's filesystem transport under var/: it works across
# processes with no server. Eager mode is never switched on implicitly.
CELERY_BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
# Publishing happens after commit and must not hold a request when the broker is down:
# one quick try, then the outbox sweep publishes again (aftersales/platform/queue.py).
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=1.0)
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Queues by kind (README "Scale-out"): docker-compose.yml runs a worker per group, so a
# flood of notifications or a long report never holds back the SLA sweep; `make run`'s one
# worker consumes them all. Every task of the codebase is routed here by name
# (tests/platform/test_queues.py fails on a task missing from the table).
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_QUEUE_NAMES = ("default", "sla", "notifications", "webhooks", "reports", "imports")
CELERY_TASK_QUEUES = [Queue(name, routing_key=name) for name in CELERY_QUEUE_NAMES]
CELERY_TASK_ROUTES = {
    name: {"queue": queue}
    for queue, names in {
        # Clocks that must run on time whatever else is queued.
        "sla": (
            "tickets.tasks.sla_sweep_task",
            "tickets.tasks.sla_notify_task",
            "tickets.depot.tasks.turnaround_sweep_task",
            "tickets.incidents.tasks.incidents_overdue_warn_task",
            "tickets.knowledge.tasks.support_questions_overdue_sweep_task",
        ),
        # One message per customer or staff notice (bursty: a sweep can queue thousands).
        "notifications": (
            "aftersales.platform.tasks.notification_deliver_task",
            "aftersales.platform.tasks.notifications_redeliver_due_task",
            "tickets.tasks.ticket_notify_dispatch_task",
            "technicians.tasks.certification_notify_expiry_task",
        ),
        # Outbound HTTP to integrators' receivers (slow or down receivers wait here).
        "webhooks": (
            "tickets.tasks.webhook_deliver_task",
            "tickets.tasks.webhook_redeliver_task",
        ),
        # Long reads and renders: reports, rollups, the chain's walk, work order PDFs.
        "reports": (
            "audits.tasks.kpi_weekly_reports_generate_task",
            "audits.tasks.audit_verify_task",
            "audits.targets.tasks.target_sets_evaluate_due_task",
            "technicians.outlets.tasks.scorecards_draft_last_month_task",
            "tickets.tasks.ticket_daily_stats_refresh_task",
            "tickets.tasks.work_order_generate_task",
            "tickets.rollups.tasks.kpi_rollups_refresh_task",
        ),
        # What comes in from outside: the mailboxes' e-mails.
        "imports": ("tickets.tasks.mailboxes_poll_task",),
        # Housekeeping and daily sweeps.
        "default": (
            "audits.tasks.audit_seal_task",
            "audits.tasks.corrective_actions_escalate_overdue_task",
            "parts.tasks.reorder_digest_task",
            "technicians.tasks.certification_expiry_sweep_task",
            "technicians.tools.tasks.calibration_reminder_sweep_task",
            "tickets.tasks.idempotency_keys_purge_task",
            "tickets.warranty.tasks.contracts_sweep_task",
            "aftersales.platform.tasks.partitions_maintain_task",
        ),
    }.items()
    for name in names
}
SLA_SWEEP_INTERVAL_SECONDS = env.int("SLA_SWEEP_INTERVAL_SECONDS", default=60)
# /readyz reports the sweep as lagging once its oldest due ticket waits longer than this.
READYZ_SWEEP_LAG_SECONDS = env.int("READYZ_SWEEP_LAG_SECONDS", default=600)
# How often beat publishes again the notifications whose delivery is overdue.
NOTIFICATION_REDELIVER_INTERVAL_SECONDS = env.int(
    "NOTIFICATION_REDELIVER_INTERVAL_SECONDS", default=120
)
# Local hour (TIME_ZONE) at which beat mails supervisors the low-stock digest.
REORDER_DIGEST_HOUR = env.int("REORDER_DIGEST_HOUR", default=8)
# Audit safety net (audits/history.py, audits/safety_net/).
# pghistory's triggers sit on other apps' tables (tickets, technicians, auth); generating
# them as migrations would write migrations into those apps (and into Django's own auth).
# Instead pgtrigger installs/updates every registered trigger after each `migrate`
# (idempotent, PostgreSQL only), and the snapshot tables stay in audits/migrations.
PGTRIGGER_MIGRATIONS = False
PGTRIGGER_INSTALL_ON_MIGRATE = True
# The snapshots' copies of foreign keys (a ticket snapshot's customer, area, technician …)
# get no index: the trail reads a row's snapshots by ``pgh_obj`` alone (its own index,
# audits.history), and the ticket snapshot's eight indexes on its copied keys were a third
# of what the safety net's trigger cost each ticket write (bench/README, "The safety
# net's snapshots").
PGHISTORY_FOREIGN_KEY_FIELD = pghistory.ForeignKey(db_index=False)
# How often beat seals new audit events into the hash chain (audits.chain): the longest
# a new event waits unchained (it carries its own row MAC meanwhile, audits.anchor).
AUDIT_SEAL_INTERVAL_SECONDS = env.int("AUDIT_SEAL_INTERVAL_SECONDS", default=5)
# How often beat walks the whole chain (audits.tasks.audit_verify_task) and records the
# verdict the audit-trail page shows; a full walk reads every sealed event.
AUDIT_VERIFY_INTERVAL_SECONDS = env.int("AUDIT_VERIFY_INTERVAL_SECONDS", default=3600)
# Between full walks, beat verifies the events sealed since the last clean verification
# (audit_verify --incremental) this often; 0 turns it off.
AUDIT_VERIFY_INCREMENTAL_INTERVAL_SECONDS = env.int(
    "AUDIT_VERIFY_INCREMENTAL_INTERVAL_SECONDS", default=300
)
# The key of the chain's anchor (checkpoint signatures, row MACs; audits.anchor). Empty:
# derived from SECRET_KEY. Keep it out of the database's reach (environment, a secret).
AUDIT_CHECKPOINT_KEY = env("AUDIT_CHECKPOINT_KEY", default="")
AUDIT_CHECKPOINT_KEY_FALLBACKS = env.list("AUDIT_CHECKPOINT_KEY_FALLBACKS", default=[])
# A file each checkpoint is appended to (JSON lines), e.g. on another host's mount.
AUDIT_CHECKPOINT_FILE = env("AUDIT_CHECKPOINT_FILE", default="")

# The control room's charts read TicketDailyStat: beat recomputes the last
# TICKET_STATS_REFRESH_DAYS days every TICKET_STATS_REFRESH_SECONDS (README, "Control room").
TICKET_STATS_REFRESH_SECONDS = env.int("TICKET_STATS_REFRESH_SECONDS", default=300)
TICKET_STATS_REFRESH_DAYS = env.int("TICKET_STATS_REFRESH_DAYS", default=14)

# The KPI report's daily rollups (tickets.rollups; README "KPI reports", "Rollups"): beat
# recomputes today, yesterday and the days made dirty every KPI_ROLLUP_REFRESH_SECONDS,
# looking for writes from KPI_ROLLUP_OVERLAP_SECONDS before its last run (late commits),
# and for SLA clocks that passed their due instant among the tickets of the last
# KPI_ROLLUP_SLA_LOOKBACK_DAYS days.
KPI_ROLLUP_REFRESH_SECONDS = env.int("KPI_ROLLUP_REFRESH_SECONDS", default=300)
KPI_ROLLUP_OVERLAP_SECONDS = env.int("KPI_ROLLUP_OVERLAP_SECONDS", default=300)
KPI_ROLLUP_SLA_LOOKBACK_DAYS = env.int("KPI_ROLLUP_SLA_LOOKBACK_DAYS", default=60)

# E-mail intake (README, "E-mail intake"): beat polls the enabled mailboxes (admin
# records, tickets.Mailbox) this often; at most EMAIL_INTAKE_BATCH messages per mailbox
# and poll, each IMAP command waiting at most EMAIL_INTAKE_TIMEOUT_SECONDS; a poll holds
# its mailbox for at most EMAIL_INTAKE_LEASE_SECONDS (a killed worker's lease lapses).
EMAIL_INTAKE_INTERVAL_SECONDS = env.int("EMAIL_INTAKE_INTERVAL_SECONDS", default=60)
EMAIL_INTAKE_BATCH = env.int("EMAIL_INTAKE_BATCH", default=200)
EMAIL_INTAKE_TIMEOUT_SECONDS = env.float("EMAIL_INTAKE_TIMEOUT_SECONDS", default=30.0)
EMAIL_INTAKE_LEASE_SECONDS = env.int("EMAIL_INTAKE_LEASE_SECONDS", default=600)

# Depot repair (返修, README "Depot repair"): the workshop's turnaround target in working
# hours of DEPOT_CALENDAR (a working calendar's code; empty: the ticket's SLA policy's),
# paused while waiting for parts; at DEPOT_WARNING_FRACTION of it the repair is at risk.
DEPOT_TURNAROUND_HOURS = env.float("DEPOT_TURNAROUND_HOURS", default=72)
DEPOT_WARNING_FRACTION = env.float("DEPOT_WARNING_FRACTION", default=0.75)
DEPOT_CALENDAR = env("DEPOT_CALENDAR", default="")
DEPOT_RECEIPT_PREFIX = env("DEPOT_RECEIPT_PREFIX", default="ER")
DEPOT_SWEEP_INTERVAL_SECONDS = env.int("DEPOT_SWEEP_INTERVAL_SECONDS", default=300)

# --- Knowledge base and technical support (README "The knowledge base and technical support")
# Hours technical support has to answer an escalated question (its response target).
SUPPORT_RESPONSE_HOURS = env.float("SUPPORT_RESPONSE_HOURS", default=4)
# How often beat looks for support questions past their target.
SUPPORT_SWEEP_INTERVAL_SECONDS = env.int("SUPPORT_SWEEP_INTERVAL_SECONDS", default=300)
# Number prefix of the support questions (JS-2026-000001: 技术支持).
SUPPORT_QUESTION_PREFIX = env("SUPPORT_QUESTION_PREFIX", default="JS")
# How suggestions are found: "auto" (the measured best on PostgreSQL, jieba tokens matched
# in Python on SQLite), or fts, trigram, combined.
KNOWLEDGE_SUGGEST_METHOD = env("KNOWLEDGE_SUGGEST_METHOD", default="auto")
# How many suggestions the intake panel, the job page and the API show.
KNOWLEDGE_SUGGESTIONS = env.int("KNOWLEDGE_SUGGESTIONS", default=5)
# --- Partitions and retention (README "Partitions and retention") ---------------------------
# Months created ahead of the current one by the daily partition task.
PARTITIONS_AHEAD_MONTHS = env.int("PARTITIONS_AHEAD_MONTHS", default=3)
# Whole months kept, older ones dropped (0: kept for ever). Audit events, ticket events
# and stock movements are never dropped.
NOTIFICATION_RETENTION_MONTHS = env.int("NOTIFICATION_RETENTION_MONTHS", default=24)
WEBHOOK_DELIVERY_RETENTION_MONTHS = env.int("WEBHOOK_DELIVERY_RETENTION_MONTHS", default=6)
HISTORY_RETENTION_MONTHS = env.int("HISTORY_RETENTION_MONTHS", default=0)
for _name in ("PARTITIONS_AHEAD_MONTHS", "NOTIFICATION_RETENTION_MONTHS",
              "WEBHOOK_DELIVERY_RETENTION_MONTHS", "HISTORY_RETENTION_MONTHS"):  # fmt: skip
    if globals()[_name] < 0:
        raise ImproperlyConfigured(f"{_name} must be 0 or more")
CELERY_BEAT_SCHEDULE = {
    # On the 1st: draft last month's scorecard for every active outlet (README "Service
    # outlets and partners").
    "outlet-scorecards-draft": {
        "task": "technicians.outlets.tasks.scorecards_draft_last_month_task",
        "schedule": crontab(day_of_month=1, hour=5, minute=30),
    },
    # Service incidents: warn supervisors once per stage whose due time passed.
    "incidents-overdue-warn": {
        "task": "tickets.incidents.tasks.incidents_overdue_warn_task",
        "schedule": float(INCIDENT_SWEEP_INTERVAL_SECONDS),
    },
    "email-intake-poll": {
        "task": "tickets.tasks.mailboxes_poll_task",
        "schedule": float(EMAIL_INTAKE_INTERVAL_SECONDS),
    },
    "sla-sweep": {
        "task": "tickets.tasks.sla_sweep_task",
        "schedule": float(SLA_SWEEP_INTERVAL_SECONDS),
    },
    # Raise the workshop repairs' turnaround warnings and breaches (README "Depot repair").
    "depot-turnaround-sweep": {
        "task": "tickets.depot.tasks.turnaround_sweep_task",
        "schedule": float(DEPOT_SWEEP_INTERVAL_SECONDS),
    },
    # Support questions past their response target: marked and notified once (README, "The
    # knowledge base and technical support").
    "support-questions-overdue-sweep": {
        "task": "tickets.knowledge.tasks.support_questions_overdue_sweep_task",
        "schedule": float(SUPPORT_SWEEP_INTERVAL_SECONDS),
    },
    "warranty-contracts-sweep": {
        "task": "tickets.warranty.tasks.contracts_sweep_task",
        "schedule": crontab(hour=6, minute=15),
    },
    "certification-expiry-sweep": {
        "task": "technicians.tasks.certification_expiry_sweep_task",
        "schedule": crontab(hour=6, minute=0),
    },
    "calibration-reminder-sweep": {
        "task": "technicians.tools.tasks.calibration_reminder_sweep_task",
        "schedule": crontab(hour=6, minute=5),
    },
    "webhook-redeliver": {
        "task": "tickets.tasks.webhook_redeliver_task",
        "schedule": 300.0,
    },
    "idempotency-keys-purge": {
        "task": "tickets.tasks.idempotency_keys_purge_task",
        "schedule": 3600.0,
    },
    "parts-reorder-digest": {
        "task": "parts.tasks.reorder_digest_task",
        "schedule": crontab(hour=REORDER_DIGEST_HOUR, minute=0),
    },
    # Daily: the months ahead of the partitioned tables, and the retention rules.
    "partitions-maintain": {
        "task": "aftersales.platform.tasks.partitions_maintain_task",
        "schedule": crontab(hour=3, minute=10),
    },
    "audit-seal": {
        "task": "audits.tasks.audit_seal_task",
        "schedule": float(AUDIT_SEAL_INTERVAL_SECONDS),
    },
    "audit-verify": {
        "task": "audits.tasks.audit_verify_task",
        "schedule": float(AUDIT_VERIFY_INTERVAL_SECONDS),
    },
    **(
        {
            "audit-verify-incremental": {
                "task": "audits.tasks.audit_verify_task",
                "schedule": float(AUDIT_VERIFY_INCREMENTAL_INTERVAL_SECONDS),
                "kwargs": {"incremental": True},
            }
        }
        if AUDIT_VERIFY_INCREMENTAL_INTERVAL_SECONDS
        else {}
    ),
    "kpi-weekly-reports": {
        "task": "audits.tasks.kpi_weekly_reports_generate_task",
        "schedule": crontab(minute=0, hour=6, day_of_week="mon"),
    },
    "kpi-rollups-refresh": {  # the KPI report's daily rollups (tickets.rollups)
        "task": "tickets.rollups.tasks.kpi_rollups_refresh_task",
        "schedule": float(KPI_ROLLUP_REFRESH_SECONDS),
    },
    "ticket-daily-stats-refresh": {  # the control room's charts (TicketDailyStat)
        "task": "tickets.tasks.ticket_daily_stats_refresh_task",
        "schedule": float(TICKET_STATS_REFRESH_SECONDS),
    },
    "sla-notify": {  # escalations whose notification the sweep could not publish
        "task": "tickets.tasks.sla_notify_task",
        "schedule": 300.0,
    },
    "notifications-redeliver": {
        "task": "aftersales.platform.tasks.notifications_redeliver_due_task",
        "schedule": float(NOTIFICATION_REDELIVER_INTERVAL_SECONDS),
    },
    "corrective-actions-escalate": {
        "task": "audits.tasks.corrective_actions_escalate_overdue_task",
        "schedule": crontab(minute=0, hour=8),
    },
    # Daily: evaluate the approved service targets whose period ended (README "Service
    # commitments and targets"); each set once.
    "targets-evaluate-due": {
        "task": "audits.targets.tasks.target_sets_evaluate_due_task",
        "schedule": crontab(minute=30, hour=6),
    },
}

# Service targets: who owns a missed target's corrective action when the break-down names
# nobody (a username; empty: the manager who approved the set), and its due date.
TARGETS_DEFAULT_OWNER = env("TARGETS_DEFAULT_OWNER", default="")
TARGETS_ACTION_DUE_DAYS = env.int("TARGETS_ACTION_DUE_DAYS", default=30)

# --- REST framework ----------------------------------------------------------------------
_RATE = re.compile(r"^[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)$")


def _throttle_rate(name, default):
    """An API throttle rate from the environment: ``<count>/<s|min|hour|day>``, or
    ``none`` (no limit). A malformed value stops the start, not every request."""
    value = env(name, default=default).strip()
    if value.lower() in {"", "none", "off"}:
        return None
    if not _RATE.match(value):
        raise ImproperlyConfigured(f"{name}={value!r}: expected e.g. 120/min, or none")
    return value


REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Integrator tokens (aft_…) first; any other key is a person's sign-in token.
        "aftersales.tokens.authentication.IntegratorTokenAuthentication",
        "aftersales.api.authentication.SignInTokenAuthentication",
        "aftersales.api.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["aftersales.api.permissions.RolePermission"],
    # DRF's JSON on orjson (aftersales.api.renderers); the browsable API stays.
    "DEFAULT_RENDERER_CLASSES": [
        "aftersales.api.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    # A JSON parser with a size and nesting limit (deep JSON is a 400, never a 500).
    "DEFAULT_PARSER_CLASSES": [
        "aftersales.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "aftersales.api.pagination.PageNumberPagination",
    "DEFAULT_SCHEMA_CLASS": "aftersales.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "aftersales.api.exception_handler.api_exception_handler",
    # Per token and per user on the cache (aftersales.tokens.throttling): 429 + Retry-After.
    "DEFAULT_THROTTLE_CLASSES": [
        "aftersales.tokens.throttling.ApiRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "auth": env("AUTH_THROTTLE_RATE", default="10/min"),
        "token": _throttle_rate("API_TOKEN_THROTTLE_RATE", "120/min"),
        "user": _throttle_rate("API_USER_THROTTLE_RATE", "300/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Aftersales API",
    "DESCRIPTION": "REST API of the Aftersales service-centre platform (contract v1).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and docs are for signed-in users (integrators use their token).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Docstrings of shared mixins are not descriptions of the schemas that use them.
    "GET_LIB_DOC_EXCLUDES": "aftersales.api.schema.lib_doc_excludes",
    # Swagger UI assets are served from our own static files (no CDN on closed networks).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every operation may answer 429 with Retry-After (aftersales.tokens.throttling).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "aftersales.tokens.schema.declare_throttled_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "TargetScopeEnum": "audits.targets.choices.Scope",
        "OutletKindEnum": "technicians.outlets.choices.OutletKind",
        "ScorecardStatusEnum": "technicians.outlets.choices.ScorecardStatus",
        "ScorecardGradeEnum": "technicians.outlets.choices.Grade",
        "IncidentGradeEnum": "tickets.incidents.choices.IncidentGrade",
        "IncidentStageEnum": "tickets.incidents.choices.IncidentStage",
        "IncidentLinkMethodEnum": "tickets.incidents.choices.LinkMethod",
        "IncidentEventKindEnum": "tickets.incidents.choices.IncidentEventKind",
        "TicketStatusEnum": "tickets.choices.TicketStatus",
        "TicketCategoryEnum": "tickets.choices.TicketCategory",
        "ChannelEnum": "tickets.choices.Channel",
        "PriorityEnum": "tickets.choices.Priority",
        "FaultClassEnum": "tickets.choices.FaultClass",
        "WarrantyDecisionEnum": "tickets.choices.WarrantyDecision",
        "ContractKindEnum": "tickets.warranty.choices.ContractKind",
        "ContractStatusEnum": "tickets.warranty.choices.ContractStatus",
        "WarrantyScopeEnum": "tickets.warranty.choices.WarrantyScope",
        "ContactViaEnum": "tickets.choices.ContactVia",
        "WebhookEventEnum": "aftersales.platform.models.WebhookEvent",
        "NotificationKindEnum": "aftersales.platform.models.NotificationKind",
        "NotificationChannelEnum": "aftersales.platform.models.NotificationChannel",
        "NotificationStatusEnum": "aftersales.platform.models.NotificationStatus",
        "CustomerTierEnum": "tickets.choices.CustomerTier",
        "OpenClosedStatusEnum": "audits.choices.QualityAuditStatus",
        "CorrectiveActionStatusEnum": "audits.choices.CorrectiveActionStatus",
        "IntegratorTokenStatusEnum": "aftersales.tokens.models.TokenStatus",
        "ChargeKindEnum": "tickets.charges.choices.ChargeKind",
        "QuoteStatusEnum": "tickets.charges.choices.QuoteStatus",
        "RefundStatusEnum": "tickets.charges.choices.RefundStatus",
        "PaymentMethodEnum": "tickets.charges.choices.PaymentMethod",
        "PriceListLineKindEnum": ["labour", "part_price", "zone"],
        "ExpenseKindEnum": "tickets.costs.choices.ExpenseKind",
        "CostKindEnum": "tickets.costs.choices.CostKind",
        "ExpenseClaimStatusEnum": "tickets.costs.choices.ClaimStatus",
        "ExpenseStepDecisionEnum": "tickets.costs.choices.StepDecision",
        "CostGroupingEnum": "tickets.costs.choices.CostGrouping",
        "InstrumentStatusEnum": "technicians.tools.choices.InstrumentStatus",
        "CalibrationResultEnum": "technicians.tools.choices.CalibrationResult",
        "CalibrationStateEnum": "technicians.tools.choices.CalibrationState",
    },
}

# --- Domain settings ---------------------------------------------------------------------
# Level-3 escalations (service managers); empty: the supervisors.
SLA_MANAGER_EMAILS = env.list("SLA_MANAGER_EMAILS", default=[])

# --- Technicians ---------------------------------------------------------------------------
# Annual training (rolling 365 days): below these hours a technician is flagged
# non-compliant; TRAINING_BLOCKS_DISPATCH makes that a reason to refuse dispatch.
TRAINING_MIN_THEORY_HOURS = env.float("TRAINING_MIN_THEORY_HOURS", default=20.0)
TRAINING_MIN_PRACTICAL_HOURS = env.float("TRAINING_MIN_PRACTICAL_HOURS", default=10.0)
TRAINING_BLOCKS_DISPATCH = env.bool("TRAINING_BLOCKS_DISPATCH", default=False)

# --- Service outlets and partners (technicians.outlets; README "Service outlets and partners")
# Partner scorecards: each KPI's weight in the 0-100 score (a KPI without data is left out
# and the others' weights are scaled up), and the lowest score of each grade (below the
# last one: D). E.g. OUTLET_SCORECARD_GRADES="A=90,B=75,C=60".
OUTLET_SCORECARD_WEIGHTS = {
    key: int(value)
    for key, value in env.dict(
        "OUTLET_SCORECARD_WEIGHTS",
        default={
            "first_time_fix": 25,
            "satisfaction": 20,
            "on_time": 20,
            "complaints": 10,
            "record_completeness": 10,
            "assessment": 15,
        },
    ).items()
}
OUTLET_SCORECARD_GRADES = {
    key: float(value)
    for key, value in env.dict(
        "OUTLET_SCORECARD_GRADES", default={"A": 90, "B": 75, "C": 60}
    ).items()
}
# --- Notifications (aftersales.platform.notifications; README "Notifications") ---------
# Channels per kind ("default" for every kind not named): email, sms, inbox.
# Customers are told by SMS and e-mail (a channel without an address is a no_recipient row).
NOTIFICATION_CUSTOMER_CHANNELS = env.list(
    "NOTIFICATION_CUSTOMER_CHANNELS", default=["email", "sms"]
)
NOTIFICATION_CHANNELS = {
    "default": env.list("NOTIFICATION_STAFF_CHANNELS", default=["email", "inbox"]),
    # "On my way" reaches a customer who is not at their desk: a text first, and e-mail.
    "on_my_way": env.list("NOTIFICATION_ON_MY_WAY_CHANNELS", default=["sms", "email"]),
    "dispatch_notice": NOTIFICATION_CUSTOMER_CHANNELS,
    "completion_notice": NOTIFICATION_CUSTOMER_CHANNELS,
    "survey_invitation": NOTIFICATION_CUSTOMER_CHANNELS,
    "contract_expiry": NOTIFICATION_CUSTOMER_CHANNELS,
    "depot_stage": NOTIFICATION_CUSTOMER_CHANNELS,
    "incident_notice": NOTIFICATION_CUSTOMER_CHANNELS,
}
# Attempts before a message is marked failed; back-off 30 s, 1, 2, 4 min… between them.
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=5)
NOTIFICATION_RETRY_BACKOFF_SECONDS = env.float("NOTIFICATION_RETRY_BACKOFF_SECONDS", default=30)
# SMS: "logging" (writes to the log) or "aliyun" (Aliyun Dysms SendSms, signed POST).
SMS_GATEWAY = env("SMS_GATEWAY", default="logging")
SMS_ENDPOINT = env("SMS_ENDPOINT", default="https://dysmsapi.aliyuncs.com/")
SMS_ACCESS_KEY_ID = env("SMS_ACCESS_KEY_ID", default="")
SMS_ACCESS_KEY_SECRET = env("SMS_ACCESS_KEY_SECRET", default="")
SMS_SIGN_NAME = env("SMS_SIGN_NAME", default="")
SMS_REGION = env("SMS_REGION", default="cn-hangzhou")
SMS_TIMEOUT_SECONDS = env.int("SMS_TIMEOUT_SECONDS", default=10)
# Notification kind → the provider's approved template id ("dispatch_notice=SMS_123,...").
SMS_TEMPLATES = env.dict("SMS_TEMPLATES", default={})
# --- Costs (README "Costs, expense claims and budgets") ----------------------------------
# The approval chain of an expense claim (报销), in order: the department head (supervisor),
# finance, then the general manager for a claim above EXPENSE_MANAGER_THRESHOLD. A step
# with "above" applies only to amounts strictly greater; the chain is frozen on each claim
# when it is filed.
EXPENSE_MANAGER_THRESHOLD = env("EXPENSE_MANAGER_THRESHOLD", default="2000.00")
EXPENSE_APPROVAL_CHAIN = [
    {"role": "supervisor"},
    {"role": "finance"},
    {"role": "manager", "above": EXPENSE_MANAGER_THRESHOLD},
]
# The largest single claim, and how old an expense may be when it is claimed.
EXPENSE_CLAIM_MAX_AMOUNT = env.int("EXPENSE_CLAIM_MAX_AMOUNT", default=50_000)
EXPENSE_CLAIM_MAX_AGE_DAYS = env.int("EXPENSE_CLAIM_MAX_AGE_DAYS", default=90)
# --- The customer's own pages (/service/..., README "The customer's pages") ---------------
# Where customers reach the site: the links in their messages start with it.
PUBLIC_SITE_URL = env("PUBLIC_SITE_URL", default="http://localhost:8000")
# The confirmation and survey links expire after this many days.
PUBLIC_LINK_MAX_AGE_DAYS = env.int("PUBLIC_LINK_MAX_AGE_DAYS", default=14)
# Status look-ups (ticket number + last four digits of the phone): at most this many tries
# per client address, and this many wrong answers per ticket number, in the window.
PUBLIC_LOOKUP_ADDRESS_LIMIT = env.int("PUBLIC_LOOKUP_ADDRESS_LIMIT", default=20)
PUBLIC_LOOKUP_NUMBER_LIMIT = env.int("PUBLIC_LOOKUP_NUMBER_LIMIT", default=5)
PUBLIC_LOOKUP_WINDOW_MINUTES = env.int("PUBLIC_LOOKUP_WINDOW_MINUTES", default=15)

# Webhooks: seconds a receiver has to answer, and attempts before a delivery is failed
# (back-off 30 s, 1, 2, 4, 8 min… between them).
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=10)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=6)
# Receivers on loopback, private, link-local, CGNAT, multicast… addresses are refused unless
# the URL's host is named here (README, "Webhooks"): e.g. "hooks.internal.example,10.0.0.5".
WEBHOOK_ALLOWED_HOSTS = env.list("WEBHOOK_ALLOWED_HOSTS", default=[])
# Failed attempts in a row (over all its deliveries) after which a webhook is disabled and
# its owner told; a delivered attempt resets the count. 0: never disable.
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=20)
# Also send the old body-only "X-Signature: sha256=<hex>" beside the Standard Webhooks
# headers, for receivers not yet moved over (it carries no replay protection).
WEBHOOK_LEGACY_SIGNATURE = env.bool("WEBHOOK_LEGACY_SIGNATURE", default=True)
# A PEM file of the CAs trusted for https receivers; empty: the system's trust store.
WEBHOOK_CA_BUNDLE = env("WEBHOOK_CA_BUNDLE", default="")
TICKET_NUMBER_PREFIX = env("TICKET_NUMBER_PREFIX", default="AS")
# Phone numbers without an international prefix are read in this region (ISO 3166 code);
# its numbers are stored in national digits, every other country's in E.164 (+44…).
PHONE_DEFAULT_REGION = env("PHONE_DEFAULT_REGION", default="CN")
# Part numbers are the manufacturers' own, in any format; a regular expression here makes
# every new or changed one match it in full (e.g. ^[A-Z]{2,4}-[0-9]{5}$), with its message
# (blank: a general one naming the pattern).
PART_NUMBER_PATTERN = env("PART_NUMBER_PATTERN", default="")
PART_NUMBER_PATTERN_MESSAGE = env("PART_NUMBER_PATTERN_MESSAGE", default="")
# The ticket list refreshes its rows and tab counts this often (htmx polling), in seconds.
TICKET_LIST_POLL_SECONDS = env.int("TICKET_LIST_POLL_SECONDS", default=30)
# The control room (/dashboard/) refreshes its panels this often (htmx polling), in seconds.
CONTROL_ROOM_POLL_SECONDS = env.int("CONTROL_ROOM_POLL_SECONDS", default=30)
# Its live figures are shared by every supervisor this long, and only until the next ticket
# write commits (0: computed on every request).
CONTROL_ROOM_CACHE_SECONDS = env.int("CONTROL_ROOM_CACHE_SECONDS", default=15)
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24)
DEMO_PASSWORD = env("DEMO_PASSWORD", default="aftersales-demo")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="aftersales@localhost")
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # fpdf2's font subsetting logs every glyph at INFO (customer export PDF).
    "loggers": {"fontTools": {"level": "WARNING"}},
}
# Satisfaction surveys and return visits (tickets.surveys): every complaint and this share
# of the other closed tickets get a return visit, picked reproducibly under the seed; a
# rating at or below the threshold (or the overall score at or below its own) opens a
# follow-up task for the named user (a username; empty: the supervisors' queue).
SURVEY_SAMPLE_PERCENT = env.int("SURVEY_SAMPLE_PERCENT", default=30)
SURVEY_SAMPLE_SEED = env("SURVEY_SAMPLE_SEED", default="aftersales-return-visits")
SURVEY_LOW_SCORE_THRESHOLD = env.int("SURVEY_LOW_SCORE_THRESHOLD", default=2)
SURVEY_LOW_OVERALL_THRESHOLD = env.int("SURVEY_LOW_OVERALL_THRESHOLD", default=3)
SURVEY_FOLLOW_UP_ASSIGNEE = env("SURVEY_FOLLOW_UP_ASSIGNEE", default="")
