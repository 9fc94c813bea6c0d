"""actions/callback_form.py and actions/callback_shield.py: leaving the form, button answers, and the
phone number held apart from the transcript (real SQLite database, rasa-sdk's own Tracker)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import callback_buttons as cb
from actions import outbox
from actions.callback_form import (
    ActionCallbackSubmit,
    ValidateCallbackForm,
    leave_reason,
    typed_choice,
)
from actions.callback_shield import WITHHELD, shield, token_in


@pytest.fixture(autouse=True)
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_DIALECT", "sqlite")
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "tracker.db"))


def msg(
    text: str, intent: str = "nlu_fallback", confidence: float = 0.9, choice: Optional[str] = None
) -> Dict[str, Any]:
    return {"text": text, "intent": intent, "confidence": confidence, "choice": choice}


def tracker(
    text: str,
    requested: str,
    intent: str = "nlu_fallback",
    confidence: float = 0.5,
    slots: Optional[Dict[str, Any]] = None,
) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": []}
    return Tracker(
        "t",
        {"requested_slot": requested, **(slots or {})},
        latest,
        [],
        False,
        None,
        {"name": "callback_form"},
        "action_listen",
    )


def validate(t: Tracker) -> "tuple[Dict[str, Any], List[Dict[str, Any]]]":
    d = CollectingDispatcher()
    events = asyncio.run(ValidateCallbackForm().run(d, t, {}))
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}, d.messages


@pytest.mark.parametrize(
    "field, m, reason",
    [
        ("phone", msg("cancel"), "cancelled"),
        ("time", msg("Stop!"), "cancelled"),
        ("reason", msg(cb.CANCEL, intent="callback_cancel"), "cancelled"),
        ("phone", msg("worst headache of my life", intent="emergency"), "emergency"),
        ("consent", msg("i want to end it", intent="self_harm"), "crisis"),
        ("time", msg("what is an aura?", intent="ask_aura"), "topic"),
        ("name", msg("Aura", intent="ask_aura"), None),  # a one-word name is a name
        ("time", msg("what is an aura?", intent="ask_aura", confidence=0.5), None),
        ("phone", msg("[number:abcdefghijabcdefghij]", intent="ask_cost"), None),
    ],
)
def test_what_leaves_the_form(field: str, m: Dict[str, Any], reason: Optional[str]) -> None:
    assert leave_reason(field, m) == reason


def test_button_answers_and_typed_titles_are_both_accepted() -> None:
    assert typed_choice(msg(cb.choice("morning"), choice="morning"), cb.BEST_TIMES) == "morning"
    assert typed_choice(msg("Afternoon"), cb.BEST_TIMES) == "afternoon"
    assert typed_choice(msg("cost"), cb.REASONS) == "cost"
    assert typed_choice(msg("next tuesday"), cb.BEST_TIMES) is None


def test_the_shield_holds_numbers_and_leaves_no_digits_of_them() -> None:
    text = shield("my number is (201) 555-0123, ta")
    token = token_in(text)
    assert token and "555" not in text and "0123" not in text
    assert outbox.held_value(token) == "(201) 555-0123"
    assert shield("i took 2 pills at 10:30") == "i took 2 pills at 10:30"


def test_the_shield_drops_a_number_it_cannot_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        outbox, "hold", lambda value: (_ for _ in ()).throw(RuntimeError("db down"))
    )
    assert shield("call 2015550123") == f"call {WITHHELD}"


def test_a_valid_number_is_normalised_and_only_its_token_reaches_the_slot() -> None:
    text = shield("201-555-0123")
    slots, said = validate(tracker(text, "callback_phone"))
    token = token_in(slots["callback_phone"])
    assert token and "555" not in slots["callback_phone"] and said == []
    assert outbox.held_value(token) == "+12015550123"


def test_a_bad_number_is_re_asked_and_not_kept() -> None:
    text = shield("1234567")
    slots, said = validate(tracker(text, "callback_phone"))
    assert slots == {"callback_phone": None}
    assert "doesn't look like a phone number" in said[0]["text"]
    assert outbox.held_value(token_in(text)) is None


def test_a_name_is_held_apart_and_a_bad_one_re_asked() -> None:
    slots, _ = validate(tracker("Sam", "callback_name"))
    assert slots["callback_name"].startswith("[name:") and "Sam" not in slots["callback_name"]
    slots, said = validate(tracker("R2D2", "callback_name"))
    assert slots == {"callback_name": None} and said
    slots, _ = validate(tracker(cb.SKIP, "callback_name", intent="callback_skip"))
    assert slots == {"callback_name": "skipped"}


def test_declined_consent_stores_nothing_and_drops_the_held_number() -> None:
    phone_slot = validate(tracker(shield("201 555 0123"), "callback_phone"))[0]["callback_phone"]
    slots = {
        "callback_phone": phone_slot,
        "callback_name": "skipped",
        "callback_time": "any",
        "callback_reason": "cost",
        "callback_consent": "no",
        "callback_outcome": None,
    }
    d = CollectingDispatcher()
    events = asyncio.run(ActionCallbackSubmit().run(d, tracker("no", None, slots=slots), {}))
    assert outbox.list_requests() == []
    assert outbox.held_value(token_in(phone_slot)) is None
    assert "haven't kept your number" in d.messages[0]["text"]
    assert {e["name"] for e in events if e["value"] is None} >= {"callback_phone", "callback_name"}


def test_only_the_answer_to_the_name_question_is_held_as_a_name() -> None:
    from actions.callback_shield import (
        expect_name,
        forget_name_question,
        name_token_in,
        shield_name,
    )

    assert shield_name("p1", "Sam") == "Sam"  # not asked: stays as typed
    expect_name("p1")
    held = shield_name("p1", "Sam")
    assert name_token_in(held) and outbox.held_value(name_token_in(held)) == "Sam"
    expect_name("p1")
    assert shield_name("p1", cb.SKIP) == cb.SKIP  # the Skip button answers it...
    assert shield_name("p1", "Morning") == "Morning"  # ...so the next answer is not a name
    expect_name("p1")
    assert shield_name("p1", "what is an aura?") == "what is an aura?"
    expect_name("p1")
    forget_name_question("p1")  # a red flag answered it
    assert shield_name("p1", "ok thanks") == "ok thanks"


def test_typed_words_match_button_titles_only_when_meaningful() -> None:
    assert typed_choice(msg("a"), cb.REASONS) is None
    assert typed_choice(msg("in"), cb.BEST_TIMES) is None
    assert typed_choice(msg("any"), cb.BEST_TIMES) == "any"
    assert typed_choice(msg("Booking an appointment"), cb.REASONS) == "booking"


@pytest.mark.parametrize("intent", ["callback_skip", "callback_cancel", "emergency", "ask_aura"])
def test_a_held_name_is_a_name_whatever_the_classifier_guessed_for_its_token(intent: str) -> None:
    from actions.callback_shield import expect_name, shield_name

    expect_name("p2")
    text = shield_name("p2", "Sam")
    slots, said = validate(tracker(text, "callback_name", intent=intent, confidence=0.99))
    assert slots == {"callback_name": text} and said == []
