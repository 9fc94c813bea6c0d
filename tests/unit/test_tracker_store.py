"""The strict tracker store on a real SQLite file: no error inside retrieve/save may reach Rasa's
`sys.exit(1)` or its in-memory fallback; a failure at start stops start-up. (PostgreSQL:
tests/production/test_outages.py.)"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path
from typing import Any, Awaitable

import pytest
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from plugins.tracker_store import StoreUnavailable, StrictSQLTrackerStore, TrackerStoreStartupError

STORE_TYPE = "plugins.tracker_store.StrictSQLTrackerStore"


def open_store(path: Path) -> StrictSQLTrackerStore:
    return StrictSQLTrackerStore(dialect="sqlite", host=f"sqlite:///{path}", db=str(path))


def unavailable(call: Awaitable[Any]) -> bool:
    """True when the store call raised StoreUnavailable. (Checked inside the coroutine: asyncio.run would
    report a CancelledError subclass as a plain CancelledError.)"""

    async def run() -> bool:
        try:
            await call
        except StoreUnavailable:
            return True
        return False

    return asyncio.run(run())


def tracker(sender: str) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(
        sender, [UserUttered("hi", {"name": "greet", "confidence": 1.0})]
    )


@pytest.mark.parametrize("sender", ["x\ud800", "\udfff", "a\ud83d"])
def test_a_lone_surrogate_sender_is_store_unavailable_not_an_exit(
    tmp_path: Path, sender: str
) -> None:
    # Before: Rasa's session_scope turned the UnicodeEncodeError (a ValueError) into sys.exit(1).
    store = open_store(tmp_path / "t.db")
    assert unavailable(store.save(tracker(sender)))
    assert unavailable(store.retrieve(sender))
    asyncio.run(store.save(tracker("ok-sender")))  # the store still works
    assert asyncio.run(store.retrieve("ok-sender")) is not None


def test_a_failed_save_is_logged_with_a_count_and_no_identifiers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "t.db"
    store = open_store(path)
    with sqlite3.connect(path) as conn:  # a real write failure: the database refuses inserts
        conn.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON events "
            "BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    caplog.set_level(logging.INFO)
    for _ in range(2):
        assert unavailable(store.save(tracker("secret-sender")))
    unsaved = [r.getMessage() for r in caplog.records if "could not be saved" in r.getMessage()]
    assert len(unsaved) == 2 and "unsaved turns since start:" in unsaved[0]
    counts = [int(m.rsplit(":", 1)[1].strip(" ).")) for m in unsaved]
    assert counts[1] == counts[0] + 1
    assert not any(
        "secret-sender" in r.getMessage() or "hi" == r.getMessage() for r in caplog.records
    )


def test_a_corrupt_stored_event_is_store_unavailable_not_memory(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    store = open_store(path)
    asyncio.run(store.save(tracker("p")))
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE events SET data = '{not json'")
    assert unavailable(store.retrieve("p"))  # JSONDecodeError, outside any database call


def test_a_missing_driver_stops_start_up_through_rasas_own_loader(tmp_path: Path) -> None:
    # Before: Rasa's loader caught the ImportError and carried on with an InMemoryTrackerStore.
    endpoint = EndpointConfig(
        url="mysql://clinic@127.0.0.1:3306/clinic", type=STORE_TYPE, dialect="mysql", db="clinic"
    )
    with pytest.raises(TrackerStoreStartupError, match="MySQLdb"):
        TrackerStore.create(endpoint)


def test_a_good_store_loads_through_rasas_loader(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    endpoint = EndpointConfig(url=f"sqlite:///{db}", type=STORE_TYPE, dialect="sqlite", db=str(db))
    assert isinstance(TrackerStore.create(endpoint), StrictSQLTrackerStore)
