"""Applies the deterministic red-flag detector inside Rasa's NLU pipeline.

Design (why here, and why last):
- Every patient message goes through the NLU pipeline, so a component there sees every message,
  whatever the channel, and before any dialogue policy.
- It is the LAST component in config.yml, after DIETClassifier and FallbackClassifier, so nothing can
  change the intent after it. The rules in data/rules/safety.yml map `emergency` and `self_harm` to the
  emergency and crisis replies, and RulePolicy has the highest priority of any policy, so no model can
  outvote it.
- The detector decides whenever it has an opinion:
    emergency / crisis -> intent forced to `emergency` / `self_harm` with confidence 1.0;
    clear (a red-flag term negated or asked about in general, "no fever", "is neck stiffness a
           warning sign?") -> if the model said emergency or self_harm, its next best intent is used,
           and the answer carries a one-line note on when that symptom is an emergency;
    none -> the model's intent stands: the model may add sensitivity for phrasings the rules do not
           know, it can never remove an alarm the rules raised.
- The verdict here is the rules' alone. The learned second opinion (safety/second_opinion.py) is
  applied by the REST channel, which answers its crisis or check itself: a classifier's guess about a
  short message must not take the intent away from the NLU model (docs/hazard-log.md).
- Messages sent as button payloads ("/ask_aura") skip the NLU pipeline; they carry no free text.
The REST channel (plugins/channel/rest.py) runs the same detector again when the bot produced no reply, so an
emergency still gets its answer if the action server is down.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message

from safety.detector import assess
from safety.intents import LEVEL_INTENT, SAFETY_INTENTS

logger = logging.getLogger(__name__)

NOT_AN_ANSWER = SAFETY_INTENTS | {"nlu_fallback"}


def override(parse: Dict[str, Any], level: str) -> Optional[str]:
    """Returns the intent the message must have, or None to keep the model's. Pure, for tests."""
    if level in LEVEL_INTENT:
        return LEVEL_INTENT[level]
    current = (parse.get("intent") or {}).get("name")
    if level == "clear" and current in SAFETY_INTENTS:
        ranking = parse.get("intent_ranking") or []
        return next(
            (r["name"] for r in ranking if r.get("name") not in NOT_AN_ANSWER), "nlu_fallback"
        )
    return None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SafetyOverride(GraphComponent):
    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SafetyOverride":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._apply(message)
        return messages

    def _apply(self, message: Message) -> None:
        text = message.get("text") or ""
        verdict = assess(text)  # the rules only: the second opinion speaks through the channel
        parse = {"intent": message.get("intent"), "intent_ranking": message.get("intent_ranking")}
        forced = override(parse, verdict.level)
        if forced is None:
            return
        ranking = [r for r in (message.get("intent_ranking") or []) if r.get("name") != forced]
        message.set("intent", {"name": forced, "confidence": 1.0}, add_to_output=True)
        message.set(
            "intent_ranking", [{"name": forced, "confidence": 1.0}] + ranking, add_to_output=True
        )
        logger.info(
            "safety layer set intent=%s (level=%s, flags=%s)",
            forced,
            verdict.level,
            ",".join(verdict.flags),
        )
