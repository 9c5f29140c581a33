"""Configuration read from the environment (RAPPORT_*, DATABASE_URL, SECRET_KEY, SENTRY_DSN)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ENVIRONMENTS = ("development", "production", "testing")
MIB = 1024 * 1024


class ConfigError(RuntimeError):
    """The environment does not describe a runnable instance."""


def _env_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _env_int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from exc


def _env_positive(env: Mapping[str, str], name: str, default: int) -> int:
    value = _env_int(env, name, default)
    if value < 1:
        raise ConfigError(f"{name} must be a positive whole number, got {value}")
    return value


def local_secret_key(instance_path: str) -> str:
    """Read the instance's generated secret key, creating it on first use."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


class Config:
    """Settings for a running instance; every value can come from the environment."""

    def __init__(self, instance_path: str, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        self.RAPPORT_ENV = env.get("RAPPORT_ENV", "development").strip().lower()
        if self.RAPPORT_ENV not in ENVIRONMENTS:
            raise ConfigError(
                f"RAPPORT_ENV must be one of {', '.join(ENVIRONMENTS)}, got {self.RAPPORT_ENV!r}"
            )
        secret = env.get("SECRET_KEY", "").strip()
        if not secret:
            if self.RAPPORT_ENV == "production":
                raise ConfigError(
                    "SECRET_KEY is not set. In production Rapport refuses to start without "
                    "one: set SECRET_KEY to a long random string (for example the output of "
                    "`python -c 'import secrets; print(secrets.token_hex(32))'`)."
                )
            secret = local_secret_key(instance_path)
        self.SECRET_KEY = secret
        default_db = "sqlite:///" + str(Path(instance_path) / "rapport.sqlite3")
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            env.get("DATABASE_URL", "").strip() or default_db
        )
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI, env)
        self.SENTRY_DSN = env.get("SENTRY_DSN", "").strip() or None
        self.SENTRY_TRACES_SAMPLE_RATE = float(
            env.get("SENTRY_TRACES_SAMPLE_RATE", "0") or 0
        )
        self.RAPPORT_PAGE_SIZE = _env_int(env, "RAPPORT_PAGE_SIZE", 20)
        self.RAPPORT_ORGANISATION = env.get("RAPPORT_ORGANISATION", "Example Ltd")
        self.RAPPORT_TIMEZONE = env.get("RAPPORT_TIMEZONE", "").strip() or "UTC"
        try:
            ZoneInfo(self.RAPPORT_TIMEZONE)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(
                f"RAPPORT_TIMEZONE must be a time zone name such as Europe/London, "
                f"got {self.RAPPORT_TIMEZONE!r}"
            ) from exc
        self.RAPPORT_BOARD_REFRESH_SECONDS = _env_int(env, "RAPPORT_BOARD_REFRESH_SECONDS", 20)
        # Session cookie: never readable from scripts, not sent on cross-site posts, and
        # only over HTTPS unless the app runs in debug (the local `make run`).
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        secure = env.get("RAPPORT_SECURE_COOKIES")
        self.RAPPORT_SECURE_COOKIES = None if not secure else _env_bool(
            env, "RAPPORT_SECURE_COOKIES", True
        )
        self.PERMANENT_SESSION_LIFETIME = timedelta(
            hours=_env_int(env, "RAPPORT_SESSION_HOURS", 12)
        )
        # The cookie is sent again only when the session changed: at sign-in, and at most
        # once a minute while it is in use (its last-seen time), which also moves its
        # expiry on. Signing it afresh on every response cost every page the time.
        self.SESSION_REFRESH_EACH_REQUEST = False
        # A session unused for this long is refused (its last-seen time lives in the session).
        self.RAPPORT_IDLE_MINUTES = _env_int(env, "RAPPORT_IDLE_MINUTES", 120)
        # Sign-in throttling: this many failures per account or per address in the window.
        self.RAPPORT_LOGIN_MAX_FAILURES = _env_int(env, "RAPPORT_LOGIN_MAX_FAILURES", 10)
        self.RAPPORT_LOGIN_WINDOW_MINUTES = _env_int(env, "RAPPORT_LOGIN_WINDOW_MINUTES", 15)
        # redis://… keeps the sign-in counts in Redis; unset, they live in the database.
        self.RATELIMIT_STORAGE_URI = env.get("RATELIMIT_STORAGE_URI", "").strip() or None
        # Calls each API token may make, e.g. "120/minute" or "1000/hour;60/minute".
        self.RAPPORT_API_RATE_LIMIT = _rate_limit(env.get("RAPPORT_API_RATE_LIMIT", ""))
        # Host names this instance answers to; any other Host header gets 400.
        hosts = [h.strip() for h in env.get("RAPPORT_TRUSTED_HOSTS", "").split(",") if h.strip()]
        self.TRUSTED_HOSTS = hosts or None
        # How many proxies in front set X-Forwarded-For/-Proto/-Host (0: trust none).
        self.RAPPORT_PROXY_HOPS = _env_int(env, "RAPPORT_PROXY_HOPS", 0)
        self.WTF_CSRF_TIME_LIMIT = _env_int(env, "RAPPORT_CSRF_SECONDS", 8 * 3600)
        self._read_attachment_limits(env, instance_path)
        self._mail(env)
        self.TESTING = False

    def _mail(self, env: Mapping[str, str]) -> None:
        """Outgoing e-mail: off (nothing is queued) unless MAIL_SERVER names an SMTP server."""
        self.MAIL_SERVER = env.get("MAIL_SERVER", "").strip() or None
        self.MAIL_USE_TLS = _env_bool(env, "MAIL_USE_TLS", False)
        self.MAIL_USE_SSL = _env_bool(env, "MAIL_USE_SSL", False)
        if self.MAIL_USE_TLS and self.MAIL_USE_SSL:
            raise ConfigError(
                "MAIL_USE_TLS (STARTTLS, usually port 587) and MAIL_USE_SSL (TLS from the "
                "start, usually port 465) can't both be on: choose the one your server offers."
            )
        default_port = 465 if self.MAIL_USE_SSL else 587 if self.MAIL_USE_TLS else 25
        self.MAIL_PORT = _env_int(env, "MAIL_PORT", default_port)
        self.MAIL_USERNAME = env.get("MAIL_USERNAME", "").strip() or None
        self.MAIL_PASSWORD = env.get("MAIL_PASSWORD", "") or None
        self.MAIL_DEFAULT_SENDER = env.get("MAIL_DEFAULT_SENDER", "").strip() or None
        self.MAIL_TIMEOUT = _env_int(env, "MAIL_TIMEOUT", 30)
        self.MAIL_MAX_ATTEMPTS = _env_int(env, "MAIL_MAX_ATTEMPTS", 10)
        # Links in e-mails: they are written without a request to take the address from.
        base_url = env.get("RAPPORT_BASE_URL", "").strip().rstrip("/")
        if base_url and not base_url.startswith(("http://", "https://")):
            raise ConfigError(
                f"RAPPORT_BASE_URL must start with https:// or http://, got {base_url!r}"
            )
        self.RAPPORT_BASE_URL = base_url or None
        if self.MAIL_SERVER and not self.MAIL_DEFAULT_SENDER:
            raise ConfigError(
                "MAIL_SERVER is set but MAIL_DEFAULT_SENDER is not: set the address e-mails "
                "come from, for example 'IT help <it-help@example.com>'."
            )
        if self.MAIL_SERVER and not self.RAPPORT_BASE_URL:
            raise ConfigError(
                "MAIL_SERVER is set but RAPPORT_BASE_URL is not: set the address people open "
                "Rapport at (for example https://rapport.example.com), so links in e-mails work."
            )

    def _read_attachment_limits(self, env: Mapping[str, str], instance_path: str) -> None:
        """Files attached to requests: where they live and how much is accepted."""
        self.RAPPORT_ATTACHMENTS_DIR = env.get("RAPPORT_ATTACHMENTS_DIR", "").strip() or str(
            Path(instance_path) / "attachments"
        )
        self.RAPPORT_ATTACHMENT_MAX_BYTES = _env_positive(
            env, "RAPPORT_ATTACHMENT_MAX_BYTES", 10 * MIB
        )
        self.RAPPORT_ATTACHMENTS_PER_REQUEST_BYTES = _env_positive(
            env, "RAPPORT_ATTACHMENTS_PER_REQUEST_BYTES", 50 * MIB
        )
        self.RAPPORT_ATTACHMENTS_PER_UPLOAD = _env_positive(
            env, "RAPPORT_ATTACHMENTS_PER_UPLOAD", 5
        )
        # The largest body accepted: by default a full upload of files plus the form's text,
        # so every limit above is reached (and explained next to the field) before this one.
        self.MAX_CONTENT_LENGTH = _env_positive(
            env,
            "RAPPORT_MAX_UPLOAD_BYTES",
            self.RAPPORT_ATTACHMENTS_PER_UPLOAD * self.RAPPORT_ATTACHMENT_MAX_BYTES + MIB,
        )
        # A body without files (an URL-encoded form, JSON for the API) is read into memory
        # whole, so it is held to much less: the longest text any form takes is a small
        # part of this, even written entirely in four-byte characters and percent-encoded.
        self.RAPPORT_MAX_FORM_BYTES = _env_positive(env, "RAPPORT_MAX_FORM_BYTES", MIB)
        if self.MAX_CONTENT_LENGTH < self.RAPPORT_ATTACHMENT_MAX_BYTES + MIB:
            raise ConfigError(
                f"RAPPORT_MAX_UPLOAD_BYTES ({self.MAX_CONTENT_LENGTH}) must leave room for one "
                f"file of RAPPORT_ATTACHMENT_MAX_BYTES ({self.RAPPORT_ATTACHMENT_MAX_BYTES}) "
                f"and the form around it (1 MiB more)."
            )


