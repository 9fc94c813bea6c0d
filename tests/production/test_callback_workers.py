"""Call-back delivery on the local PostgreSQL (issue 13): two delivery workers (`python -m
actions.delivery`, as two action servers would run them) share one outbox; every request reaches the
receiver exactly once, and both workers take part. Plus concurrent claims from many connections
(`SELECT ... FOR UPDATE SKIP LOCKED`) each get a different request. Real PostgreSQL, real processes,
a real local HTTP receiver that checks signatures."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Iterator, List

import pytest
import sqlalchemy as sa

from actions import outbox
from ops.callback_receiver import Receiver
from ops.launcher import LOG_DIR, ROOT
from tests.production import helpers

SECRET = "production-callback-secret-0123"
REQUESTS = 40


def admin(sql: str) -> None:
    conn = helpers.pg_connect(
        "postgres"
    )  # autocommit: CREATE/DROP DATABASE cannot run in a transaction
    try:
        conn.cursor().execute(sql)
    finally:
        conn.close()


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    if not helpers.pg_up():
        pytest.fail("PostgreSQL is not running on 127.0.0.1:5432: run `make services`.")
    name = f"clinic_callback_{uuid.uuid4().hex[:8]}"
    admin(f"CREATE DATABASE {name}")
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    yield url
    eng = outbox._engines.pop(url, None)
    if eng is not None:
        eng.dispose()
    admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def eng(database: str) -> sa.engine.Engine:
    e = outbox.engine(database)
    with e.begin() as c:
        c.execute(outbox.outbox.delete())
        c.execute(outbox.held.delete())
    return e


def store_many(eng: sa.engine.Engine, n: int) -> List[str]:
    return [
        outbox.store(outbox.hold(f"+1201555{1000 + i}", eng), None, "any", "booking", eng)
        for i in range(n)
    ]


def start_worker(database: str, rx: Receiver, name: str) -> "tuple[subprocess.Popen, Path]":
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = LOG_DIR / f"callback-worker-{name}-{uuid.uuid4().hex[:6]}.log"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TRACKER_DIALECT": "postgresql",
        "TRACKER_STORE_URL": database,
        "TRACKER_DB": database.rsplit("/", 1)[1],
        "CALLBACK_WEBHOOK_URL": rx.url,
        "CALLBACK_WEBHOOK_SECRET": SECRET,
        "CALLBACK_POLL_SECONDS": "0.2",
        "CALLBACK_RETRY_BASE_SECONDS": "0.5",
        "CALLBACK_RETRY_MAX_SECONDS": "2",
    }
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "actions.delivery"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return proc, log


def test_concurrent_claims_on_postgresql_never_share_a_request(eng: sa.engine.Engine) -> None:
    ids = set(store_many(eng, 30))
    got: List[str] = []
    lock = threading.Lock()

    def work() -> None:
        while (req := outbox.claim(60, eng)) is not None:
            with lock:
                got.append(req.id)

    threads = [threading.Thread(target=work) for _ in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(got) == sorted(ids)


def test_two_workers_deliver_each_request_exactly_once(
    database: str, eng: sa.engine.Engine
) -> None:
    rx = Receiver(SECRET).start()
    workers = []
    try:
        ids = store_many(eng, REQUESTS)
        workers = [start_worker(database, rx, name) for name in ("a", "b")]
        deadline = time.monotonic() + 120
        while (
            time.monotonic() < deadline
            and len(outbox.list_requests(outbox.DELIVERED, eng)) < REQUESTS
        ):
            time.sleep(0.2)
        time.sleep(1)  # any duplicate would have arrived by now
    finally:
        for proc, _ in workers:
            proc.terminate()
            proc.wait(timeout=20)
        rx.stop()
    assert len(outbox.list_requests(outbox.DELIVERED, eng)) == REQUESTS
    counts = Counter(p["headers"]["Idempotency-Key"] for p in rx.posts)
    assert set(counts) == set(ids) and set(counts.values()) == {1}, counts.most_common(3)
    assert all(p["valid"] for p in rx.posts)
    per_worker = [log.read_text().count(" delivered ") for _, log in workers]
    assert sum(per_worker) == REQUESTS and all(n > 0 for n in per_worker), per_worker
