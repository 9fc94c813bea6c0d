"""Content drafts and releases (staff/content_release.py): each mistake from issue 14 ("a REPLACE-ME
note, a TODO [insert ...], or a stray quote mark reached patients at once") is refused with its file
and line; a publish makes a new immutable version and switches the pointer atomically; a rollback goes
one step back; the history says who did what; the assistant's content store serves the pointer's
version, never the drafts; a fresh copy gets its first release from the launcher."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import List

import pytest

from actions.content import CONTENT_DIR, POINTER, ContentStore, current_version, load
from ops import launcher
from ops.settings import ROOT
from staff import content_release as cr
from tests.conftest import line_of, replace
from tests.staff import worked_example as wx

AURA_FIRST = load(CONTENT_DIR).topics["aura"].messages[0]


@pytest.fixture()
def drafts(tmp_path: Path) -> Path:
    """A copy of content/ to edit."""
    return Path(shutil.copytree(CONTENT_DIR, tmp_path / "content"))


@pytest.fixture()
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty release store of this test's own; the demo clinic details allowed (as in demos)."""
    path = tmp_path / "releases"
    monkeypatch.setenv("CLINIC_CONTENT_RELEASES", str(path))
    monkeypatch.setenv("CLINIC_ALLOW_PLACEHOLDERS", "1")
    return path


def set_aura_first(drafts: Path, text: str) -> int:
    """Writes the aura's first bubble as staff would (in double quotes); returns its line."""
    path = drafts / "answers.yml"
    lines = path.read_text(encoding="utf-8").split("\n")
    topic = lines.index("  aura:")
    line = lines.index("    messages:", topic) + 2
    lines[line - 1] = "      - " + text
    path.write_text("\n".join(lines), encoding="utf-8")
    return line


def aura_line(path: Path, topic: str = "aura") -> int:
    """The line of a topic's block in answers.yml."""
    return path.read_text(encoding="utf-8").split("\n").index(f"  {topic}:") + 1


def only(problems: List[cr.Problem], pattern: str) -> cr.Problem:
    found = [p for p in problems if re.search(pattern, p.message)]
    assert len(found) == 1, (pattern, problems)
    return found[0]


# ---------------------------------------------------------------- refusals, with file and line


def test_the_repositorys_drafts_can_be_published(store: Path) -> None:
    assert cr.check_draft(CONTENT_DIR) == []


def test_the_guides_worked_example_answer_can_be_published(store: Path, drafts: Path) -> None:
    wx.apply_step(drafts.parent, wx.CONTENT)
    assert cr.check_draft(drafts) == []


