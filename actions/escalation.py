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

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        content = store().get()
        send(dispatcher, messages.greeting(content) + messages.topics_menu(content))
        return []


class ActionShowTopics(Action):
    def name(self) -> Text:
        return "action_show_topics"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        send(dispatcher, messages.topics_menu(store().get(), "affirm" if intent == "affirm" else "capabilities"))
        return []


class ActionOutOfScope(Action):
    def name(self) -> Text:
        return "action_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        send(dispatcher, messages.topics_menu(store().get(), "out_of_scope"))
        return []


class ActionFallback(Action):
    """Low NLU confidence (nlu_fallback) and low dialogue confidence both end here."""

    def name(self) -> Text:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        send(dispatcher, messages.fallback(store().get()))
        return []


class ActionContactClinician(Action):
    def name(self) -> Text:
        return "action_contact_clinician"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        content = store().get()
        send(dispatcher, messages.clinician(content, intent))
        return [SlotSet("content_version", content.version)]
