"""Every message the assistant sends, built in one place.

A message is a dict in the REST channel's format: {"text", "buttons"?, "custom": {"kind", ...}}.
The action server sends them through the dispatcher (`send`), and plugins/channel/rest.py returns the same
error and emergency messages itself when the action server cannot be reached, so both say the same.
`custom.kind` tells the widget how to show a message (docs/architecture.md); it never guesses from text.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from actions import callback_buttons
from actions.content import MAX_BUBBLES, Content, Topic, fill
from actions.topics import MENU, TOPIC_REQUESTS

Message = Dict[str, Any]

# The button under an answer that has more to say: the rest comes from the `more_from` slot, which
# holds the topic and how far the patient has read (actions/answers.py).
MORE_TITLE = "Tell me more"
MORE_PAYLOAD = "/tell_me_more"


def message(
    text: str, kind: str, buttons: Optional[List[Dict[str, str]]] = None, **custom: Any
) -> Message:
    msg: Message = {"text": text, "custom": {"kind": kind, **custom}}
    if buttons:
        msg["buttons"] = buttons
    return msg


def with_buttons(
    texts: Sequence[str], kind: str, buttons: List[Dict[str, str]], **custom: Any
) -> List[Message]:
    """One message per text; the buttons go on the last one."""
    out = [message(t, kind, **custom) for t in texts]
    if out:
        out[-1]["buttons"] = buttons
    return out


def menu_buttons(content: Content) -> List[Dict[str, str]]:
    return [{"title": content.topics[t].title, "payload": TOPIC_REQUESTS[t]} for t in MENU]


def call_link(label: str, number: str) -> Dict[str, str]:
    return {"label": label, "tel": number}


def stamped(content: Content, messages: List[Message]) -> List[Message]:
    """Every message carries the content version it was built from (custom.content_version), so a
    transcript shows exactly which text the patient read."""
    for m in messages:
        m["custom"]["content_version"] = content.version
    return messages


def more_button() -> List[Dict[str, str]]:
    return [{"title": MORE_TITLE, "payload": MORE_PAYLOAD}]


def topic_answer(
    content: Content, topic: Topic, symptoms: Iterable[str] = (), notes: Iterable[str] = ()
) -> Tuple[List[Message], Optional[int]]:
    """A topic's answer, at most MAX_BUBBLES bubbles: the topic's warning first (before anything
    reassuring), then any safety notes (one bubble), the lines of the symptoms the patient named, then the
    answer. Returns the messages and, when the answer goes on, how much of the topic's body was sent
    (the "Tell me more" button is on the last bubble), else None."""
    c = content.clinic
    first: List[Message] = []
    if topic.warning:
        first += [
            message(t, "answer", topic=topic.id, note="safety")
            for t in content.reply(topic.warning)
        ]
    notes = [fill(n, c) for n in notes]
    if notes:
        first.append(
            message(" ".join(dict.fromkeys(notes)), "answer", topic=topic.id, note="safety")
        )
    named = [fill(topic.details[s], c) for s in dict.fromkeys(symptoms) if s in topic.details]
    room = max(1, MAX_BUBBLES - len(first))
    named = named[:room]
    body = [fill(t, c) for t in topic.body]
    sent = max(0, room - len(named))
    out = first + [message(t, "answer", topic=topic.id) for t in named + body[:sent]]
    offset = sent if sent < len(body) else None
    if offset is not None:
        out[-1]["buttons"] = more_button()
    return stamped(content, out), offset


def more_answer(content: Content, topic: Topic, offset: int) -> Tuple[List[Message], Optional[int]]:
    """What "Tell me more" sends: the next bubbles of the topic's body from `offset`, and the new offset
    (None at the end)."""
    body = [fill(t, content.clinic) for t in topic.body]
    part = body[offset : offset + MAX_BUBBLES]
    if not part:
        return topics_menu(content, "more_done"), None
    out = [message(t, "answer", topic=topic.id) for t in part]
    end = offset + len(part)
    if end < len(body):
        out[-1]["buttons"] = more_button()
        return stamped(content, out), end
    return stamped(content, out), None


def greeting(content: Content) -> List[Message]:
    return stamped(content, [message(t, "disclaimer") for t in content.reply("greet")])


def topics_menu(content: Content, reply: str = "capabilities") -> List[Message]:
    return stamped(content, with_buttons(content.reply(reply), "answer", menu_buttons(content)))


# Offered wherever the assistant sends the patient to a person (issue 13).
CALLBACK_BUTTON = {"title": "Request a call-back", "payload": callback_buttons.REQUEST}


def fallback(content: Content, offer_callback: bool = False) -> List[Message]:
    first, *rest = content.reply("fallback")
    out = [message(first, "fallback", menu_buttons(content))] + [
        message(t, "fallback") for t in rest
    ]
    if offer_callback:  # a repeated miss: a person may help more than the menu
        out[-1]["buttons"] = out[-1].get("buttons", []) + [CALLBACK_BUTTON]
    return stamped(content, out)


def clinician(content: Content, reason: Optional[str]) -> List[Message]:
    """Our team's contact, worded for the reason (cost, booking, a person, personal advice); any other
    reason gets the general "a clinician can look at your situation" reply. Every bubble carries the
    call link and the booking link."""
    c = content.clinic
    texts = (
        content.reason(reason)
        if reason in content.escalation_reasons
        else content.reply("clinician")
    )
    out = [
        message(
            t,
            "clinician",
            call=call_link(f"Call {c.phone}", c.phone_tel),
            booking_url=c.booking_url,
            reason=reason or "clinician",
        )
        for t in texts
    ]
    out[-1]["buttons"] = [CALLBACK_BUTTON]
    return stamped(content, out)


def emergency(content: Content, notes: Iterable[str] = ()) -> List[Message]:
    """The emergency reply; the detector's notes go together in one more bubble."""
    number = content.clinic.emergency_number
    call = call_link(f"Call {number}", number)
    filled = list(dict.fromkeys(fill(n, content.clinic) for n in notes))
    texts = content.reply("emergency") + ([" ".join(filled)] if filled else [])
    return stamped(content, [message(t, "emergency", call=call) for t in texts])


