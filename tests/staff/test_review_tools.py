"""review and add-examples without a server: similar wordings are grouped and counted (the scrubber:
test_scrub.py), and add-examples appends approved lines to the right file and refuses what it must refuse.
(tests/staff/test_live.py runs both on a real tracker store filled through the real assistant.)"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
import yaml

from staff import add_examples, review
from staff.yaml_lines import examples_in, load_yaml, training_examples
from tests.conftest import add_event, line_of


def test_similar_wordings_are_grouped_and_counted() -> None:
    items = [
        ("not understood", "ask_aura", "what is a aura thing", "2026-11-24"),
        ("not understood", "ask_aura", "What is a aura thing?", "2026-11-25"),
        ("not understood", "ask_aura", "what is an aura thing exactly", "2026-11-25"),
        ("low confidence", "ask_cost", "is it covered by medicare", "2026-11-25"),
    ]
    groups = review.group(items)
    assert [g.count for g in groups] == [3, 1]
    assert (
        groups[0].guess == "ask_aura"
        and groups[0].lines[0].count == 2
        and len(groups[0].lines) == 2
    )
    assert groups[0].days == {"2026-11-24", "2026-11-25"}


def test_review_of_a_tracker_store_table(tmp_path: Path) -> None:
    """The events table as Rasa's SQLTrackerStore writes it (the live test fills one through Rasa)."""
    db = tmp_path / "tracker.db"
    conn = sqlite3.connect(db)
    conn.execute(
        "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) "
        "NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"
    )
    now = dt.datetime.now().timestamp()

    def turn(
        sender: str, text: str, intent: str, conf: float, action: str, kind: str, ranking=()
    ) -> None:
        add_event(
            conn,
            sender,
            "user",
            now,
            {
                "event": "user",
                "text": text,
                "parse_data": {
                    "intent": {"name": intent, "confidence": conf},
                    "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking]
                    or [{"name": intent, "confidence": conf}],
                },
            },
        )
        add_event(conn, sender, "action", now, {"event": "action", "name": action})
        add_event(
            conn,
            sender,
            "bot",
            now,
            {"event": "bot", "text": "…", "data": {"custom": {"kind": kind}}},
        )
        add_event(conn, sender, "action", now, {"event": "action", "name": "action_listen"})

    turn(
        "secret-sender-1",
        "wat r the aura things",
        "nlu_fallback",
        0.45,
        "action_fallback",
        "fallback",
        [("nlu_fallback", 0.45), ("ask_aura", 0.3)],
    )
    turn("secret-sender-1", "what is an aura", "ask_aura", 0.98, "action_answer_topic", "answer")
    turn("secret-sender-1", "/ask_aura", "ask_aura", 1.0, "action_answer_topic", "answer")
    turn("secret-sender-2", "aura thing?", "ask_aura", 0.5, "action_answer_topic", "answer")
    turn(
        "secret-sender-2",
        "can I double my dose, I'm Tom Baker",
        "ask_personal_advice",
        0.9,
        "action_contact_clinician",
        "clinician",
    )
    turn("secret-sender-2", "i want to end my life", "self_harm", 1.0, "action_crisis", "crisis")
    turn(
        "secret-sender-3",
        "best pizza near me",
        "out_of_scope",
        0.9,
        "action_out_of_scope",
        "answer",
    )
    conn.commit()
    conn.close()
    md, yml, meta = review.build(
        f"sqlite:///{db}", None, 0.6, tmp_path / "out", today=dt.date(2026, 11, 25)
    )
    assert md.name == "review-2026-11-25.md" and (tmp_path / "out" / ".gitignore").exists()
    data = yaml.safe_load(yml.read_text())
    assert data["counts"] == {
        "not_understood": 1,
        "out_of_scope": 1,
        "low_confidence": 1,
        "sent_to_a_clinician": 1,
        "safety_replies": 1,
    }
    assert data["conversations"] == 3 and data["patient_messages"] == 6
    texts = {l["text"]: g for g in data["groups"] for l in g["lines"]}
    assert (
        texts["wat r the aura things"]["best_guess"] == "ask_aura"
    )  # the model's guess behind the fallback
    assert "can I double my dose, I'm <name>" in texts
    for text in (md.read_text(), yml.read_text()):
        assert "secret-sender" not in text and "Tom" not in text and "end my life" not in text
        assert 'what is an aura"' not in text  # answered well: not listed


# ---------------------------------------------------------------- add-examples


def review_file(path: Path, lines: list, group_add_to: str = "") -> Path:
    out = [
        "groups:",
        "  - group: 1",
        "    best_guess: ask_aura",
        f"    add_to: {group_add_to}",
        "    lines:",
    ]
    for text, add_to in lines:
        out += [
            f"      - text: {json.dumps(text)}",
            "        count: 1",
            f"        add_to: {add_to}",
        ]
    path.write_text("\n".join(out) + "\n")
    return path


