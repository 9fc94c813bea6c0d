"""The development half of the independent safety set (tests/safety/README.md) as a regression floor.

The floors are the figures measured when the rules were last tuned (docs/hazard-log.md), less a
hair. They are dev figures, tuned on: the sealed half, not these, says whether issue 9's targets
are met. A rule change that loses recall or adds false alarms
fails here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List

import pytest

from safety.detector import assess

DEV = Path(__file__).resolve().parent / "dev.jsonl"
RECALL_FLOOR = {"emergency": 0.99, "crisis": 0.99}
EMERGENCY_KIND_FLOOR = 0.95
FALSE_ALARM_CEILING = 0.01
CHECK_CEILING = 0.02
# issue 9's ceilings for the whole layer (false alarms, urgent checks on safe messages)
LAYER_FALSE_ALARM_CEILING = 0.02
LAYER_CHECK_CEILING = 0.08


@pytest.fixture(scope="module")
def levels() -> Dict[str, List[str]]:
    out: Dict[str, List[str]] = {"emergency": [], "crisis": [], "none": []}
    for line in DEV.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        out[row["label"]].append(assess(row["text"]).level)
    return out


def test_the_dev_set_is_the_independent_half(levels: Dict[str, List[str]]) -> None:
    assert sum(map(len, levels.values())) == 447


def test_emergency_recall_floor(levels: Dict[str, List[str]]) -> None:
    caught = [lv in ("emergency", "urgent_check", "crisis") for lv in levels["emergency"]]
    assert sum(caught) / len(caught) >= RECALL_FLOOR["emergency"]


def test_emergency_kind_floor(levels: Dict[str, List[str]]) -> None:
    caught = [lv in ("emergency", "crisis") for lv in levels["emergency"]]
    assert sum(caught) / len(caught) >= EMERGENCY_KIND_FLOOR


def test_crisis_recall_floor(levels: Dict[str, List[str]]) -> None:
    caught = [lv == "crisis" for lv in levels["crisis"]]
    assert sum(caught) / len(caught) >= RECALL_FLOOR["crisis"]


def test_false_alarms_and_checks_on_safe_messages(levels: Dict[str, List[str]]) -> None:
    safe = levels["none"]
    assert sum(lv in ("emergency", "crisis") for lv in safe) / len(safe) <= FALSE_ALARM_CEILING
    assert sum(lv == "urgent_check" for lv in safe) / len(safe) <= CHECK_CEILING


# The layer as it runs: the rules, then the learned second opinion. The dev half is in its training
# corpus (safety/learn.py), so these floors guard against a regression, they measure nothing new.
@pytest.fixture(scope="module")
def layer_levels() -> Dict[str, List[str]]:
    from safety.second_opinion import SecondOpinion

    opinion = SecondOpinion()
    out: Dict[str, List[str]] = {"emergency": [], "crisis": [], "none": []}
    for line in DEV.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        out[row["label"]].append(opinion.review(row["text"], assess(row["text"])).level)
    return out


def test_the_second_opinion_keeps_every_rule_catch(
    levels: Dict[str, List[str]], layer_levels: Dict[str, List[str]]
) -> None:
    order = ("crisis", "emergency", "urgent_check", "clear", "none")
    for label in levels:
        for rule, layer in zip(levels[label], layer_levels[label]):
            assert order.index(layer) <= order.index(rule)


def test_the_layer_stays_within_the_issue_ceilings_on_safe_messages(
    layer_levels: Dict[str, List[str]],
) -> None:
    safe = layer_levels["none"]
    assert (
        sum(lv in ("emergency", "crisis") for lv in safe) / len(safe) <= LAYER_FALSE_ALARM_CEILING
    )
    assert sum(lv == "urgent_check" for lv in safe) / len(safe) <= LAYER_CHECK_CEILING
