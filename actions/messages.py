"""Every message the assistant sends, built in one place.

A message is a dict in the REST channel's format: {"text", "buttons"?, "custom": {"kind", ...}}.
The action server sends them through the dispatcher (`send`), and channels/rest.py returns the same
error and emergency messages itself when the action server cannot be reached, so both say the same.
`custom.kind` tells the widget how to show a message (docs/architecture.md); it never guesses from text.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from actions import callback_buttons
from actions.content import Content, Topic, fill

Message = Dict[str, Any]

# The topics offered as buttons, and the request each button sends (an intent with entities, which
# Rasa parses without the NLU model). Every topic in content/answers.yml that a patient can reach.
TOPIC_REQUESTS: Dict[str, str] = {
    "prodrome": "/ask_prodrome",
    "prodrome_timing": '/ask_onset{"subject": "prodrome"}',
    "aura": "/ask_aura",
    "aura_duration": '/ask_duration{"subject": "aura"}',
    "attack_duration": '/ask_duration{"subject": "migraine"}',
    "attack_frequency": "/ask_attack_frequency",
    "attack_symptoms": "/ask_attack_symptoms",
    "postdrome": "/ask_postdrome",
    "ketamine_what": "/ask_ketamine_what",
    "ketamine_how_it_helps": "/ask_ketamine_how_it_helps",
    "ketamine_speed": "/ask_ketamine_speed",
    "ketamine_vs_antidepressants": "/ask_ketamine_vs_antidepressants",
    "ketamine_side_effects": "/ask_ketamine_side_effects",
    "ketamine_session": "/ask_ketamine_session",
}
# The menu: the main topics, in the order patients see them.
MENU: Tuple[str, ...] = (
    "prodrome", "aura", "attack_symptoms", "attack_duration", "postdrome", "ketamine_what",
    "ketamine_how_it_helps", "ketamine_speed", "ketamine_side_effects", "ketamine_session",
    "ketamine_vs_antidepressants",
)


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


# Offered wherever the assistant sends the patient to a person (issue 13).
CALLBACK_BUTTON = {"title": "Request a call-back", "payload": callback_buttons.REQUEST}


def fallback(content: Content, offer_callback: bool = False) -> List[Message]:
    first, *rest = content.reply("fallback")
    out = [message(first, "fallback", menu_buttons(content))] + [message(t, "fallback") for t in rest]
    if offer_callback:  # a repeated miss: a person may help more than the menu
        out[-1]["buttons"] = out[-1].get("buttons", []) + [CALLBACK_BUTTON]
    return out


def clinician(content: Content, reason: Optional[str]) -> List[Message]:
    c = content.clinic
    texts = ([content.escalation_reasons[reason]] if reason in content.escalation_reasons else []) + content.reply("clinician")
    out = [message(t, "clinician", call=call_link(f"Call {c.phone}", c.phone_tel), booking_url=c.booking_url)
           for t in texts]
    out[-1]["buttons"] = [CALLBACK_BUTTON]
    return out


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
BUTTON_PAYLOADS = frozenset(TOPIC_REQUESTS.values()) | {p for _, p in URGENT_CHECK_BUTTONS} | callback_buttons.PAYLOADS
