"""SQLite on a disk that fills up or turns read-only under the real server: a clean 503
page with Retry-After, nothing half-written, and filing works again once there is room.

Full disk: a small tmpfs, filled with a file until the kernel says ENOSPC (SQLite then
reports SQLITE_FULL, as on a real disk).
Read-only: a read-only bind mount of the database's folder. The kernel refuses every
write to it (EROFS), as on a disk remounted read-only after errors; being root does not
help, which file permissions would not achieve.
"""

from __future__ import annotations

import errno
import sqlite3
import subprocess
import uuid
from collections import Counter
from pathlib import Path

import pytest

from tests.reliability.harness import (
    HALF_WRITTEN_SQL,
    Browser,
    prepare_database,
    query,
    unavailable,
)

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.xdist_group("reliability"),
    pytest.mark.timeout(240),
]

LONG = "The printer on the third floor prints blank pages. " * 380  # ~19,000 characters


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True, text=True)  # noqa: S603,S607


def _unmount(where: Path) -> None:
    result = subprocess.run(["umount", str(where)], capture_output=True)  # noqa: S603,S607
    if result.returncode != 0:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)  # noqa: S603,S607


def _try_mount(*args: str) -> None:
    try:
        _mount(*args)
    except (subprocess.CalledProcessError, OSError) as exc:
        detail = getattr(exc, "stderr", "") or exc
        unavailable(f"this test needs to mount file systems (as root): {detail}")


@pytest.fixture
def small_disk(tmp_path):
    """A 6 MiB tmpfs, unmounted at the end."""
    where = tmp_path / "disk"
    where.mkdir()
    _try_mount("-t", "tmpfs", "-o", "size=6m,mode=0755", "tmpfs", str(where))
    yield where
    _unmount(where)


@pytest.fixture
def read_only_view(tmp_path):
    """A folder and a read-only bind mount of it: (writable path, read-only path)."""
    writable, read_only = tmp_path / "rw", tmp_path / "ro"
    writable.mkdir()
    read_only.mkdir()
    yield writable, read_only
    _unmount(read_only)


def _filing(n: int, description: str = "It prints blank pages.") -> dict:
    return {
        "idempotency_key": uuid.uuid4().hex, "category": "broken", "title": f"Printer {n}",
        "description": description, "impact": "my_team", "urgency": "slowed",
    }


def _assert_clean_503(response) -> None:
    assert response.status_code == 503, (response.status_code, response.text[:800])
    assert response.headers.get("retry-after", "").isdigit()
    assert "try again in a moment" in response.text
    assert "Traceback" not in response.text and "sqlite" not in response.text.lower()


def _integrity(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def _fill(disk: Path) -> Path:
    """Write a file until the disk is full."""
    filler = disk / "filler"
    chunk = b"\0" * 65536
    with filler.open("wb") as handle:
        try:
            while True:
                handle.write(chunk)
                handle.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
    return filler


def test_full_disk_gives_a_clean_page_and_nothing_half_written(small_disk, serve):
    path = small_disk / "rapport.sqlite3"
    url = f"sqlite:///{path}"
    seed = prepare_database(url, requesters=2, agents=0)
    server = serve(url)
    pids = server.worker_pids()
    browsers = [Browser(server.base_url) for _ in seed.requesters]
    for browser, email in zip(browsers, seed.requesters, strict=True):
        browser.sign_in(email, seed.password)
    assert browsers[0].post("/requests/new", _filing(0)).status_code == 303

    filler = _fill(small_disk)
    statuses = Counter()
    for n in range(1, 80):
        response = browsers[n % 2].post("/requests/new", _filing(n, LONG))
        statuses[response.status_code] += 1
        if response.status_code != 303:
            _assert_clean_503(response)
    assert set(statuses) <= {303, 503} and statuses[503] > 0, statuses
    # Reading still works while the disk is full.
    assert browsers[0].http.get("/requests/").status_code == 200

    filler.unlink()  # someone makes room: filing works again, without a restart
    assert browsers[0].post("/requests/new", _filing(99, LONG)).status_code == 303
    assert server.worker_pids() == pids
    for browser in browsers:
        browser.close()
    server.stop()
    server.assert_clean_log(allowed=("database unavailable, answered 503",))

    assert _integrity(path) == "ok"
    assert query(url, HALF_WRITTEN_SQL)[0][0] == 0
    stored = query(url, "SELECT count(*) FROM service_requests")[0][0]
    assert stored == 2 + statuses[303]


def test_read_only_disk_gives_a_clean_page_and_changes_nothing(read_only_view, serve):
    writable, read_only = read_only_view
    url = f"sqlite:///{writable / 'rapport.sqlite3'}"
    seed = prepare_database(url, requesters=1, agents=0)
    first = serve(url)
    browser = Browser(first.base_url)
    browser.sign_in(seed.requesters[0], seed.password)
    assert browser.post("/requests/new", _filing(0)).status_code == 303
    first.stop()
    before = query(url, "SELECT id, stage, version FROM service_requests")

    _try_mount("--bind", str(writable), str(read_only))
    _mount("-o", "remount,bind,ro", str(read_only))
    server = serve(f"sqlite:///{read_only / 'rapport.sqlite3'}", healthy=False)
    person = Browser(server.base_url)
    person.http.cookies = browser.http.cookies  # the same signed-in session
    person.token = browser.token
    browser.close()

    # Alone on a read-only disk, SQLite can't even open a database in WAL mode.
    _assert_clean_503(person.http.get("/"))
    _assert_clean_503(person.post("/requests/new", _filing(1)))

    # With another process keeping the WAL index open (a backup, a second instance),
    # pages can be read, and every change gets the same clean page.
    with sqlite3.connect(writable / "rapport.sqlite3") as reader:
        reader.execute("SELECT count(*) FROM users").fetchone()
        assert person.http.get("/").status_code == 200
        reference = before[0][0]
        _assert_clean_503(person.post("/requests/new", _filing(2)))
        _assert_clean_503(person.post(f"/requests/REQ-{reference:06d}/comments", {
            "body": "Any news?", "idempotency_key": uuid.uuid4().hex,
        }))
    person.close()
    server.stop()
    server.assert_clean_log(allowed=("database unavailable, answered 503",))

    assert query(url, "SELECT id, stage, version FROM service_requests") == before
    assert query(url, "SELECT count(*) FROM request_events WHERE kind = 'comment'")[0][0] == 0
    assert _integrity(writable / "rapport.sqlite3") == "ok"
