"""The REST channel's pure parts: body validation, the merged message format, the safety guard."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from actions import callback_buttons
from actions.content import ContentStore
from actions.messages import BUTTON_PAYLOADS, MORE_PAYLOAD, TOPIC_REQUESTS, URGENT_CHECK_BUTTONS
from plugins.channel.limits import ConversationRateLimit
from plugins.channel.request import as_patient_text, valid_sender
from plugins.channel.rest import BadRequest, MergingOutputChannel, parse_body, safety_reply

# A valid sender, so that a body refused below is refused for its own fault, not for its sender's.
SENDER = "1b4e28ba-2fa1-4d2e-883f-0016d3cca427"


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{",
        b"[]",
        b'"hi"',
        b"null",
        b'{"message": "hi"}',
        b'{"sender": "x"}',
        json.dumps({"sender": SENDER, "message": 5}).encode(),
        b'{"sender": 5, "message": "hi"}',
        b'{"sender": " ", "message": "hi"}',
        json.dumps({"sender": "x" * 200, "message": "hi"}).encode(),
        b"\xff\xfe",
        json.dumps({"sender": "x\ud800", "message": "hi"}).encode(),
        json.dumps({"sender": "a\u0000", "message": "hi"}).encode(),
        b"[" * 65536,
        json.dumps({"sender": SENDER, "message": "hi"}).encode()[:-1]
        + b', "metadata": '
        + b"[" * 60000
        + b"]" * 60000
        + b"}",
        json.dumps({"sender": "a\nb", "message": "hi"}).encode(),
        json.dumps({"sender": " abc ", "message": "hi"}).encode(),
    ],
)
def test_bad_bodies_are_refused_with_a_reason(raw: bytes) -> None:
    with pytest.raises(BadRequest) as e:
        parse_body(raw)
    assert "sender" in str(e.value) or "message" in str(e.value) or "JSON" in str(e.value)


def test_good_body() -> None:
    raw = json.dumps({"sender": SENDER, "message": "hi", "metadata": {"x": 1}}).encode()
    assert parse_body(raw) == (SENDER, "hi")


def test_random_uuids_are_accepted_as_the_widget_and_python_make_them() -> None:
    for _ in range(200):
        sender = str(uuid.uuid4())
        assert valid_sender(sender) == sender


@pytest.mark.parametrize(
    "sender",
    [
        "patient-1",
        "p1",
        SENDER.upper(),  # canonical form only: one conversation, one id
        str(uuid.uuid1()),  # time and host based: guessable
        str(uuid.uuid3(uuid.NAMESPACE_DNS, "patient-1")),  # derived from a name: guessable
        "00000000-0000-0000-0000-000000000000",
        SENDER[:-1],  # too short
        SENDER + "0",  # too long
        SENDER.replace("-", ""),  # not canonical: no hyphens
        "{" + SENDER + "}",
        "urn:uuid:" + SENDER,
        SENDER + "\n",
        SENDER[:-1] + "\ud800",  # lone surrogate
        SENDER[:-1] + "\u0000",  # NUL
        SENDER[:-1] + "\uff10",  # a full-width digit zero
        SENDER[:19] + "c" + SENDER[20:],  # variant other than RFC 4122
    ],
)
def test_only_random_uuids_are_accepted_as_conversation_ids(sender: str) -> None:
    with pytest.raises(BadRequest) as e:
        valid_sender(sender)
    assert "UUID" in str(e.value) and "version 4" in str(e.value)


def test_nul_and_lone_surrogates_are_dropped_from_the_message() -> None:
    raw = json.dumps({"sender": SENDER, "message": "a\u0000b\ud800c\udfff \U0001f915"}).encode()
    assert parse_body(raw) == (SENDER, "abc \U0001f915")


def test_text_buttons_and_custom_are_one_message() -> None:
    out = MergingOutputChannel()
    asyncio.run(
        out.send_response(
            "p1",
            {
                "text": "hello",
                "buttons": [{"title": "A", "payload": "/a", "type": "x"}],
                "custom": {"kind": "answer"},
                "template_name": "x",
            },
        )
    )
    assert out.messages == [
        {
            "recipient_id": "p1",
            "text": "hello",
            "buttons": [{"title": "A", "payload": "/a"}],
            "custom": {"kind": "answer"},
        }
    ]


def test_guard_builds_emergency_and_crisis_replies_in_process() -> None:
    store = ContentStore()
    assert {
        m["custom"]["kind"] for m in safety_reply(store, "i have a fever and a stiff neck")
    } == {"emergency"}
    assert {m["custom"]["kind"] for m in safety_reply(store, "i want to kill myself")} == {"crisis"}
    assert safety_reply(store, "what is an aura") is None


def test_only_the_assistants_own_payloads_pass_as_payloads() -> None:
    assert BUTTON_PAYLOADS == (
        frozenset(TOPIC_REQUESTS.values())
        | {p for _, p in URGENT_CHECK_BUTTONS}
        | {MORE_PAYLOAD}
        | callback_buttons.PAYLOADS
    )
    for payload in [*BUTTON_PAYLOADS, "/greet", " /ask_aura "]:
        assert as_patient_text(payload) == payload
    assert as_patient_text("/restart") == "restart"
    assert as_patient_text("/self_harm") == "self_harm"
    assert as_patient_text("//i want to end my life") == "i want to end my life"
    assert as_patient_text('/ask_aura{"subject": "x"}') == 'ask_aura{"subject": "x"}'
    assert as_patient_text("/") == ""
    assert as_patient_text("what is /ask_aura") == "what is /ask_aura"


def test_the_conversation_rate_limit_refills_and_forgets_idle_conversations() -> None:
    now = [0.0]
    limit = ConversationRateLimit(3, clock=lambda: now[0])
    assert [limit.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limit.allow("b")  # per conversation
    now[0] = 20.0  # one message a 20 s comes back
    assert limit.allow("a") and not limit.allow("a")
    now[0] = 200.0
    assert limit.allow("c") and list(limit.buckets) == ["c"]
