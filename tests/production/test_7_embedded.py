"""The embedded default (`make run`: one Rasa server, SQLite file, in-memory locks), started with
tests/stack.py: killed mid-conversation and restarted, it continues with context; the purge works on
SQLite too; Rasa's HTTP API, when a token enables it, refuses requests without the token."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import requests

from ops import settings
from tests.production.conftest import MARKER, SESSION
from tests.production.helpers import Patient, topics
from tests.stack import Stack, start_stack

TOKEN = uuid.uuid4().hex


@pytest.fixture(scope="module")
def tracker_db() -> Path:
    return Path(tempfile.mkdtemp(prefix=f"clinic-embedded-{SESSION}-")) / "tracker.db"


@pytest.fixture(scope="module")
def embedded(tracker_db: Path) -> Iterator[Stack]:
    """Rasa + action server with the project's endpoints.yml and config/defaults.env (SQLite, in-memory
    locks), the API enabled with a token."""
    stack = start_stack(tracker_db=tracker_db, rasa_args=["--enable-api", "--auth-token", TOKEN])
    try:
        yield stack
    finally:
        stack.stop()


def test_sqlite_rasa_killed_and_restarted_continues_with_context(embedded: Stack) -> None:
    patient = Patient(embedded.webhook, f"emb-{SESSION}-{uuid.uuid4().hex[:6]}")
    assert topics(patient.say("what is an aura?"))[:1] == ["aura"]
    embedded.stop_rasa(kill=True)
    embedded.start_rasa()
    assert topics(patient.say("how long does it last?"))[:1] == ["aura_duration"]


def test_api_with_a_token_refuses_requests_without_it(embedded: Stack) -> None:
    url = f"{embedded.rasa_url}/status"
    assert requests.get(url, timeout=30).status_code == 401
    assert requests.get(url, params={"token": "wrong"}, timeout=30).status_code == 401
    assert requests.get(url, params={"token": TOKEN}, timeout=30).status_code == 200


def test_purge_on_sqlite(embedded: Stack, tracker_db: Path) -> None:
    old, recent = (Patient(embedded.webhook, f"{p}-{SESSION}-{uuid.uuid4().hex[:6]}") for p in ("old", "new"))
    old.say(f"hello {MARKER}")
    recent.say("hello")
    db = tracker_db
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE events SET timestamp = timestamp - 40 * 86400 WHERE sender_id = ?", (old.sender,))
    env = {**os.environ, **settings.read_env_file(), "PYTHONPATH": str(settings.ROOT),
           "TRACKER_DIALECT": "sqlite", "TRACKER_STORE_URL": f"sqlite:///{db}", "TRACKER_DB": str(db)}
    result = subprocess.run([sys.executable, "-m", "ops.purge", "--days", "30"], cwd=settings.ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(db) as conn:
        counts = dict(conn.execute("SELECT sender_id, COUNT(*) FROM events WHERE sender_id IN (?, ?) "
                                   "GROUP BY sender_id", (old.sender, recent.sender)).fetchall())
    assert old.sender not in counts and counts.get(recent.sender, 0) > 0
