"""`python -m ops.purge` deletes conversations whose last activity is older than N days, whole, and
nothing else (PostgreSQL here; SQLite in test_embedded_store.py)."""

from __future__ import annotations

import subprocess
import sys
from typing import Dict

from ops import settings
from ops.cluster import Cluster
from ops.launcher import process_env
from tests.production import helpers
from tests.production.conftest import new_sender
from tests.production.helpers import Patient, topics

DAY = 86400


def purge(env: Dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ops.purge", *args],
        cwd=settings.ROOT,
        env=process_env(env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def age(dbname: str, sender: str, days: float, only_first: int = 0) -> None:
    """Moves a conversation's events `days` into the past (all, or only its first `only_first`)."""
    with helpers.pg_connect(dbname) as conn, conn.cursor() as cur:
        if only_first:
            cur.execute(
                "UPDATE events SET timestamp = timestamp - %s WHERE id IN (SELECT id FROM events "
                "WHERE sender_id = %s ORDER BY id LIMIT %s)",
                (days * DAY, sender, only_first),
            )
        else:
            cur.execute(
                "UPDATE events SET timestamp = timestamp - %s WHERE sender_id = %s",
                (days * DAY, sender),
            )
    conn.close()


def count(dbname: str, sender: str) -> int:
    with helpers.pg_connect(dbname) as conn, conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM events WHERE sender_id = %s", (sender,))
        n = cur.fetchone()[0]
    conn.close()
    return n


def test_purge_deletes_old_conversations_only(
    cluster: Cluster, pg_database: str, production_env: Dict[str, str]
) -> None:
    old, recent, long_running = (Patient(cluster.webhook, new_sender()) for _ in range(3))
    for p in (old, recent, long_running):
        p.say("what is an aura?")
    age(pg_database, old.sender, 40)
    age(pg_database, recent.sender, 29)
    age(pg_database, long_running.sender, 90, only_first=3)  # started long ago, active today
    before = {p.sender: count(pg_database, p.sender) for p in (old, recent, long_running)}

    dry = purge(production_env, "--days", "30", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would delete" in dry.stdout
    assert {p.sender: count(pg_database, p.sender) for p in (old, recent, long_running)} == before

    result = purge(production_env, "--days", "30")
    assert result.returncode == 0, result.stderr
    assert old.sender not in result.stdout, "the purge prints counts, never who"
    assert count(pg_database, old.sender) == 0
    assert count(pg_database, recent.sender) == before[recent.sender]
    assert count(pg_database, long_running.sender) == before[long_running.sender]

    # the kept conversation still has its context
    assert topics(recent.say("how long does it last?"))[:1] == ["aura_duration"]


def test_purge_retention_comes_from_the_environment(
    pg_database: str, cluster: Cluster, production_env: Dict[str, str]
) -> None:
    p = Patient(cluster.webhook, new_sender())
    p.say("hello")
    age(pg_database, p.sender, 8)
    kept = purge({**production_env, "CLINIC_RETENTION_DAYS": "10"})
    assert kept.returncode == 0 and count(pg_database, p.sender) > 0
    gone = purge({**production_env, "CLINIC_RETENTION_DAYS": "7"})
    assert gone.returncode == 0 and count(pg_database, p.sender) == 0


def test_purge_fails_loudly_when_the_database_is_unreachable(
    production_env: Dict[str, str],
) -> None:
    env = {
        **production_env,
        "TRACKER_STORE_URL": "postgresql://postgres@127.0.0.1:1/clinic",
        "TRACKER_DB": "clinic",
    }
    result = purge(env)
    assert result.returncode == 1 and "purge FAILED" in result.stderr
