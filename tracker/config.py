"""Configuration read from the environment (RAPPORT_*, DATABASE_URL, SECRET_KEY, SENTRY_DSN)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ENVIRONMENTS = ("development", "production", "testing")


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
        # A session unused for this long is refused (its last-seen time lives in the session).
        self.RAPPORT_IDLE_MINUTES = _env_int(env, "RAPPORT_IDLE_MINUTES", 120)
        # Sign-in throttling: this many failures per account or per address in the window.
        self.RAPPORT_LOGIN_MAX_FAILURES = _env_int(env, "RAPPORT_LOGIN_MAX_FAILURES", 10)
        self.RAPPORT_LOGIN_WINDOW_MINUTES = _env_int(env, "RAPPORT_LOGIN_WINDOW_MINUTES", 15)
        # redis://… keeps the sign-in counts in Redis; unset, they live in the database.
        self.RATELIMIT_STORAGE_URI = env.get("RATELIMIT_STORAGE_URI", "").strip() or None
        # Host names this instance answers to; any other Host header gets 400.
        hosts = [h.strip() for h in env.get("RAPPORT_TRUSTED_HOSTS", "").split(",") if h.strip()]
        self.TRUSTED_HOSTS = hosts or None
        # How many proxies in front set X-Forwarded-For/-Proto/-Host (0: trust none).
        self.RAPPORT_PROXY_HOPS = _env_int(env, "RAPPORT_PROXY_HOPS", 0)
        self.WTF_CSRF_TIME_LIMIT = _env_int(env, "RAPPORT_CSRF_SECONDS", 8 * 3600)
        self.MAX_CONTENT_LENGTH = _env_int(env, "RAPPORT_MAX_UPLOAD_BYTES", 16 * 1024 * 1024)
        self.TESTING = False


class TestConfig(Config):
    """Settings for the test suite: a throwaway database and deterministic secrets."""

    __test__ = False  # not a test class, whatever pytest's name rules say

    def __init__(self, instance_path: str, database_url: str) -> None:
        environ = {
            **os.environ,
            "RAPPORT_ENV": "testing",
            "SECRET_KEY": "test-secret-key",  # fixed key for the test suite only
            "DATABASE_URL": database_url,
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
