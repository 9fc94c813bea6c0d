"""Helpers shared by the test suites (one place; the suites' own conftest.py files hold their fixtures).

Reply helpers read the REST channel's messages; the project-copy helpers give a throw-away copy of the
staff-editable files to break on purpose; `add_event` writes a row of Rasa's `events` table.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterator, List, Sequence

import pytest

from ops.settings import ROOT

# ---------------------------------------------------------------- the content the tests serve

_RELEASES: List[Path] = []


def pytest_configure(config: pytest.Config) -> None:
    """The assistant serves published content only (actions/content.py). The tests serve the drafts in
    content/, published once into a release store of their own (every process they start inherits it):
    they test the repository's texts, and never change what this machine's `make run` serves."""
    store = Path(tempfile.mkdtemp(prefix="clinic-test-releases-"))
    _RELEASES.append(store)
    from staff.content_release import PublishRefused, publish

    try:
        with release_store(store):
            publish("tests")
    except PublishRefused as e:
        raise pytest.UsageError(f"the content drafts cannot be published: {e}") from e
    os.environ["CLINIC_CONTENT_RELEASES"] = str(store)


def pytest_unconfigure(config: pytest.Config) -> None:
    for store in _RELEASES:
        shutil.rmtree(store, ignore_errors=True)


@contextlib.contextmanager
def release_store(store: Path) -> Iterator[None]:
    """Publishes and rollbacks inside go to `store` (a started assistant's own, from its env), with the
    demo clinic details allowed, as staff would publish to it."""
    keys = ("CLINIC_CONTENT_RELEASES", "CLINIC_ALLOW_PLACEHOLDERS")
    saved = {key: os.environ.get(key) for key in keys}
    os.environ.update({keys[0]: str(store), keys[1]: "1"})
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# ---------------------------------------------------------------- the REST channel's replies


def kinds(messages: Sequence[Dict[str, Any]]) -> List[str]:
    """custom.kind of each bot message (how the widget shows it)."""
    return [(m.get("custom") or {}).get("kind", "") for m in messages]


def texts(messages: Sequence[Dict[str, Any]]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


# ---------------------------------------------------------------- a copy of the project to edit

# What a staff member edits, and what `make check` reads. The code (actions/, safety/*.py) is not copied:
# the check always uses the project's own code.
COPY = (
    "data",
    "content",
    "domain.yml",
    "config.yml",
    "endpoints.yml",
    "credentials.yml",
    "tests/conversations",
    "tests/nlu/heldout.yml",
    "safety/red_flags.yml",
)


def copy_project(dest: Path) -> Path:
    for rel in COPY:
        src = ROOT / rel
        if not src.exists():
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(src, target)
    return dest


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A copy of the project's data, content, domain, config and tests, to break on purpose."""
    return copy_project(tmp_path / "project")


def replace(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path}: '{old}' not found"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        if needle in line:
            return n
    raise AssertionError(f"{path}: '{needle}' not found")


# ---------------------------------------------------------------- Rasa's events table


def add_event(conn: sqlite3.Connection, sender: str, type_name: str, ts: float, data: dict) -> None:
    conn.execute(
        "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (sender, type_name, ts, None, None, json.dumps(data)),
    )
