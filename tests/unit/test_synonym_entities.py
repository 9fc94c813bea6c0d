"""The synonym phrase extractor, trained on the project's real NLU data."""

from __future__ import annotations

import re

import pytest
from rasa.shared.importers.importer import TrainingDataImporter

from ops.settings import ROOT
from plugins.synonym_entities import find, phrases_from


@pytest.fixture(scope="module")
def phrases():
    importer = TrainingDataImporter.load_from_dict(training_data_paths=[str(ROOT / "data" / "nlu")])
    found = phrases_from(importer.get_nlu_data())
    return found, [re.compile(r"(?<!\w)" + re.escape(p) + r"(?!\w)") for p, _, _ in found]


def values(text, phrases):
    found, compiled = phrases
    return [(e["entity"], e["value"]) for e in find(text, found, compiled)]


def test_multi_word_synonym_is_one_entity(phrases) -> None:
    assert values("is pins and needles in my arm an aura thing?", phrases) == [
        ("symptom", "tingling"),
        ("subject", "aura"),
    ]


def test_subject_in_a_duration_question(phrases) -> None:
    assert ("subject", "aura") in values("how long do auras last", phrases)


def test_whole_words_only(phrases) -> None:
    assert all(v != ("subject", "aura") for v in values("restaurant laura", phrases))


def test_every_synonym_gets_an_entity_type(phrases) -> None:
    found, _ = phrases
    assert {"symptom", "subject"} <= {entity for _, entity, _ in found}
