"""The feedback part of `make purge` (ops/purge.py): patients' ratings (plugins/feedback.py) go after the
retention period, run as staff run it, as a command, on a real SQLite database of its own."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict

import pytest

from ops.settings import ROOT
from plugins import feedback

DAY = 86400


@pytest.fixture
def env(tmp_path: Path) -> Dict[str, str]:
    db = tmp_path / "tracker.db"
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TRACKER_DIALECT": "sqlite",
        "TRACKER_STORE_URL": f"sqlite:///{db}",
        "TRACKER_DB": str(db),
        "CLINIC_RETENTION_DAYS": "30",
    }


def run(env: Dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ops.purge", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def give(eng, sender: str, days_ago: float) -> None:
    when = time.time() - days_ago * DAY
    answer = feedback.Answer(when, "ask_aura", 0.9, "action_answer_topic", "aura")
    feedback.record(feedback.Feedback(sender, False, 0), answer, eng, now=when)


def senders(eng) -> list:
    return sorted(r["conversation_id"] for r in feedback.rows(eng))


def test_purge_removes_feedback_past_the_retention_period(env: Dict[str, str]) -> None:
    eng = feedback.engine(env["TRACKER_STORE_URL"])
    old, recent = "1b4e28ba-2fa1-4d2e-883f-0016d3cca427", "2c5f39cb-3ab2-4e3f-994a-1127e4ddb538"
    give(eng, old, 40)
    give(eng, recent, 2)

    dry = run(env, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would delete 1 patient feedback rating(s) given over 30 days ago" in dry.stdout
    assert senders(eng) == sorted([old, recent])

    done = run(env)
    assert done.returncode == 0, done.stderr
    assert "deleted 1 patient feedback rating(s) given over 30 days ago" in done.stdout
    assert senders(eng) == [recent]
    assert old not in done.stdout + done.stderr  # counts only, never a conversation id

    # a retention of its own, when set
    shorter = run({**env, "FEEDBACK_RETENTION_DAYS": "1"})
    assert (
        shorter.returncode == 0
        and "deleted 1 patient feedback rating(s) given over 1 days ago" in shorter.stdout
    )
    assert senders(eng) == []


def test_a_wrong_feedback_retention_is_refused(env: Dict[str, str]) -> None:
    result = run({**env, "FEEDBACK_RETENTION_DAYS": "a month"})
    assert (
        result.returncode == 2
        and "FEEDBACK_RETENTION_DAYS must be a number of days" in result.stderr
    )
