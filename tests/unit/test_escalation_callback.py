"""The "Request a call-back" button where the assistant sends the patient to a person (issue 13):
every clinician reply, and a fallback that follows another fallback (a repeated miss), not a first one."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import callback_buttons as cb
from actions.escalation import ActionContactClinician, ActionFallback
from actions.messages import BUTTON_PAYLOADS, CALLBACK_BUTTON


def tracker(intent: str, events: List[Dict[str, Any]]) -> Tracker:
    return Tracker(
        "t",
        {},
        {"text": "x", "intent": {"name": intent, "confidence": 0.9}, "entities": []},
        events,
        False,
        None,
        {},
        "action_listen",
    )


def buttons(action: Any, t: Tracker) -> List[Dict[str, str]]:
    d = CollectingDispatcher()
    asyncio.run(action.run(d, t, {}))
    return [b for m in d.messages for b in m.get("buttons") or []]


@pytest.mark.parametrize(
    "intent", ["ask_cost", "ask_booking", "ask_personal_advice", "request_human"]
)
def test_every_clinician_reply_offers_a_call_back(intent: str) -> None:
    assert CALLBACK_BUTTON in buttons(ActionContactClinician(), tracker(intent, []))


def test_only_a_repeated_fallback_offers_a_call_back() -> None:
    first = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "x"},
        {"event": "action", "name": "action_answer_topic"},
        {"event": "action", "name": "action_listen"},
    ]
    again = [
        {"event": "action", "name": "action_fallback"},
        {"event": "action", "name": "action_listen"},
    ]
    assert CALLBACK_BUTTON not in buttons(ActionFallback(), tracker("nlu_fallback", first))
    assert CALLBACK_BUTTON in buttons(ActionFallback(), tracker("nlu_fallback", first + again))


def test_the_call_back_payloads_pass_the_rest_channel() -> None:
    assert (
        cb.REQUEST in BUTTON_PAYLOADS
        and cb.choice("morning") in BUTTON_PAYLOADS
        and cb.CANCEL in BUTTON_PAYLOADS
    )
