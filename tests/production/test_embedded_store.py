"""The embedded default (`make run`: one Rasa server, SQLite file, in-memory locks), started with
ops/launcher.py (in the background while the cluster loads): the purge works on SQLite too; Rasa's
HTTP API, when a token enables it, refuses requests without the token; killed mid-conversation and
restarted, it continues with context."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest
import requests

from ops import settings
from ops.launcher import Stack, process_env
from tests.production.conftest import (
    API_TOKEN,
    EMBEDDED_DB,
    KILLED,
    MARKER,
    PENDING,
    Background,
    new_sender,
)
from tests.production.helpers import Patient, topics


def test_api_with_a_token_refuses_requests_without_it(embedded: Stack) -> None:
    url = f"{embedded.rasa_url}/status"
    assert requests.get(url, timeout=30).status_code == 401
    assert requests.get(url, params={"token": "wrong"}, timeout=30).status_code == 401
    assert requests.get(url, params={"token": API_TOKEN}, timeout=30).status_code == 200


def test_purge_on_sqlite(embedded: Stack) -> None:
    old, recent = (Patient(embedded.webhook, new_sender()) for _ in range(2))
    old.say(f"hello {MARKER}")
    recent.say("hello")
    with sqlite3.connect(EMBEDDED_DB) as conn:
        conn.execute(
            "UPDATE events SET timestamp = timestamp - 40 * 86400 WHERE sender_id = ?",
            (old.sender,),
        )
    env = process_env(
        {
            "TRACKER_DIALECT": "sqlite",
            "TRACKER_STORE_URL": f"sqlite:///{EMBEDDED_DB}",
            "TRACKER_DB": str(EMBEDDED_DB),
        }
    )
    result = subprocess.run(
        [sys.executable, "-m", "ops.purge", "--days", "30"],
        cwd=settings.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(EMBEDDED_DB) as conn:
        counts = dict(
            conn.execute(
                "SELECT sender_id, COUNT(*) FROM events WHERE sender_id IN (?, ?) "
                "GROUP BY sender_id",
                (old.sender, recent.sender),
            ).fetchall()
        )
    assert old.sender not in counts and counts.get(recent.sender, 0) > 0


def test_sqlite_rasa_killed_mid_conversation(embedded: Stack) -> None:
    patient = Patient(embedded.webhook, new_sender())
    assert topics(patient.say("what is an aura?"))[:1] == ["aura"]
    victim = embedded.procs["rasa"]
    embedded.stop_rasa(kill=True)
    assert victim.returncode == -9
    PENDING["embedded-restart"] = Background(embedded.start_rasa)
    KILLED["embedded"] = patient.sender


def test_restarted_sqlite_server_continues_the_conversation(embedded: Stack) -> None:
    if "embedded" not in KILLED:
        pytest.skip("the kill above did not run")
    PENDING.pop("embedded-restart").get()
    patient = Patient(embedded.webhook, KILLED["embedded"])
    assert topics(patient.say("how long does it last?"))[:1] == ["aura_duration"]
