"""The safety notes of safety/red_flags.yml (the line a patient reads when a warning sign is mentioned)
record their source, reviewer and review date like every text in content/, and read at grade 8 or below."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from actions.readability import MAX_GRADE, grade
from safety.rules import RULES_PATH, Flag, SafetyRulesError, load_rules

FLAGS = load_rules().flags


@pytest.mark.parametrize("flag", FLAGS, ids=lambda f: f.id)
def test_every_note_records_source_reviewer_and_date(flag: Flag) -> None:
    assert flag.source.strip(), flag.id
    assert flag.reviewer_role.strip(), flag.id
    assert isinstance(flag.last_reviewed, dt.date), flag.id


@pytest.mark.parametrize("flag", FLAGS, ids=lambda f: f.id)
def test_every_note_reads_at_grade_8_or_below(flag: Flag) -> None:
    assert grade([flag.note]) <= MAX_GRADE, (flag.id, grade([flag.note]), flag.note)


def _write(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))
    change(data["flags"][3])
    path = tmp_path / "red_flags.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("source", [None, "", "   "])
def test_a_note_without_a_source_is_refused_naming_the_flag_and_file(
    tmp_path: Path, source: object
) -> None:
    def change(flag: dict) -> None:
        if source is None:
            flag.pop("source")
        else:
            flag["source"] = source

    path = _write(tmp_path, change)
    flag_id = yaml.safe_load(path.read_text())["flags"][3]["id"]
    with pytest.raises(SafetyRulesError, match="no 'source'") as e:
        load_rules(path)
    assert str(path) in str(e.value) and flag_id in str(e.value)


def test_a_review_date_that_is_not_a_date_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, lambda f: f.update(last_reviewed="last spring"))
    with pytest.raises(SafetyRulesError, match="'last_reviewed' must be a date") as e:
        load_rules(path)
    assert str(path) in str(e.value)


def test_the_loader_exposes_the_fields_as_written(tmp_path: Path) -> None:
    written = ("NHS: when to call 999", "neurologist", dt.date(2026, 1, 5))
    path = _write(
        tmp_path,
        lambda f: f.update(dict(zip(("source", "reviewer_role", "last_reviewed"), written))),
    )
    flag = load_rules(path).flags[3]
    assert (flag.source, flag.reviewer_role, flag.last_reviewed) == written
