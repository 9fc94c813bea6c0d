"""Answers questions about the topics of the clinic page.

One action serves every topic intent. It picks the topic in this order:
1. follow-up intents ("how long does it last?", "when do they start?") are resolved against what they
   are about: the `subject` entity, else the topic of a symptom the patient named, else the last topic
   answered (slot `topic`);
2. a symptom the patient named decides the topic for the migraine-symptom intents ("is tingling in my
   arm an aura thing?" -> aura, tingling named first), since the symptom is more specific than the
   model's choice between prodrome, aura, attack and day-after;
3. otherwise the intent's own topic.

A reply is at most three bubbles; an answer with more to say ends with a "Tell me more" button, and
ActionTellMeMore sends the next part (slot `more_from`: "<topic>:<bubbles sent>"). Every answer also
records the content version in the slot `content_version` (and in each message's custom payload), so a
transcript is tied to the exact text served.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.content import Content, fill, store
from actions.dispatch import send
from actions.topics import FOLLOW_UPS, SUBJECTS
from safety.detector import assess

logger = logging.getLogger(__name__)

# A topic question is the intent ask_<topic id> (content/answers.yml), so staff add a topic without a code
# change (docs/staff-guide.md). Symptom questions go to the topic that owns the symptom named.
TOPIC_INTENT_PREFIX = "ask_"
SYMPTOM_INTENTS = frozenset({"ask_prodrome", "ask_aura", "ask_attack_symptoms", "ask_postdrome"})

MORE_SLOT = "more_from"
VERSION_SLOT = "content_version"


def more_marker(topic_id: str, offset: Optional[int]) -> Optional[str]:
    return None if offset is None else f"{topic_id}:{offset}"


def parse_more_marker(value: Any) -> Optional[Tuple[str, int]]:
    """ "aura:2" -> ("aura", 2); anything else -> None."""
    if not isinstance(value, str) or ":" not in value:
        return None
    topic, _, offset = value.rpartition(":")
    return (topic, int(offset)) if offset.isdigit() else None


def subject_of_topic(topic: Optional[str]) -> Optional[str]:
    """aura_duration -> aura, attack_symptoms -> migraine, ketamine_speed -> ketamine."""
    if not topic:
        return None
    for subject in SUBJECTS:
        if topic.startswith(subject):
            return subject
    return "migraine" if topic.startswith("attack") else None


def entity_values(tracker: Tracker, entity: str) -> List[str]:
    """The entity's values, each once, in order (two extractors may find the same one)."""
    values = [
        str(e.get("value"))
        for e in tracker.latest_message.get("entities", [])
        if e.get("entity") == entity
    ]
    return list(dict.fromkeys(values))


def choose_topic(
    content: Content,
    intent: str,
    subjects: List[str],
    symptoms: List[str],
    last_topic: Optional[str],
) -> Optional[str]:
    owners = [o for o in (content.symptom_owner(s) for s in symptoms) if o]
    if intent in FOLLOW_UPS:
        subject = next((s for s in subjects if s in FOLLOW_UPS[intent]), None)
        subject = (
            subject
            or subject_of_topic(owners[0] if owners else None)
            or subject_of_topic(last_topic)
        )
        return FOLLOW_UPS[intent].get(subject, FOLLOW_UPS[intent][None])
    if intent in SYMPTOM_INTENTS and owners:
        return owners[0]
    return topic_of_intent(content, intent)


def topic_of_intent(content: Content, intent: str) -> Optional[str]:
    """ask_<topic> -> <topic> when content/answers.yml has that topic, else None."""
    if not intent.startswith(TOPIC_INTENT_PREFIX):
        return None
    topic = intent[len(TOPIC_INTENT_PREFIX) :]
    return topic if topic in content.topics else None


class ActionAnswerTopic(Action):
    def name(self) -> Text:
        return "action_answer_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        content = store().get()
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        topic_id = choose_topic(
            content,
            intent,
            entity_values(tracker, "subject"),
            entity_values(tracker, "symptom"),
            tracker.get_slot("topic"),
        )
        version = [SlotSet(VERSION_SLOT, content.version)]
        if topic_id is None:
            send(dispatcher, messages.fallback(content))
            return version
        if topic_id.startswith("escalate:"):
            send(dispatcher, messages.clinician(content, topic_id.split(":", 1)[1]))
            return version
        topic = content.topics[topic_id]
        notes = [
            fill(n, content.clinic) for n in assess(tracker.latest_message.get("text") or "").notes
        ]
        sent, offset = messages.topic_answer(
            content, topic, entity_values(tracker, "symptom"), notes
        )
        send(dispatcher, sent)
        logger.info("answered topic=%s intent=%s version=%s", topic_id, intent, content.version)
        return [
            SlotSet("topic", topic_id),
            SlotSet(MORE_SLOT, more_marker(topic_id, offset)),
        ] + version


class ActionTellMeMore(Action):
    """ "Tell me more": the next part of the last answer, or the topics when there is nothing more."""

    def name(self) -> Text:
        return "action_tell_me_more"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        content = store().get()
        version = [SlotSet(VERSION_SLOT, content.version)]
        marker = parse_more_marker(tracker.get_slot(MORE_SLOT))
        if marker is None or marker[0] not in content.topics:
            send(dispatcher, messages.topics_menu(content, "more_done"))
            return [SlotSet(MORE_SLOT, None)] + version
        topic_id, offset = marker
        sent, offset_next = messages.more_answer(content, content.topics[topic_id], offset)
        send(dispatcher, sent)
        return [SlotSet(MORE_SLOT, more_marker(topic_id, offset_next))] + version


# Load and validate the content when the action server starts, so a broken file stops it with a
# clear message instead of failing on a patient's first question.
store()
