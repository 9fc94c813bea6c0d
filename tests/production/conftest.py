"""Fixtures for the production tests: a PostgreSQL database and a Redis db number of this session's own,
and the production topology (ops.cluster: 2 Rasa servers + 1 action server behind nginx) on free ports.

Nothing is mocked: real Rasa, real action server, real nginx, real PostgreSQL and Redis. Needs the
services running (make services) and a trained model in models/.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Optional

import pytest
import redis

import ops.launcher
from ops import settings
from ops.cluster import Cluster
from ops.launcher import Stack, free_port, start_stack
from tests.production import helpers

SESSION = uuid.uuid4().hex[:8]
STARTED = time.time()
# A token that appears in messages sent on every path (normal, over-long, errors, outages): it must
# never show up in any log (test_logs.py).
MARKER = f"qzx{SESSION}mrk"
ORIGIN = "https://clinic.example"
RUN_DIR = settings.ROOT / ".rasa" / f"test-production-{SESSION}"
API_TOKEN = uuid.uuid4().hex
EMBEDDED_DB = Path(tempfile.mkdtemp(prefix=f"clinic-embedded-{SESSION}-")) / "tracker.db"


class Background:
    """Runs a slow start (a Rasa server loads its model for a minute or more on 2 cores) in a thread,
    so that it overlaps with other work; .get() waits for it and re-raises its error."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self._result: Any = None
        self._error: Optional[BaseException] = None
        self._thread = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self._thread.start()

    def _run(self, fn: Callable[[], Any]) -> None:
        try:
            self._result = fn()
        except BaseException as e:  # noqa: BLE001 - handed to .get()
            self._error = e

    def get(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result


# Slow starts running in the background, by name: "embedded" (the SQLite stack), restarts after kills.
PENDING: Dict[str, Background] = {}
# Conversations whose Rasa server was SIGKILLed, by stack ("cluster", "embedded"): checked once restarted.
KILLED: Dict[str, str] = {}


# ops/launcher.py waits 180 s for Rasa to come up; here up to three Rasa servers load at once on 2 cores
# shared with other work, which has taken longer. Only for this pytest session (its own process).
ops.launcher.RASA_START_TIMEOUT = max(ops.launcher.RASA_START_TIMEOUT, 480.0)


def start_embedded() -> Stack:
    """`make run`'s setup: Rasa + action server with the project's endpoints.yml and deploy/defaults.env
    (SQLite file, in-memory locks), the HTTP API enabled with a token."""
    return start_stack(
        tracker_db=EMBEDDED_DB, rasa_args=["--enable-api", "--auth-token", API_TOKEN]
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "destructive: stops a shared service (PostgreSQL/Redis) for a while"
    )


@pytest.fixture(scope="session")
def services() -> None:
    missing = []
    if not helpers.pg_up():
        missing.append("PostgreSQL on 127.0.0.1:5432")
    if not helpers.redis_up():
        missing.append("Redis on 127.0.0.1:6379")
    if not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists():
        missing.append("nginx")
    if missing:
        pytest.fail(
            "Not available: " + ", ".join(missing) + ". Run `make services` first.", pytrace=False
        )


@pytest.fixture(scope="session")
def pg_database(services: None) -> Iterator[str]:
    name = f"clinic_test_{SESSION}"
    conn = helpers.pg_connect("postgres")
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    try:
        yield name
    finally:
        helpers.start_postgres()  # a fault test may have stopped it
        conn = helpers.pg_connect("postgres")
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()


@pytest.fixture(scope="session")
def redis_db(services: None) -> Iterator[int]:
    """A Redis database number nobody else is using (empty), cleaned afterwards."""
    chosen = None
    for n in range(15, 1, -1):
        r = redis.StrictRedis(db=n, socket_timeout=5, **helpers.REDIS)
        if r.dbsize() == 0:
            r.set(f"clinic:test-session:{SESSION}", "1", ex=3600)  # claim it
            chosen = n
            break
    if chosen is None:
        pytest.fail("no empty Redis database number (2-15) for this session", pytrace=False)
    try:
        yield chosen
    finally:
        helpers.start_redis()
        r = redis.StrictRedis(db=chosen, socket_timeout=5, **helpers.REDIS)
        for key in r.scan_iter("clinic:*"):
            r.delete(key)


def strict_endpoints() -> Path:
    """endpoints.yml, which names plugins.tracker_store.StrictSQLTrackerStore
    (test_preflight.py::test_endpoints_yml_names_the_strict_tracker_store)."""
    return settings.ENDPOINTS


@pytest.fixture(scope="session")
def production_env(pg_database: str, redis_db: int) -> Dict[str, str]:
    return {
        "TRACKER_DIALECT": "postgresql",
        "TRACKER_STORE_URL": f"postgresql://postgres@127.0.0.1:5432/{pg_database}",
        "TRACKER_DB": pg_database,
        "LOCK_STORE_TYPE": settings.ATOMIC_LOCK_STORE,
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": "6379",
        "REDIS_LOCK_DB": str(redis_db),
        "CORS_ORIGINS": ORIGIN,
        "CLINIC_ENDPOINTS": str(strict_endpoints()),
        "RASA_AUTH_TOKEN": "",
        # The repository's content/clinic.yml holds REPLACE-ME placeholders, which the preflight refuses
        # (issue 11); these tests run the production topology on that demo content.
        "CLINIC_ALLOW_PLACEHOLDERS": "1",
    }


def _uses(request: pytest.FixtureRequest, name: str) -> bool:
    return any(name in getattr(item, "fixturenames", ()) for item in request.session.items)


def _kick_off(request: pytest.FixtureRequest) -> None:
    """Starts, in the background and at the same time, every slow stack this session's tests need: the
    first test that needs either waits for both to be loading, not one after the other."""
    if "embedded" not in PENDING and _uses(request, "embedded"):
        PENDING["embedded"] = Background(start_embedded)
    if "cluster" not in PENDING and _uses(request, "cluster"):
        env = request.getfixturevalue("production_env")
        c = Cluster(
            rasa_ports=[free_port(), free_port()],
            action_ports=[free_port()],
            lb_port=free_port(),
            env=env,
            name=f"test-{SESSION}",
        )
        PENDING["cluster"] = Background(c.start)


@pytest.fixture(scope="session")
def cluster(production_env: Dict[str, str], request: pytest.FixtureRequest) -> Iterator[Cluster]:
    """The production topology: 2 Rasa servers + 1 action server behind nginx, on free ports."""
    _kick_off(request)
    c = PENDING["cluster"].get()
    try:
        yield c
    finally:
        c.stop()


@pytest.fixture(scope="session")
def embedded(services: None, request: pytest.FixtureRequest) -> Iterator[Stack]:
    _kick_off(request)
    stack = PENDING["embedded"].get()
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture(autouse=True)
def _whole_stacks(request: pytest.FixtureRequest) -> None:
    """Every test finds the stacks it uses whole: a restart that a kill test left running (its
    follow-up test deselected, say) is waited for first. The follow-ups wait themselves."""
    if request.node.name.startswith("test_restarted_"):
        return
    for name in ("cluster", "embedded"):
        if name in request.fixturenames and f"{name}-restart" in PENDING:
            PENDING.pop(f"{name}-restart").get()


def new_sender() -> str:
    """A conversation id as the public channel accepts it: a random UUID (version 4)."""
    return str(uuid.uuid4())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Stops a background-started stack that no test claimed (e.g. after -x). Stopping twice is harmless."""
    for name in ("embedded", "cluster"):
        pending = PENDING.get(name)
        if pending is not None:
            try:
                pending.get().stop()
            except BaseException:  # noqa: BLE001 - it failed to start and cleaned up after itself
                pass
