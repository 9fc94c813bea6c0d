"""Every message the assistant sends, built in one place.

A message is a dict in the REST channel's format: {"text", "buttons"?, "custom": {"kind", ...}}.
The action server sends them through the dispatcher (`send`), and plugins/channel/rest.py returns the same
error and emergency messages itself when the action server cannot be reached, so both say the same.
`custom.kind` tells the widget how to show a message (docs/architecture.md); it never guesses from text.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from actions.content import Content, Topic, fill
from actions.topics import MENU, TOPIC_REQUESTS

Message = Dict[str, Any]

def message(text: str, kind: str, buttons: Optional[List[Dict[str, str]]] = None, **custom: Any) -> Message:
    msg: Message = {"text": text, "custom": {"kind": kind, **custom}}
    if buttons:
        msg["buttons"] = buttons
    return msg


def with_buttons(texts: Sequence[str], kind: str, buttons: List[Dict[str, str]], **custom: Any) -> List[Message]:
    """One message per text; the buttons go on the last one."""
    out = [message(t, kind, **custom) for t in texts]
    if out:
        out[-1]["buttons"] = buttons
    return out


def menu_buttons(content: Content) -> List[Dict[str, str]]:
    return [{"title": content.topics[t].title, "payload": TOPIC_REQUESTS[t]} for t in MENU]


def call_link(label: str, number: str) -> Dict[str, str]:
    return {"label": label, "tel": number}


def topic_answer(topic: Topic, symptoms: Iterable[str] = (), notes: Iterable[str] = ()) -> List[Message]:
    """A topic's answer; the details of any symptoms the patient named come first."""
    named = [topic.details[s] for s in symptoms if s in topic.details]
    texts = named + list(topic.messages)
    out = [message(t, "answer", topic=topic.id) for t in texts]
    out += [message(n, "answer", topic=topic.id, note="safety") for n in notes]
    return out


def greeting(content: Content) -> List[Message]:
    return [message(t, "disclaimer") for t in content.reply("greet")]


def topics_menu(content: Content, reply: str = "capabilities") -> List[Message]:
    return with_buttons(content.reply(reply), "answer", menu_buttons(content))


def fallback(content: Content) -> List[Message]:
    first, *rest = content.reply("fallback")
    return [message(first, "fallback", menu_buttons(content))] + [message(t, "fallback") for t in rest]


def clinician(content: Content, reason: Optional[str]) -> List[Message]:
    c = content.clinic
    texts = ([content.escalation_reasons[reason]] if reason in content.escalation_reasons else []) + content.reply("clinician")
    return [message(t, "clinician", call=call_link(f"Call {c.phone}", c.phone_tel), booking_url=c.booking_url)
            for t in texts]


def emergency(content: Content, notes: Iterable[str] = ()) -> List[Message]:
    number = content.clinic.emergency_number
    call = call_link(f"Call {number}", number)
    texts = content.reply("emergency") + [fill(n, content.clinic) for n in notes]
    return [message(t, "emergency", call=call) for t in texts]


def urgent_check(content: Content) -> List[Message]:
    """"Call now if this is new": for a sign happening now that may or may not be the patient's usual.
    The first message says when to call; the last asks, with buttons."""
    number = content.clinic.emergency_number
    buttons = [{"title": t, "payload": p} for t, p in URGENT_CHECK_BUTTONS]
    out = [message(t, "urgent_check", call=call_link(f"Call {number}", number)) for t in content.reply("urgent_check")]
    out[-1]["buttons"] = buttons
    return out


def crisis(content: Content) -> List[Message]:
    c = content.clinic
    return [message(t, "crisis", call=call_link(f"Call {c.emergency_number}", c.emergency_number),
                    crisis_call=call_link(f"Call or text {c.crisis_line}", c.crisis_line))
            for t in content.reply("crisis")]


def error(content: Content) -> List[Message]:
    c = content.clinic
    return [message(t, "error", call=call_link(f"Call {c.phone}", c.phone_tel)) for t in content.reply("error")]


def too_long(content: Content) -> List[Message]:
    return [message(t, "fallback") for t in content.reply("too_long")]


# Every payload the assistant's own buttons send. The REST channel accepts only these as payloads (a
# text starting with '/' skips NLU and the safety detector in Rasa); anything else starting with '/' is
# read as ordinary text. A new button's payload must be added here.
# The answers to the safety-net check (issue 9): new or different -> the emergency reply; the usual
# aura -> the aura answer (it carries its own safety line); a general question -> the topics.
URGENT_CHECK_BUTTONS: Tuple[Tuple[str, str], ...] = (
    ("It's new or different", "/emergency"),
    ("It's my usual aura", "/ask_aura"),
    ("I'm asking in general", "/ask_capabilities"),
)
BUTTON_PAYLOADS = frozenset(TOPIC_REQUESTS.values()) | {p for _, p in URGENT_CHECK_BUTTONS}