def test_demo_clinic_details_are_refused_unless_placeholders_are_allowed(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CLINIC_ALLOW_PLACEHOLDERS")
    problems = cr.check_draft(CONTENT_DIR)
    assert problems and {p.file for p in problems} == {"content/clinic.yml"}
    phone = [p for p in problems if "(555) 010-0000" in p.message]
    assert len(phone) == 1 and phone[0].line == line_of(CONTENT_DIR / "clinic.yml", "  phone:")
    assert "REPLACE-ME placeholder" in phone[0].message


def test_a_replace_me_note_in_an_answer_is_refused(store: Path, drafts: Path) -> None:
    """Allowed demo clinic details never let a placeholder in an answer through."""
    line = set_aura_first(drafts, '"An aura is REPLACE-ME with the aura text from the leaflet."')
    problem = only(cr.check_draft(drafts), "REPLACE-ME")
    assert (problem.file, problem.line) == ("content/answers.yml", line)
    assert "Write the real text in its place" in problem.message


def test_a_todo_insert_note_is_refused(store: Path, drafts: Path) -> None:
    line = set_aura_first(drafts, '"An aura lasts TODO [insert how long from the leaflet]."')
    problems = cr.check_draft(drafts)
    todo = only(problems, "note for the writer")
    bracket = only(problems, "note in brackets")
    assert todo.line == bracket.line == line and todo.file == "content/answers.yml"
    assert '"TODO"' in todo.message and "[insert how long from the leaflet]" in bracket.message


def test_a_stray_quote_mark_inside_a_text_is_refused(store: Path, drafts: Path) -> None:
    """Valid YAML (the text is in single quotes), so the loader takes it: the patient would read the
    stray mark."""
    line = set_aura_first(drafts, "'An aura is a \"warning sign of sorts.'")
    assert load(drafts).topics["aura"].messages[0].count('"') == 1
    problem = only(cr.check_draft(drafts), "quote mark")
    assert (problem.file, problem.line) == ("content/answers.yml", line)
    assert "never closed" in problem.message


def test_an_unclosed_quote_that_breaks_the_file_points_at_its_line(
    store: Path, drafts: Path
) -> None:
    line = set_aura_first(drafts, '"An aura is a warning sign of sorts.')
    problems = cr.check_draft(drafts)
    assert [(p.file, p.line) for p in problems] == [("content/answers.yml", line)]
    assert "quote mark" in problems[0].message


def test_an_unbalanced_bracket_is_refused(store: Path, drafts: Path) -> None:
    line = set_aura_first(drafts, '"An aura (a warning sign comes first."')
    problem = only(cr.check_draft(drafts), "bracket")
    assert problem.line == line and "never closed" in problem.message


def test_missing_source_and_reviewer_are_refused(store: Path, drafts: Path) -> None:
    answers = drafts / "answers.yml"
    role_line = line_of(answers, 'reviewer_role: "clinical content engineer (clinician sign-off')
    replace(answers, answers.read_text().split("\n")[role_line - 1] + "\n", "")
    problem = only(cr.check_draft(drafts), "reviewer_role")
    topic = re.match(r"topic (\w+) has no reviewer_role", problem.message)
    assert topic, problem
    assert problem.file == "content/answers.yml"
    assert problem.line == aura_line(answers, topic.group(1))
    # A text without its source is refused by the loader; the problem still says where.
    source_line = aura_line(answers) + 2
    assert "source_section" in answers.read_text().split("\n")[source_line - 1]
    lines = answers.read_text().split("\n")
    del lines[source_line - 1]
    answers.write_text("\n".join(lines))
    problem = only(cr.check_draft(drafts), "source_section")
    assert problem.file == "content/answers.yml" and problem.line == aura_line(answers)


def test_a_text_above_the_reading_grade_is_refused(store: Path, drafts: Path) -> None:
    line = set_aura_first(
        drafts,
        '"Intravenous ketamine administration necessitates comprehensive cardiovascular monitoring, '
        'considering potential hypertensive complications and psychotomimetic phenomena."',
    )
    problem = only(cr.check_draft(drafts), "reads at school grade")
    assert problem.file == "content/answers.yml"
    assert problem.line == line - 1  # the topic's messages
    assert problem.message.startswith("topic aura reads at school grade")


def test_a_bubble_too_long_is_refused_with_its_line(store: Path, drafts: Path) -> None:
    line = set_aura_first(drafts, json.dumps("An aura is " + "very " * 80 + "long."))
    problem = only(cr.check_draft(drafts), "characters long")
    assert (problem.file, problem.line) == ("content/answers.yml", line)


def test_a_mistake_in_the_callback_texts_is_refused(store: Path, drafts: Path) -> None:
    path = drafts / "callback.yml"
    replace(path, '"When is the best time to call you?"', '"When is the best time [times]?"')
    problem = only(cr.check_draft(drafts), "note in brackets")
    assert (problem.file, problem.line) == ("content/callback.yml", line_of(path, "ask_time:"))


# ---------------------------------------------------------------- publish, rollback, history


def test_a_refused_publish_changes_nothing(store: Path, drafts: Path) -> None:
    first = cr.publish("nurse", drafts)
    set_aura_first(drafts, '"An aura lasts TODO [insert]."')
    with pytest.raises(cr.PublishRefused) as refused:
        cr.publish("nurse", drafts)
    assert {p.file for p in refused.value.problems} == {"content/answers.yml"}
    assert cr.current() == first and cr.history() == [first]
    assert sorted(p.name for p in store.iterdir() if not p.name.startswith(".")) == [
        POINTER,
        "history.jsonl",
        "v1",
    ]


def test_publish_makes_an_immutable_version_and_switches_to_it(store: Path, drafts: Path) -> None:
    assert cr.current() is None and cr.history() == []
    v1 = cr.publish("nurse Ann", drafts, note="first")
    assert (v1.version, v1.who, v1.note) == ("v1", "nurse Ann", "first")
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", v1.when)
    set_aura_first(drafts, '"An aura is a warning sign (edited)."')
    v2 = cr.publish("nurse Bob", drafts)
    assert v2.version == "v2" and v2.fingerprint != v1.fingerprint
    assert cr.current() == v2 and cr.history() == [v2, v1]
    assert current_version(store) == "v2"
    # Each version holds the files as they were published, read-only; later draft edits stay drafts.
    assert load(store / "v1").topics["aura"].messages[0] == AURA_FIRST
    assert load(store / "v2").topics["aura"].messages[0] == "An aura is a warning sign (edited)."
    assert (store / "v2" / "answers.yml").stat().st_mode & 0o222 == 0
    set_aura_first(drafts, '"A draft nobody published."')
    assert load(store / "v2").topics["aura"].messages[0] == "An aura is a warning sign (edited)."
    # The same drafts again: nothing new.
    set_aura_first(drafts, '"An aura is a warning sign (edited)."')
    assert cr.publish("nurse Bob", drafts) == v2 and len(cr.history()) == 2


def test_rollback_goes_one_step_back_and_is_recorded(store: Path, drafts: Path) -> None:
    with pytest.raises(cr.RollbackRefused):
        cr.rollback("nurse")
    v1 = cr.publish("nurse", drafts)
    with pytest.raises(cr.PublishRefused, match="no earlier published version"):
        cr.rollback("nurse")
    set_aura_first(drafts, '"Version two."')
    v2 = cr.publish("nurse", drafts)
    set_aura_first(drafts, '"Version three."')
    v3 = cr.publish("nurse", drafts)
    back = cr.rollback("manager")
    assert (back.version, back.who, back.fingerprint) == ("v2", "manager", v2.fingerprint)
    assert back.note == "rollback from v3"
    assert cr.current() == back and current_version(store) == "v2"
    again = cr.rollback("manager")
    assert again.version == "v1" and again.fingerprint == v1.fingerprint
    assert [r.version for r in cr.history()] == ["v1", "v2", "v3", "v2", "v1"]
    with pytest.raises(cr.RollbackRefused):
        cr.rollback("manager")
    # Publishing after a rollback makes a new version; the old ones are kept.
    set_aura_first(drafts, '"Version four."')
    assert cr.publish("nurse", drafts).version == "v4"
    assert cr.rollback("nurse").version == "v1"
    assert v3.version in {p.name for p in store.iterdir()}


def test_publish_needs_to_know_who(store: Path, drafts: Path) -> None:
    with pytest.raises(ValueError, match="who"):
        cr.publish("  ", drafts)


def test_the_pointer_is_switched_atomically(store: Path, drafts: Path) -> None:
    """A reader (an action server) polling the pointer during publishes and rollbacks only ever sees a
    whole version name, of a version whose files are all there."""
    cr.publish("nurse", drafts)
    seen: List[str] = []
    bad: List[str] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            raw = (store / POINTER).read_text(encoding="utf-8")
            seen.append(raw)
            version = raw.strip()
            if (
                not re.fullmatch(r"v\d+", version)
                or not (store / version / "release.json").exists()
            ):
                bad.append(raw)

    reader = threading.Thread(target=read)
    reader.start()
    inodes = set()
    try:
        for i in range(12):
            set_aura_first(drafts, f'"Version {i}."')
            cr.publish("nurse", drafts)
            inodes.add((store / POINTER).stat().st_ino)
            if i % 3 == 2:
                cr.rollback("nurse")
    finally:
        stop.set()
        reader.join()
    assert seen and not bad, bad[:3]
    assert len(inodes) > 1  # replaced by a rename each time, never rewritten in place
    assert not [p.name for p in store.iterdir() if p.name.endswith(".tmp") or "staging" in p.name]


# ---------------------------------------------------------------- what the assistant serves


def test_the_store_serves_the_published_version_never_the_drafts(store: Path, drafts: Path) -> None:
    with pytest.raises(Exception, match="No content has been published yet"):
        ContentStore(store)
    v1 = cr.publish("nurse", drafts)
    served = ContentStore(store, check_every=0.0)
    assert served.get().topics["aura"].messages[0] == AURA_FIRST
    assert served.get().version == f"v1-{v1.fingerprint}"
    set_aura_first(drafts, '"Saved but not published."')
    assert served.get().topics["aura"].messages[0] == AURA_FIRST
    set_aura_first(drafts, '"Published."')
    v2 = cr.publish("nurse", drafts)
    assert served.get().topics["aura"].messages[0] == "Published."
    assert served.get().version == f"v2-{v2.fingerprint}"
    cr.rollback("nurse")
    assert served.get().topics["aura"].messages[0] == AURA_FIRST


def test_every_server_reading_the_store_switches_to_the_same_version(
    store: Path, drafts: Path
) -> None:
    """Two servers (two action servers, or an action server and a Rasa server's REST channel) on one
    store serve one version after each publish and rollback."""
    cr.publish("nurse", drafts)
    servers = [ContentStore(store, check_every=0.0) for _ in range(2)]
    set_aura_first(drafts, '"Version two."')
    v2 = cr.publish("nurse", drafts)
    assert {s.get().version for s in servers} == {f"v2-{v2.fingerprint}"}
    cr.rollback("nurse")
    assert len({s.get().version for s in servers}) == 1
    assert {s.get().topics["aura"].messages[0] for s in servers} == {AURA_FIRST}


# ---------------------------------------------------------------- command line and first release


def run_cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "staff.content_release", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
    )


