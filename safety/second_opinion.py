"""The learned second opinion (issue 9, item 3): it can only add sensitivity to the red-flag rules.

A message the rules call `none` or `clear` is read again by a small classifier (logistic regression
over all-MiniLM-L6-v2 sentence embeddings, safety/encoder.py). If it finds an emergency likely, the
reply becomes `urgent_check` (the "call now if this is new" check, never the full emergency reply);
if it finds a crisis likely, the crisis reply. It never makes a verdict milder, and a rule verdict of
emergency or crisis is never read again. The classifier's weights and thresholds are data
(safety/second_opinion.json), trained by `python -m safety.learn` on messages written independently of
the rules; the thresholds are chosen on the development set for the false-alarm ceilings of
docs/hazard-log.md.

Long messages are read in windows of sentences (the encoder reads a bounded number of tokens at a
time); the strongest window speaks for the message.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np

from safety.detector import Assessment

logger = logging.getLogger(__name__)

WEIGHTS_PATH = Path(__file__).resolve().parent / "second_opinion.json"
LABELS = ("none", "emergency", "crisis")
# The channel's own message limit is far below this: a longer text is read up to here only.
MAX_WINDOWS = 4
WINDOW_TOKENS = 100
_SENTENCES = re.compile(r"(?<=[.!?;\n])\s+|\n+")
# Rule verdicts the second opinion may read again (it never touches emergency or crisis).
REVIEWABLE = ("none", "clear", "urgent_check")


@dataclass(frozen=True)
class Weights:
    coef: np.ndarray  # (labels, dimensions)
    intercept: np.ndarray  # (labels,)
    emergency_threshold: float
    crisis_threshold: float


def load_weights(path: Path = WEIGHTS_PATH) -> Weights:
    data = json.loads(path.read_text(encoding="utf-8"))
    if tuple(data["labels"]) != LABELS:
        raise ValueError(f"{path}: labels must be {LABELS}")
    return Weights(
        np.asarray(data["coef"], np.float32),
        np.asarray(data["intercept"], np.float32),
        float(data["thresholds"]["emergency"]),
        float(data["thresholds"]["crisis"]),
    )


def windows(text: str, count_tokens, limit: int = WINDOW_TOKENS) -> List[str]:
    """Consecutive sentences grouped up to about `limit` tokens, at most MAX_WINDOWS of them."""
    parts = [p.strip() for p in _SENTENCES.split(text) if p and p.strip()]
    if not parts:
        return []
    out: List[str] = []
    current: List[str] = []
    used = 0
    for part in parts:
        n = count_tokens(part)
        if current and used + n > limit:
            out.append(" ".join(current))
            current, used = [], 0
        current.append(part)
        used += n
        if len(out) >= MAX_WINDOWS:
            break
    if current and len(out) < MAX_WINDOWS:
        out.append(" ".join(current))
    return out


def probabilities(embeddings: np.ndarray, w: Weights) -> np.ndarray:
    """Softmax of the linear scores, one row per embedding, columns in LABELS order."""
    scores = embeddings @ w.coef.T + w.intercept
    scores = np.exp(scores - scores.max(axis=1, keepdims=True))
    return scores / scores.sum(axis=1, keepdims=True)


class SecondOpinion:
    def __init__(self, encoder=None, weights: Optional[Weights] = None) -> None:
        if encoder is None:
            from safety.encoder import Encoder

            encoder = Encoder()
        self.encoder = encoder
        self.weights = weights or load_weights()

    def scores(self, text: str) -> Dict[str, float]:
        """The highest probability of each label over the message's windows."""
        parts = windows(text, self.encoder.token_count)
        if not parts:
            return {label: 0.0 for label in LABELS}
        p = probabilities(self.encoder.encode(parts), self.weights).max(axis=0)
        return {label: float(v) for label, v in zip(LABELS, p)}

    def review(self, text: str, verdict: Assessment) -> Assessment:
        if verdict.level not in REVIEWABLE:
            return verdict
        s = self.scores(text)
        if s["crisis"] >= self.weights.crisis_threshold:
            return Assessment("crisis", verdict.flags + ("second_opinion",), verdict.notes)
        if verdict.level != "urgent_check" and s["emergency"] >= self.weights.emergency_threshold:
            return Assessment("urgent_check", verdict.flags + ("second_opinion",), verdict.notes)
        return verdict


def enabled() -> bool:
    """On unless CLINIC_SECOND_OPINION=off (deploy/defaults.env); the rules run either way."""
    return os.environ.get("CLINIC_SECOND_OPINION", "on").strip().lower() not in ("off", "0", "no")


@lru_cache(maxsize=1)
def shared() -> Optional[SecondOpinion]:
    """The process's one second opinion, loaded on first use; None when switched off."""
    if not enabled():
        logger.warning("the learned second opinion is off (CLINIC_SECOND_OPINION); rules only")
        return None
    opinion = SecondOpinion()
    opinion.scores("warm up")  # the first encoding sets up the tokenizer and BLAS: not on a patient
    return opinion


@lru_cache(maxsize=256)
def screen(text: str) -> Assessment:
    """The verdict every reply decision uses: the rules, then the second opinion. Cached because the
    channel and the NLU component read the same message in one turn."""
    from safety.detector import assess

    verdict = assess(text)
    opinion = shared()
    return opinion.review(text, verdict) if opinion else verdict
