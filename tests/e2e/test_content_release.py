"""End to end, content drafts (issue 14 item 2) against the real action server and Rasa server: a fresh
release store gets its first release when the assistant starts; a saved edit of the answer file is a
draft patients never get; a publish reaches patients within 10 seconds; a rollback brings the previous
text back; a refused publish leaves the published text."""

from __future__ import annotations

import json
import shutil
import time
import uuid
from pathlib import Path
from typing import Dict, Iterator, Optional, Tuple

import pytest

from actions.content import CONTENT_DIR, load
from ops.launcher import Stack, start_stack
from staff import content_release as cr
from tests.conftest import kinds, release_store

# The limit from approval to what patients read.
LIVE_WITHIN = 10.0
# The action server reads the release pointer about once a second: a draft still unserved after a few
# of those reads was not picked up.
DRAFT_WATCH = 3.0


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[Stack, Path, Path]]:
    base = tmp_path_factory.mktemp("content-release")
    drafts = Path(shutil.copytree(CONTENT_DIR, base / "content"))
    store = base / "releases"  # empty: as on a fresh copy of the project
    stack = start_stack(
        env={"CLINIC_CONTENT_DIR": str(drafts), "CLINIC_CONTENT_RELEASES": str(store)}
    )
    try:
        yield stack, drafts, store
    finally:
        stack.stop()


def aura_answer(stack: Stack) -> Dict[str, str]:
    """The aura topic's first bubble as a new patient gets it: its text and content version."""
    msgs = stack.say(str(uuid.uuid4()), "/ask_aura")
    assert "answer" in kinds(msgs), msgs
    # A safety warning (custom.note "safety") comes first and is not what staff edit here.
    body = [m for m in msgs if (m.get("custom") or {}).get("note") != "safety"]
    return {"text": body[0]["text"], "version": body[0]["custom"]["content_version"]}


def wait_for(stack: Stack, text: str, timeout: float) -> Optional[float]:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if aura_answer(stack)["text"] == text:
            return time.monotonic() - start
        time.sleep(0.1)
    return None


def set_aura_first(drafts: Path, text: str, raw: bool = False) -> None:
    """Saves the aura's first bubble in the draft answer file, as staff do in an editor."""
    path = drafts / "answers.yml"
    lines = path.read_text(encoding="utf-8").split("\n")
    line = lines.index("    messages:", lines.index("  aura:")) + 1
    lines[line] = "      - " + (text if raw else json.dumps(text))
    path.write_text("\n".join(lines), encoding="utf-8")


def test_the_first_release_is_made_when_the_assistant_starts(
    site: Tuple[Stack, Path, Path],
) -> None:
    stack, drafts, store = site
    with release_store(store):
        first = cr.history()[-1]
    assert (first.version, first.who) == ("v1", "setup")
    answer = aura_answer(stack)
    assert answer["version"] == f"v1-{first.fingerprint}"
    assert answer["text"] == load(store / "v1").topics["aura"].messages[0]


def test_a_saved_edit_is_a_draft_until_published_and_a_rollback_brings_the_old_text_back(
    site: Tuple[Stack, Path, Path],
) -> None:
    stack, drafts, store = site
    published = aura_answer(stack)
    edited = f"An aura is a warning sign of sorts (edited {uuid.uuid4().hex[:6]})."
    set_aura_first(drafts, edited)
    watch_until = time.monotonic() + DRAFT_WATCH
    while time.monotonic() < watch_until:
        assert aura_answer(stack) == published, "a saved draft reached a patient"
        time.sleep(0.25)

    with release_store(store):
        release = cr.publish("nurse", drafts, note="aura wording")
    took = wait_for(stack, edited, LIVE_WITHIN)
    assert took is not None, f"the published text did not reach patients within {LIVE_WITHIN:.0f} s"
    assert aura_answer(stack)["version"] == f"{release.version}-{release.fingerprint}"

    with release_store(store):
        back = cr.rollback("manager")
    assert back.note == f"rollback from {release.version}"
    assert wait_for(stack, published["text"], LIVE_WITHIN) is not None
    assert aura_answer(stack) == published


def test_a_refused_publish_leaves_the_published_text(site: Tuple[Stack, Path, Path]) -> None:
    stack, drafts, store = site
    published = aura_answer(stack)
    set_aura_first(drafts, "'An aura is a \"warning sign of sorts.'", raw=True)
    with release_store(store), pytest.raises(cr.PublishRefused) as refused:
        cr.publish("nurse", drafts)
    assert [p.file for p in refused.value.problems] == ["content/answers.yml"]
    assert "quote mark" in refused.value.problems[0].message
    watch_until = time.monotonic() + DRAFT_WATCH
    while time.monotonic() < watch_until:
        assert aura_answer(stack) == published
        time.sleep(0.25)
