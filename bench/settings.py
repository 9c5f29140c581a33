"""The app the benchmark measures: production settings on a benchmark database."""

from __future__ import annotations

import os
import tempfile

from flask import Flask

from tracker import create_app
from tracker.config import Config

SECRET_KEY = "bench-secret-key-not-for-production"  # noqa: S105 - throwaway databases only


def environ(url: str) -> dict[str, str]:
    """The environment of a production instance on `url`, over plain HTTP on loopback.

    The same settings serve the in-process measurements and the gunicorn workers, so the
    two measure the same configuration (page size, argon2 cost, no Sentry, no Redis).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAPPORT_", "SENTRY_"))}
    env.update({
        "RAPPORT_ENV": "production",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": url,
        "RAPPORT_SECURE_COOKIES": "0",  # loopback is plain HTTP
        "RATELIMIT_STORAGE_URI": "",
    })
    return env


def make_app(url: str) -> Flask:
    instance = tempfile.mkdtemp(prefix="rapport-bench-instance-")
    return create_app(Config(instance, environ(url)))
