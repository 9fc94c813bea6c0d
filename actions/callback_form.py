"""The call-back request form (issue 13): first name (optional), phone number, best time, reason,
consent; then the request is written to the outbox BEFORE the patient is told the clinic will call.

Rasa's form `callback_form` asks (action_ask_callback_*), this module validates each answer
(validate_callback_form) and finishes (action_callback_submit). The phone number and name never
reach the tracker: the channel replaces a number by a token (actions/callback_shield.py), the name is
held in the database at once, and the slots only carry tokens, cleared when the request is stored or
dropped. Leaving: "cancel"/"stop" (or the Cancel button), a topic question, or a red flag ends the form
at once (the red flag with the emergency or crisis reply).
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import callback_buttons as cb
from actions import callback_messages as cm
from actions import delivery, messages, outbox, phone
from actions.answers import ActionAnswerTopic
from actions.callback_config import load
from actions.callback_shield import name_token_in, token_in
from actions.content import store
from actions.dispatch import send
from actions.escalation import ActionContactClinician
from safety.detector import assess
from safety.intents import INTENT_LEVEL

logger = logging.getLogger(__name__)

FIELDS = ("name", "phone", "time", "reason", "consent")
SLOTS = {f: f"callback_{f}" for f in FIELDS}
OUTCOME = "callback_outcome"
SKIPPED = "skipped"
CANCEL_WORDS = {
    "cancel",
    "stop",
    "quit",
    "exit",
    "never mind",
    "nevermind",
    "forget it",
    "no thanks",
    "cancel that",
    "stop it",
    "dont call me",
    "don't call me",
}
SKIP_WORDS = {"skip", "no name", "rather not say", "rather not", "pass", "none"}
YES_WORDS = {
    "yes",
    "y",
    "yes please",
    "ok",
    "okay",
    "sure",
    "yep",
    "yeah",
    "that's ok",
    "thats ok",
    "fine",
}
NO_WORDS = {"no", "n", "nope", "no thanks", "don't", "dont"}
RED_FLAG_INTENTS = INTENT_LEVEL  # intent -> emergency / crisis reply (safety/intents.py)
CLINICIAN_INTENTS = {"ask_personal_advice", "ask_cost", "ask_booking", "request_human"}
# A topic question typed mid-form leaves it only when the classifier is this sure: a name or a short
# answer must not be read as a question.
TOPIC_CONFIDENCE = 0.7
NAME_CHARS = re.compile(r"^[^\W\d_]+(?:[ '\-.][^\W\d_]+)*\.?$")


def plain(text: str) -> str:
    return " ".join(re.sub(r"[^\w' ]+", " ", (text or "").lower()).split())


def latest(tracker: Tracker) -> Dict[str, Any]:
    msg = tracker.latest_message or {}
    intent = msg.get("intent") or {}
    choice = next(
        (e.get("value") for e in msg.get("entities") or [] if e.get("entity") == "choice"), None
    )
    return {
        "text": msg.get("text") or "",
        "intent": intent.get("name") or "",
        "confidence": float(intent.get("confidence") or 0),
        "choice": choice,
    }


def leave_reason(field: str, m: Dict[str, Any]) -> Optional[str]:
    """Why the patient's message ends the form (cancelled, topic, emergency, crisis), or None."""
    if is_held(
        m["text"]
    ):  # a number or name the channel held: the classifier's guess on a token means nothing
        return None
    if m["intent"] in RED_FLAG_INTENTS:
        return RED_FLAG_INTENTS[m["intent"]]
    if m["intent"] == "callback_cancel" or plain(m["text"]) in CANCEL_WORDS:
        return "cancelled"
    topic = m["intent"].startswith("ask_") or m["intent"] in CLINICIAN_INTENTS
    if (
        topic
        and m["confidence"] >= TOPIC_CONFIDENCE
        and not token_in(m["text"])
        and not m["text"].startswith("/")
    ):
        if field != "name" or len(m["text"].split()) >= 3:
            return "topic"
    return None


def is_held(text: str) -> bool:
    """The whole message is a held value's token (the channel runs the red-flag check before holding)."""
    t = (text or "").strip()
    return bool(name_token_in(t)) or bool(re.fullmatch(r"\[number:[a-z]{20}\]", t))


def typed_choice(m: Dict[str, Any], options: Dict[str, str]) -> Optional[str]:
    """A button's key, from the button or from typing (part of) its title."""
    if m["choice"] in options:
        return m["choice"]
    said = plain(m["text"])
    if not said:
        return None
    for key, title in options.items():
        # a whole title, its key, or one of its longer words ("cost", "morning"; not "a" or "in")
        if said in (key, plain(title)) or (len(said) >= 4 and said in plain(title).split()):
            return key
    return None


def held_token(value: Optional[str]) -> Optional[str]:
    """The token in a callback_name / callback_phone slot value, if any."""
    return name_token_in(value or "") or token_in(value or "")


def clear_slots() -> List[EventType]:
    return [SlotSet(s, None) for s in SLOTS.values()]


