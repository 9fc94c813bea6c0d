"""Emergency and crisis replies. Whether a message is an emergency is decided before any model by
safety/detector.py (applied in the NLU pipeline by safety/component.py); these actions only speak."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.content import store
from actions.dispatch import send
from safety.detector import assess

logger = logging.getLogger(__name__)


class ActionEmergency(Action):
    def name(self) -> Text:
        return "action_emergency"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        verdict = assess(tracker.latest_message.get("text") or "")
        logger.warning("emergency reply sent (flags=%s)", ",".join(verdict.flags) or "model")
        send(dispatcher, messages.emergency(store().get(), verdict.notes))
        return []


class ActionCrisis(Action):
    def name(self) -> Text:
        return "action_crisis"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        logger.warning("crisis reply sent")
        send(dispatcher, messages.crisis(store().get()))
        return []
