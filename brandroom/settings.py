"""Brandroom settings: every value is read from the environment here and nowhere else.

BRANDROOM_ENV picks the mode: ``production`` (the default, strict), ``development`` (what the
run command uses) or ``test`` (what the test command uses). Bad or missing values fail loudly at
start-up rather than at the first request. See README.md and .env.example for every variable.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from importlib.util import find_spec
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from brandroom.storage_url import S3_BACKEND, storage_from_url

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

BRANDROOM_ENV = env.str("BRANDROOM_ENV", default="production")
if BRANDROOM_ENV not in {"production", "development", "test"}:
    raise ImproperlyConfigured(
        f"BRANDROOM_ENV must be production, development or test, not {BRANDROOM_ENV!r}"
    )
PRODUCTION = BRANDROOM_ENV == "production"
TESTING = BRANDROOM_ENV == "test"

DEBUG = env.bool("DEBUG", default=BRANDROOM_ENV == "development")
SECRET_KEY = env.str("SECRET_KEY", default="")
if PRODUCTION:
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set in production (BRANDROOM_ENV=production)"
        )
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must be off in production (BRANDROOM_ENV=production)")
elif not SECRET_KEY:
    SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["*"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- Applications -------------------------------------------------------------------------
# The public schema holds the platform: agencies, brands, users, memberships, API keys.
SHARED_APPS = [
    # Our tenants app comes first so its migrate/migrate_schemas commands (which also keep the
    # brand template schema migrated) take precedence over django-tenants' own.
    "tenants",
    "django_tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "django_dramatiq",
    "dramatiq_crontab",
    # Heartbeats of worker and scheduler processes, and queue lag (health, check_worker).
    "brandroom.liveness",
    # Public-schema index of when each brand next has approval work due (the sweep's entry).
    "approvals.schedule",
    # Public-schema index of brands whose triggers the every-minute evaluation must judge.
    "listening.schedule",
    # Project-wide HTTP infrastructure: idempotency records and throttle counters.
    "brandroom.http",
    # The seed_demo command (no tables).
    "demo",
    # The product-wide audit trail; public, so a brand's entries outlive the brand's schema.
    "tenants.audit",
    # What waits for people in every brand (the cockpit's rollup), kept by each app.
    "tenants.attention",
]
# Everything a brand owns lives in the brand's own schema.
TENANT_APPS = [
    "django.contrib.contenttypes",
    # In layer order. Apps react to each other through outbox events (see outbox/handlers.py),
    # so nothing depends on this order.
    "outbox",
    "content",
    "approvals",
    "media",
    # Internal notes on drafts and boosts (names content and media subjects).
    "discussion",
    # Measurement (organic results, KPIs): reads content, approvals and media.
    "results",
    # The rolling 12-month plan (pillars, cadence, campaigns, plan items): reads content.
    "planning",
    # Listening (signals, segments' active hours, triggers): reads content, beside results.
    "listening",
    # Creative assets (uploaded images, renditions, images on drafts): reads content.
    "assets",
    "integrations",
]
INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Brand"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
# New brands are cloned from this always-migrated template schema instead of running every
# migration (see tenants/provisioning.py).
TENANT_BASE_SCHEMA = "brand_template"
# Brand schemas kept made ahead at the template's migration state: creating a brand renames one
# (milliseconds) instead of replaying the template's DDL (~0.35 s of database CPU; see
# tenants/spare_schemas.py). 0 turns it off; each spare is an empty brand schema on disk.
BRAND_SPARE_SCHEMAS = env.int("BRAND_SPARE_SCHEMAS", default=2)
if not 0 <= BRAND_SPARE_SCHEMAS <= 50:
    raise ImproperlyConfigured(
        f"BRAND_SPARE_SCHEMAS must be between 0 and 50, not {BRAND_SPARE_SCHEMAS}"
    )
TENANT_CREATION_FAKES_MIGRATIONS = True
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
# Skip re-sending an unchanged search_path on every cursor (measured ~6% on brand list
# requests in bench/); django-tenants resets the cached path on close and rollback.
TENANT_LIMIT_SET_CALLS = True
AUTH_USER_MODEL = "tenants.User"

MIDDLEWARE = [
    # Outermost, so it sees every answer: API errors are always the JSON error body.
    "brandroom.errors.JsonErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tenants.routing.BrandRoutingMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Lets audit entries name who acted without every service taking the acting person.
    "tenants.audit.context.ActingRequestMiddleware",
    # Needs the session user: a suspended brand is no brand to anyone who is not its own.
    "tenants.routing.SuspendedBrandMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff inspecting one brand's content in the admin: its pages run on that brand's schema.
    "tenants.admin_inspection.InspectBrandMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so it sees the routed brand and wraps only the view (see brandroom/http/idempotency.py).
    "brandroom.http.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "brandroom.urls"
# Requests that arrive on a brand's own hostname use these routes (no /brands/<slug>/ prefix).
BRAND_HOST_URLCONF = "brandroom.urls_brand_host"
WSGI_APPLICATION = "brandroom.wsgi.application"
ASGI_APPLICATION = "brandroom.asgi.application"

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
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
if not env.str("DATABASE_URL", default=""):
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Use platform/run or platform/run-tests, which start an "
        "embedded PostgreSQL when none is configured, or point DATABASE_URL at PostgreSQL."
    )
_db = env.db_url("DATABASE_URL", engine="django_tenants.postgresql_backend")
# A libpq URL may carry the host (a socket folder) in its query string.
if not _db.get("HOST") and _db.get("OPTIONS", {}).get("host"):
    _db["HOST"] = _db["OPTIONS"].pop("host")
_db["CONN_HEALTH_CHECKS"] = True
# Connections per process are bounded by a pool (psycopg_pool through Django's "pool" option,
# see the formula in platform/DEPLOY.md): at most
# DATABASE_POOL_MAX_SIZE, opened on demand, closed after DATABASE_POOL_MAX_IDLE seconds unused.
# DATABASE_POOL=off goes back to one connection per thread kept DATABASE_CONN_MAX_AGE seconds.
DATABASE_POOL = env.bool("DATABASE_POOL", default=True)
DATABASE_POOL_MAX_SIZE = env.int(
    "DATABASE_POOL_MAX_SIZE",
    # Every thread of the busiest process kind (web or worker) plus the heartbeat thread.
    default=max(env.int("WEB_THREADS", default=4), env.int("WORKER_THREADS", default=4)) + 1,
)
DATABASE_POOL_MAX_IDLE = env.float("DATABASE_POOL_MAX_IDLE", default=60.0)
DATABASE_POOL_TIMEOUT = env.float("DATABASE_POOL_TIMEOUT", default=10.0)
# How long one attempt to open a connection keeps retrying (psycopg_pool doubles its wait
# between tries: 1, 2, 4, 8 s...) before the next request starts afresh. Left at the library's
# 5 minutes, a process came back up to half the outage's length after the database did.
DATABASE_POOL_RECONNECT_SECONDS = env.float("DATABASE_POOL_RECONNECT_SECONDS", default=3.0)
if (
    DATABASE_POOL_MAX_SIZE < 1
    or DATABASE_POOL_MAX_IDLE <= 0
    or DATABASE_POOL_TIMEOUT <= 0
    or DATABASE_POOL_RECONNECT_SECONDS <= 0
):
    raise ImproperlyConfigured(
        "DATABASE_POOL_MAX_SIZE must be at least 1, DATABASE_POOL_MAX_IDLE, "
        "DATABASE_POOL_TIMEOUT and DATABASE_POOL_RECONNECT_SECONDS positive"
    )
if DATABASE_POOL:
    _db["CONN_MAX_AGE"] = 0  # the pool keeps connections; Django hands them back after use
    _db.setdefault("OPTIONS", {})["pool"] = {
        "min_size": 0,
        "max_size": DATABASE_POOL_MAX_SIZE,
        "max_idle": DATABASE_POOL_MAX_IDLE,
        "timeout": DATABASE_POOL_TIMEOUT,
        "reconnect_timeout": DATABASE_POOL_RECONNECT_SECONDS,
        "name": "brandroom",
    }
else:
    _db["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Broker (dramatiq) --------------------------------------------------------------------
BROKER_URL = env.str("BROKER_URL", default="")
WORKER_MIDDLEWARE = [
    "dramatiq.middleware.AgeLimit",
    "dramatiq.middleware.TimeLimit",
    "dramatiq.middleware.Callbacks",
    "dramatiq.middleware.Retries",
    # Lets an actor know its message id (AI jobs: a redelivered message takes its job back).
    "dramatiq.middleware.CurrentMessage",
    "django_dramatiq.middleware.DbConnectionsMiddleware",
    # Must come after DbConnectionsMiddleware: it sets the brand on a fresh connection.
    "tenants.worker.BrandContextMiddleware",
    "brandroom.liveness.middleware.WorkerHeartbeat",
]
# Worker and scheduler processes record a heartbeat this often; three missed ones mean dead.
HEARTBEAT_SECONDS = env.float("HEARTBEAT_SECONDS", default=10.0)
if HEARTBEAT_SECONDS <= 0:
    raise ImproperlyConfigured("HEARTBEAT_SECONDS must be positive")
# A queue whose oldest due message waits longer than this is reported as a problem.
QUEUE_MAX_LAG_SECONDS = env.float("QUEUE_MAX_LAG_SECONDS", default=300.0)


REDIS_MAINTENANCE_CHANCE = env.int("REDIS_MAINTENANCE_CHANCE", default=100_000)
REDIS_HEARTBEAT_TIMEOUT_SECONDS = env.float("REDIS_HEARTBEAT_TIMEOUT_SECONDS", default=30.0)


def _broker_settings() -> dict[str, object]:
    if not BROKER_URL:
        # Embedded default: a PostgreSQL-backed queue in the same database.
        libpq = {
            "dbname": ("test_" if TESTING else "") + str(_db["NAME"]),
            "user": _db.get("USER") or "",
            "password": _db.get("PASSWORD") or "",
            "host": str(_db.get("HOST") or ""),
            "port": str(_db.get("PORT") or ""),
        }
        return {
            "BROKER": "dramatiq_postgres.PostgresBroker",
            "OPTIONS": {"url": {k: v for k, v in libpq.items() if v}, "results": False},
            "MIDDLEWARE": WORKER_MIDDLEWARE,
        }
    if BROKER_URL.startswith(("redis://", "rediss://")):
        return {
            "BROKER": "dramatiq.brokers.redis.RedisBroker",
            "OPTIONS": {
                "url": BROKER_URL,
                # Messages a dead worker held go back to their queue in the broker's maintenance
                # pass, which runs on one command in a million times this, and only for the
                # queue of that command: an idle queue's consumer sends about one command a
                # second, so dramatiq's default (1,000) left a killed worker's AI jobs waiting
                # many minutes. 100,000: about ten seconds; the pass is a few set operations.
                "maintenance_chance": REDIS_MAINTENANCE_CHANCE,
                # A worker silent this long is dead and its messages are given to others. A live
                # worker is never silent that long: each of its queues' consumers (and their
                # delay queues') polls about once a second while it has room for work.
                "heartbeat_timeout": int(REDIS_HEARTBEAT_TIMEOUT_SECONDS * 1000),
            },
            "MIDDLEWARE": WORKER_MIDDLEWARE,
        }
    if BROKER_URL.startswith(("amqp://", "amqps://")):
        return {
            "BROKER": "dramatiq.brokers.rabbitmq.RabbitmqBroker",
            "OPTIONS": {"url": BROKER_URL},
            "MIDDLEWARE": WORKER_MIDDLEWARE,
        }
    raise ImproperlyConfigured(
        f"BROKER_URL must start with redis://, rediss://, amqp:// or amqps://, not {BROKER_URL!r}"
    )


DRAMATIQ_BROKER = _broker_settings()
DRAMATIQ_AUTODISCOVER_MODULES = ["tasks"]
DRAMATIQ_CRONTAB: dict[str, str] = {}

# --- Cross-app flows (outbox) -------------------------------------------------------------
# An outbox event's reactions are retried by the worker (starting after this many ms, doubling
# up to a minute, this many times); the reconciler, run every OUTBOX_RECONCILE_INTERVAL_SECONDS,
# finishes any event still waiting OUTBOX_RECONCILE_AFTER_SECONDS after it was written (and a
# ready draft still without its approval request after as long).
OUTBOX_MAX_RETRIES = env.int("OUTBOX_MAX_RETRIES", default=10)
OUTBOX_RETRY_MIN_BACKOFF_MS = env.int("OUTBOX_RETRY_MIN_BACKOFF_MS", default=1_000)
OUTBOX_RECONCILE_AFTER_SECONDS = env.int("OUTBOX_RECONCILE_AFTER_SECONDS", default=60)
OUTBOX_RECONCILE_INTERVAL_SECONDS = env.int("OUTBOX_RECONCILE_INTERVAL_SECONDS", default=60)
for _name in (
    "OUTBOX_RETRY_MIN_BACKOFF_MS",
    "OUTBOX_RECONCILE_AFTER_SECONDS",
    "OUTBOX_RECONCILE_INTERVAL_SECONDS",
):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1")
if OUTBOX_MAX_RETRIES < 0:
    raise ImproperlyConfigured("OUTBOX_MAX_RETRIES must not be negative")

# --- AI assistant -------------------------------------------------------------------------


def _decimal_setting(name: str, default: str, *, allow_empty: bool = False) -> Decimal | None:
    raw = env.str(name, default=default).strip()
    if not raw and allow_empty:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ImproperlyConfigured(f"{name} must be a decimal number, not {raw!r}") from None
    if value < 0:
        raise ImproperlyConfigured(f"{name} must not be negative")
    return value


# Any OpenAI-compatible Chat Completions endpoint. With neither AI_BASE_URL nor AI_API_KEY set
# (here or in a brand's assistant settings), drafts come from the deterministic offline
# generator and are labelled as such.
AI_API_KEY = env.str("AI_API_KEY", default="")
AI_BASE_URL = env.str("AI_BASE_URL", default="")
AI_MODEL = env.str("AI_MODEL", default="gpt-4o-mini")
AI_TIMEOUT_SECONDS = env.float("AI_TIMEOUT_SECONDS", default=30.0)
# The SDK's own retries stay low: the worker retries the whole job with backoff instead.
AI_SDK_MAX_RETRIES = env.int("AI_SDK_MAX_RETRIES", default=1)
# Attempts per job (first run + worker retries on 429, 5xx and timeouts).
AI_JOB_MAX_ATTEMPTS = env.int("AI_JOB_MAX_ATTEMPTS", default=4)
AI_RETRY_MIN_BACKOFF_MS = env.int("AI_RETRY_MIN_BACKOFF_MS", default=5_000)
AI_RETRY_MAX_BACKOFF_MS = env.int("AI_RETRY_MAX_BACKOFF_MS", default=300_000)
# A queued job with no message sent for this long lost it (dropped in a database outage, lost
# with the broker): the stuck-jobs sweep sends it again. Longer than any retry backoff.
AI_JOB_REQUEUE_AFTER_SECONDS = env.int("AI_JOB_REQUEUE_AFTER_SECONDS", default=600)
if AI_JOB_REQUEUE_AFTER_SECONDS * 1000 <= AI_RETRY_MAX_BACKOFF_MS:
    raise ImproperlyConfigured(
        "AI_JOB_REQUEUE_AFTER_SECONDS must be longer than AI_RETRY_MAX_BACKOFF_MS"
    )
# Estimated price in USD per 1,000 tokens, for cost records and budgets.
AI_PRICE_PER_1K_INPUT = _decimal_setting("AI_PRICE_PER_1K_INPUT", "0.00015")
AI_PRICE_PER_1K_OUTPUT = _decimal_setting("AI_PRICE_PER_1K_OUTPUT", "0.0006")
# Caps per model call. Output is capped with max_tokens; a prompt larger than the cap (counted in
# bytes, which no byte-level tokenizer exceeds) is refused before the call. Together they bound
# what a job can cost, which is what a job reserves against the budget when it is accepted.
AI_MAX_PROMPT_TOKENS = env.int("AI_MAX_PROMPT_TOKENS", default=24_000)
AI_MAX_OUTPUT_TOKENS = env.int("AI_MAX_OUTPUT_TOKENS", default=2_000)
# An embeddings model on the same OpenAI-compatible endpoint (e.g. text-embedding-3-small): when
# set, the broken-record check also compares meaning, not only words. Empty: words only.
AI_EMBEDDING_MODEL = env.str("AI_EMBEDDING_MODEL", default="")
# Monthly AI budget per brand in USD unless the brand sets its own; empty means no limit.
AI_MONTHLY_BUDGET = _decimal_setting("AI_MONTHLY_BUDGET", "50", allow_empty=True)
# A brand's own AI base URL must point at a public address (like webhook URLs); development
# may allow private and loopback ones (a local model server). The platform's AI_BASE_URL is the
# operator's choice and is not restricted.
AI_ALLOW_PRIVATE_URLS = env.bool("AI_ALLOW_PRIVATE_URLS", default=False)
if PRODUCTION and AI_ALLOW_PRIVATE_URLS:
    raise ImproperlyConfigured("AI_ALLOW_PRIVATE_URLS must be off in production")
for _name in (
    "AI_TIMEOUT_SECONDS",
    "AI_JOB_MAX_ATTEMPTS",
    "AI_MAX_PROMPT_TOKENS",
    "AI_MAX_OUTPUT_TOKENS",
):
    if globals()[_name] <= 0:
        raise ImproperlyConfigured(f"{_name} must be positive")

# --- Approvals ----------------------------------------------------------------------------
# How far back crisis mode looks for approved drafts that may still be unpublished (to hold).
APPROVALS_CRISIS_HOLD_LOOKBACK_DAYS = env.int("APPROVALS_CRISIS_HOLD_LOOKBACK_DAYS", default=30)
# How often people get one digest email of what is not urgent (new items to review, early
# reminders, "for your information"), unless they chose otherwise; 0 sends each at once. The
# test settings send at once so tests read one email per notice; digest tests set it.
APPROVALS_DIGEST_MINUTES = env.int("APPROVALS_DIGEST_MINUTES", default=0 if TESTING else 60)
if not 0 <= APPROVALS_DIGEST_MINUTES <= 1440:
    raise ImproperlyConfigured("APPROVALS_DIGEST_MINUTES must be between 0 and 1440")

# --- Cache -------------------------------------------------------------------------------
# Nothing that must be shared between processes lives in the cache (throttle counters are in
# PostgreSQL, see brandroom/http/throttling.py), so a per-process memory cache is the default.
CACHE_URL = env.str("CACHE_URL", default="")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
elif CACHE_URL:
    raise ImproperlyConfigured(
        f"CACHE_URL must start with redis:// or rediss://, not {CACHE_URL!r}"
    )
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Integrations: webhooks, idempotency, throttling --------------------------------------
# Lets webhook endpoints point at private, loopback or link-local addresses: on by default in
# development (a receiver on the developer's machine), off in tests, refused in production.
WEBHOOKS_ALLOW_PRIVATE_URLS = env.bool(
    "WEBHOOKS_ALLOW_PRIVATE_URLS", default=BRANDROOM_ENV == "development"
)
if PRODUCTION and WEBHOOKS_ALLOW_PRIVATE_URLS:
    raise ImproperlyConfigured("WEBHOOKS_ALLOW_PRIVATE_URLS must be off in production")
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_BACKOFF_BASE_SECONDS = env.float("WEBHOOK_BACKOFF_BASE_SECONDS", default=30.0)
WEBHOOK_BACKOFF_MAX_SECONDS = env.float("WEBHOOK_BACKOFF_MAX_SECONDS", default=6 * 3600.0)
# Hours an endpoint must keep failing (every attempt since the first failure, across
# deliveries, with no success in between) before it is disabled. Time, not a count: a burst
# against a receiver that is down for a minute fails many attempts and must not disable it.
WEBHOOK_DISABLE_AFTER_FAILING_HOURS = env.float("WEBHOOK_DISABLE_AFTER_FAILING_HOURS", default=24.0)
if WEBHOOK_DISABLE_AFTER_FAILING_HOURS <= 0:
    raise ImproperlyConfigured("WEBHOOK_DISABLE_AFTER_FAILING_HOURS must be more than 0")
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24)
# Events and finished deliveries older than this are deleted (daily) from each brand.
EVENT_RETENTION_DAYS = env.int("EVENT_RETENTION_DAYS", default=30)
for _name in (
    "WEBHOOK_MAX_ATTEMPTS",
    "IDEMPOTENCY_KEY_TTL_HOURS",
):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1")
# Password sign-in (token endpoint, phone view): failures allowed per account and per client
# address within the window; past either, 429 with Retry-After until the window ends.
SIGN_IN_FAILURES_PER_ACCOUNT = env.int("SIGN_IN_FAILURES_PER_ACCOUNT", default=5)
SIGN_IN_FAILURES_PER_ADDRESS = env.int("SIGN_IN_FAILURES_PER_ADDRESS", default=30)
SIGN_IN_WINDOW_SECONDS = env.int("SIGN_IN_WINDOW_SECONDS", default=900)
for _name in (
    "SIGN_IN_FAILURES_PER_ACCOUNT",
    "SIGN_IN_FAILURES_PER_ADDRESS",
    "SIGN_IN_WINDOW_SECONDS",
):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1")
# How many proxies of ours (load balancers) stand in front of the web server: the client's
# address for the sign-in limits is then read from X-Forwarded-For that many entries from the
# right (brandroom/http/client_address.py). 0: REMOTE_ADDR, X-Forwarded-For ignored.
TRUSTED_PROXY_HOPS = env.int("TRUSTED_PROXY_HOPS", default=0)
if not 0 <= TRUSTED_PROXY_HOPS <= 5:
    raise ImproperlyConfigured("TRUSTED_PROXY_HOPS must be between 0 and 5")
# Staff tokens (POST /api/v1/auth/token/) stop working this long after they were issued.
STAFF_TOKEN_TTL_HOURS = env.int("STAFF_TOKEN_TTL_HOURS", default=24 * 7)
if STAFF_TOKEN_TTL_HOURS < 1:
    raise ImproperlyConfigured("STAFF_TOKEN_TTL_HOURS must be at least 1")
THROTTLE_RATE_BRAND = env.str("THROTTLE_RATE_BRAND", default="1200/min")
THROTTLE_RATE_API_KEY = env.str("THROTTLE_RATE_API_KEY", default="300/min")

# --- Auth, sessions and security ----------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
LOGIN_URL = "/admin/login/"

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / ".data" / "staticfiles"
# Uploaded files are kept apart from the paid-media app (``media/``) on purpose.
MEDIA_URL = "/uploads/"
MEDIA_ROOT = env.path("UPLOADS_ROOT", default=BASE_DIR / ".data" / "uploads")
# The local uploads folder above, or an S3-compatible bucket by URL (brandroom/storage_url.py);
# a malformed URL stops start-up.
STORAGES = {
    "default": storage_from_url(env.str("MEDIA_STORAGE_URL", default="")),
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if not PRODUCTION
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
if STORAGES["default"]["BACKEND"] == S3_BACKEND and find_spec("storages") is None:
    raise ImproperlyConfigured("MEDIA_STORAGE_URL names a bucket but django-storages is missing")

# Creative assets (assets/). The type of an upload is judged from its bytes; these are the
# limits per type. ``ASSET_UPLOAD_MAX_BYTES`` is what the upload endpoint lets through at all
# (brandroom.errors.JsonErrorsMiddleware refuses larger bodies before reading them).
ASSET_IMAGE_MAX_BYTES = env.int("ASSET_IMAGE_MAX_BYTES", default=20 * 1024 * 1024)
# More pixels than this is refused (a decompression bomb, or more than any network shows);
# Pillow's own guard (Image.MAX_IMAGE_PIXELS) is set to it too. A video's frames are held to
# it as well: its poster frame becomes a picture on the worker.
ASSET_IMAGE_MAX_PIXELS = env.int("ASSET_IMAGE_MAX_PIXELS", default=50_000_000)
ASSET_VIDEO_MAX_BYTES = env.int("ASSET_VIDEO_MAX_BYTES", default=200 * 1024 * 1024)
ASSET_UPLOAD_MAX_BYTES = max(ASSET_IMAGE_MAX_BYTES, ASSET_VIDEO_MAX_BYTES)
# Resumable (tus) uploads: the pieces received so far wait in this folder (shared by every web
# process that may take the next piece) until the last one arrives; an upload not finished
# within this many hours (counted from its latest piece) expires and is swept away.
ASSET_RESUMABLE_ROOT = env.path(
    "ASSET_RESUMABLE_ROOT", default=BASE_DIR / ".data" / "resumable-uploads"
)
ASSET_RESUMABLE_EXPIRY_HOURS = env.int("ASSET_RESUMABLE_EXPIRY_HOURS", default=24)
# Video's duration, size and poster frame come from ffmpeg where it is installed (a video
# upload is refused, saying so, where it is not).
FFPROBE_BINARY = env.str("FFPROBE_BINARY", default="ffprobe")
FFMPEG_BINARY = env.str("FFMPEG_BINARY", default="ffmpeg")
# An asset still ``processing`` this long after its upload (or its last resend) has lost its
# renditions message (the web process died before the broker took it, the broker refused it,
# or the worker was killed mid-run): the every-minute sweep sends it again, at most
# ASSET_RENDITIONS_MAX_RESENDS times, then marks the asset failed, saying why. Longer than
# the actor's retries and its time limit, so a run still going is not doubled.
ASSET_RENDITIONS_REQUEUE_AFTER_SECONDS = env.int(
    "ASSET_RENDITIONS_REQUEUE_AFTER_SECONDS", default=900
)
ASSET_RENDITIONS_MAX_RESENDS = env.int("ASSET_RENDITIONS_MAX_RESENDS", default=3)
# How long a signed asset URL (API, phone view) may be fetched.
ASSET_URL_MAX_AGE_SECONDS = env.int("ASSET_URL_MAX_AGE_SECONDS", default=3600)
if (
    min(ASSET_IMAGE_MAX_BYTES, ASSET_VIDEO_MAX_BYTES, ASSET_IMAGE_MAX_PIXELS) <= 0
    or ASSET_URL_MAX_AGE_SECONDS <= 0
    or ASSET_RESUMABLE_EXPIRY_HOURS <= 0
    or ASSET_RENDITIONS_REQUEUE_AFTER_SECONDS <= 0
    or ASSET_RENDITIONS_MAX_RESENDS < 0
):
    raise ImproperlyConfigured("ASSET_* limits must be positive")

# --- Email --------------------------------------------------------------------------------
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS", False))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL", False))
if TESTING:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Brandroom <noreply@brandroom.local>")

# --- REST API -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenants.authentication.ApiKeyAuthentication",
        "tenants.authentication.StaffTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["tenants.permissions.IsPerson"],
    "DEFAULT_PARSER_CLASSES": [
        "brandroom.http.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "brandroom.pagination.KeysetCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "brandroom.http.throttling.BrandRateThrottle",
        "brandroom.http.throttling.ApiKeyRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"brand": THROTTLE_RATE_BRAND, "api_key": THROTTLE_RATE_API_KEY},
    "DEFAULT_SCHEMA_CLASS": "brandroom.http.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "brandroom.errors.exception_handler",
    "DATETIME_FORMAT": "iso-8601",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
DRF_STANDARDIZED_ERRORS = {
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": False,
}
_ERRORS = "drf_standardized_errors.openapi_serializers"
SPECTACULAR_SETTINGS = {
    "TITLE": "Brandroom API",
    "DESCRIPTION": (
        "Multi-brand social media operations: brands, content, approvals and paid media. "
        "Brand routes live under /brands/{brand}/api/v1/ (or a brand's own hostname)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "BrandStatusEnum": "tenants.models.Brand.Status",
        "NetworkEnum": "content.networks.Network",
        "DraftStatusEnum": "content.models.Draft.Status",
        "DraftKindEnum": "content.models.Draft.Kind",
        "JobStatusEnum": "content.models.GenerationJob.Status",
        "InboxItemKindEnum": "content.models.InboxItem.Kind",
        "InboxItemStatusEnum": "content.models.InboxStatus",
        "InboxItemPriorityEnum": "content.models.InboxPriority",
        "AttentionKindEnum": "tenants.attention.models.AttentionKind",
        "ApprovalModeEnum": "approvals.models.ApprovalMode",
        "AuditActionEnum": "tenants.audit.models.AuditAction",
        "AuditActorKindEnum": "tenants.audit.models.ActorKind",
        "CampaignKindEnum": "planning.models.Campaign.Kind",
        "PlanItemStatusEnum": "planning.models.ItemStatus",
        "ProductionStepEnum": "planning.production.STEPS",
        # The review serializers name these choices by value (no labels), so by value here.
        "FindingKindEnum": ["worked", "did_not_work"],
        "ReviewStatusEnum": ["open", "closed"],
        "SignalKindEnum": "listening.models.SignalKind",
        "NoteSubjectKindEnum": "discussion.models.Note.SubjectKind",
        **{
            name: f"{_ERRORS}.{name}.choices"
            for name in [
                "ValidationErrorEnum",
                "ClientErrorEnum",
                "ServerErrorEnum",
                "ErrorCode401Enum",
                "ErrorCode403Enum",
                "ErrorCode404Enum",
                "ErrorCode405Enum",
                "ErrorCode406Enum",
                "ErrorCode415Enum",
                "ErrorCode429Enum",
                "ErrorCode500Enum",
            ]
        },
        # Approvals: several models have a "status", and roles/kinds appear under many names.
        "ApprovalRequestStatusEnum": "approvals.models.REQUEST_STATUS_CHOICES",
        "ApprovalStepStatusEnum": "approvals.models.STEP_STATUS_CHOICES",
        "IncidentStatusEnum": "approvals.models.INCIDENT_STATUS_CHOICES",
        "RoleEnum": "tenants.roles.Role.choices",
        "SubjectKindEnum": "approvals.models.SubjectKind.choices",
        "BoostStatusEnum": "media.models.BOOST_STATUS_CHOICES",
        "WebhookEndpointStatusEnum": "integrations.models.WebhookEndpoint.Status",
        "DeliveryStatusEnum": "integrations.models.Delivery.Status",
        "EventTypeEnum": "integrations.events.EventType",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
        "integrations.openapi.describe_integrator_contract",
        "brandroom.http.openapi.match_error_attr_placeholders",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Sign-in link tokens never reach a log (brandroom/redaction.py): filtered on the loggers
    # that write request paths and, for anything else, on the handler.
    "filters": {"redact_secrets": {"()": "brandroom.redaction.RedactSecrets"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_secrets"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"filters": ["redact_secrets"]},
        "django.server": {"filters": ["redact_secrets"]},
        "django.db.backends": {"level": "WARNING"},
        # The scheduler logs every lock renewal at INFO; only its problems matter.
        "apscheduler": {"level": "WARNING"},
        # Logs every webhook request with its full URL at INFO; the delivery log has the facts.
        "httpx2": {"level": "WARNING"},
    },
}
