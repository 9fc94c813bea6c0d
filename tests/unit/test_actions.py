"""The custom actions, run with rasa-sdk's real Tracker and CollectingDispatcher."""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionAnswerTopic, choose_topic, subject_of_topic
from actions.content import load
from actions.escalation import ActionContactClinician, ActionFallback, ActionGreet, ActionOutOfScope
from actions.messages import MENU, TOPIC_REQUESTS
from actions.safety import ActionCrisis, ActionEmergency

CONTENT = load()


def tracker(text: str, intent: str, entities: Optional[List[Dict[str, Any]]] = None,
            topic: Optional[str] = None) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or []}
    return Tracker("unit", {"topic": topic}, latest, [], False, None, {}, "action_listen")


def run(action, t: Tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return dispatcher.messages, events


def custom(messages) -> List[Dict[str, Any]]:
    return [m["custom"] for m in messages]


@pytest.mark.parametrize("intent, subjects, symptoms, last, expected", [
    ("ask_duration", [], [], "aura", "aura_duration"),
    ("ask_duration", [], [], "aura_duration", "aura_duration"),
    ("ask_duration", [], [], None, "attack_duration"),
    ("ask_duration", [], [], "attack_symptoms", "attack_duration"),
    ("ask_duration", ["aura"], [], "ketamine_what", "aura_duration"),
    ("ask_duration", [], ["tingling"], None, "aura_duration"),
    ("ask_duration", [], [], "postdrome", "postdrome"),
    ("ask_duration", [], [], "ketamine_session", "escalate:ketamine_duration"),
    ("ask_onset", [], [], "prodrome", "prodrome_timing"),
    ("ask_onset", [], [], "ketamine_what", "ketamine_speed"),
    ("ask_onset", [], [], None, "prodrome_timing"),
    ("ask_aura", [], ["tingling"], None, "aura"),
    ("ask_aura", [], ["yawning"], None, "prodrome"),
    ("ask_attack_symptoms", [], ["neck_stiffness"], None, "prodrome"),
    ("ask_ketamine_side_effects", [], ["nausea_vomiting"], None, "ketamine_side_effects"),
    ("ask_ketamine_what", [], [], "aura", "ketamine_what"),
    ("greet", [], [], None, None),
])
def test_choose_topic(intent, subjects, symptoms, last, expected) -> None:
    assert choose_topic(CONTENT, intent, subjects, symptoms, last) == expected


def test_subject_of_topic() -> None:
    assert subject_of_topic("aura_duration") == "aura"
    assert subject_of_topic("attack_frequency") == "migraine"
    assert subject_of_topic("ketamine_speed") == "ketamine"
    assert subject_of_topic(None) is None


def test_answer_sends_the_topic_and_remembers_it() -> None:
    messages, events = run(ActionAnswerTopic(), tracker("what is an aura", "ask_aura"))
    assert [m["text"] for m in messages] == list(CONTENT.topics["aura"].messages)
    assert all(c == {"kind": "answer", "topic": "aura"} for c in custom(messages))
    assert events == [SlotSet("topic", "aura")]


def test_named_symptom_comes_first() -> None:
    t = tracker("is pins and needles an aura thing", "ask_aura", [{"entity": "symptom", "value": "tingling"}])
    messages, _ = run(ActionAnswerTopic(), t)
    assert messages[0]["text"] == CONTENT.topics["aura"].details["tingling"]


def test_follow_up_uses_the_slot() -> None:
    messages, events = run(ActionAnswerTopic(), tracker("how long does it last", "ask_duration", topic="aura"))
    assert "20 minutes to an hour" in messages[0]["text"]
    assert events == [SlotSet("topic", "aura_duration")]


def test_general_red_flag_question_gets_answer_plus_safety_note() -> None:
    messages, _ = run(ActionAnswerTopic(), tracker("is neck stiffness a warning sign?", "ask_prodrome",
                                                   [{"entity": "symptom", "value": "neck_stiffness"}]))
    notes = [m for m in messages if m["custom"].get("note") == "safety"]
    assert notes and CONTENT.clinic.emergency_number in notes[0]["text"]
    assert "{" not in notes[0]["text"]


def test_ketamine_duration_goes_to_a_clinician() -> None:
    messages, events = run(ActionAnswerTopic(), tracker("how long does it last", "ask_duration", topic="ketamine_session"))
    assert {c["kind"] for c in custom(messages)} == {"clinician"}
    assert events == []


@pytest.mark.parametrize("intent", ["ask_personal_advice", "ask_cost", "ask_booking", "request_human"])
def test_clinician_reply_has_reason_phone_hours_and_booking(intent: str) -> None:
    messages, _ = run(ActionContactClinician(), tracker("...", intent))
    text = " ".join(m["text"] for m in messages)
    assert messages[0]["text"] == CONTENT.escalation_reasons[intent]
    for value in (CONTENT.clinic.phone, CONTENT.clinic.hours, CONTENT.clinic.booking_url):
        assert value in text
    assert messages[0]["custom"]["call"]["tel"] == CONTENT.clinic.phone_tel


def test_greeting_has_disclaimer_and_topic_buttons() -> None:
    messages, _ = run(ActionGreet(), tracker("hi", "greet"))
    assert messages[0]["custom"]["kind"] == "disclaimer"
    assert "not medical advice" in " ".join(m["text"] for m in messages)
    buttons = [b for m in messages for b in m["buttons"]]
    assert [b["payload"] for b in buttons] == [TOPIC_REQUESTS[t] for t in MENU]


def test_fallback_and_out_of_scope_offer_topics() -> None:
    for action in (ActionFallback(), ActionOutOfScope()):
        messages, _ = run(action, tracker("blah", "nlu_fallback"))
        assert any(m["buttons"] for m in messages)
    messages, _ = run(ActionFallback(), tracker("blah", "nlu_fallback"))
    assert CONTENT.clinic.phone in " ".join(m["text"] for m in messages)


def test_emergency_and_crisis_replies() -> None:
    messages, _ = run(ActionEmergency(), tracker("worst headache of my life, sudden", "emergency"))
    assert {c["kind"] for c in custom(messages)} == {"emergency"}
    assert messages[0]["custom"]["call"] == {"label": "Call 911", "tel": "911"}
    messages, _ = run(ActionCrisis(), tracker("i want to die", "self_harm"))
    assert {c["kind"] for c in custom(messages)} == {"crisis"}
    assert messages[0]["custom"]["crisis_call"]["tel"] == "988"
    assert "988" in " ".join(m["text"] for m in messages)


def test_every_button_points_to_a_real_topic_and_intent() -> None:
    import yaml

    from ops.settings import ROOT
    intents = set(yaml.safe_load((ROOT / "domain.yml").read_text())["intents"])
    assert set(TOPIC_REQUESTS) <= set(CONTENT.topics)
    for payload in TOPIC_REQUESTS.values():
        assert payload[1:].split("{")[0] in intents
