"""The content loader: the real content files load; each kind of staff mistake is refused with a
message that says what to fix; live reload applies good edits and keeps the last good content."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from actions.content import (
    CONTENT_DIR,
    MAX_BUBBLE_CHARS,
    REQUIRED_TOPICS,
    ContentError,
    ContentStore,
    load,
)


@pytest.fixture()
def content_dir(tmp_path: Path) -> Path:
    for name in ("answers.yml", "clinic.yml"):
        shutil.copy(CONTENT_DIR / name, tmp_path / name)
    return tmp_path


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def test_real_content_loads_with_every_required_topic() -> None:
    content = load()
    assert set(REQUIRED_TOPICS) <= set(content.topics)
    for topic in content.topics.values():
        assert topic.source_section and topic.messages
        assert all(len(m) <= MAX_BUBBLE_CHARS for m in topic.messages)


def test_symptoms_map_to_their_topics() -> None:
    content = load()
    assert content.symptom_owner("tingling") == "aura"
    assert content.symptom_owner("yawning") == "prodrome"
    assert content.symptom_owner("nausea_vomiting") == "attack_symptoms"
    assert content.symptom_owner("confusion") == "postdrome"
    assert content.symptom_owner("nonsense") is None


def test_replies_are_filled_with_the_clinic_details() -> None:
    content = load()
    text = " ".join(content.reply("clinician"))
    assert content.clinic.phone in text and content.clinic.booking_url in text
    assert "{" not in " ".join(content.reply("emergency"))


def test_placeholders_are_reported() -> None:
    assert "phone" in load().clinic.placeholders()


def test_missing_topic_is_refused(content_dir: Path) -> None:
    edit(content_dir / "answers.yml", lambda d: d["topics"].pop("aura"))
    with pytest.raises(ContentError, match="topics are missing.*aura"):
        load(content_dir)


def test_yaml_syntax_error_names_the_line(content_dir: Path) -> None:
    path = content_dir / "answers.yml"
    lines = path.read_text().splitlines()
    lines[20] = "   broken: [unclosed"
    path.write_text("\n".join(lines))
    with pytest.raises(ContentError, match=r"line \d+"):
        load(content_dir)


def test_too_long_message_is_refused(content_dir: Path) -> None:
    edit(content_dir / "answers.yml", lambda d: d["topics"]["aura"]["messages"].append("x" * 400))
    with pytest.raises(ContentError, match="characters long"):
        load(content_dir)


def test_unknown_placeholder_is_refused(content_dir: Path) -> None:
    edit(content_dir / "answers.yml", lambda d: d["replies"]["clinician"].append("Call {phone_number}"))
    with pytest.raises(ContentError, match=r"\{phone_number\} is not a field"):
        load(content_dir)


def test_bad_date_is_refused(content_dir: Path) -> None:
    edit(content_dir / "answers.yml", lambda d: d["topics"]["aura"].update(last_reviewed="last tuesday"))
    with pytest.raises(ContentError, match="YYYY-MM-DD"):
        load(content_dir)


def test_missing_field_is_refused(content_dir: Path) -> None:
    edit(content_dir / "answers.yml", lambda d: d["topics"]["aura"].pop("source_section"))
    with pytest.raises(ContentError, match="no 'source_section'"):
        load(content_dir)


def test_bad_emergency_number_is_refused(content_dir: Path) -> None:
    edit(content_dir / "clinic.yml", lambda d: d["emergency"].update(number="nine one one"))
    with pytest.raises(ContentError, match="digits only"):
        load(content_dir)


def test_missing_reply_is_refused(content_dir: Path) -> None:
    edit(content_dir / "answers.yml", lambda d: d["replies"].pop("emergency"))
    with pytest.raises(ContentError, match="replies are missing: emergency"):
        load(content_dir)


def _touch_later(path: Path) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


def test_store_applies_a_good_edit_and_keeps_content_after_a_bad_one(content_dir: Path) -> None:
    store = ContentStore(content_dir, check_every=0.0)
    assert store.get().topics["aura"].title == "Auras"
    edit(content_dir / "answers.yml", lambda d: d["topics"]["aura"].update(title="About auras"))
    _touch_later(content_dir / "answers.yml")
    assert store.get().topics["aura"].title == "About auras"
    edit(content_dir / "answers.yml", lambda d: d["topics"].pop("aura"))
    _touch_later(content_dir / "answers.yml")
    assert store.get().topics["aura"].title == "About auras"
    assert store.last_error and "aura" in store.last_error


def test_store_checks_files_at_most_every_interval(content_dir: Path) -> None:
    store = ContentStore(content_dir, check_every=3600)
    edit(content_dir / "answers.yml", lambda d: d["topics"]["aura"].update(title="Changed"))
    _touch_later(content_dir / "answers.yml")
    assert store.get().topics["aura"].title == "Auras"
    assert store.reload() and store.get().topics["aura"].title == "Changed"


def test_content_makes_no_outcome_or_safety_promise() -> None:
    """HAZ-07/HAZ-09: the page's study figure is not presented as a typical outcome, side effects are
    not presented as negligible, and the side-effects answer names dissociation and sends to a clinician."""
    content = load()
    everything = " ".join(m for t in content.topics.values() for m in t.messages).lower()
    for overclaim in ("3.4", "9 or 10", "very low reports", "no side effects", "guarantee", "cure"):
        assert overclaim not in everything, overclaim
    side_effects = " ".join(content.topics["ketamine_side_effects"].messages).lower()
    assert "dissociation" in side_effects and "clinician" in side_effects
    helps = " ".join(content.topics["ketamine_how_it_helps"].messages).lower()
    assert "not everyone" in helps
    for advice in ("you should take", "increase your dose", "stop taking"):
        assert advice not in everything
