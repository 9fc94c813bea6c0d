"""The reading grade (actions/readability.py), what `make check` reports about the content (grade, source,
review), and the production preflight refusing placeholders (ops/preflight.py, issue 11)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from actions.content import CONTENT_DIR, load
from actions.readability import (
    MAX_GRADE,
    content_notes,
    grade,
    grade_rows,
    grade_table,
    sentences,
    syllables,
)
from ops.settings import ROOT

CONTENT = load()


@pytest.mark.parametrize(
    "word, count",
    [
        ("cat", 1),
        ("table", 2),
        ("yawning", 2),
        ("pulses", 2),
        ("changes", 2),
        ("helped", 1),
        ("started", 2),
        ("emergency", 4),
        ("ketamine", 3),
        ("migraine", 2),
        ("infusion", 3),
        ("5", 1),
    ],
)
def test_syllables(word: str, count: int) -> None:
    assert syllables(word) == count


def test_each_bullet_and_line_is_a_sentence_and_fields_are_short_words() -> None:
    assert sentences("You may have:\n• pain\n• nausea. Call {phone} now!") == [
        "You may have",
        "pain",
        "nausea.",
        "Call it now!",
    ]


def test_grade_rises_with_long_sentences_and_long_words() -> None:
    plain = "The pain can last a day. It can come back. Rest if you can."
    hard = (
        "Ketamine infusions have quickly become one of the most popular treatment options for various "
        "mood or pain disorders, with individuals reporting considerable alleviation of symptoms."
    )
    assert grade([plain]) < 3 < MAX_GRADE < grade([hard])


def test_every_patient_text_reads_at_grade_8_or_below() -> None:
    """Issue 11.7: every answer, symptom line, reply and escalation text."""
    too_hard = [(r.label, r.grade) for r in grade_rows(CONTENT) if r.grade > MAX_GRADE]
    assert not too_hard
    labels = {r.label for r in grade_rows(CONTENT)}
    assert {
        "topic aura",
        "topic aura (more)",
        "topic aura, detail jerking",
        "reply crisis",
        "reason ask_cost",
    } <= labels


def test_jargon_is_explained_where_it_is_used() -> None:
    for label, texts, _ in CONTENT.texts():
        text = " ".join(texts).lower()
        if "off-label" in text:
            assert "not approved for migraine" in text, label
        if "tricyclic" in text:
            assert "older type of antidepressant" in text, label
        if "placebo" in text:
            assert "dummy" in text, label
    first = " ".join(CONTENT.topics["ketamine_what"].messages).lower()
    assert "infusion: a slow drip into a vein" in first
    assert "drips (infusions)" in " ".join(CONTENT.replies["greet"])


def test_lists_are_bullets_not_long_sentences() -> None:
    for row in grade_rows(CONTENT):
        assert row.longest_sentence <= 25, row


def test_the_report_warns_about_old_reviews_and_missing_reviewer() -> None:
    assert content_notes(CONTENT, today=dt.date(2027, 6, 1)) == []
    later = content_notes(CONTENT, today=dt.date(2028, 1, 1))
    assert any(
        "topic aura was last reviewed on 2026-12-02, over 12 months ago" in t for _, t in later
    )
    assert all(level == "warning" for level, _ in later)


def test_grade_table_lists_every_text() -> None:
    table = grade_table(CONTENT)
    assert (
        "Reading grade" in table
        and "topic ketamine_side_effects" in table
        and "reason request_human" in table
    )


# ---------------------------------------------------------------- `make check`


def run_check(project: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "staff.check", "--root", str(project), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def test_make_check_reports_the_reading_grade_per_answer(project: Path) -> None:
    proc = run_check(project)
    assert proc.returncode == 0, proc.stdout
    assert "Reading grade (Flesch-Kincaid, limit 8) per text:" in proc.stdout
    assert "topic aura " in proc.stdout and "0 above 8" in proc.stdout


def test_make_check_warns_about_a_hard_text(project: Path) -> None:
    path = project / "content" / "answers.yml"
    data = yaml.safe_load(path.read_text())
    data["topics"]["postdrome"]["messages"].append(
        "Postdromal manifestations, characterised by considerable exhaustion and cognitive impairment, "
        "frequently persist subsequent to resolution of the cephalalgia."
    )
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    proc = run_check(project)
    assert "WARNING  content/answers.yml: topic postdrome reads at grade" in proc.stdout


def test_make_check_refuses_a_text_without_a_source(project: Path) -> None:
    path = project / "content" / "answers.yml"
    data = yaml.safe_load(path.read_text())
    data["topics"]["ketamine_bladder"].pop("source_section")
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    proc = run_check(project)
    assert proc.returncode == 1
    assert "topic 'ketamine_bladder' has no 'source_section'" in proc.stdout


# ---------------------------------------------------------------- the production preflight


def test_preflight_refuses_to_start_with_placeholders_left() -> None:
    from ops import preflight

    report = preflight.Report(quiet=True)
    preflight.check_content({}, report)
    assert len(report.problems) == 1 and "REPLACE-ME placeholders" in report.problems[0]
    assert "clinic.phone_tel" in report.problems[0] and "clinic.name" in report.problems[0]


def test_preflight_allows_placeholders_only_when_told_and_says_so() -> None:
    from ops import preflight

    report = preflight.Report(quiet=True)
    preflight.check_content({"CLINIC_ALLOW_PLACEHOLDERS": "1"}, report)
    assert not report.problems and "never in production" in report.warnings[0]


def test_preflight_passes_filled_in_content(tmp_path: Path) -> None:
    from ops import preflight

    for name in ("answers.yml", "clinic.yml"):
        shutil.copy(CONTENT_DIR / name, tmp_path / name)
    text = (tmp_path / "clinic.yml").read_text()
    (tmp_path / "clinic.yml").write_text(
        text.replace("REPLACE-ME ", "").replace("REPLACE-ME", "riverside")
    )
    report = preflight.Report(quiet=True)
    preflight.check_content({"CLINIC_CONTENT_DIR": str(tmp_path)}, report)
    assert not report.problems and not report.warnings
