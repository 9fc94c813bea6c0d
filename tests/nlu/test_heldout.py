"""Held-out NLU evaluation: tests/nlu/heldout.yml is never trained on. Runs `rasa test nlu` with the
latest model and asserts intent accuracy >= 0.90. The figures go to results/heldout/ for the README."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Dict, Set

import pytest
import yaml

from ops.launcher import ROOT, VENV_BIN, latest_model
from staff.check import MIN_HELDOUT

HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"
OUT = ROOT / "results" / "heldout"
MIN_ACCURACY = 0.90
MIN_PER_INTENT = MIN_HELDOUT  # the same minimum `make check` enforces
_ANNOTATION = re.compile(r"\[([^\]]*)\](\([^)]*\)|\{[^}]*\})")


def examples(path: Path) -> Dict[str, Set[str]]:
    """intent -> normalised example texts (entity annotations removed)."""
    out: Dict[str, Set[str]] = {}
    for item in (yaml.safe_load(path.read_text()) or {}).get("nlu", []):
        if "intent" not in item:
            continue
        for line in str(item.get("examples", "")).splitlines():
            line = line.strip()
            if line.startswith("- "):
                text = _ANNOTATION.sub(r"\1", line[2:]).strip().lower()
                out.setdefault(item["intent"], set()).add(" ".join(text.split()))
    return out


def training_examples() -> Dict[str, Set[str]]:
    merged: Dict[str, Set[str]] = {}
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for intent, texts in examples(path).items():
            merged.setdefault(intent, set()).update(texts)
    return merged


def test_heldout_set_is_big_enough_and_covers_every_intent() -> None:
    heldout, training = examples(HELDOUT), training_examples()
    domain_intents = set(yaml.safe_load((ROOT / "domain.yml").read_text())["intents"])
    missing = sorted(i for i in domain_intents if len(heldout.get(i, ())) < MIN_PER_INTENT)
    assert not missing, f"intents with fewer than {MIN_PER_INTENT} held-out phrasings: {missing}"
    assert set(training) == domain_intents


def test_heldout_set_is_never_trained_on() -> None:
    train_texts = set().union(*training_examples().values())
    leaked = sorted(t for texts in examples(HELDOUT).values() for t in texts if t in train_texts)
    assert not leaked, f"held-out phrasings copied into the training data: {leaked}"


@pytest.fixture(scope="module")
def report() -> dict:
    OUT.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"}
    subprocess.run(
        [
            str(VENV_BIN / "rasa"),
            "test",
            "nlu",
            "--nlu",
            str(HELDOUT),
            "--model",
            str(latest_model()),
            "--out",
            str(OUT),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return json.loads((OUT / "intent_report.json").read_text())


def test_heldout_intent_accuracy(report: dict) -> None:
    accuracy = report["accuracy"]
    macro_f1 = report["macro avg"]["f1-score"]
    (OUT / "summary.json").write_text(
        json.dumps(
            {"accuracy": accuracy, "macro_f1": macro_f1, "model": latest_model().name}, indent=2
        )
    )
    print(f"held-out intent accuracy {accuracy:.3f}, macro F1 {macro_f1:.3f}")
    assert accuracy >= MIN_ACCURACY, f"held-out intent accuracy {accuracy:.3f} < {MIN_ACCURACY}"
