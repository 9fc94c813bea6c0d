"""The answers-file writer (staff/console/answers_file.py) on the project's real content/answers.yml:
only the edited fields' lines change, comments and other topics stay, and the result loads."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from actions.content import load
from staff.console import answers_file
from staff.yaml_lines import YamlProblem


def diff(a: str, b: str) -> list:
    return [
        line
        for line in difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def test_an_unchanged_form_changes_nothing(project: Path) -> None:
    text = (project / "content" / "answers.yml").read_text()
    for topic in answers_file.topic_ids(text):
        assert answers_file.apply(text, answers_file.read_form(text, topic)) == text, topic


def test_only_the_edited_lines_change_and_the_file_loads(project: Path) -> None:
    path = project / "content" / "answers.yml"
    text = path.read_text()
    form = answers_file.read_form(text, "aura")
    form.messages[1] = 'Two lines:\n• one "quoted"\n• two: with a colon'
    form.more = form.more[:1]
    form.reviewer_role = "neurologist"
    new = answers_file.apply(text, form)
    changes = diff(text, new)
    assert len([c for c in changes if c.startswith("+")]) == 2, changes
    assert '+      - "Two lines:\\n• one \\"quoted\\"\\n• two: with a colon"' in changes
    assert '+    reviewer_role: "neurologist"' in changes
    assert (
        sum(1 for c in changes if c.startswith("-")) == 3
    )  # bubble, role, the dropped more bubble
    assert new.split("topics:")[0] == text.split("topics:")[0]  # the comment header
    answers_file.write(path, new)
    topic = load(project / "content").topics["aura"]
    assert topic.messages[1] == form.messages[1] and len(topic.more) == 1
    assert topic.reviewer_role == "neurologist"


def test_more_is_added_and_removed(project: Path) -> None:
    text = (project / "content" / "answers.yml").read_text()
    form = answers_file.read_form(text, "prodrome_timing")
    form.more = ["Extra bubble."]
    added = answers_file.apply(text, form)
    assert diff(text, added) == ["+    more:", '+      - "Extra bubble."']
    form.more = []
    assert answers_file.apply(added, form) == text


def test_a_write_that_would_break_the_file_leaves_it_as_it_was(project: Path) -> None:
    path = project / "content" / "answers.yml"
    before = path.read_text()
    with pytest.raises(YamlProblem):
        answers_file.write(path, before + '\n  broken: "unclosed\n')
    assert path.read_text() == before
    assert not list(path.parent.glob(".answers-*"))


def test_problem_lines_map_to_form_boxes(project: Path) -> None:
    text = (project / "content" / "answers.yml").read_text()
    lines = answers_file.field_lines(text, "prodrome_timing")
    numbered = text.split("\n")
    first_bubble = next(n for n, f in lines.items() if f == "messages-1")
    assert "as early as a day or two" in numbered[first_bubble - 1]
    assert (
        numbered[next(n for n, f in lines.items() if f == "title") - 1].strip().startswith("title:")
    )
