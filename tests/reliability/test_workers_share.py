"""Both workers take their share of the connections. Each listens on its own socket
(`reuse_port` in gunicorn.conf.py), so the kernel shares new connections out among them;
with one shared socket the first worker to wake takes most of them and keeps them, kept
alive, while the other idles: half the machine unused."""

from __future__ import annotations

import http.client
import os
from pathlib import Path

import pytest

from tests.reliability.harness import prepare_database

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.xdist_group("reliability"),
    pytest.mark.timeout(120),
]

CONNECTIONS = 16  # all in one worker by chance: 2 in 65,536


def _sockets_of(pid: int) -> set[int]:
    """The inodes of the sockets a process holds open."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[len("socket:["):-1]))
    return inodes


def _accepted_on(port: int) -> set[int]:
    """The inodes of the server's ends of established TCP connections to `port`."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].rsplit(":", 1)[1], 16)
        if local_port == port and fields[3] == "01":  # 01: ESTABLISHED
            found.add(int(fields[9]))
    return found


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_kept_alive_connections_are_spread_over_both_workers(database_url, serve):
    prepare_database(database_url, requesters=0, agents=0)
    server = serve(database_url)
    connections = [http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
                   for _ in range(CONNECTIONS)]
    try:
        for connection in connections:
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            response.read()
            assert response.status == 200
            assert response.getheader("Connection", "").lower() != "close"
        accepted = _accepted_on(server.port)
        held = {pid: len(_sockets_of(pid) & accepted) for pid in server.worker_pids()}
        assert sum(held.values()) == CONNECTIONS, held
        assert all(count > 0 for count in held.values()), f"one worker holds them all: {held}"
    finally:
        for connection in connections:
            connection.close()
    server.assert_clean_log()
