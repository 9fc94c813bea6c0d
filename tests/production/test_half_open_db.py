"""A half-open PostgreSQL connection: packets dropped (iptables on a TCP forwarder's port), not a clean
stop. The strict tracker store must give up within a bounded time (StoreUnavailable: the channel answers
with the clinic's phone) instead of blocking on a socket for the kernel's retransmission time, and work
again once packets flow. Real PostgreSQL, the real store class; needs root and iptables."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import threading
import time
import uuid
from typing import Iterator, List, Optional

import pytest

from ops.launcher import free_port
from plugins.tracker_store import StrictSQLTrackerStore

IPTABLES = shutil.which("iptables")
pytestmark = pytest.mark.skipif(IPTABLES is None, reason="iptables is not installed")
BOUND = 40.0  # liveness guard: connect 5 s + unacknowledged data 10 s + slack on a busy machine


class Forwarder:
    """127.0.0.1:<port> -> PostgreSQL, so that only this test's packets are dropped."""

    def __init__(self) -> None:
        self.port = free_port()
        self.server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", 5432))
            for a, b in ((conn, upstream), (upstream, conn)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def rules(self) -> List[List[str]]:
        return [
            ["INPUT", "-i", "lo", "-p", "tcp", "--dport", str(self.port), "-j", "DROP"],
            ["INPUT", "-i", "lo", "-p", "tcp", "--sport", str(self.port), "-j", "DROP"],
        ]

    def blackhole(self) -> None:
        for rule in self.rules():
            subprocess.run([IPTABLES, "-I", *rule], check=True)

    def restore(self) -> None:
        for rule in self.rules():
            subprocess.run([IPTABLES, "-D", *rule], check=False, capture_output=True)


@pytest.fixture
def forwarder() -> Iterator[Forwarder]:
    f = Forwarder()
    try:
        yield f
    finally:
        f.restore()
        f.server.close()


def timed_retrieve(store: StrictSQLTrackerStore, sender: str, limit: float) -> tuple:
    """(seconds, outcome): 'ok', 'unavailable', or 'blocked' when still waiting after `limit`."""
    result: List[Optional[str]] = [None]

    def run() -> None:
        try:
            asyncio.run(store.retrieve(sender))
            result[0] = "ok"
        except (
            asyncio.CancelledError
        ):  # StoreUnavailable is one; asyncio.run re-raises it as its base
            result[0] = "unavailable"

    started = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(limit)
    return time.monotonic() - started, result[0] or "blocked"


def test_dropped_packets_fail_fast_and_recover(forwarder: Forwarder, pg_database: str) -> None:
    store = StrictSQLTrackerStore(
        dialect="postgresql",
        host="127.0.0.1",
        port=forwarder.port,
        db=pg_database,
        username="postgres",
    )
    sender = str(uuid.uuid4())
    assert timed_retrieve(store, sender, 30)[1] == "ok"  # a pooled connection through the forwarder
    forwarder.blackhole()
    try:
        elapsed, outcome = timed_retrieve(store, sender, BOUND)
    finally:
        forwarder.restore()
    print(f"half-open PostgreSQL connection: {outcome} after {elapsed:.1f}s")
    assert outcome == "unavailable", f"{outcome} after {elapsed:.1f}s"
    recovered, again = timed_retrieve(store, sender, 30)
    print(f"after the packets flow again: {again} in {recovered:.1f}s")
    assert again == "ok"


def test_the_store_connections_carry_the_timeouts(pg_database: str) -> None:
    store = StrictSQLTrackerStore(
        dialect="postgresql", host="127.0.0.1", port=5432, db=pg_database, username="postgres"
    )
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW statement_timeout").scalar() == "10s"
        assert conn.exec_driver_sql("SHOW tcp_user_timeout").scalar() is not None
        params = conn.connection.get_dsn_parameters()
    assert params["keepalives"] == "1" and params["tcp_user_timeout"] == "10000", params
