"""The custom actions, run with rasa-sdk's real Tracker and CollectingDispatcher."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionAnswerTopic, ActionTellMeMore, choose_topic, subject_of_topic
from actions.content import MAX_BUBBLES, store
from actions.escalation import ActionContactClinician, ActionFallback, ActionGreet, ActionOutOfScope
from actions.messages import (
    BUTTON_PAYLOADS,
    MENU,
    MORE_PAYLOAD,
    TOPIC_REQUESTS,
    emergency,
    topic_answer,
)
from actions.safety import ActionCrisis, ActionEmergency

# What the actions serve: the published version (tests/conftest.py publishes the drafts for the tests).
CONTENT = store().get()


def tracker(
    text: str,
    intent: str,
    entities: Optional[List[Dict[str, Any]]] = None,
    topic: Optional[str] = None,
    more_from: Optional[str] = None,
) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": entities or [],
    }
    return Tracker(
        "unit",
        {"topic": topic, "more_from": more_from},
        latest,
        [],
        False,
        None,
        {},
        "action_listen",
    )


def slots(events) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def run(action, t: Tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return dispatcher.messages, events


def custom(messages) -> List[Dict[str, Any]]:
    return [m["custom"] for m in messages]


@pytest.mark.parametrize(
    "intent, subjects, symptoms, last, expected",
    [
        ("ask_duration", [], [], "aura", "aura_duration"),
        ("ask_duration", [], [], "aura_duration", "aura_duration"),
        ("ask_duration", [], [], None, "attack_duration"),
        ("ask_duration", [], [], "attack_symptoms", "attack_duration"),
        ("ask_duration", ["aura"], [], "ketamine_what", "aura_duration"),
        ("ask_duration", [], ["tingling"], None, "aura_duration"),
        ("ask_duration", [], [], "postdrome", "postdrome"),
        ("ask_duration", [], [], "ketamine_session", "ketamine_relief_duration"),
        ("ask_duration", ["ketamine"], [], None, "ketamine_relief_duration"),
        ("ask_ketamine_addiction", [], [], None, "ketamine_addiction"),
        ("ask_ketamine_bladder", [], [], None, "ketamine_bladder"),
        ("ask_session_practical", [], [], None, "session_practical"),
        ("ask_onset", [], [], "prodrome", "prodrome_timing"),
        ("ask_onset", [], [], "ketamine_what", "ketamine_speed"),
        ("ask_onset", [], [], None, "prodrome_timing"),
        ("ask_aura", [], ["tingling"], None, "aura"),
        ("ask_aura", [], ["yawning"], None, "prodrome"),
        ("ask_attack_symptoms", [], ["neck_stiffness"], None, "prodrome"),
        ("ask_ketamine_side_effects", [], ["nausea_vomiting"], None, "ketamine_side_effects"),
        ("ask_ketamine_what", [], [], "aura", "ketamine_what"),
        ("greet", [], [], None, None),
    ],
)
def test_choose_topic(intent, subjects, symptoms, last, expected) -> None:
    assert choose_topic(CONTENT, intent, subjects, symptoms, last) == expected


def test_subject_of_topic() -> None:
    assert subject_of_topic("aura_duration") == "aura"
    assert subject_of_topic("attack_frequency") == "migraine"
    assert subject_of_topic("ketamine_speed") == "ketamine"
    assert subject_of_topic(None) is None


def test_answer_sends_the_topic_and_remembers_it() -> None:
    messages, events = run(
        ActionAnswerTopic(), tracker("what are the symptoms of a migraine", "ask_attack_symptoms")
    )
    topic = CONTENT.topics["attack_symptoms"]
    assert [m["text"] for m in messages] == [
        t.replace("{emergency_number}", "911") for t in topic.messages
    ]
    assert all(
        c == {"kind": "answer", "topic": "attack_symptoms", "content_version": CONTENT.version}
        for c in custom(messages)
    )
    assert slots(events) == {
        "topic": "attack_symptoms",
        "more_from": None,
        "content_version": CONTENT.version,
    }


def test_aura_answer_warns_before_it_reassures() -> None:
    """Issue 11.1: the emergency line is the first bubble, before 'goes away fully'."""
    messages, _ = run(ActionAnswerTopic(), tracker("what is an aura", "ask_aura"))
    texts = [m["text"] for m in messages]
    assert texts[0] == CONTENT.reply("aura_warning")[0] and texts[0].startswith("Call 911 now")
    assert messages[0]["custom"]["note"] == "safety"
    reassurance = next(
        i for i, t in enumerate(texts) if "goes away fully" in t or "short-lived" in t
    )
    assert reassurance > 0


def test_named_symptom_comes_after_the_warning_and_before_the_answer() -> None:
    t = tracker(
        "is pins and needles an aura thing",
        "ask_aura",
        [{"entity": "symptom", "value": "tingling"}],
    )
    messages, _ = run(ActionAnswerTopic(), t)
    texts = [m["text"] for m in messages]
    assert texts[0].startswith("Call 911 now")
    detail = texts.index(CONTENT.topics["aura"].details["tingling"])
    assert all(
        m["custom"].get("note") == "safety" for m in messages[:detail]
    )  # warnings only before it
    assert len(messages) <= MAX_BUBBLES and messages[-1]["buttons"][0]["payload"] == MORE_PAYLOAD


def test_one_sided_weakness_is_never_called_an_ordinary_aura() -> None:
    t = tracker(
        "is weakness an aura thing",
        "ask_aura",
        [{"entity": "symptom", "value": "numbness_weakness"}],
    )
    messages, _ = run(ActionAnswerTopic(), t)
    assert messages[0]["text"].startswith("Call 911 now")
    assert "not an ordinary aura" in messages[1]["text"] and "stroke" in messages[1]["text"]


def test_follow_up_uses_the_slot() -> None:
    messages, events = run(
        ActionAnswerTopic(), tracker("how long does it last", "ask_duration", topic="aura")
    )
    assert messages[0]["text"].startswith("Call 911 now")
    assert "5 to 60 minutes" in messages[1]["text"] and "20 minutes" not in " ".join(
        m["text"] for m in messages
    )
    assert slots(events)["topic"] == "aura_duration"


def test_general_red_flag_question_gets_answer_plus_safety_note() -> None:
    messages, _ = run(
        ActionAnswerTopic(),
        tracker(
            "is neck stiffness a warning sign?",
            "ask_prodrome",
            [{"entity": "symptom", "value": "neck_stiffness"}],
        ),
    )
    notes = [m for m in messages if m["custom"].get("note") == "safety"]
    assert notes and CONTENT.clinic.emergency_number in notes[0]["text"]
    assert "{" not in notes[0]["text"]
    assert len(messages) <= MAX_BUBBLES


@pytest.mark.parametrize("topic_id", sorted(CONTENT.topics))
def test_no_reply_is_longer_than_three_bubbles(topic_id: str) -> None:
    topic = CONTENT.topics[topic_id]
    for symptoms in ([], list(topic.details)[:2]):
        for notes in ([], ["Note one {emergency_number}.", "Note two."]):
            messages, offset = topic_answer(CONTENT, topic, symptoms, notes)
            assert len(messages) <= MAX_BUBBLES, (topic_id, symptoms, notes)
            assert (offset is None) == (messages[-1].get("buttons") is None)
            assert "{" not in " ".join(m["text"] for m in messages)


def test_tell_me_more_sends_the_rest_then_offers_the_topics() -> None:
    messages, events = run(
        ActionAnswerTopic(),
        tracker("what are the side effects of ketamine", "ask_ketamine_side_effects"),
    )
    assert messages[-1]["buttons"] == [{"title": "Tell me more", "payload": MORE_PAYLOAD}]
    marker = slots(events)["more_from"]
    assert (
        marker == f"ketamine_side_effects:{len(CONTENT.topics['ketamine_side_effects'].messages)}"
    )
    more, events = run(
        ActionTellMeMore(), tracker("tell me more", "tell_me_more", more_from=marker)
    )
    assert [m["text"] for m in more] == list(CONTENT.topics["ketamine_side_effects"].more)
    assert "FDA" in more[0]["text"] and slots(events)["more_from"] is None
    done, _ = run(ActionTellMeMore(), tracker("tell me more", "tell_me_more"))
    assert done[0]["text"] == CONTENT.reply("more_done")[0] and done[-1]["buttons"]


def test_tell_me_more_payload_is_accepted_by_the_channel() -> None:
    from plugins.channel.request import ACCEPTED_PAYLOADS

    assert MORE_PAYLOAD in BUTTON_PAYLOADS and MORE_PAYLOAD in ACCEPTED_PAYLOADS


def test_relief_duration_is_answered_not_sent_away() -> None:
    messages, events = run(
        ActionAnswerTopic(),
        tracker(
            "how long does the relief last",
            "ask_duration",
            [{"entity": "subject", "value": "ketamine"}],
        ),
    )
    assert slots(events)["topic"] == "ketamine_relief_duration"
    text = " ".join(m["text"] for m in messages)
    assert (
        "off-label" in text
        and "no one can promise" in text.lower()
        and CONTENT.clinic.phone in text
    )


def test_session_questions_never_dead_end() -> None:
    messages, _ = run(
        ActionAnswerTopic(), tracker("can i drive home after", "ask_session_practical")
    )
    text = " ".join(m["text"] for m in messages)
    assert "Don't drive yourself home" in text and CONTENT.clinic.phone in text
    assert "REPLACE-ME with" not in text  # a placeholder instruction is never shown


def test_every_message_carries_the_content_version() -> None:
    for action, t in (
        (ActionGreet(), tracker("hi", "greet")),
        (ActionFallback(), tracker("x", "nlu_fallback")),
        (ActionContactClinician(), tracker("price", "ask_cost")),
        (ActionEmergency(), tracker("worst headache of my life, sudden", "emergency")),
    ):
        messages, _ = run(action, t)
        assert {c["content_version"] for c in custom(messages)} == {CONTENT.version}, action.name()


def test_emergency_notes_share_one_bubble() -> None:
    messages = emergency(CONTENT, ["First note.", "Second note {emergency_number}.", "First note."])
    assert len(messages) == 3 and messages[-1]["text"] == "First note. Second note 911."


@pytest.mark.parametrize(
    "intent, wording",
    [
        ("ask_personal_advice", "I can't advise on your own health"),
        ("ask_cost", "I don't have prices or insurance details"),
        ("ask_booking", "You can book a visit online"),
        ("request_human", "Of course. No one reads this chat live"),
    ],
)
def test_each_reason_has_its_own_wording_with_phone_hours_and_booking(
    intent: str, wording: str
) -> None:
    messages, events = run(ActionContactClinician(), tracker("...", intent))
    text = " ".join(m["text"] for m in messages)
    assert messages[0]["text"].startswith(wording)
    if intent != "ask_personal_advice":
        assert "look at your own situation" not in text
    for value in (CONTENT.clinic.phone, CONTENT.clinic.hours, CONTENT.clinic.booking_url):
        assert value in text
    assert all(m["custom"]["call"]["tel"] == CONTENT.clinic.phone_tel for m in messages)
    assert all(m["custom"]["reason"] == intent for m in messages)
    assert slots(events) == {"content_version": CONTENT.version}


def test_an_unlisted_reason_gets_the_general_clinician_reply() -> None:
    messages, _ = run(ActionContactClinician(), tracker("...", "something_else"))
    assert [m["text"] for m in messages] == CONTENT.reply("clinician")


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
