"""One settings module for every deployment.

Everything that differs between a laptop and production is read from the
environment here, and nowhere else. Without any variables set the embedded
defaults of ARCHITECTURE.md apply: SQLite, the kombu filesystem broker, local
media and the embedded search index, all under ``var/``.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def _fail(name: str, problem: str) -> None:
    raise ImproperlyConfigured(f"环境变量 {name} 无效 (invalid environment variable {name}): {problem}")


def _read(name: str, reader, default):
    """Read one variable; a value that cannot be parsed stops start-up naming the variable."""
    try:
        return reader(name, default=default)
    except (ValueError, TypeError, environ.ImproperlyConfigured) as exc:
        _fail(name, str(exc))


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _bool(name: str, default: bool = False) -> bool:
    """Stricter than environ's bool: a typo such as DEBUG=ture stops start-up instead of meaning False."""
    raw = env.str(name, default=str(default)).strip().lower()
    if raw not in _TRUE | _FALSE:
        _fail(name, f"{raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")
    return raw in _TRUE


def _choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = _read(name, env.str, default).strip().lower()
    if value not in choices:
        _fail(name, f"{value!r} is not one of {', '.join(choices)}")
    return value


VAR_DIR = Path(_read("VAR_DIR", env.str, str(BASE_DIR / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

# "embedded" is one machine with generated secrets (make run); "production" refuses to start
# without real secrets and turns on every transport-security setting.
DEPLOYMENT = _choice("DEPLOYMENT", "embedded", ("embedded", "production"))
PRODUCTION = DEPLOYMENT == "production"
DEBUG = _bool("DEBUG")
TESTING = _bool("TESTING", "pytest" in sys.modules)


def _secret_key() -> str:
    """Production must bring its own key; development keeps a generated one in var/."""
    key = _read("SECRET_KEY", env.str, "")
    if key:
        if len(key) < 50 or len(set(key)) < 5:
            _fail("SECRET_KEY", "must be at least 50 characters with at least 5 distinct characters")
        return key
    if PRODUCTION:
        _fail("SECRET_KEY", "required when DEPLOYMENT=production")
    key_file = VAR_DIR / "secret_key.txt"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = _read("ALLOWED_HOSTS", env.list, ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = _read("CSRF_TRUSTED_ORIGINS", env.list, [])
SITE_URL = _read("SITE_URL", env.str, "http://localhost:8000").rstrip("/")
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAIL_SITE_NAME = _read("SITE_NAME", env.str, "线上党校")

INSTALLED_APPS = [
    "school",
    "courses",
    "exams",
    "media_pipeline",
    "search",
    "community",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.table_block",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "axes",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "school.observability.RequestIdMiddleware",
    "school.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "school.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "school.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "school.accounts.middleware.ForcePasswordChangeMiddleware",
    "school.accounts.middleware.AdminLoginRateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "school.urls"
WSGI_APPLICATION = "school.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "wagtail.contrib.settings.context_processors.settings",
                "school.context_processors.navigation",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------
_default_db = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASE_URL = _read("DATABASE_URL", env.str, _default_db)
if DATABASE_URL.split(":", 1)[0] not in {"sqlite", "postgres", "postgresql", "pgsql", "postgis"}:
    _fail("DATABASE_URL", "only sqlite:/// and postgres:// URLs are supported")
try:
    DATABASES = {"default": env.db_url_config(DATABASE_URL)}
except Exception as exc:  # environ raises a mix of error types on malformed URLs
    _fail("DATABASE_URL", str(exc))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
    }
    # A file, not memory: tests start real worker processes that must see the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
else:
    # DB_POOL_SIZE > 0: each process keeps a psycopg pool of at most that many connections (Django's
    # own pooling; with PgBouncer in front leave it 0 and keep persistent connections instead).
    DB_POOL_SIZE = _read("DB_POOL_SIZE", env.int, 0)
    if DB_POOL_SIZE < 0:
        _fail("DB_POOL_SIZE", "must be 0 (no pool) or more")
    if DB_POOL_SIZE:
        _pool = {"min_size": 1, "max_size": DB_POOL_SIZE, "timeout": _read("DB_POOL_TIMEOUT", env.int, 10)}
        DATABASES["default"]["OPTIONS"] = {"pool": _pool}
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = _read("DB_CONN_MAX_AGE", env.int, 60)
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions ----------------------------------------------------
REDIS_URL = _read("REDIS_URL", env.str, "")
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        _fail("REDIS_URL", "must start with redis://, rediss:// or unix://")
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "school",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2, "IGNORE_EXCEPTIONS": True},
        }
    }
    DJANGO_REDIS_IGNORE_EXCEPTIONS = True
    # Sessions survive a Redis outage: written through to the database, read from the cache.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
    if TESTING:  # not the cache of a `make run` on the same VAR_DIR
        CACHES["default"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Celery ----------------------------------------------------------------
_default_broker = "filesystem://"
CELERY_BROKER_URL = _read("CELERY_BROKER_URL", env.str, _default_broker)
if CELERY_BROKER_URL.split(":", 1)[0] not in {"filesystem", "redis", "rediss", "amqp", "amqps", "memory"}:
    _fail("CELERY_BROKER_URL", "expected filesystem://, redis://, amqp:// (or memory:// in tests)")
CELERY_BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem"):
    for sub in ("out", "processed", "control"):
        (CELERY_BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "out"),
        "data_folder_out": str(CELERY_BROKER_DIR / "out"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{VAR_DIR / 'celery-results'}"
    (VAR_DIR / "celery-results").mkdir(exist_ok=True)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 4 * 3600}
    CELERY_RESULT_BACKEND = _read("CELERY_RESULT_BACKEND", env.str, REDIS_URL or None)
CELERY_TASK_DEFAULT_QUEUE = "default"
# Periodic work; run one beat scheduler per deployment (`celery -A school beat`, or `worker -B`
# on a single host as `make run` does).
CELERY_BEAT_SCHEDULE = {
    "close-overdue-exam-attempts": {"task": "exams.tasks.attempts_close_overdue_task", "schedule": 60.0},
    "announce-open-exams": {"task": "exams.tasks.exams_announce_open_task", "schedule": 60.0},
    # school.reports.dashboard_cache.WARM_EVERY_SECONDS
    "warm-report-dashboards": {"task": "school.tasks.report_dashboards_warm_task", "schedule": 540.0},
    "forget-old-report-exports": {"task": "school.tasks.report_exports_forget_old_task", "schedule": 3600.0},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TASK_ROUTES = {"media_pipeline.tasks.*": {"queue": "media"}}
CELERY_TASK_ALWAYS_EAGER = _bool("CELERY_TASK_ALWAYS_EAGER")
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Wagtail 8's own background jobs (reference index, file deletion, image renditions) use
# django-tasks. They are short and idempotent, so they run immediately in the request;
# see docs/configuration.md.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# --- Search ----------------------------------------------------------------
SEARCH_BACKEND = _choice("SEARCH_BACKEND", "embedded", ("embedded", "elasticsearch"))
ELASTICSEARCH_URL = _read("ELASTICSEARCH_URL", env.str, "")
if SEARCH_BACKEND == "elasticsearch" and not ELASTICSEARCH_URL.startswith(("http://", "https://")):
    _fail("ELASTICSEARCH_URL", "SEARCH_BACKEND=elasticsearch needs an http(s):// URL")
SEARCH_INDEX_PATH = VAR_DIR / "search" / "index.sqlite3"
SEARCH_INDEX_PREFIX = _read("SEARCH_INDEX_PREFIX", env.str, "partyschool")
# An Elasticsearch analysis plugin for whole words (smartcn, ik_max_word), when the cluster has it.
SEARCH_ES_WORD_ANALYZER = _read("SEARCH_ES_WORD_ANALYZER", env.str, "")
# Searches and autocomplete requests per client address per minute.
SEARCH_RATE_LIMIT = _read("SEARCH_RATE_LIMIT", env.int, 60)
SEARCH_SUGGEST_RATE_LIMIT = _read("SEARCH_SUGGEST_RATE_LIMIT", env.int, 120)
for _name in ("SEARCH_RATE_LIMIT", "SEARCH_SUGGEST_RATE_LIMIT"):
    if globals()[_name] < 1:
        _fail(_name, "must be at least 1")

# --- Community -------------------------------------------------------------
# Posts (threads, replies, edits, reports) per member per minute.
COMMUNITY_POST_RATE_LIMIT = _read("COMMUNITY_POST_RATE_LIMIT", env.int, 10)
if COMMUNITY_POST_RATE_LIMIT < 1:
    _fail("COMMUNITY_POST_RATE_LIMIT", "must be at least 1")
# Homework files: each at most this size, at most this many per submission.
HOMEWORK_FILE_MAX_BYTES = _read("HOMEWORK_FILE_MAX_BYTES", env.int, 20 * 1024 * 1024)
if HOMEWORK_FILE_MAX_BYTES < 1024:
    _fail("HOMEWORK_FILE_MAX_BYTES", "must be at least 1 KiB")
HOMEWORK_FILES_MAX = _read("HOMEWORK_FILES_MAX", env.int, 5)
if HOMEWORK_FILES_MAX < 1:
    _fail("HOMEWORK_FILES_MAX", "must be at least 1")
# Member-table exports up to this many rows download at once; larger ones are built by a worker.
REPORT_EXPORT_SYNC_ROWS = _read("REPORT_EXPORT_SYNC_ROWS", env.int, 2000)
if REPORT_EXPORT_SYNC_ROWS < 0:
    _fail("REPORT_EXPORT_SYNC_ROWS", "must be 0 or more")
# Also e-mail notifications (replies, mentions …) to members who have an address, through EMAIL_URL.
NOTIFICATION_EMAILS = _read("NOTIFICATION_EMAILS", env.bool, False)

# Wagtail's admin keeps its own database search; our search/ app serves the public site.
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

# --- Storage ---------------------------------------------------------------
MEDIA_STORAGE = _choice("MEDIA_STORAGE", "local", ("local", "s3"))
MEDIA_ROOT = Path(_read("MEDIA_ROOT", env.str, str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
_static_backend = (
    "django.contrib.staticfiles.storage.StaticFilesStorage"
    if TESTING
    else "whitenoise.storage.CompressedManifestStaticFilesStorage"
)
if MEDIA_STORAGE == "s3":
    AWS_STORAGE_BUCKET_NAME = _read("AWS_STORAGE_BUCKET_NAME", env.str, "")
    if not AWS_STORAGE_BUCKET_NAME:
        _fail("AWS_STORAGE_BUCKET_NAME", "required when MEDIA_STORAGE=s3")
    AWS_S3_ENDPOINT_URL = _read("AWS_S3_ENDPOINT_URL", env.str, None)
    AWS_S3_REGION_NAME = _read("AWS_S3_REGION_NAME", env.str, None)
    AWS_ACCESS_KEY_ID = _read("AWS_ACCESS_KEY_ID", env.str, None)
    AWS_SECRET_ACCESS_KEY = _read("AWS_SECRET_ACCESS_KEY", env.str, None)
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    AWS_S3_FILE_OVERWRITE = False
    _media_backend = {"BACKEND": "storages.backends.s3.S3Storage"}
else:
    MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
    _media_backend = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {"default": _media_backend, "staticfiles": {"BACKEND": _static_backend}}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
MEMBER_IMPORT_MAX_BYTES = _read("MEMBER_IMPORT_MAX_BYTES", env.int, 5 * 1024 * 1024)
QUESTION_IMPORT_MAX_BYTES = _read("QUESTION_IMPORT_MAX_BYTES", env.int, 5 * 1024 * 1024)

# --- Videos ----------------------------------------------------------------
VIDEO_UPLOAD_MAX_BYTES = _read("VIDEO_UPLOAD_MAX_BYTES", env.int, 4 * 1024**3)
if VIDEO_UPLOAD_MAX_BYTES < 1024 * 1024:
    _fail("VIDEO_UPLOAD_MAX_BYTES", "must be at least 1 MiB")
FFPROBE_TIMEOUT = _read("FFPROBE_TIMEOUT", env.float, 30.0)
# Frames larger than 4K (4096×2160, either way round) are refused at upload.
VIDEO_MAX_PIXELS = 4096 * 2160
# Where a worker transcodes (a local disk with room for a source and its ladder); None: the system temp.
MEDIA_WORK_DIR = _read("MEDIA_WORK_DIR", env.str, None)
# ffmpeg is stopped after max(10 min, duration × this factor).
TRANSCODE_TIME_FACTOR = _read("TRANSCODE_TIME_FACTOR", env.float, 10.0)
# A processing video without progress for this long is re-queued when a worker starts (its worker died).
TRANSCODE_STALE_SECONDS = _read("TRANSCODE_STALE_SECONDS", env.int, 900)
# How long a player's signed media URLs (/media-play/<token>/...) stay valid, in seconds; the player
# fetches fresh ones when they run out mid-lesson.
VIDEO_URL_LIFETIME = _read("VIDEO_URL_LIFETIME", env.int, 2 * 3600)
if VIDEO_URL_LIFETIME < 60:
    _fail("VIDEO_URL_LIFETIME", "must be at least 60 seconds")

# --- Auth ------------------------------------------------------------------
AUTH_USER_MODEL = "school.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "school.accounts.backends.UsernameOrPhoneBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "school.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"
WAGTAILADMIN_LOGIN_URL = "/accounts/login/"
WAGTAIL_PASSWORD_RESET_ENABLED = False
# One way to change one's own password (/accounts/password/): it clears must_change_password and is audited.
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False

AXES_FAILURE_LIMIT = _read("LOGIN_FAILURE_LIMIT", env.int, 5)
AXES_COOLOFF_TIME = timedelta(minutes=_read("LOGIN_LOCKOUT_MINUTES", env.int, 15))
# Lock the account being guessed, not the address: a whole 党委 often sits behind one office NAT,
# and an IP lock would shut out every colleague. (axes.W006 warns about exactly this choice.)
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
# Failures count against the account's username whether the login named it or the mobile number.
AXES_USERNAME_CALLABLE = "school.accounts.lockout.axes_username"
# Chinese 429 page (accounts/locked_out.html) or JSON, saying when to try again.
AXES_LOCKOUT_CALLABLE = "school.accounts.lockout.lockout_response"
# Attempts during a lockout do not extend it, so the time on the lockout page holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_FORM_FIELD = "username"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
AXES_VERBOSE = False
# Login POSTs per client address per 5 minutes, our form and /admin/login/ together. One office NAT
# shares it, so a 党委 that logs in together for a study session may need more.
LOGIN_RATE_LIMIT = _read("LOGIN_RATE_LIMIT", env.int, 30)
if LOGIN_RATE_LIMIT < 1:
    _fail("LOGIN_RATE_LIMIT", "must be at least 1")
# How many reverse proxies of ours stand in front of the app and append to X-Forwarded-For.
# 0 trusts nobody's header (the app faces clients directly, or the proxy rewrites REMOTE_ADDR).
TRUSTED_PROXY_COUNT = _read("TRUSTED_PROXY_COUNT", env.int, 0)
if TRUSTED_PROXY_COUNT < 0:
    _fail("TRUSTED_PROXY_COUNT", "must be 0 or more")

SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"  # Wagtail overrides this for its own preview frames
# Origins besides this site that media URLs point at (a CDN in front of the bucket); see school/csp.py.
CSP_MEDIA_ORIGINS = _read("CSP_MEDIA_ORIGINS", env.list, [])
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    if DEBUG:
        _fail("DEBUG", "must be off when DEPLOYMENT=production")
    if _read("ALLOWED_HOSTS", env.str, "") == "":
        _fail("ALLOWED_HOSTS", "required when DEPLOYMENT=production")
    SESSION_COOKIE_SECURE = _bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = _bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = _read("SECURE_HSTS_SECONDS", env.int, 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = _bool("SECURE_HSTS_PRELOAD", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Language and time -----------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_I18N_ENABLED = False
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = _read("TIME_ZONE", env.str, "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
WAGTAIL_DATE_FORMAT = "%Y-%m-%d"
WAGTAIL_DATETIME_FORMAT = "%Y-%m-%d %H:%M"

# --- Email, logging --------------------------------------------------------
EMAIL_URL = _read("EMAIL_URL", env.str, "consolemail://")
try:
    globals().update(env.email_url_config(EMAIL_URL))
except Exception as exc:
    _fail("EMAIL_URL", str(exc))
DEFAULT_FROM_EMAIL = _read("DEFAULT_FROM_EMAIL", env.str, "线上党校 <noreply@localhost>")
ADMINS = [("admin", a) for a in _read("ADMIN_EMAILS", env.list, [])]

LOG_FORMAT = _choice("LOG_FORMAT", "plain", ("plain", "json"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "school.observability.ContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(context)s] %(message)s"},
        "json": {"()": "school.observability.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]}
    },
    "root": {"handlers": ["console"], "level": _read("LOG_LEVEL", env.str, "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Metrics (school/metrics.py) -------------------------------------------
# Each process of a host writes its counters under this folder; /metrics adds them up. gunicorn.conf.py
# empties it when the web server starts. Left unset under pytest: a test process counts for itself.
if not TESTING:
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(VAR_DIR / "metrics"))
    Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)
METRICS_TOKEN = _read("METRICS_TOKEN", env.str, "")
METRICS_ALLOWED_NETWORKS = _read("METRICS_ALLOWED_NETWORKS", env.list, [])
for _network in METRICS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network)
    except ValueError:
        _fail("METRICS_ALLOWED_NETWORKS", f"{_network!r} is not a network such as 10.0.0.0/8")

WAGTAILIMAGES_IMAGE_MODEL = "wagtailimages.Image"
WAGTAILDOCS_DOCUMENT_MODEL = "wagtaildocs.Document"
# Never "direct": every download must pass courses.views.document_download (access, audit, watermark).
WAGTAILDOCS_SERVE_METHOD = "redirect" if MEDIA_STORAGE == "s3" else "serve_view"

# --- Certificates ----------------------------------------------------------


def _certificate_signing_key() -> str:
    """Base64 of the raw 32-byte Ed25519 private key that signs certificates.

    Production must bring its own (back it up; after replacing it, list the old public key in
    CERTIFICATE_TRUSTED_PUBLIC_KEYS so certificates it signed keep verifying); development keeps a
    generated one in var/, created with mode 0600 and never overwritten.
    """
    import os

    key = _read("CERTIFICATE_SIGNING_KEY", env.str, "").strip()
    if key:
        try:
            raw = base64.b64decode(key, validate=True)
        except binascii.Error:
            _fail("CERTIFICATE_SIGNING_KEY", "must be base64 (of the 32-byte raw Ed25519 private key)")
        if len(raw) != 32:
            _fail("CERTIFICATE_SIGNING_KEY", "must decode to exactly 32 bytes (a raw Ed25519 private key)")
        return key
    if PRODUCTION:
        _fail("CERTIFICATE_SIGNING_KEY", "required when DEPLOYMENT=production")
    key_file = VAR_DIR / "certificate_signing_key"
    if not key_file.exists():
        draft = VAR_DIR / f".certificate_signing_key.{os.getpid()}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(base64.b64encode(secrets.token_bytes(32)).decode())
        try:
            os.link(draft, key_file)  # atomic, and never replaces a key another process just made
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return key_file.read_text().strip()


CERTIFICATE_SIGNING_KEY = _certificate_signing_key()
# Public keys (base64, raw 32 bytes) of earlier signing keys whose certificates still verify.
CERTIFICATE_TRUSTED_PUBLIC_KEYS = _read("CERTIFICATE_TRUSTED_PUBLIC_KEYS", env.list, [])
for _public in CERTIFICATE_TRUSTED_PUBLIC_KEYS:
    try:
        if len(base64.b64decode(_public, validate=True)) != 32:
            raise ValueError
    except ValueError:
        _fail("CERTIFICATE_TRUSTED_PUBLIC_KEYS", "each entry must be base64 of a 32-byte Ed25519 public key")
# Requests (page views and PDF checks) per client address per 10 minutes on the public /verify/ pages.
CERTIFICATE_VERIFY_RATE_LIMIT = _read("CERTIFICATE_VERIFY_RATE_LIMIT", env.int, 60)
if CERTIFICATE_VERIFY_RATE_LIMIT < 1:
    _fail("CERTIFICATE_VERIFY_RATE_LIMIT", "must be at least 1")
