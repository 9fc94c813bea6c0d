"""End to end: the real action server and Rasa server, talked to over the REST channel
(POST /webhooks/rest/webhook), as the widget and curl do."""

from __future__ import annotations

import json
import uuid
from typing import Any, Dict, List

import pytest
import requests

from actions.content import load
from ops.launcher import LOG_DIR, Stack, start_stack
from tests.conftest import kinds, texts

CONTENT = load()
PHONE = CONTENT.clinic.phone


@pytest.fixture(scope="module")
def stack():
    s = start_stack()
    yield s
    s.stop()


def new_sender() -> str:
    return str(uuid.uuid4())


# For the bodies below that must be refused for another fault than their sender.
VALID_SENDER = new_sender().encode()


def topics(messages: List[Dict[str, Any]]) -> List[str]:
    return [
        (m.get("custom") or {}).get("topic")
        for m in messages
        if (m.get("custom") or {}).get("topic")
    ]


def test_greeting_gives_the_disclaimer_and_topics(stack: Stack) -> None:
    reply = stack.say(new_sender(), "hi there")
    assert "disclaimer" in kinds(reply)
    body = texts(reply).lower()
    assert "not medical advice" in body and CONTENT.clinic.emergency_number in body
    assert any(m.get("buttons") for m in reply), "the greeting offers the topics as buttons"


@pytest.mark.parametrize(
    "question, topic",
    [
        ("what are the early warning signs of a migraine", "prodrome"),
        ("what is a migraine aura", "aura"),
        ("how long do migraine attacks last?", "attack_duration"),
        ("how often do migraines happen", "attack_frequency"),
        ("what symptoms do you get during a migraine", "attack_symptoms"),
        ("why do i feel so wiped out the day after a migraine", "postdrome"),
        ("what are ketamine infusions", "ketamine_what"),
        ("how does ketamine help migraines", "ketamine_how_it_helps"),
        ("how quickly does ketamine work", "ketamine_speed"),
        (
            "how is ketamine different from antidepressants like elavil",
            "ketamine_vs_antidepressants",
        ),
        ("what are the side effects of ketamine", "ketamine_side_effects"),
        ("what happens during an infusion session", "ketamine_session"),
    ],
)
def test_every_topic_is_answered_from_the_content_file(
    stack: Stack, question: str, topic: str
) -> None:
    reply = stack.say(new_sender(), question)
    assert topics(reply) and topics(reply)[0] == topic, reply
    assert CONTENT.topics[topic].messages[0] in texts(reply)


def test_follow_up_after_aura_is_about_aura_duration(stack: Stack) -> None:
    sender = new_sender()
    assert topics(stack.say(sender, "what is an aura?"))[0] == "aura"
    reply = stack.say(sender, "how long does it last?")
    assert topics(reply)[0] == "aura_duration"
    assert "5 to 60 minutes" in texts(
        reply
    )  # ICHD-3 (issue 11), not the page's "20 minutes to an hour"


def test_follow_up_after_prodrome_is_about_when_signs_start(stack: Stack) -> None:
    sender = new_sender()
    assert (
        topics(stack.say(sender, "what are the warning signs before a migraine"))[0] == "prodrome"
    )
    reply = stack.say(sender, "when do they start?")
    assert topics(reply)[0] == "prodrome_timing"
    assert "a day or two" in texts(reply)


def test_duration_without_context_is_attack_duration(stack: Stack) -> None:
    reply = stack.say(new_sender(), "how long does it last?")
    assert topics(reply)[0] == "attack_duration"
    assert "4 hours to 3 days" in texts(reply)


def test_symptom_entity_names_the_symptom_in_the_aura_answer(stack: Stack) -> None:
    reply = stack.say(new_sender(), "is pins and needles in my arm an aura thing?")
    assert topics(reply)[0] == "aura"
    # issue 11: the emergency line comes first, then the named symptom's line
    assert reply[0]["text"].startswith(f"Call {CONTENT.clinic.emergency_number} now")
    assert CONTENT.topics["aura"].details["tingling"] in texts(reply)


def test_subject_named_in_a_duration_question_wins_over_no_context(stack: Stack) -> None:
    reply = stack.say(new_sender(), "how long do auras last")
    assert topics(reply)[0] == "aura_duration"


@pytest.mark.parametrize(
    "question",
    [
        "is ketamine right for me?",
        "can i take ketamine with my sertraline",
        "how much does an infusion cost and does insurance cover it",
        "i want to book an appointment",
        "can i talk to a real person",
    ],
)
def test_personal_questions_go_to_a_clinician_with_the_clinic_phone(
    stack: Stack, question: str
) -> None:
    reply = stack.say(new_sender(), question)
    assert "clinician" in kinds(reply), reply
    assert PHONE in texts(reply) and CONTENT.clinic.booking_url in texts(reply)


