"""The review export is health data (the scrubber: test_scrub.py): files readable by their owner only, covered
by the purge, and no crash on odd characters stored in a message."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import stat
import time
from pathlib import Path

import yaml

from ops.purge import purge_review_files
from staff import review
from tests.conftest import add_event


def _store(path: Path, texts: list) -> str:
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, type_name "
        "VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), "
        "data TEXT)"
    )
    now = dt.datetime.now().timestamp()
    for text in texts:
        add_event(
            conn,
            "s1",
            "user",
            now,
            {
                "event": "user",
                "text": text,
                "parse_data": {
                    "intent": {"name": "nlu_fallback", "confidence": 0.3},
                    "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.3}],
                },
            },
        )
        add_event(conn, "s1", "action", now, {"event": "action", "name": "action_fallback"})
        add_event(conn, "s1", "action", now, {"event": "action", "name": "action_listen"})
    conn.commit()
    conn.close()
    return f"sqlite:///{path}"


def test_review_survives_c1_controls_and_lone_surrogates_and_writes_0600(tmp_path: Path) -> None:
    url = _store(
        tmp_path / "t.db", ["aura \x80 thing", "aura \ud800 thing two", "plain question here"]
    )
    old_umask = os.umask(0o022)
    try:
        md, yml, meta = review.build(url, None, 0.6, tmp_path / "out")
    finally:
        os.umask(old_umask)
    assert meta["counts"]["not understood"] == 3
    yaml.safe_load(yml.read_text(encoding="utf-8"))
    for f in (md, yml):
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, oct(f.stat().st_mode)
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o700


def test_purge_deletes_old_review_exports(tmp_path: Path) -> None:
    old, new = tmp_path / "review-2026-01-01.md", tmp_path / "review-2026-12-01.yml"
    for f in (old, new):
        f.write_text("x")
    os.utime(old, (time.time() - 40 * 86400,) * 2)
    assert purge_review_files(30, dry_run=True, folder=tmp_path) == 1 and old.exists()
    assert purge_review_files(30, folder=tmp_path) == 1
    assert not old.exists() and new.exists()