def test_the_command_line_says_what_happened_in_plain_words(store: Path, drafts: Path) -> None:
    env = {"CLINIC_CONTENT_DIR": str(drafts)}
    published = run_cli("publish", "--who", "Ann", "--note", "first", env=env)
    assert published.returncode == 0 and "Published version v1 (by Ann" in published.stdout
    line = set_aura_first(drafts, '"An aura is REPLACE-ME."')
    check = run_cli("check", env=env)
    assert check.returncode == 1, check.stdout
    assert f"content/answers.yml line {line}: this still holds a REPLACE-ME" in check.stdout
    refused = run_cli("publish", "--who", "Ann", env=env)
    assert refused.returncode == 1 and "Not published: 1 problem(s)" in refused.stdout
    assert "Patients still read the version published before (v1)" in refused.stdout
    set_aura_first(drafts, '"An aura is a warning sign."')
    assert run_cli("publish", "--who", "Bob", env=env).returncode == 0
    back = run_cli("rollback", "--who", "Cy", env=env)
    assert back.returncode == 0 and "Version v1 is live again (was v2), by Cy" in back.stdout
    hist = run_cli("history", env=env)
    assert hist.returncode == 0
    rows = [ln for ln in hist.stdout.splitlines() if re.search(r"\bv\d\b", ln)]
    assert [re.search(r"\bv\d+\b", r).group(0) for r in rows] == ["v1", "v2", "v1"]
    assert rows[0].startswith(" * ") and "Cy  (rollback from v2)" in rows[0]
    assert run_cli("rollback", env=env).returncode == 1
    assert run_cli("bogus", env=env).returncode == 2