class TestConfig(Config):
    """Settings for the test suite: a throwaway database and deterministic secrets."""

    __test__ = False  # not a test class, whatever pytest's name rules say

    def __init__(self, instance_path: str, database_url: str) -> None:
        environ = {
            **os.environ,
            "RAPPORT_ENV": "testing",
            "SECRET_KEY": "test-secret-key",  # fixed key for the test suite only
            "DATABASE_URL": database_url,
            "MAIL_SERVER": "",  # e-mail off; the mail tests switch it on against their server
        }
        super().__init__(instance_path, environ)
        self.TESTING = True
        self.RAPPORT_SECURE_COOKIES = False
        self.SENTRY_DSN = None
        self.RAPPORT_PAGE_SIZE = 10
        self.ARGON2_PROFILE = "cheapest"  # argon2id still, at its lowest cost
        self.RATELIMIT_STORAGE_URI = None  # the database store; Redis tests opt in
        self.TRUSTED_HOSTS = None
        self.RAPPORT_PROXY_HOPS = 0
        self.RAPPORT_ATTACHMENTS_DIR = str(Path(instance_path) / "attachments")


def _rate_limit(value: str) -> str:
    from limits import parse_many

    value = value.strip() or "120/minute"
    try:
        parse_many(value)
    except ValueError as exc:
        raise ConfigError(
            f"RAPPORT_API_RATE_LIMIT must read like 120/minute or 1000/hour;60/minute, "
            f"got {value!r}"
        ) from exc
    return value


def normalise_database_url(url: str) -> str:
    """Accept the usual `postgres://` spellings and pick the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def engine_options(url: str, env: Mapping[str, str]) -> dict:
    """Engine settings per backend: a checked pool for PostgreSQL, a patient SQLite."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    return {
        "pool_pre_ping": True,
        "pool_size": _env_int(env, "RAPPORT_DB_POOL_SIZE", 5),
        "max_overflow": _env_int(env, "RAPPORT_DB_MAX_OVERFLOW", 10),
        "pool_timeout": _env_int(env, "RAPPORT_DB_POOL_TIMEOUT", 10),
        # A server that is down or unreachable fails a connection attempt within seconds
        # (the page answers 503) instead of holding a worker thread for minutes.
        "connect_args": {"connect_timeout": _env_int(env, "RAPPORT_DB_CONNECT_TIMEOUT", 5)},
    }
