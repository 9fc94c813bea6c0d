"""The NLU component that applies the red-flag detector, run on real Rasa Message objects."""

from __future__ import annotations

from typing import List, Tuple

import pytest
from rasa.shared.nlu.training_data.message import Message

from safety.component import SafetyOverride, override


def message(text: str, ranking: List[Tuple[str, float]]) -> Message:
    m = Message(data={"text": text})
    m.set("intent", {"name": ranking[0][0], "confidence": ranking[0][1]}, add_to_output=True)
    m.set("intent_ranking", [{"name": n, "confidence": c} for n, c in ranking], add_to_output=True)
    return m


def process(m: Message) -> str:
    SafetyOverride().process([m])
    return m.get("intent")["name"]


@pytest.mark.parametrize("model_intent", ["ask_aura", "greet", "nlu_fallback", "ask_prodrome"])
def test_rules_force_emergency_whatever_the_model_said(model_intent: str) -> None:
    m = message("sudden worst headache of my life", [(model_intent, 0.99), ("emergency", 0.01)])
    assert process(m) == "emergency"
    assert m.get("intent")["confidence"] == 1.0
    assert m.get("intent_ranking")[0] == {"name": "emergency", "confidence": 1.0}


def test_rules_force_crisis() -> None:
    assert process(message("i want to kill myself", [("ask_aura", 0.97)])) == "self_harm"


def test_general_question_demotes_a_model_emergency() -> None:
    m = message(
        "is neck stiffness a warning sign?",
        [("emergency", 0.7), ("nlu_fallback", 0.5), ("ask_prodrome", 0.2)],
    )
    assert process(m) == "ask_prodrome"


def test_model_may_add_sensitivity_when_rules_have_no_opinion() -> None:
    assert process(message("zxqv", [("emergency", 0.9), ("greet", 0.1)])) == "emergency"


def test_ordinary_messages_keep_the_model_intent() -> None:
    assert process(message("what is an aura", [("ask_aura", 0.95)])) == "ask_aura"


def test_override_is_pure() -> None:
    assert override({"intent": {"name": "ask_aura"}}, "none") is None
    assert (
        override({"intent": {"name": "emergency"}, "intent_ranking": []}, "clear") == "nlu_fallback"
    )