class ValidateCallbackForm(Action):
    def name(self) -> Text:
        return "validate_callback_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        requested = tracker.get_slot("requested_slot")
        if not requested:  # the form is starting
            return [SlotSet(OUTCOME, None)]
        field = requested.replace("callback_", "")
        m = latest(tracker)
        reason = leave_reason(field, m)
        if reason and (reason != "topic" or field == "name"):
            return [SlotSet(OUTCOME, reason), SlotSet("requested_slot", None)]
        content = store().get()
        value, problem = await getattr(self, f"_{field}")(m)
        if (
            reason == "topic" and value is None
        ):  # a question, not an answer ("cost" answers the reason)
            return [SlotSet(OUTCOME, reason), SlotSet("requested_slot", None)]
        if (
            field == "name" and value and value != SKIPPED and not value.startswith("[name:")
        ):  # typed through a
            # channel that did not hold it: held now, so at least the slot carries only a token
            value = f"[name:{await asyncio.to_thread(outbox.hold, value)}]"
        if problem:
            send(dispatcher, [cm.note(problem, content)])
        return [SlotSet(requested, value)]

    async def _name(self, m: Dict[str, Any]) -> "tuple[Optional[str], Optional[str]]":
        said = m["text"].strip()
        token = name_token_in(said)
        if not token and (m["intent"] == "callback_skip" or plain(said) in SKIP_WORDS):
            return SKIPPED, None
        if token:  # held by the channel: only the token is in the transcript
            name = (await asyncio.to_thread(outbox.held_value, token) or "").strip()
            if NAME_CHARS.match(name) and len(name) <= 40:
                return f"[name:{token}]", None
            await asyncio.to_thread(outbox.drop_held, [token])
            return None, "bad_name"
        if token_in(said) or not NAME_CHARS.match(said) or len(said) > 40:
            return None, "bad_name"
        return said, None

    async def _phone(self, m: Dict[str, Any]) -> "tuple[Optional[str], Optional[str]]":
        token = token_in(m["text"])
        if not token:
            return None, "bad_phone"
        raw = await asyncio.to_thread(outbox.held_value, token)
        number = phone.normalise(raw or "", load().default_region)
        if number is None:
            await asyncio.to_thread(outbox.drop_held, [token])
            return None, "bad_phone"
        await asyncio.to_thread(outbox.replace_held, token, number)
        return f"[number:{token}]", None

    async def _time(self, m: Dict[str, Any]) -> "tuple[Optional[str], Optional[str]]":
        key = typed_choice(m, cb.BEST_TIMES)
        return (key, None) if key else (None, "bad_choice")

    async def _reason(self, m: Dict[str, Any]) -> "tuple[Optional[str], Optional[str]]":
        key = typed_choice(m, cb.REASONS)
        return (key, None) if key else (None, "bad_choice")

    async def _consent(self, m: Dict[str, Any]) -> "tuple[Optional[str], Optional[str]]":
        said = plain(m["text"])
        if m["choice"] == "yes" or m["intent"] == "affirm" or said in YES_WORDS:
            return "yes", None
        if m["choice"] == "no" or m["intent"] == "deny" or said in NO_WORDS:
            return "no", None
        return None, "bad_choice"


class _AskCallback:
    """Asks one form field; a mixin, not an Action, so rasa-sdk registers only the five below."""

    field = ""

    def name(self) -> Text:
        return f"action_ask_callback_{self.field}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        content = store().get()
        intro = (
            cm.start(content)
            if self.field == "name" and latest(tracker)["intent"] == "request_callback"
            else []
        )
        send(dispatcher, intro + cm.ask(self.field, content, load().retention_days))
        return []


class ActionAskCallbackName(_AskCallback, Action):
    field = "name"


class ActionAskCallbackPhone(_AskCallback, Action):
    field = "phone"


class ActionAskCallbackTime(_AskCallback, Action):
    field = "time"


class ActionAskCallbackReason(_AskCallback, Action):
    field = "reason"


class ActionAskCallbackConsent(_AskCallback, Action):
    field = "consent"


class ActionCallbackSubmit(Action):
    """Runs when the form ends, completed or left: stores the request (then confirms) or drops what was held."""

    def name(self) -> Text:
        return "action_callback_submit"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        content = store().get()
        slots = {f: tracker.get_slot(s) for f, s in SLOTS.items()}
        phone_token, name_token = held_token(slots["phone"]), held_token(slots["name"])
        outcome = tracker.get_slot(OUTCOME)
        if outcome is None and slots["consent"] == "yes" and phone_token:
            return (
                await self._store(dispatcher, content, phone_token, name_token, slots)
                + clear_slots()
            )
        await asyncio.to_thread(outbox.drop_held, [phone_token, name_token])
        events = clear_slots() + [SlotSet(OUTCOME, None)]
        if outcome in ("emergency", "crisis"):
            verdict = assess(tracker.latest_message.get("text") or "")
            logger.warning("red flag during a call-back request: form left, %s reply sent", outcome)
            send(
                dispatcher,
                messages.crisis(content)
                if outcome == "crisis"
                else messages.emergency(content, verdict.notes),
            )
            return events
        if outcome == "topic":
            send(dispatcher, [cm.note("cancelled", content)])
            intent = latest(tracker)["intent"]
            follow = (
                ActionContactClinician() if intent in CLINICIAN_INTENTS else ActionAnswerTopic()
            )
            return events + await follow.run(dispatcher, tracker, domain)
        send(
            dispatcher,
            cm.ended(
                "declined" if slots["consent"] == "no" else "cancelled",
                content,
                call=slots["consent"] == "no",
            ),
        )
        return events

    async def _store(
        self,
        dispatcher: CollectingDispatcher,
        content: Any,
        phone_token: str,
        name_token: Optional[str],
        slots: Dict[str, Any],
    ) -> List[EventType]:
        try:
            rid = await asyncio.to_thread(
                outbox.store, phone_token, name_token, slots["time"], slots["reason"]
            )
        except Exception as e:  # never confirm what was not saved
            logger.error("call-back request could not be stored (%s)", type(e).__name__)
            rid = None
        if rid is None:
            send(dispatcher, cm.ended("store_failed", content))
            return []
        logger.info("call-back request %s stored", rid[:8])
        delivery.wake()
        send(dispatcher, cm.confirmed(content))
        return []
