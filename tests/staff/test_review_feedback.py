"""`make review`'s patient-feedback and most-asked parts (staff/review.py) on a real tracker store: Rasa's
SQL tracker store (the project's strict one) on a SQLite file, written through its own `save`, with the
feedback stored as the channel stores it (plugins/feedback.py). (Through the real assistant and the
widget: tests/e2e/test_feedback.py, tests/widget/test_widget_feedback.py.)"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Awaitable, List, Optional, Sequence, Tuple, TypeVar

import pytest
import yaml
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from plugins import feedback
from plugins.tracker_store import StrictSQLTrackerStore
from staff import review

# (typed text, intent, confidence, action, bot kind, topic)
Turn = Tuple[str, str, float, str, str, Optional[str]]
T = TypeVar("T")


def run(coro: Awaitable[T]) -> T:
    """The store's coroutine on a loop of its own thread: in the same pytest session the console's
    Playwright (sync API) keeps an event loop running on the main thread, where `asyncio.run` refuses."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()  # type: ignore[arg-type]


def turn_events(
    at: float, text: str, intent: str, conf: float, action: str, kind: str, topic: Optional[str]
) -> List[Event]:
    parse = {
        "text": text,
        "intent": {"name": intent, "confidence": conf},
        "intent_ranking": [{"name": intent, "confidence": conf}],
        "entities": [],
    }
    custom = {"kind": kind, **({"topic": topic} if topic else {})}
    return [
        UserUttered(text, intent=parse["intent"], parse_data=parse, timestamp=at),
        ActionExecuted(action, timestamp=at + 0.1),
        BotUttered("(the answer)", data={"custom": custom}, timestamp=at + 0.2),
        ActionExecuted("action_listen", timestamp=at + 0.3),
    ]


def save(store: StrictSQLTrackerStore, sender: str, turns: Sequence[Turn]) -> DialogueStateTracker:
    start = time.time() - 60 * len(turns)
    events: List[Event] = [ActionExecuted("action_listen", timestamp=start)]
    for n, t in enumerate(turns, 1):  # a patient's messages come seconds apart
        events += turn_events(start + 5 * n, *t)
    tracker = DialogueStateTracker.from_events(sender, events)
    run(store.save(tracker))
    return tracker


def rate(
    url: str, store: StrictSQLTrackerStore, sender: str, turns_back: int, helpful: bool
) -> None:
    """As `plugins.feedback.handle` does: the conversation read back from the store, the answer located."""
    tracker = run(store.retrieve_full_tracker(sender))
    fb = feedback.Feedback(sender, helpful, turns_back)
    feedback.record(
        fb, feedback.locate([e.as_dict() for e in tracker.events], fb), feedback.engine(url)
    )


@pytest.fixture
def store(tmp_path: Path) -> Tuple[str, StrictSQLTrackerStore]:
    path = tmp_path / "tracker.db"
    return f"sqlite:///{path}", StrictSQLTrackerStore(
        dialect="sqlite", host=f"sqlite:///{path}", db=str(path)
    )


def test_most_asked_counts_per_intent_with_scrubbed_examples(store) -> None:
    url, s = store
    aura = ("ask_aura", 0.97, "action_answer_topic", "answer", "aura")
    save(
        s,
        "7f1c8a52-0c55-4c0e-9a55-2a6a3c1f0d11",
        [
            ("what is an aura", *aura),
            ("What is an aura?", *aura),
            ("/ask_aura", "ask_aura", 1.0, "action_answer_topic", "answer", "aura"),
            (
                "how long do attacks last",
                "ask_attack_duration",
                0.9,
                "action_answer_topic",
                "answer",
                "attack_duration",
            ),
        ],
    )
    save(
        s,
        "0b9d5c1e-6a3f-4b7e-8c2d-9e1f0a3b4c5d",
        [
            ("my name is Tom Baker, what does an aura feel like", *aura),
            ("i want to end my life", "self_harm", 1.0, "action_crisis", "crisis", None),
        ],
    )
    asked = review.most_asked(url)
    by_intent = {a.intent: a for a in asked}
    assert asked[0].intent == "ask_aura" and asked[0].count == 3 and asked[0].buttons == 1
    # identical wordings (case, punctuation) count once as an example; names scrubbed
    assert by_intent["ask_aura"].examples == [
        "what is an aura",
        "my name is <name>, what does an aura feel like",
    ]
    assert by_intent["ask_attack_duration"].count == 1
    # a crisis message is counted, never quoted
    assert by_intent["self_harm"].count == 1 and by_intent["self_harm"].examples == []
    # the period: nothing from the future
    assert review.most_asked(url, since=dt.date.today() + dt.timedelta(days=2)) == []


def test_unhelpful_lists_the_questions_marked_not_helpful_scrubbed(store, tmp_path: Path) -> None:
    url, s = store
    sender = "3c2b1a09-8f7e-4d6c-a5b4-c3d2e1f0a9b8"
    save(
        s,
        sender,
        [
            # a confidently wrong answer: a diagnosis question answered with the warning-signs text
            (
                "do I have migraine? call me on 201 555 0123",
                "ask_prodrome",
                0.78,
                "action_answer_topic",
                "answer",
                "prodrome",
            ),
            ("what is an aura", "ask_aura", 0.97, "action_answer_topic", "answer", "aura"),
            ("aura thing??", "ask_aura", 0.41, "action_answer_topic", "answer", "aura"),
        ],
    )
    rate(url, s, sender, 2, helpful=False)
    rate(url, s, sender, 1, helpful=True)
    rate(url, s, sender, 0, helpful=False)

    rated = review.unhelpful(url)
    assert [(r.text, r.intent, r.topic) for r in rated] == [
        ("do I have migraine? call me on <phone>", "ask_prodrome", "prodrome"),
        ("aura thing??", "ask_aura", "aura"),
    ]
    assert [r.text for r in review.confidently_unhelpful(rated, 0.6)] == [
        "do I have migraine? call me on <phone>"
    ]

    # a patient who changes their mind: the later click replaces the earlier one
    rate(url, s, sender, 0, helpful=True)
    assert [r.intent for r in review.unhelpful(url)] == ["ask_prodrome"]

    md, yml, meta = review.build(url, None, 0.6, tmp_path / "out")
    report = md.read_text()
    assert meta["unhelpful"] == 1 and meta["confidently_unhelpful"] == 1
    assert "## Marked not helpful by patients (1)" in report
    confident = report.split("### Confidently answered but marked not helpful (1)")[1]
    assert "do I have migraine? call me on <phone>" in confident.split("### Other")[0]
    assert "recognised as ask_prodrome (0.78, topic prodrome)" in report
    assert "## What patients asked most" in report and "| ask_aura | 2 | 0 |" in report
    # the confident one is in the .yml too, to be marked with `add_to:` like any other line
    data = yaml.safe_load(yml.read_text())
    [marked] = [g for g in data["groups"] if "marked not helpful" in g["why"]]
    assert marked["best_guess"] == "ask_prodrome"
    assert [line["text"] for line in marked["lines"]] == ["do I have migraine? call me on <phone>"]
    for text in (report, yml.read_text()):
        assert sender not in text and "555" not in text


def test_unhelpful_is_empty_before_any_feedback(store) -> None:
    url, s = store
    save(
        s,
        "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a",
        [("what is an aura", "ask_aura", 0.97, "action_answer_topic", "answer", "aura")],
    )
    assert review.unhelpful(url) == []
