"""Fixtures for the reliability tests: each builds its own database and server.

They cover SQLite and PostgreSQL themselves (a throwaway cluster started here), so they
don't use the suite's database and run once whatever RAPPORT_TEST_DATABASE_URL says.
"""

from __future__ import annotations

import itertools
import subprocess

import pytest

from tests.reliability.harness import (
    GUNICORN,
    PostgresCluster,
    Server,
    free_port,
    postgres_bin,
    unavailable,
)

_databases = itertools.count(1)


@pytest.fixture(autouse=True)
def clean_db():
    """These tests never touch the suite's database, so there is nothing to empty."""
    yield


@pytest.fixture(scope="session")
def pg_cluster():
    """One private PostgreSQL cluster for the whole session (never the shared server)."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        unavailable("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    cluster = PostgresCluster(bin_dir)
    try:
        cluster.init()
        for attempt in range(3):
            try:
                cluster.start()
                break
            except subprocess.CalledProcessError:
                if attempt == 2:
                    raise
                cluster.port = free_port()  # the free port was taken meanwhile
    except (subprocess.SubprocessError, OSError) as exc:
        detail = getattr(exc, "stderr", "") or ""
        cluster.destroy()
        unavailable(f"could not start a throwaway PostgreSQL cluster: {exc} {detail}")
    yield cluster
    cluster.destroy()


@pytest.fixture
def database_url(request, tmp_path):
    """A fresh, empty database on the backend the test is parametrised with."""
    if request.param == "sqlite":
        return "sqlite:///" + str(tmp_path / "rapport.sqlite3")
    cluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database(f"reliability_{next(_databases)}")


@pytest.fixture
def serve(tmp_path):
    """Start gunicorn on a database; every server started is stopped at the end."""
    if not GUNICORN.exists():
        unavailable(f"gunicorn is not installed next to {GUNICORN.parent}")
    servers: list[Server] = []

    def start(database_url: str, healthy: bool = True, **options) -> Server:
        for attempt in range(3):
            server = Server(database_url, tmp_path, **options)
            servers.append(server)
            try:
                return server.start(healthy=healthy)
            except AssertionError as exc:
                # Someone took the free port between our look and gunicorn's bind.
                if "Connection in use" not in str(exc) or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    yield start
    for server in servers:
        server.stop()
