"""`make callbacks` (staff/callbacks.py) and the call-back part of `make purge` (ops/purge.py), run as
staff run them, as commands, on a real SQLite database of their own."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict

import pytest

from actions import outbox
from ops.settings import ROOT


@pytest.fixture
def env(tmp_path: Path) -> Dict[str, str]:
    db = tmp_path / "tracker.db"
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TRACKER_DIALECT": "sqlite",
        "TRACKER_STORE_URL": f"sqlite:///{db}",
        "TRACKER_DB": str(db),
    }


def run(env: Dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_staff_list_mark_handled_and_requeue(env: Dict[str, str]) -> None:
    eng = outbox.engine(env["TRACKER_STORE_URL"])
    waiting = outbox.store(
        outbox.hold("+12015550101", eng), outbox.hold("Sam", eng), "morning", "cost", eng
    )
    failed = outbox.store(outbox.hold("+12015550102", eng), None, "any", "other", eng)
    with (
        eng.begin() as c
    ):  # the second one ran out of attempts (the clinic's system refused the secret)
        c.execute(
            outbox.outbox.update()
            .where(outbox.outbox.c.id == failed)
            .values(status=outbox.FAILED, attempts=8, last_error="HTTP 401")
        )

    out = run(env, "-m", "staff.callbacks").stdout
    assert (
        "+12015550101" in out
        and "Sam" in out
        and "Morning (9am-12pm)" in out
        and "Cost or insurance" in out
    )
    assert "+12015550102" in out and "HTTP 401" in out and "failed" in out

    done = run(env, "-m", "staff.callbacks", "--handled", waiting[:8])
    assert done.returncode == 0 and "marked handled" in done.stdout
    assert (
        "+12015550101" not in run(env, "-m", "staff.callbacks").stdout
    )  # handled: off the default list
    again = run(env, "-m", "staff.callbacks", "--requeue", failed[:8])
    assert again.returncode == 0 and "1 request(s) queued again" in again.stdout
    [pending] = outbox.list_requests(outbox.PENDING, eng)
    assert pending.id == failed and pending.attempts == 0
    assert "handled" in run(env, "-m", "staff.callbacks", "--all").stdout

    unknown = run(env, "-m", "staff.callbacks", "--handled", "zzzz")
    assert unknown.returncode != 0 and "no request with an id starting 'zzzz'" in unknown.stderr


def test_purge_removes_old_finished_call_backs_and_keeps_pending_ones(env: Dict[str, str]) -> None:
    eng = outbox.engine(env["TRACKER_STORE_URL"])
    old = outbox.store(outbox.hold("+12015550103", eng), None, "any", "other", eng)
    keep = outbox.store(outbox.hold("+12015550104", eng), None, "any", "other", eng)
    outbox.mark_handled(old, eng)
    with eng.begin() as c:
        c.execute(
            outbox.outbox.update()
            .where(outbox.outbox.c.id == old)
            .values(handled_at=time.time() - 40 * 86400)
        )
    result = run({**env, "CALLBACK_RETENTION_DAYS": "30"}, "-m", "ops.purge")
    assert result.returncode == 0, result.stderr
    assert "deleted 1 call-back request(s)" in result.stdout
    assert [r.id for r in outbox.list_requests(eng=eng)] == [keep]