def urgent_check(content: Content) -> List[Message]:
    """ "Call now if this is new": for a sign happening now that may or may not be the patient's usual.
    The first message says when to call; the last asks, with buttons."""
    number = content.clinic.emergency_number
    buttons = [{"title": t, "payload": p} for t, p in URGENT_CHECK_BUTTONS]
    out = [
        message(t, "urgent_check", call=call_link(f"Call {number}", number))
        for t in content.reply("urgent_check")
    ]
    out[-1]["buttons"] = buttons
    return stamped(content, out)


def crisis(content: Content) -> List[Message]:
    c = content.clinic
    call = call_link(f"Call {c.emergency_number}", c.emergency_number)
    crisis_call = call_link(f"Call or text {c.crisis_line}", c.crisis_line)
    out = [
        message(t, "crisis", call=call, crisis_call=crisis_call) for t in content.reply("crisis")
    ]
    return stamped(content, out)


def error(content: Content) -> List[Message]:
    c = content.clinic
    return stamped(
        content,
        [
            message(t, "error", call=call_link(f"Call {c.phone}", c.phone_tel))
            for t in content.reply("error")
        ],
    )


def too_long(content: Content) -> List[Message]:
    return stamped(content, [message(t, "fallback") for t in content.reply("too_long")])


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
BUTTON_PAYLOADS = (
    frozenset(TOPIC_REQUESTS.values())
    | {p for _, p in URGENT_CHECK_BUTTONS}
    | {MORE_PAYLOAD}
    | callback_buttons.PAYLOADS
)
