"""Reading grade of the assistant's texts: the Flesch-Kincaid grade level, computed here (no service, no
dependency), with a syllable count by rule of thumb.

    grade = 0.39 * words per sentence + 11.8 * syllables per word - 15.59

Chat texts are not prose, so: each line is a sentence of its own (a bullet "• ..." is one sentence), as is
each part ending in . ! or ?; a {field} filled in from content/clinic.yml counts as one short word (its
value is a name, number or link, not prose). The syllable rule is the usual one (vowel groups, a silent
final e, -ed/-es after most consonants); it is within a syllable of a dictionary for most English words,
which moves a grade by a few tenths at most: good enough to keep patient texts at grade 8 or below, the
limit the issue sets (and a common one for patient information).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Iterable, List, Optional, Tuple

MAX_GRADE = 8.0

_FIELD = re.compile(r"{[^{}]*}")
_URL = re.compile(r"https?://\S+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)*")
_VOWELS = re.compile(r"[aeiouy]+")
# Words the rule of thumb miscounts and that the assistant uses.
_EXCEPTIONS = {
    "ketamine": 3,
    "migraine": 2,
    "migraines": 2,
    "infusion": 3,
    "infusions": 3,
    "placebo": 3,
    "anesthesia": 5,
    "anaesthesia": 5,
    "anesthetic": 4,
    "dissociation": 5,
    "area": 3,
    "idea": 3,
    "every": 2,
    "evidence": 3,
    "people": 2,
    "vanatrip": 3,
    "elavil": 3,
    "amitriptyline": 5,
    "fda": 3,
    "ichd": 4,
    "nhs": 3,
    "being": 2,
    "queue": 1,
    "business": 2,
    "dizziness": 3,
    "medicine": 3,
    "medicines": 3,
    "tricyclic": 3,
    "toward": 2,
    "aura": 2,
    "auras": 2,
    "sometimes": 2,
    "someone": 2,
    "something": 2,
    "everyone": 3,
    "anyone": 3,
}


def syllables(word: str) -> int:
    w = word.lower().replace("’", "'").split("'")[0]
    if w in _EXCEPTIONS:
        return _EXCEPTIONS[w]
    if w.isdigit():
        return 1
    if len(w) <= 3:
        return 1
    if w.endswith("es") and not re.search(r"(?:[sxzg]|[cs]h|c)es$", w):
        w = w[:-2]  # "makes", but not "pulses", "changes"
    elif w.endswith("ed") and not re.search(r"[td]ed$", w):
        w = w[:-2]  # "helped", but not "started"
    elif w.endswith("e") and not w.endswith("le"):
        w = w[:-1]  # silent final e, but "table"
    w = re.sub(r"^y", "", w)
    return max(1, len(_VOWELS.findall(w)))


def sentences(text: str) -> List[str]:
    text = _URL.sub("link", _FIELD.sub("it", text))
    parts = [p.strip(" •-–:") for p in _SENTENCE_END.split(text)]
    return [p for p in parts if _WORD.search(p)]


@dataclass(frozen=True)
class Measure:
    grade: float
    words: int
    sentences: int
    longest_sentence: int  # words


def measure(texts: Iterable[str]) -> Measure:
    """The Flesch-Kincaid grade of some chat bubbles read together."""
    sents = [s for t in texts for s in sentences(t)]
    words = [w for s in sents for w in _WORD.findall(s)]
    if not words:
        return Measure(0.0, 0, 0, 0)
    syl = sum(syllables(w) for w in words)
    grade = 0.39 * len(words) / len(sents) + 11.8 * syl / len(words) - 15.59
    return Measure(
        round(grade, 1), len(words), len(sents), max(len(_WORD.findall(s)) for s in sents)
    )


def grade(texts: Iterable[str]) -> float:
    return measure(texts).grade


# ---------------------------------------------------------------- the content report of `make check`

REVIEW_MAX_DAYS = 365


@dataclass(frozen=True)
class Row:
    label: str  # "topic aura", "reply greet", "reason ask_cost", "topic aura, detail tingling"
    grade: float
    longest_sentence: int


def grade_rows(content: Any) -> List[Row]:
    """The reading grade of every patient-facing text of the content (actions/content.py Content.texts)."""
    rows = []
    for label, texts, _ in content.texts():
        m = measure(texts)
        rows.append(Row(label, m.grade, m.longest_sentence))
    return rows


def content_notes(content: Any, today: Optional[dt.date] = None) -> List[Tuple[str, str]]:
    """("warning", text) for each text read above grade 8, reviewed over 12 months ago, or without a
    reviewer_role. (A text without a source never gets here: the loader refuses it.)"""
    today = today or dt.date.today()
    where = "content/answers.yml"
    notes: List[Tuple[str, str]] = []
    for row in grade_rows(content):
        if row.grade > MAX_GRADE:
            notes.append(
                (
                    "warning",
                    f"{where}: {row.label} reads at grade {row.grade:.1f}; keep patient texts "
                    f"at grade {MAX_GRADE:.0f} or below (its longest sentence has "
                    f"{row.longest_sentence} words): shorter sentences, everyday words, lists "
                    "as bullets.",
                )
            )
    seen = set()
    for label, _, prov in content.texts():
        key = (label.split(",")[0].replace(" (more)", ""), prov)
        if key in seen:
            continue
        seen.add(key)
        age = (today - prov.reviewed).days
        if age > REVIEW_MAX_DAYS:
            notes.append(
                (
                    "warning",
                    f"{where}: {key[0]} was last reviewed on {prov.reviewed.isoformat()}, "
                    "over 12 months ago. Ask a clinician to check it against its source and "
                    "update last_reviewed (and reviewer_role).",
                )
            )
        if not prov.reviewer_role:
            notes.append(
                (
                    "warning",
                    f"{where}: {key[0]} has no reviewer_role: add the role of the person "
                    'who checked it (e.g. "neurologist", "clinic nurse").',
                )
            )
    return notes


def grade_table(content: Any) -> str:
    """The reading grade per answer, as `make check` prints it."""
    rows = grade_rows(content)
    width = max(len(r.label) for r in rows)
    lines = [f"Reading grade (Flesch-Kincaid, limit {MAX_GRADE:.0f}) per text:"]
    for r in rows:
        flag = "  <- above the limit" if r.grade > MAX_GRADE else ""
        lines.append(f"  {r.label:<{width}}  {r.grade:5.1f}{flag}")
    worst = max(rows, key=lambda r: r.grade)
    lines.append(
        f"  {len(rows)} texts; highest {worst.grade:.1f} ({worst.label}); "
        f"{sum(r.grade > MAX_GRADE for r in rows)} above {MAX_GRADE:.0f}."
    )
    return "\n".join(lines)