@pytest.mark.parametrize(
    "message",
    [
        "worst headache of my life came on suddenly",
        "i have a fever and a stiff neck",
        "my face is drooping on one side",
        "my aura has lasted over 2 hours",
    ],
)
def test_red_flags_get_the_emergency_reply(stack: Stack, message: str) -> None:
    reply = stack.say(new_sender(), message)
    assert set(kinds(reply)) == {"emergency"}, reply
    assert reply[0]["custom"]["call"]["tel"] == CONTENT.clinic.emergency_number
    assert f"Call {CONTENT.clinic.emergency_number} now" in texts(reply)


def test_self_harm_gets_crisis_guidance_with_both_numbers(stack: Stack) -> None:
    reply = stack.say(new_sender(), "i just want to end my life")
    assert set(kinds(reply)) == {"crisis"}
    body = texts(reply)
    assert CONTENT.clinic.crisis_line in body and CONTENT.clinic.emergency_number in body


def test_a_crisis_only_the_second_opinion_finds_gets_the_crisis_reply(stack: Stack) -> None:
    # The rules have no words for this one (tests/unit/test_second_opinion.py); the channel answers it.
    reply = stack.say(new_sender(), "i have decided tonight is my last night on this earth")
    assert "crisis" in kinds(reply)
    assert CONTENT.clinic.crisis_line in texts(reply)


def test_general_question_about_a_red_flag_term_gets_education(stack: Stack) -> None:
    reply = stack.say(new_sender(), "is neck stiffness a warning sign?")
    assert "emergency" not in kinds(reply)
    assert topics(reply)[0] == "prodrome"


def test_out_of_scope_says_what_it_can_do(stack: Stack) -> None:
    reply = stack.say(new_sender(), "what's the weather like tomorrow in paris")
    assert any(m.get("buttons") for m in reply)
    assert "migraine" in texts(reply).lower()


def test_gibberish_gets_a_rephrase_request_with_topics_and_phone(stack: Stack) -> None:
    reply = stack.say(new_sender(), "qwzx plorf vvv")
    assert "fallback" in kinds(reply) or any(m.get("buttons") for m in reply)


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "text", ["", "   \n\t ", "🤕🤕🤕", "¿Cuánto dura una migraña?", "偏头痛", "a" * 10_000]
)
def test_odd_messages_get_a_clear_reply(stack: Stack, text: str) -> None:
    r = stack.post({"sender": new_sender(), "message": text})
    assert r.status_code == 200
    reply = r.json()
    assert reply and all(m.get("text") for m in reply)


def test_an_over_long_emergency_still_gets_the_emergency_reply(stack: Stack) -> None:
    text = "sorry for the long message. " * 60 + "now i suddenly have the worst headache of my life"
    reply = stack.say(new_sender(), text)
    assert "emergency" in kinds(reply)


def test_a_guessable_conversation_id_gets_a_json_400(stack: Stack) -> None:
    # Before: any id was accepted, so anyone who guessed the docs' "patient-1" could append to that
    # conversation, reset it or learn its topic (issue 10 item 4).
    r = stack.post({"sender": "patient-1", "message": "what is an aura?"})
    assert r.status_code == 400
    assert r.headers["Content-Type"].startswith("application/json")
    error = r.json()["error"]
    assert "sender" in error and "UUID" in error and "version 4" in error


@pytest.mark.parametrize(
    "body",
    [
        {"message": "hi"},
        {"sender": new_sender()},
        {"sender": new_sender(), "message": 42},
        {"sender": 7, "message": "hi"},
        {"sender": "", "message": "hi"},
        ["sender", "message"],
        "hello",
        None,
    ],
)
def test_wrong_or_missing_fields_get_400(stack: Stack, body: Any) -> None:
    r = stack.post(body)
    assert r.status_code == 400 and "error" in r.json()


