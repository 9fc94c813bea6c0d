"""Patients' feedback end to end (issue 14): the real action server and Rasa server, a conversation over the
REST channel, a "Not helpful" on one answer (POST /webhooks/rest/feedback, as the widget sends it), and
the staff review that lists that question with its intent, read back from the same SQLite file (the
tracker store's database, which holds the feedback too, as under `make run`)."""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest
import requests

import ops.launcher
from ops.launcher import LOG_DIR, Stack, start_stack
from staff import review
from tests.conftest import kinds

# A short limit so the rate-limit test takes a handful of requests (the default: deploy/defaults.env).
PER_MINUTE = 8
AURA_QUESTION = "what is a migraine aura"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("feedback") / "tracker.db"


@pytest.fixture(scope="module")
def stack(db: Path) -> Iterator[Stack]:
    # Loading the model can take many minutes on a busy 2-core machine (this module only).
    ops.launcher.RASA_START_TIMEOUT = max(ops.launcher.RASA_START_TIMEOUT, 900)
    s = start_stack(tracker_db=db, env={"CLINIC_FEEDBACK_MAX_PER_MINUTE": str(PER_MINUTE)})
    yield s
    s.stop()


def new_sender() -> str:
    return str(uuid.uuid4())


def rate(stack: Stack, body: Any, raw: bool = False) -> requests.Response:
    url = f"{stack.rasa_url}/webhooks/rest/feedback"
    if raw:
        return requests.post(
            url, data=body, headers={"Content-Type": "application/json"}, timeout=30
        )
    return requests.post(url, json=body, timeout=30)


def rows(db: Path) -> list:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM clinic_feedback ORDER BY created_at")]
    finally:
        conn.close()


def topic_of(reply: list) -> str:
    return next((m["custom"]["topic"] for m in reply if (m.get("custom") or {}).get("topic")), "")


def test_not_helpful_reaches_the_review_with_its_intent(
    stack: Stack, db: Path, tmp_path: Path
) -> None:
    sender = new_sender()
    stack.say(sender, "/greet")
    aura = stack.say(sender, AURA_QUESTION)
    assert topic_of(aura) == "aura"
    duration = stack.say(sender, "how long do migraine attacks last?")
    assert topic_of(duration) == "attack_duration"

    # the aura answer is one reply back; the latest answer is rated helpful
    r = rate(stack, {"sender": sender, "helpful": False, "turns_back": 1, "topic": "aura"})
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "stored", "helpful": False, "intent": "ask_aura"}
    assert rate(stack, {"sender": sender, "helpful": True, "turns_back": 0}).status_code == 200

    stored = [row for row in rows(db) if row["conversation_id"] == sender]
    assert [(row["helpful"], row["intent"], row["topic"]) for row in stored] == [
        (0, "ask_aura", "aura"),
        (1, "ask_duration", "attack_duration"),
    ]
    assert all(row["action"] == "action_answer_topic" and row["confidence"] > 0 for row in stored)
    assert AURA_QUESTION not in json.dumps(stored)  # no text in the feedback

    listed = review.unhelpful(f"sqlite:///{db}")
    assert (AURA_QUESTION, "ask_aura", "aura") in [(x.text, x.intent, x.topic) for x in listed]
    assert "how long do migraine attacks last?" not in [x.text for x in listed]

    md, _, meta = review.build(f"sqlite:///{db}", None, 0.6, tmp_path / "out")
    assert meta["confidently_unhelpful"] >= 1
    confident = md.read_text().split("### Confidently answered but marked not helpful")[1]
    assert f"“{AURA_QUESTION}” — recognised as ask_aura" in confident.split("### Other")[0]
    assert sender not in md.read_text()

    # the question's text never reaches the log, the feedback's lines included
    log = (LOG_DIR / f"rasa-{stack.rasa_port}.log").read_text(errors="replace")
    assert "feedback stored: helpful=False intent=ask_aura" in log
    assert AURA_QUESTION not in log


def test_a_second_click_replaces_the_first(stack: Stack, db: Path) -> None:
    sender = new_sender()
    stack.say(sender, AURA_QUESTION)
    for helpful in (False, True):
        assert rate(stack, {"sender": sender, "helpful": helpful}).status_code == 200
    assert [row["helpful"] for row in rows(db) if row["conversation_id"] == sender] == [1]


