"""Trains the learned second opinion (safety/second_opinion.py) and writes safety/second_opinion.json.

    python -m safety.learn            # retrain on the corpus below and write the weights
    python -m safety.learn --check    # exit 1 if the weights were not trained on today's corpus

The corpus is every labelled message written independently of the rules: safety/corpus/ (three
writers, for training; and `everyday_nlu.jsonl`, a snapshot of the NLU training examples of every
intent but the two safety ones, labelled none, so that short chat such as "goodbye" is not a crisis)
and the spent evaluation sets of tests/safety/ (README there). A set that is
still sealed must never be listed here. The thresholds were chosen on a set held out from training
(docs/hazard-log.md, "Learned second opinion"); they are recorded in the weights file with the
corpus fingerprint.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from datetime import date
from pathlib import Path
from typing import Dict, List

import numpy as np

from safety.second_opinion import LABELS, WEIGHTS_PATH, windows

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted((ROOT / "safety" / "corpus").glob("*.jsonl")) + [
    ROOT / "tests" / "safety" / name for name in ("dev.jsonl", "sealed.jsonl", "sealed2.jsonl")
]
# Inverse regularisation strength of the logistic regression (docs/hazard-log.md gives the sweep).
STRENGTH = 16.0


def fingerprint(files: List[Path]) -> str:
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.name.encode())
        digest.update(f.read_bytes())
    return digest.hexdigest()[:16]


def read(files: List[Path]) -> List[Dict[str, str]]:
    rows = []
    for f in files:
        for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("label") not in LABELS:
                raise ValueError(f"{f}:{n}: label must be one of {LABELS}")
            rows.append(row)
    return rows


def train(emergency_threshold: float, crisis_threshold: float) -> Dict[str, object]:
    from sklearn.linear_model import LogisticRegression

    from safety.encoder import Encoder

    encoder = Encoder()
    rows = read(CORPUS)
    features = np.stack(
        [
            encoder.encode(windows(r["text"], encoder.token_count) or [r["text"]]).mean(axis=0)
            for r in rows
        ]
    )
    labels = np.array([LABELS.index(r["label"]) for r in rows])
    model = LogisticRegression(C=STRENGTH, max_iter=3000, class_weight="balanced")
    model.fit(features, labels)
    counts = {label: int((labels == i).sum()) for i, label in enumerate(LABELS)}
    return {
        "about": "safety/second_opinion.py; retrain with python -m safety.learn",
        "trained": date.today().isoformat(),
        "encoder": "all-MiniLM-L6-v2 (requirements/encoder.txt)",
        "corpus": [str(f.relative_to(ROOT)) for f in CORPUS],
        "corpus_fingerprint": fingerprint(CORPUS),
        "counts": counts,
        "labels": list(LABELS),
        "thresholds": {"emergency": emergency_threshold, "crisis": crisis_threshold},
        "coef": np.round(model.coef_, 6).tolist(),
        "intercept": np.round(model.intercept_, 6).tolist(),
    }


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--emergency-threshold", type=float, default=0.8)
    parser.add_argument("--crisis-threshold", type=float, default=0.9)
    args = parser.parse_args(argv)
    if args.check:
        recorded = json.loads(WEIGHTS_PATH.read_text(encoding="utf-8"))["corpus_fingerprint"]
        if recorded != fingerprint(CORPUS):
            print("safety/second_opinion.json is older than its corpus: run python -m safety.learn")
            return 1
        print("safety/second_opinion.json matches its corpus")
        return 0
    weights = train(args.emergency_threshold, args.crisis_threshold)
    WEIGHTS_PATH.write_text(json.dumps(weights) + "\n", encoding="utf-8")
    print(f"wrote {WEIGHTS_PATH.relative_to(ROOT)} ({weights['counts']})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
