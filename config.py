"""Configuration classes; every setting comes from the environment when the class is instantiated."""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
DEFAULT_SECRET_KEY = "dev-only-insecure-secret-key"


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() not in {"0", "false", "no", "off"}


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    return int(value) if value is not None else default


def _env_list(name: str) -> list[str]:
    return [item.strip().rstrip("/") for item in (_env(name) or "").split(",") if item.strip()]


def normalise_database_url(url: str) -> str:
    """Point PostgreSQL URLs at the psycopg 3 driver, whatever spelling the operator used."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    """Settings shared by every environment. Values are read in __init__, never at import."""

    ENV_NAME = "development"
    TESTING = False

    def __init__(self) -> None:
        data_dir = Path(_env("HELPDESK_DATA_DIR", str(BASE_DIR / "instance"))).resolve()
        self.HELPDESK_DATA_DIR = str(data_dir)
        self.SECRET_KEY = _env("SECRET_KEY", DEFAULT_SECRET_KEY)
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            _env("DATABASE_URL", f"sqlite:///{data_dir / 'helpdesk.db'}")
        )
        # A server connection can die between uses (restarts, idle timeouts): ping it at checkout.
        # (Not for SQLite: app/database.py.)
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.REDIS_URL = _env("REDIS_URL")
        self.HELPDESK_ALLOWED_ORIGINS = _env_list("HELPDESK_ALLOWED_ORIGINS")
        # The widget identity secret (user_hash = HMAC-SHA256 of the customer id). Unset: generated on
        # first use and kept in the database, rotatable in Settings › Widget.
        self.HELPDESK_IDENTITY_SECRET = _env("HELPDESK_IDENTITY_SECRET")
        if self.HELPDESK_IDENTITY_SECRET is not None and len(self.HELPDESK_IDENTITY_SECRET) < 32:
            raise RuntimeError("HELPDESK_IDENTITY_SECRET must be at least 32 characters (shops sign with it).")
        self.HELPDESK_IDENTITY_SECRET_PREVIOUS = _env("HELPDESK_IDENTITY_SECRET_PREVIOUS")
        # Lifetime of a chat visitor token (POST /api/v1/widget/session); checked at every /chat command.
        self.HELPDESK_VISITOR_TOKEN_SECONDS = _env_int("HELPDESK_VISITOR_TOKEN_SECONDS", 86_400)
        # Socket.IO's async mode: auto = gevent under gunicorn's gevent worker, threading elsewhere.
        self.HELPDESK_ASYNC_MODE = _env("HELPDESK_ASYNC_MODE", "auto")
        # How often each server process refreshes its open sockets' rows (presence) and disconnects
        # widgets whose token expired; 0 turns the heartbeat off (tests call it themselves).
        self.HELPDESK_HEARTBEAT_SECONDS = _env_int("HELPDESK_HEARTBEAT_SECONDS", 20)
        # Pub/Sub channels ignore Redis database numbers: deployments sharing a Redis need their own.
        self.HELPDESK_SOCKETIO_CHANNEL = _env("HELPDESK_SOCKETIO_CHANNEL", "helpdesk-socketio")
        # Jobs run in a thread of the web process unless Redis is there to carry them.
        self.HELPDESK_JOBS = _env("HELPDESK_JOBS", "redis" if self.REDIS_URL else "inprocess")
        self.HELPDESK_PROXY_HOPS = _env_int("HELPDESK_PROXY_HOPS", 0)
        self.HELPDESK_LOG_FORMAT = _env("HELPDESK_LOG_FORMAT", "json")
        self.LOG_LEVEL = _env("LOG_LEVEL", "INFO")

        # Request size: 1 MB is the largest body any endpoint accepts (event batches).
        self.MAX_CONTENT_LENGTH = _env_int("HELPDESK_MAX_BODY_BYTES", 1_048_576)
        self.HELPDESK_SOCKET_MAX_BYTES = _env_int("HELPDESK_SOCKET_MAX_BYTES", 65_536)
        # Nesting of objects and arrays in any JSON input (bodies, Socket.IO packets); real payloads need a handful.
        self.HELPDESK_JSON_MAX_DEPTH = _env_int("HELPDESK_JSON_MAX_DEPTH", 32)

        # Sessions: server-side rows, the cookie carries only an opaque token.
        self.SESSION_COOKIE_NAME = "helpdesk_session"
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _env_bool("HELPDESK_SECURE_COOKIES", False)
        self.HELPDESK_SESSION_DAYS = _env_int("HELPDESK_SESSION_DAYS", 14)
        self.HELPDESK_INVITE_DAYS = _env_int("HELPDESK_INVITE_DAYS", 7)
        self.WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session it is bound to

        # Password hashing (argon2id). Tests lower the cost; production keeps the library default.
        self.HELPDESK_ARGON2_TIME_COST = _env_int("HELPDESK_ARGON2_TIME_COST", 3)
        self.HELPDESK_ARGON2_MEMORY_KIB = _env_int("HELPDESK_ARGON2_MEMORY_KIB", 65_536)

        # Rate limits: every limit is a setting; HELPDESK_RATE_LIMITS=off disables all of them.
        self.RATELIMIT_ENABLED = _env_bool("HELPDESK_RATE_LIMITS", True)
        self.RATELIMIT_STORAGE_URI = _env("HELPDESK_RATE_LIMIT_STORAGE", self.REDIS_URL or "memory://")
        self.RATELIMIT_HEADERS_ENABLED = True
        self.HELPDESK_LIMIT_LOGIN_IP = _env("HELPDESK_LIMIT_LOGIN_IP", "5 per 5 minutes")
        self.HELPDESK_LIMIT_LOGIN_EMAIL = _env("HELPDESK_LIMIT_LOGIN_EMAIL", "10 per 15 minutes")
        self.HELPDESK_LIMIT_API = _env("HELPDESK_LIMIT_API", "1200 per minute")
        self.HELPDESK_LIMIT_INVITE = _env("HELPDESK_LIMIT_INVITE", "10 per 15 minutes")
        self.HELPDESK_LIMIT_WIDGET_EVENTS = _env("HELPDESK_LIMIT_WIDGET_EVENTS", "120 per minute")
        # Live chat, per visitor (verified customer id, else anonymous id) and, for new
        # conversations, per client address as well: anonymous ids cost nothing to make.
        self.HELPDESK_LIMIT_HELP_REQUESTS = _env("HELPDESK_LIMIT_HELP_REQUESTS", "10 per hour")
        # My requests' sign-in links, per client address and per email address asked for.
        self.HELPDESK_LIMIT_HELP_SIGN_IN = _env("HELPDESK_LIMIT_HELP_SIGN_IN", "5 per 15 minutes")
        self.HELPDESK_LIMIT_CHAT_MESSAGES = _env("HELPDESK_LIMIT_CHAT_MESSAGES", "30 per minute")
        self.HELPDESK_LIMIT_CHAT_STARTS = _env("HELPDESK_LIMIT_CHAT_STARTS", "10 per hour")
        self.HELPDESK_LIMIT_CHAT_STARTS_IP = _env("HELPDESK_LIMIT_CHAT_STARTS_IP", "30 per hour")
        self.HELPDESK_LIMIT_CHAT_SIGNALS = _env("HELPDESK_LIMIT_CHAT_SIGNALS", "120 per minute")
        # Store webhooks refused (bad signature, unknown shop, bad JSON), per client address; good
        # deliveries never count.
        self.HELPDESK_LIMIT_STORE_WEBHOOK_FAILURES = _env("HELPDESK_LIMIT_STORE_WEBHOOK_FAILURES", "300 per 10 minutes")

        # OpenAPI document generated by flask-smorest from the request schemas.
        self.API_TITLE = "Helpdesk API"
        self.API_VERSION = "v1"
        self.OPENAPI_VERSION = "3.1.0"
        self.OPENAPI_URL_PREFIX = "/api/v1"
        self.OPENAPI_JSON_PATH = "openapi.json"
        self.API_SPEC_OPTIONS = {
            "info": {"description": "Send customer events and manage support data from the shop's server."},
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearerAuth": []}],
        }

        self.HELPDESK_SHOP_NAME = _env("HELPDESK_SHOP_NAME", "Demo Shop")
        # Email. Delivery "smtp" sends the outbox through HELPDESK_SMTP_* ; "outbox" keeps every email
        # in the outbox (shown in the console) and sends nothing: the development default.
        self.HELPDESK_EMAIL_DELIVERY = _env("HELPDESK_EMAIL_DELIVERY", "smtp")
        self.HELPDESK_MAIL_FROM = _env("HELPDESK_MAIL_FROM", "support@helpdesk.localhost")
        self.HELPDESK_MAIL_DOMAIN = _env("HELPDESK_MAIL_DOMAIN", self.HELPDESK_MAIL_FROM.rpartition("@")[2])
        self.HELPDESK_SMTP_HOST = _env("HELPDESK_SMTP_HOST", "127.0.0.1")
        self.HELPDESK_SMTP_PORT = _env_int("HELPDESK_SMTP_PORT", 25)
        self.HELPDESK_SMTP_USER = _env("HELPDESK_SMTP_USER")
        self.HELPDESK_SMTP_PASSWORD = _env("HELPDESK_SMTP_PASSWORD")
        self.HELPDESK_SMTP_STARTTLS = _env_bool("HELPDESK_SMTP_STARTTLS", False)
        # The largest raw email POST /api/v1/inbound/email accepts (attachments included).
        self.HELPDESK_INBOUND_MAX_BYTES = _env_int("HELPDESK_INBOUND_MAX_BYTES", 26_214_400)
        # How old a ticket view's count may be when the list shows it without asking again (the
        # list's script fetches fresh ones from /console/tickets/counts).
        self.HELPDESK_VIEW_COUNTS_MAX_AGE_S = float(_env("HELPDESK_VIEW_COUNTS_MAX_AGE_S", "30"))
        # Ticket attachments (docs/attachments.md): the largest file, how many one message takes,
        # and the file types accepted, by extension, among those app/services/tickets/attachments/types.py
        # knows how to recognise from their content. Upload forms raise MAX_CONTENT_LENGTH to fit.
        self.HELPDESK_ATTACHMENT_MAX_BYTES = _env_int("HELPDESK_ATTACHMENT_MAX_BYTES", 10_485_760)
        self.HELPDESK_ATTACHMENTS_PER_MESSAGE = _env_int("HELPDESK_ATTACHMENTS_PER_MESSAGE", 5)
        self.HELPDESK_ATTACHMENT_TYPES = [t.lower().lstrip(".") for t in _env_list("HELPDESK_ATTACHMENT_TYPES")] or [
            "png", "jpg", "jpeg", "gif", "webp", "pdf", "txt", "csv", "docx", "xlsx", "pptx", "odt", "ods", "odp",
            "zip"]
        # Knowledge base: the languages the help center offers (the first is the default), the
        # search index's directory (a cache of the database, rebuilt by `flask kb reindex`), and
        # how many searches one address may make.
        self.HELPDESK_KB_LANGUAGES = _env_list("HELPDESK_KB_LANGUAGES") or ["en", "pt", "nl"]
        self.HELPDESK_KB_INDEX_DIR = _env("HELPDESK_KB_INDEX_DIR")  # default: HELPDESK_DATA_DIR/kb_index
        self.HELPDESK_LIMIT_KB_SEARCH = _env("HELPDESK_LIMIT_KB_SEARCH", "120 per minute")
        # Store connections (Shopify, WooCommerce): their credentials are encrypted with this key
        # (Fernet; several, comma-separated, to rotate: the first encrypts, any decrypts). Unset: a
        # key derived from SECRET_KEY. How many months of history a new connection imports.
        self.HELPDESK_ENCRYPTION_KEYS = [k.strip() for k in (_env("HELPDESK_ENCRYPTION_KEY") or "").split(",")
                                         if k.strip()]
        self.HELPDESK_STORE_BACKFILL_MONTHS = _env_int("HELPDESK_STORE_BACKFILL_MONTHS", 12)
        # How many times a read from a store's API is tried (with backoff, honouring Retry-After).
        self.HELPDESK_STORE_API_ATTEMPTS = _env_int("HELPDESK_STORE_API_ATTEMPTS", 5)
        # The address customers' links point at (emails are read outside any request).
        self.HELPDESK_PUBLIC_URL = _env("HELPDESK_PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")


class DevelopmentConfig(Config):
    """`make run`: SQLite under instance/, one process, jobs in-process."""

    ENV_NAME = "development"

    def __init__(self) -> None:
        super().__init__()
        self.HELPDESK_EMAIL_DELIVERY = _env("HELPDESK_EMAIL_DELIVERY", "outbox")


class TestConfig(Config):
    """Used by the test suite; tests override the database and data directory per test."""

    ENV_NAME = "testing"
    TESTING = True
    __test__ = False  # not a pytest test class, despite the name

    def __init__(self) -> None:
        super().__init__()
        self.SQLALCHEMY_DATABASE_URI = "sqlite://"
        self.HELPDESK_JOBS = "eager"
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.HELPDESK_ARGON2_TIME_COST = 1
        self.HELPDESK_ARGON2_MEMORY_KIB = 64
        self.HELPDESK_LOG_FORMAT = "text"
        self.REDIS_URL = None
        self.HELPDESK_HEARTBEAT_SECONDS = 0
        self.HELPDESK_EMAIL_DELIVERY = "outbox"  # tests/email/ turn SMTP on against their own server
        self.HELPDESK_VIEW_COUNTS_MAX_AGE_S = 0  # the counts cache is per process, tests share one


class ProductionConfig(Config):
    """Production: secure cookies by default and a real secret key is mandatory."""

    ENV_NAME = "production"

    def __init__(self) -> None:
        super().__init__()
        self.SESSION_COOKIE_SECURE = _env_bool("HELPDESK_SECURE_COOKIES", True)


CONFIGS = {"development": DevelopmentConfig, "production": ProductionConfig, "testing": TestConfig}


def config_from_env() -> type[Config]:
    """Pick the configuration class named by HELPDESK_ENV (development by default)."""
    name = _env("HELPDESK_ENV", "development")
    if name not in CONFIGS:
        raise RuntimeError(f"HELPDESK_ENV must be one of {sorted(CONFIGS)}, not {name!r}")
    return CONFIGS[name]