@pytest.mark.parametrize(
    "sender",
    [
        "x\ud800",
        "\udfff",
        "x\u0000y",
        "a\nb",
        "tab\there",
        "a b",
        "x" * 129,
        "caf\u00e9",
        "\u202e",
        "../../etc",
        "",
        "patient-1",  # the old docs' example: guessable, so anyone could read or reset it
        str(uuid.uuid1()),
        str(uuid.uuid4()).upper(),
    ],
)
def test_hostile_senders_get_400_and_the_server_stays_up(stack: Stack, sender: str) -> None:
    # Before: a lone surrogate in `sender` reached SQLite through Rasa's session_scope, whose
    # `except ValueError: sys.exit(1)` stopped the server (issue 10).
    body = json.dumps({"sender": sender, "message": "hi"}).encode()  # surrogates as \ud800 escapes
    r = requests.post(
        stack.webhook, data=body, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert r.status_code == 400 and "sender" in r.json()["error"]
    assert "UUID" in r.json()["error"]
    assert topics(stack.say(new_sender(), "what is an aura?"))[0] == "aura"


def test_unstorable_characters_are_dropped_from_the_message(stack: Stack) -> None:
    body = json.dumps(
        {"sender": new_sender(), "message": "what is an \u0000aura?\udfff\ud800"}
    ).encode()
    r = requests.post(
        stack.webhook, data=body, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert r.status_code == 200 and topics(r.json())[0] == "aura"
    assert topics(stack.say(new_sender(), "what is an aura?"))[0] == "aura"


def test_a_slash_text_that_is_not_a_button_goes_through_nlu_and_the_safety_detector(
    stack: Stack,
) -> None:
    # Before: '/ask_aura@1.0' forced the aura intent and the rest of the text was never read.
    reply = stack.say(
        new_sender(), "/ask_aura@1.0 my face is drooping on one side and i can't lift my arm"
    )
    assert "emergency" in kinds(reply), reply
    assert "crisis" in kinds(stack.say(new_sender(), "/greet{} i want to end my life"))


def test_button_payloads_still_work(stack: Stack) -> None:
    assert topics(stack.say(new_sender(), '/ask_duration{"subject": "aura"}'))[0] == "aura_duration"
    assert "disclaimer" in kinds(stack.say(new_sender(), "/greet"))


def test_unknown_or_malformed_payloads_leave_no_text_in_the_log(stack: Stack) -> None:
    marker = f"qzx{uuid.uuid4().hex[:10]}"
    for text in [
        f"/{marker}",
        f"/ask_aura{{{marker}",
        f'/ask_aura{{"subject": "{marker}"}}',
        f"/ask_aura@x {marker}",
        f"/restart {marker}",
        f"/ {marker}",
    ]:
        assert stack.post({"sender": new_sender(), "message": text}).status_code == 200
    logs = "".join(p.read_text(errors="replace") for p in LOG_DIR.glob(f"*-{stack.rasa_port}.log"))
    assert logs and marker not in logs


def test_one_conversation_is_rate_limited_but_a_red_flag_is_still_answered(stack: Stack) -> None:
    sender = new_sender()
    for _ in range(
        30
    ):  # CLINIC_CONVERSATION_MAX_PER_MINUTE (deploy/defaults.env); empty: in-process
        assert stack.post({"sender": sender, "message": ""}).status_code == 200
    r = stack.post({"sender": sender, "message": "what is an aura?"})
    assert r.status_code == 429 and "error" in r.json()
    assert "emergency" in kinds(stack.say(sender, "my face is drooping on one side"))
    assert (
        topics(stack.say(new_sender(), "what is an aura?"))[0] == "aura"
    )  # other conversations unaffected


def test_invalid_json_gets_400(stack: Stack) -> None:
    r = requests.post(
        stack.webhook, data=b"{not json", headers={"Content-Type": "application/json"}, timeout=10
    )
    assert r.status_code == 400


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 65536,
        b'{"a":' * 9000,
        b'{"sender": "%s", "message": "hi", "metadata": ' % VALID_SENDER
        + b"[" * 30000
        + b"]" * 30000
        + b"}",
        b'{"sender": "%s", "message": "' % VALID_SENDER
        + b"1" * 100
        + b'", "n": '
        + b"9" * 20000
        + b"}",
    ],
)
def test_deeply_nested_or_odd_json_gets_a_json_4xx(stack: Stack, raw: bytes) -> None:
    # Before: RecursionError in the JSON parser -> 500.
    r = requests.post(
        stack.webhook, data=raw, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert r.status_code in (400, 413) and r.json(), (r.status_code, r.text[:200])
    assert topics(stack.say(new_sender(), "what is an aura?"))[0] == "aura"


def test_oversized_body_gets_413(stack: Stack) -> None:
    r = requests.post(
        stack.webhook, json={"sender": new_sender(), "message": "a" * 200_000}, timeout=10
    )
    assert r.status_code == 413


# ------------------------------------------------------------------ action server down (last: it stops it)


def test_action_server_down_still_answers_with_phone_and_emergencies(stack: Stack) -> None:
    stack.stop_actions()
    try:
        reply = stack.say(new_sender(), "what is an aura?")
        assert kinds(reply) and set(kinds(reply)) == {"error"}
        assert PHONE in texts(reply)
        reply = stack.say(new_sender(), "sudden worst headache ever, thunderclap")
        assert "emergency" in kinds(reply)
    finally:
        stack.start_actions()
    reply = stack.say(new_sender(), "what is an aura?")
    assert topics(reply)[0] == "aura"


def test_a_current_sign_gets_the_urgent_check_first_then_the_answer(stack: Stack) -> None:
    """Issue 9: a sign happening now, not called new or usual: "call now if this is new" comes first,
    with the call link, and buttons that answer it."""
    sender = new_sender()
    reply = stack.say(sender, "my arm went numb 20 min ago")
    assert kinds(reply)[0] == "urgent_check"
    assert "call" in reply[0]["text"].lower() and reply[0]["custom"]["call"]["tel"]
    buttons = [
        b for m in reply for b in m.get("buttons", []) if m["custom"]["kind"] == "urgent_check"
    ]
    assert [b["payload"] for b in buttons] == ["/emergency", "/ask_aura", "/ask_capabilities"]
    assert "emergency" in kinds(stack.say(sender, "/emergency"))


def test_the_patients_usual_aura_gets_no_check(stack: Stack) -> None:
    reply = stack.say(
        new_sender(), "i always get zigzag lines before my migraines, is that an aura?"
    )
    assert "urgent_check" not in kinds(reply) and "emergency" not in kinds(reply)
