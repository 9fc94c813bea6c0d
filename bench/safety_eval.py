"""Measures the safety layer on a labelled message set (tests/safety/*.jsonl): recall with a 95%
Wilson interval, false alarms and the urgent_check rate on safe messages, and its cost per message.
Prints; asserts nothing. By default the layer as it runs (the rules, then the learned second opinion,
safety/second_opinion.py); --rules-only measures the rules alone.

    python -m bench.safety_eval tests/safety/dev.jsonl [--rules-only] [--misses] [--long]

--long also times 20,000-character messages (the longest the detector reads): a patient-like text of
the set's own messages joined, and a run-on text with no full stops; best of five, process time.

The sealed half (tests/safety/sealed.jsonl) is run once, at the end of a piece of work, never tuned on
(tests/safety/README.md)."""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import time
from pathlib import Path
from typing import Callable, Dict, List, Tuple

from safety.detector import MAX_CHARS, Assessment, assess
from safety.second_opinion import SecondOpinion

Judge = Callable[[str], Assessment]


def wilson(k: int, n: int, z: float = 1.96) -> Tuple[float, float]:
    if n == 0:
        return (0.0, 0.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def rate(k: int, n: int) -> str:
    lo, hi = wilson(k, n)
    return f"{k / n if n else 0:.3f} ({k}/{n}, 95% CI {lo:.3f}-{hi:.3f})"


def evaluate(rows: List[Dict[str, str]], judge: Judge = assess) -> Dict[str, object]:
    levels, times = [], []
    for row in rows:
        start = time.perf_counter()
        levels.append(judge(row["text"]).level)
        times.append((time.perf_counter() - start) * 1000)
    emergency = [lv for r, lv in zip(rows, levels) if r["label"] == "emergency"]
    crisis = [lv for r, lv in zip(rows, levels) if r["label"] == "crisis"]
    safe = [lv for r, lv in zip(rows, levels) if r["label"] == "none"]
    return {
        "emergency recall (emergency or urgent_check)": rate(
            sum(lv in ("emergency", "urgent_check", "crisis") for lv in emergency), len(emergency)
        ),
        "emergency recall (emergency kind)": rate(
            sum(lv in ("emergency", "crisis") for lv in emergency), len(emergency)
        ),
        "crisis recall": rate(sum(lv == "crisis" for lv in crisis), len(crisis)),
        "false alarms on safe (emergency or crisis)": rate(
            sum(lv in ("emergency", "crisis") for lv in safe), len(safe)
        ),
        "urgent_check on safe": rate(sum(lv == "urgent_check" for lv in safe), len(safe)),
        "median ms per message": f"{statistics.median(times):.2f}",
        "95th percentile ms per message": f"{sorted(times)[int(0.95 * (len(times) - 1))]:.2f}",
        "_levels": levels,
    }


_RUN_ON = re.compile(r"[.!?;\n]+")


def _best_ms(text: str, judge: Judge, runs: int = 5) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        judge(text)
        best = min(best, (time.process_time() - start) * 1000)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument(
        "--misses", action="store_true", help="print every message the detector got wrong"
    )
    parser.add_argument("--long", action="store_true", help="time 20,000-character messages")
    parser.add_argument(
        "--rules-only", action="store_true", help="the red-flag rules without the second opinion"
    )
    args = parser.parse_args()
    rows = [
        json.loads(line)
        for line in args.path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    judge: Judge = assess
    if not args.rules_only:
        opinion = SecondOpinion()

        def judge(text: str) -> Assessment:
            return opinion.review(text, assess(text))

    judge("warm up")
    result = evaluate(rows, judge)
    levels = result.pop("_levels")
    layer = "rules only" if args.rules_only else "rules + second opinion"
    print(f"{args.path} ({len(rows)} messages, {layer})")
    for key, value in result.items():
        print(f"  {key}: {value}")
    if args.long:
        joined = " ".join(row["text"] for row in rows)
        while len(joined) < MAX_CHARS:
            joined += " " + joined
        for name, text in (
            ("joined messages", joined[:MAX_CHARS]),
            ("run-on, no full stops", _RUN_ON.sub(" ", joined)[:MAX_CHARS]),
        ):
            print(f"  {MAX_CHARS:,}-character message ({name}): {_best_ms(text, judge):.0f} ms")
    if args.misses:
        for row, level in zip(rows, levels):
            wrong = (
                (
                    row["label"] == "emergency"
                    and level not in ("emergency", "urgent_check", "crisis")
                )
                or (row["label"] == "crisis" and level != "crisis")
                or (row["label"] == "none" and level in ("emergency", "crisis", "urgent_check"))
            )
            if wrong:
                print(f"  [{row['label']} -> {level}] {row['text']}")


if __name__ == "__main__":
    main()