def test_emergency_replies_take_no_feedback(stack: Stack) -> None:
    sender = new_sender()
    reply = stack.say(sender, "worst headache of my life came on suddenly")
    assert "emergency" in kinds(reply)
    # The channel may answer a red flag before Rasa has recorded the turn (plugins/channel/rest.py):
    # until then the conversation is not in the store yet.
    deadline = time.monotonic() + 60
    r = rate(stack, {"sender": sender, "helpful": False, "turns_back": 0})
    while r.json().get("error") == "No such conversation." and time.monotonic() < deadline:
        time.sleep(0.5)
        r = rate(stack, {"sender": sender, "helpful": False, "turns_back": 0})
    assert r.status_code == 404 and "emergency" in r.json()["error"].lower(), r.text


def test_answers_that_are_not_there_are_refused(stack: Stack) -> None:
    sender = new_sender()
    stack.say(sender, "/greet")
    stack.say(sender, AURA_QUESTION)
    # a conversation that does not exist, an answer further back than the conversation, another topic
    for body in (
        {"sender": new_sender(), "helpful": False},
        {"sender": sender, "helpful": False, "turns_back": 5},
        {"sender": sender, "helpful": False, "topic": "ketamine_what"},
        {"sender": sender, "helpful": False, "turns_back": 1},  # the greeting
    ):
        r = rate(stack, body)
        assert r.status_code == 404 and r.json()["error"], (body, r.text)


VALID = str(uuid.uuid4())


@pytest.mark.parametrize(
    "body, says",
    [
        (b"not json", "JSON"),
        (b"[1, 2]", "JSON object"),
        (b"", "JSON"),
        (b"[" * 1000, "body"),
        (json.dumps({"helpful": False}).encode(), "sender"),
        (json.dumps({"sender": "patient-1", "helpful": False}).encode(), "sender"),
        (json.dumps({"sender": VALID.upper(), "helpful": False}).encode(), "sender"),
        (json.dumps({"sender": VALID}).encode(), "helpful"),
        (json.dumps({"sender": VALID, "helpful": "no"}).encode(), "helpful"),
        (json.dumps({"sender": VALID, "helpful": 0}).encode(), "helpful"),
        (json.dumps({"sender": VALID, "helpful": False, "turns_back": -1}).encode(), "turns_back"),
        (
            json.dumps({"sender": VALID, "helpful": False, "turns_back": True}).encode(),
            "turns_back",
        ),
        (json.dumps({"sender": VALID, "helpful": False, "turns_back": 1.5}).encode(), "turns_back"),
        (json.dumps({"sender": VALID, "helpful": False, "topic": "a b"}).encode(), "topic"),
        # strict: nothing else, so no text can ride along
        (
            json.dumps({"sender": VALID, "helpful": False, "text": "my question"}).encode(),
            "Unknown key",
        ),
        (json.dumps({"sender": VALID, "helpful": False, "message": "x"}).encode(), "Unknown key"),
    ],
    ids=lambda v: v[:40].decode(errors="replace") if isinstance(v, bytes) else str(v),
)
def test_bad_bodies_get_a_400_with_a_json_error(stack: Stack, body: bytes, says: str) -> None:
    r = rate(stack, body, raw=True)
    assert r.status_code == 400, r.text
    error: Dict[str, Any] = r.json()
    assert says.lower() in error["error"].lower(), error


def test_too_large_and_too_many(stack: Stack) -> None:
    big = json.dumps({"sender": VALID, "helpful": False, "pad": "x" * 2000}).encode()
    r = rate(stack, big, raw=True)
    assert r.status_code == 413 and "too large" in r.json()["error"]

    sender = new_sender()  # unknown conversation: each answered 404 until the limit, then 429
    statuses = [
        rate(stack, {"sender": sender, "helpful": True}).status_code for _ in range(PER_MINUTE + 1)
    ]
    assert statuses[:PER_MINUTE] == [404] * PER_MINUTE and statuses[-1] == 429
    # the conversation's messages have a budget of their own
    assert stack.say(sender, AURA_QUESTION)
