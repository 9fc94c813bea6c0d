"""Finds entities by the exact phrases listed as synonyms in the training data.

Why: DIET, trained on about a thousand examples, misses or splits multi-word phrases ("pins and
needles" came out as two entities, "auras" in "how long do auras last" as none). The synonym lists in
data/nlu/synonyms.yml are exactly the phrases staff expect to be recognised, so this component
recognises every one of them, deterministically, with word boundaries, longest phrase first. The
entity type of each synonym comes from the annotated training examples that use its value. DIET keeps
extracting too: it covers typos and phrasings not in the lists; the actions ignore values they do not
know. Adding a synonym (and retraining) is all staff need to do for a new phrase.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

Phrase = Tuple[str, str, str]  # (phrase, entity, value)
FILE = "phrases.json"


def phrases_from(training_data: TrainingData) -> List[Phrase]:
    """Every synonym phrase and annotated entity text, with the entity type of its value."""
    entity_of: Dict[str, str] = {}
    found: Dict[str, Tuple[str, str]] = {}
    for example in training_data.entity_examples:
        text = example.get(TEXT) or ""
        for e in example.get(ENTITIES) or []:
            value = str(e.get("value"))
            entity_of.setdefault(value, e["entity"])
            found.setdefault(text[e["start"] : e["end"]].lower().strip(), (e["entity"], value))
    for phrase, value in training_data.entity_synonyms.items():
        if value in entity_of:
            found[phrase.lower().strip()] = (entity_of[value], value)
    return sorted(((p, ent, val) for p, (ent, val) in found.items() if p), key=lambda x: -len(x[0]))


def find(text: str, phrases: List[Phrase], compiled: List[re.Pattern]) -> List[Dict[str, Any]]:
    """Longest phrases first; a span already taken is not taken again."""
    lowered = text.lower()
    taken: List[Tuple[int, int]] = []
    out: List[Dict[str, Any]] = []
    for (_phrase, entity, value), pattern in zip(phrases, compiled):
        for m in pattern.finditer(lowered):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            taken.append((m.start(), m.end()))
            out.append(
                {
                    "start": m.start(),
                    "end": m.end(),
                    "value": value,
                    "entity": entity,
                    "confidence_entity": 1.0,
                }
            )
    return sorted(out, key=lambda e: e["start"])


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True)
class SynonymEntityExtractor(GraphComponent, EntityExtractorMixin):
    def __init__(
        self,
        model_storage: ModelStorage,
        resource: Resource,
        phrases: Optional[List[Phrase]] = None,
    ) -> None:
        self._storage, self._resource = model_storage, resource
        self._set(phrases or [])

    def _set(self, phrases: List[Phrase]) -> None:
        self._phrases = [tuple(p) for p in phrases]
        self._compiled = [
            re.compile(r"(?<!\w)" + re.escape(p[0]) + r"(?!\w)") for p in self._phrases
        ]

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SynonymEntityExtractor":
        return cls(model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "SynonymEntityExtractor":
        try:
            with model_storage.read_from(resource) as directory:
                phrases = json.loads((directory / FILE).read_text())
        except (ValueError, FileNotFoundError):
            phrases = []
        return cls(model_storage, resource, phrases)

    def train(self, training_data: TrainingData) -> Resource:
        self._set(phrases_from(training_data))
        with self._storage.write_to(self._resource) as directory:
            (directory / FILE).write_text(json.dumps(self._phrases))
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            found = find(message.get(TEXT) or "", self._phrases, self._compiled)
            if found:
                found = self.add_extractor_name(found)
                message.set(ENTITIES, (message.get(ENTITIES) or []) + found, add_to_output=True)
        return messages
