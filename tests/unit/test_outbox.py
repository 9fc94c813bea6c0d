"""actions/outbox.py on a real SQLite file: held values, durable requests, claims, staff actions, purge."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from actions import outbox


@pytest.fixture
def eng(tmp_path: Path) -> sa.engine.Engine:
    return outbox.engine(f"sqlite:///{tmp_path / 'outbox.db'}")


def stored(eng: sa.engine.Engine, name: str = "Sam") -> str:
    rid = outbox.store(
        outbox.hold("+12015550123", eng), outbox.hold(name, eng), "morning", "cost", eng
    )
    assert rid
    return rid


def test_storing_a_request_consumes_its_held_values(eng: sa.engine.Engine) -> None:
    phone, name = outbox.hold("+12015550123", eng), outbox.hold("Sam", eng)
    rid = outbox.store(phone, name, "morning", "cost", eng)
    [req] = outbox.list_requests(eng=eng)
    assert (req.id, req.phone, req.first_name, req.status) == (
        rid,
        "+12015550123",
        "Sam",
        outbox.PENDING,
    )
    assert outbox.held_value(phone, eng) is None and outbox.held_value(name, eng) is None
    assert (
        outbox.store(phone, None, "morning", "cost", eng) is None
    )  # a second submit stores nothing


def test_tokens_are_letters_only() -> None:
    assert outbox.new_token().isalpha() and len(outbox.new_token()) == 20


def test_a_claimed_request_is_not_claimed_again_until_its_lease_ends(eng: sa.engine.Engine) -> None:
    stored(eng)
    first = outbox.claim(30, eng, now=1e10)
    assert first and first.attempts == 1
    assert outbox.claim(30, eng, now=1e10 + 10) is None
    again = outbox.claim(30, eng, now=1e10 + 31)  # the first worker died: the lease ended
    assert again and again.id == first.id and again.attempts == 2
    assert not outbox.mark_delivered(first, eng)  # the old claim no longer counts
    assert outbox.mark_delivered(again, eng)


def test_concurrent_claims_give_each_request_to_one_worker(eng: sa.engine.Engine) -> None:
    ids = {stored(eng) for _ in range(20)}
    got, lock = [], threading.Lock()

    def work() -> None:
        while (req := outbox.claim(60, eng)) is not None:
            with lock:
                got.append(req.id)

    threads = [threading.Thread(target=work) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(got) == sorted(ids)


def test_failed_requests_are_kept_and_can_be_requeued_or_handled(eng: sa.engine.Engine) -> None:
    rid = stored(eng)
    req = outbox.claim(30, eng)
    outbox.mark_attempt_failed(req, "HTTP 500", None, eng)
    [failed] = outbox.list_requests(outbox.FAILED, eng)
    assert failed.id == rid and failed.last_error == "HTTP 500"
    assert outbox.requeue(rid, eng)
    [pending] = outbox.list_requests(outbox.PENDING, eng)
    assert pending.attempts == 0
    assert outbox.mark_handled(rid, eng)
    assert outbox.list_requests(outbox.HANDLED, eng)[0].handled_at


def test_purge_removes_only_finished_requests_past_retention_and_stale_held_values(
    eng: sa.engine.Engine,
) -> None:
    done, waiting = stored(eng), stored(eng)
    outbox.mark_delivered(outbox.claim(30, eng), eng)  # the oldest: `done`
    outbox.hold("+12015550199", eng)
    assert outbox.purge(30, 24, eng=eng) == outbox.PurgeCounts(0, 0)
    later = 1e12
    assert outbox.purge(30, 24, dry_run=True, eng=eng, now=later) == outbox.PurgeCounts(1, 1)
    assert outbox.purge(30, 24, eng=eng, now=later) == outbox.PurgeCounts(1, 1)
    assert [r.id for r in outbox.list_requests(eng=eng)] == [waiting]
    assert done != waiting
