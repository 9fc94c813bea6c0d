"""Per-patient locks when an instance dies: a ticket left by a SIGKILLed process stops blocking the
patient within one lease (TICKET_LEASE_SECONDS), not after the full lock lifetime (60 s); a live process
keeps its ticket however long it serves. Real Redis, real processes (the lock store in a child Python
process, killed with SIGKILL). test_lock_recovery.py does the same with the Rasa cluster."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from typing import Iterator

import pytest

from ops import settings
from plugins.lock_store import AtomicRedisLockStore

LEASE = 2.0
# Liveness guard only (the measured time is printed): one lease, one poll of Rasa's lock loop (1 s),
# and room for a busy machine; the full lifetime would be 60 s.
BOUND = LEASE + 6

HOLDER = textwrap.dedent("""
    import asyncio, sys, time
    from plugins.lock_store import AtomicRedisLockStore

    store = AtomicRedisLockStore(host="127.0.0.1", port=6379, db=int(sys.argv[1]), key_prefix="clinic")

    async def main() -> None:
        async with store.lock(sys.argv[2]):
            print("held", flush=True)
            await asyncio.sleep(float(sys.argv[3]))
            print(f"releasing {time.time()}", flush=True)

    asyncio.run(main())
""")


@pytest.fixture
def lease_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict]:
    monkeypatch.setenv("TICKET_LEASE_SECONDS", str(LEASE))
    yield {**os.environ, "PYTHONPATH": str(settings.ROOT), "TICKET_LEASE_SECONDS": str(LEASE)}


def start_holder(env: dict, db: int, conversation: str, hold: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db), conversation, str(hold)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


async def acquire_after(store: AtomicRedisLockStore, conversation: str, timeout: float) -> float:
    """Takes the lock as the next message would; the time of acquiring it."""

    async def take() -> float:
        async with store.lock(conversation):
            return time.time()

    return await asyncio.wait_for(take(), timeout)


def test_a_killed_holders_ticket_lapses_within_a_lease(redis_db: int, lease_env: dict) -> None:
    store = AtomicRedisLockStore(host="127.0.0.1", port=6379, db=redis_db, key_prefix="clinic")
    conversation = f"lease-{uuid.uuid4()}"
    holder = start_holder(lease_env, redis_db, conversation, hold=600)
    try:
        time.sleep(2 * LEASE)  # renewed meanwhile: still held
        assert store.get_lock(conversation) is not None and store.get_lock(conversation).tickets
        os.killpg(holder.pid, signal.SIGKILL)
        holder.wait(10)
        killed = time.time()
        acquired = asyncio.run(acquire_after(store, conversation, BOUND))
    finally:
        if holder.poll() is None:
            os.killpg(holder.pid, signal.SIGKILL)
    waited = acquired - killed
    print(f"lock of a SIGKILLed holder released after {waited:.2f}s (lease {LEASE:g}s)")
    assert waited < BOUND


def test_a_live_holder_keeps_its_ticket_beyond_the_lease(redis_db: int, lease_env: dict) -> None:
    store = AtomicRedisLockStore(host="127.0.0.1", port=6379, db=redis_db, key_prefix="clinic")
    conversation = f"lease-{uuid.uuid4()}"
    holder = start_holder(lease_env, redis_db, conversation, hold=3 * LEASE)
    try:
        acquired = asyncio.run(acquire_after(store, conversation, 10 * LEASE))
        out, _ = holder.communicate(timeout=30)
    finally:
        if holder.poll() is None:
            os.killpg(holder.pid, signal.SIGKILL)
    released = float(out.split("releasing", 1)[1].split()[0])
    assert acquired >= released, "the lock was taken while its live holder was still serving"
    assert store.get_lock(conversation) is None, "the lock outlived its last ticket"