def test_add_examples_appends_to_the_intents_file(project: Path, tmp_path: Path) -> None:
    f = review_file(
        tmp_path / "r.yml",
        [
            ("is an aura thing dangerous or normal", "ask_aura"),
            ("how r auras made in the brain", "ask_aura"),
            ("do ppl get ketamine for back pain", "ask_ketamine_what"),
            ("skip me", ""),
        ],
    )
    before = {p: p.read_text() for p in (project / "data" / "nlu").glob("*.yml")}
    outcome = add_examples.add(f, project)
    assert len(outcome.added) == 3 and not outcome.refused
    aura = [e for e in training_examples(project) if e.intent == "ask_aura"]
    assert {"is an aura thing dangerous or normal", "how r auras made in the brain"} <= {
        e.text for e in aura
    }
    assert "do ppl get ketamine for back pain" in {
        e.text for e in training_examples(project) if e.intent == "ask_ketamine_what"
    }
    changed = [p for p, t in before.items() if p.read_text() != t]
    assert {p.name for p in changed} == {"aura.yml", "ketamine.yml"}
    for p in changed:
        load_yaml(p, project)  # still valid YAML, comments kept
        assert p.read_text().startswith(before[p].split("\n")[0])
    added = [
        e
        for e in examples_in(project / "data" / "nlu" / "aura.yml", project)
        if e.text.startswith("how r auras")
    ]
    assert added[0].line == line_of(
        project / "data" / "nlu" / "aura.yml", "how r auras made in the brain"
    )
    from staff import check

    assert check.run(project).errors == []


def test_add_examples_refuses_what_it_must(project: Path, tmp_path: Path) -> None:
    existing = next(
        e for e in training_examples(project) if e.intent == "ask_aura" and "[" not in e.text
    )
    other = next(
        e for e in training_examples(project) if e.intent == "ask_prodrome" and "[" not in e.text
    )
    held = next(
        e
        for e in examples_in(project / "tests" / "nlu" / "heldout.yml", project)
        if "[" not in e.text
    )
    f = review_file(
        tmp_path / "r.yml",
        [
            (existing.text.upper() + "?", "ask_aura"),  # already there, same intent: skipped
            (other.text, "ask_aura"),  # already under another intent: refused
            (held.text, held.intent),  # a held-out test phrase: refused
            ("my name is <name>, is aura normal", "ask_aura"),
            ("is this an aura", "ask_auras"),  # typo in the intent
            ("my vision went dark suddenly", "emergency"),  # safety intents are never added
        ],
    )
    before = {p: p.read_text() for p in (project / "data" / "nlu").glob("*.yml")}
    outcome = add_examples.add(f, project)
    assert not outcome.added and len(outcome.skipped) == 1
    reasons = [msg for _, msg in outcome.refused]
    assert len(reasons) == 5
    assert f"already an example under {other.intent}" in reasons[0]
    assert "held-out test" in reasons[1] and "never be trained on" in reasons[1]
    assert "placeholder" in reasons[2]
    assert "'ask_auras' is not an intent in domain.yml" in reasons[3]
    assert "never added to 'emergency'" in reasons[4]
    assert all(p.read_text() == t for p, t in before.items())


def test_group_add_to_applies_to_its_lines(project: Path, tmp_path: Path) -> None:
    f = review_file(
        tmp_path / "r.yml",
        [("auras explained simply pls", ""), ("aura basics pls", "")],
        "ask_aura",
    )
    assert len(add_examples.add(f, project).added) == 2


def test_add_examples_command(project: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    from ops.settings import ROOT

    f = review_file(tmp_path / "r.yml", [("auras for dummies", "ask_aura")])
    dry = subprocess.run(
        [sys.executable, "-m", "staff.add_examples", str(f), "--root", str(project), "--dry-run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert dry.returncode == 0 and "would add" in dry.stdout
    assert "auras for dummies" not in (project / "data" / "nlu" / "aura.yml").read_text()
    run = subprocess.run(
        [sys.executable, "-m", "staff.add_examples", str(f), "--root", str(project)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0 and "added 1" in run.stdout
    again = subprocess.run(
        [sys.executable, "-m", "staff.add_examples", str(f), "--root", str(project)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert again.returncode == 0 and "skipped 1 already there" in again.stdout


def test_publish_reads_the_model_id_of_the_model_not_of_a_component(tmp_path: Path) -> None:
    """A Rasa model holds components' *_metadata.json files besides its own metadata.json; their order
    in the archive varies from one training to the next."""
    import io
    import tarfile

    from staff import publish

    model = tmp_path / "model.tar.gz"
    with tarfile.open(model, "w:gz") as tar:
        for name, body in (
            ("components/train_DIET/DIET.label_data_metadata.json", b"[]"),
            ("metadata.json", json.dumps({"model_id": "abc123"}).encode()),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    assert publish.model_id(model) == "abc123"
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"not a tar")
    with pytest.raises(publish.PublishError, match="not a readable Rasa model"):
        publish.model_id(broken)
