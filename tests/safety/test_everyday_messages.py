"""The learned second opinion on everyday chat: the held-out NLU phrases (tests/nlu/heldout.yml, never
trained on by either model) that are not about an emergency or a crisis. Short chat such as "goodbye",
"i wanna book" or "rather not share my name" once got the crisis reply from it (the fresh-clone gate's
held-out NLU test caught it); ordinary chat from the NLU training data is now in its corpus
(safety/corpus/everyday_nlu.jsonl). The ceilings are issue 9's for safe messages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import List

import pytest
import yaml

from safety.detector import assess
from safety.intents import SAFETY_INTENTS
from safety.second_opinion import SecondOpinion

HELDOUT = Path(__file__).resolve().parent.parent / "nlu" / "heldout.yml"
_ANNOTATION = re.compile(r"\[([^\]]*)\](\([^)]*\)|\{[^}]*\})")


def everyday_phrases() -> List[str]:
    out = []
    for item in yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))["nlu"]:
        if item["intent"] in SAFETY_INTENTS:
            continue
        for line in item["examples"].splitlines():
            if line.strip().startswith("- "):
                out.append(_ANNOTATION.sub(r"\1", line.strip()[2:]))
    return out


@pytest.fixture(scope="module")
def opinion() -> SecondOpinion:
    return SecondOpinion()


@pytest.fixture(scope="module")
def levels(opinion: SecondOpinion) -> List[str]:
    return [opinion.review(t, assess(t)).level for t in everyday_phrases()]


def test_there_are_enough_everyday_phrases(levels: List[str]) -> None:
    assert len(levels) >= 250


def test_everyday_chat_rarely_gets_an_alarm(levels: List[str]) -> None:
    alarms = sum(lv in ("emergency", "crisis") for lv in levels)
    assert alarms / len(levels) <= 0.02, f"{alarms}/{len(levels)}"


def test_everyday_chat_rarely_gets_the_check(levels: List[str]) -> None:
    checks = sum(lv == "urgent_check" for lv in levels)
    assert checks / len(levels) <= 0.08, f"{checks}/{len(levels)}"


@pytest.mark.parametrize(
    "text", ["goodbye", "bye!", "i wanna book", "nah thats ok", "rather not share my name"]
)
def test_short_chat_is_not_a_crisis(opinion: SecondOpinion, text: str) -> None:
    assert opinion.review(text, assess(text)).level != "crisis"