def test_a_fresh_copy_gets_its_first_release_at_start_up(store: Path, drafts: Path) -> None:
    env = {**os.environ, "CLINIC_CONTENT_DIR": str(drafts)}
    env.pop("CLINIC_ALLOW_PLACEHOLDERS")  # a demo start allows the demo clinic details by itself
    launcher.ensure_content_release(env)
    first = cr.current()
    assert first is not None and (first.version, first.who) == ("v1", "setup")
    set_aura_first(drafts, '"Edited later."')
    launcher.ensure_content_release(env)  # a release exists: the drafts stay drafts
    assert cr.current() == first


def test_refused_first_release_stops_the_start_with_the_problems(store: Path, drafts: Path) -> None:
    line = set_aura_first(drafts, '"An aura lasts TODO."')
    env = {**os.environ, "CLINIC_CONTENT_DIR": str(drafts)}
    with pytest.raises(launcher.ContentNotPublished) as stopped:
        launcher.ensure_content_release(env)
    assert "could not be published, so the assistant cannot start" in str(stopped.value)
    assert f"content/answers.yml line {line}: this has a note for the writer" in str(stopped.value)
    assert cr.current() is None
    # Production (the image) never lets the demo clinic details through.
    set_aura_first(drafts, json.dumps(AURA_FIRST))
    env.pop("CLINIC_ALLOW_PLACEHOLDERS")
    with pytest.raises(launcher.ContentNotPublished, match="REPLACE-ME"):
        launcher.ensure_content_release(env, demo=False)
