"""Greeting, the topics menu, out of scope, low-confidence fallback, and "please contact a clinician"."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.content import store
from actions.dispatch import send


class ActionGreet(Action):
    def name(self) -> Text:
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        content = store().get()
        send(dispatcher, messages.greeting(content) + messages.topics_menu(content))
        return []


class ActionShowTopics(Action):
    def name(self) -> Text:
        return "action_show_topics"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        send(
            dispatcher,
            messages.topics_menu(store().get(), "affirm" if intent == "affirm" else "capabilities"),
        )
        return []


class ActionOutOfScope(Action):
    def name(self) -> Text:
        return "action_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        send(dispatcher, messages.topics_menu(store().get(), "out_of_scope"))
        return []


class ActionFallback(Action):
    """Low NLU confidence (nlu_fallback) and low dialogue confidence both end here."""

    def name(self) -> Text:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        send(dispatcher, messages.fallback(store().get(), offer_callback=missed_before(tracker)))
        return []


def missed_before(tracker: Tracker) -> bool:
    """Whether the assistant's previous answer was a fallback too (a repeated miss)."""
    actions = [
        e.get("name")
        for e in tracker.events
        if e.get("event") == "action" and e.get("name") not in ("action_listen", None)
    ]
    return bool(actions) and actions[-1] == "action_fallback"


class ActionContactClinician(Action):
    def name(self) -> Text:
        return "action_contact_clinician"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        content = store().get()
        send(dispatcher, messages.clinician(content, intent))
        return [SlotSet("content_version", content.version)]
