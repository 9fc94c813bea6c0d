"""Replaces patient identifiers in a message with placeholders, for `make review` (staff/review.py).

Phone numbers, e-mail addresses (spelled-out ones too), links, dates (of birth or any other), long numbers,
street addresses and name-like words become <phone>, <email>, <link>, <date>, <number>, <address>,
<name>. Conservative: when in doubt, replace. A capitalised word the assistant was trained on
(`vocabulary`) is not taken for a name. Tested on its own in tests/staff/test_scrub.py.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import List, Optional, Set, Tuple

from staff.yaml_lines import ROOT, training_examples

_MONTHS = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_SCRUB: List[Tuple[re.Pattern, str]] = [
    (re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.I), "<email>"),
    (re.compile(r"\b(?:https?://|www\.)\S+", re.I), "<link>"),
    (re.compile(r"\b\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}\b"), "<date>"),
    (
        re.compile(
            rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}\.?,?(?:\s+\d{{2,4}})?\b", re.I
        ),
        "<date>",
    ),
    (
        re.compile(rf"\b{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{2,4}})?\b", re.I),
        "<date>",
    ),
    (re.compile(rf"\b{_MONTHS}\.?,?\s+(?:19|20)\d\d\b", re.I), "<date>"),
    (re.compile(r"\b(?:19|20)\d\d\b"), "<date>"),
    (
        re.compile(
            r"\b(?:born|dob|d\.o\.b\.?|date of birth|birthday)\b(?:\s*(?:is|was|on|in|:))*\s*(?:<date>)?",
            re.I,
        ),
        "<date>",
    ),
    (re.compile(r"(?<![\w<])\+?\(?\d[\d\s().-]{5,}\d(?![\w>])"), "__PHONE__"),
    (re.compile(r"\b\d{5,}\b"), "<number>"),
    (
        re.compile(
            r"\b\d+\s+(?:[A-Za-z]+\s+){1,3}(?:st|street|ave|avenue|rd|road|ln|lane|dr|drive|blvd|boulevard|way|court|ct|place|pl)\b\.?",
            re.I,
        ),
        "<address>",
    ),
    (
        re.compile(
            r"\b(?:my name is|my name's|name is|i am called|call me|this is|signed|regards,?|from)\s+([a-z][\w'-]*)",
            re.I,
        ),
        "__NAME_CUE__",
    ),
    (
        re.compile(r"\b(?:dr|doctor|mr|mrs|ms|miss|mx|nurse|prof)\.?\s+[A-Za-z][\w'-]*", re.I),
        "<name>",
    ),
]
_NAME_CUE_KEEP = re.compile(
    r"^(?:my name is|my name's|name is|i am called|call me|this is|signed|regards,?|from)", re.I
)
COMMON_WORDS = _COMMON = set(
    """
a about after again all also am an and any are as at be because been before being both but by can could
day days did do does doing done during each even ever every few for from get gets getting go going got
had has have having he her here hers him his how i if in into is it its just know last like make many may
me might more most much my never no not now of off often on once one only or other our out over own
please really right same she should since so some still such take than thank thanks that the their them
then there these they thing things this those through to too under until up very want was we week weeks
well were what when where which while who why will with would yes yesterday you your today tomorrow ok okay
hi hello hey dear morning evening night monday tuesday wednesday thursday friday saturday sunday english
""".split()
)
_WORD = re.compile(r"[A-Za-z][\w'-]*")


def vocabulary(root: Path = ROOT) -> Set[str]:
    """Words the assistant was trained on: a capitalised word among them is not taken for a name."""
    words: Set[str] = set(_COMMON)
    for ex in training_examples(root):
        words.update(w.lower() for w in _WORD.findall(ex.norm))
    return words


_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# "jane dot doe at gmail dot com": an address spelled out so that filters miss it.
_SPELLED_EMAIL = re.compile(
    r"\b[\w.+-]+(?:\s+dot\s+[\w+-]+)*\s+(?:at|@)\s+[\w-]+(?:\s+dot\s+[\w-]+)+\b", re.I
)
# "my name is jane doe": the cue takes up to three lowercase or capitalised words that are not common.
_NAME_AFTER_CUE = re.compile(
    r"(?i)\b(my name is|my name's|i am called|i'm called|this is|signed)\s+"
    r"([a-z][\w'-]*(?:\s+[a-z][\w'-]*){0,2})"
)


def printable(text: str) -> str:
    """Control characters (C0, DEL, C1) and lone surrogates, which YAML and UTF-8 files refuse, become
    U+FFFD: a stored message holding one must not stop the review."""
    return _UNPRINTABLE.sub("\ufffd", text)


def _names_after_cue(text: str, vocab: Set[str]) -> str:
    def repl(m: re.Match) -> str:
        words = m.group(2).split()
        names = []
        for w in words:
            if w.lower() in _COMMON or (w.lower() in vocab and names):
                break
            names.append(w)
        if not names:
            return m.group(0)
        rest = m.group(2)[len(" ".join(names)) :]
        return f"{m.group(1)} <name>{rest}"

    return _NAME_AFTER_CUE.sub(repl, text)


def scrub(text: str, vocab: Optional[Set[str]] = None) -> str:
    """The text without identifiers (see the module docstring). Conservative: when in doubt, replace."""
    vocab = vocab if vocab is not None else _COMMON
    out = " ".join(printable(text).split())
    out = _SPELLED_EMAIL.sub("<email>", out)
    out = _names_after_cue(out, vocab)
    for pattern, repl in _SCRUB:
        if repl == "__NAME_CUE__":

            def cue(m: re.Match) -> str:
                lead = _NAME_CUE_KEEP.match(m.group(0))
                word = m.group(1)
                # "this is about my aura" / "from the clinic": a cue followed by a common word is no name.
                if word.lower() in vocab and not re.match(
                    r"(?i)my name|name is|i am called", m.group(0)
                ):
                    return m.group(0)
                return f"{lead.group(0)} <name>"

            out = pattern.sub(cue, out)
        elif repl == "__PHONE__":

            def phone(m: re.Match) -> str:
                raw = m.group(0)
                digits = sum(ch.isdigit() for ch in raw)
                return (
                    "<phone>"
                    if (raw.strip().isdigit() is False or digits in (10, 11)) and 7 <= digits <= 15
                    else ("<number>" if digits >= 5 else raw)
                )

            out = pattern.sub(phone, out)
        else:
            out = pattern.sub(repl, out)

    # Capitalised words the assistant never saw in training, other than the first word of a sentence.
    def name_like(m: re.Match) -> str:
        word = m.group(0)
        start = m.start()
        before = out[:start].rstrip()
        sentence_start = not before or before[-1] in '.!?:"('
        if (
            word[0].isupper()
            and not sentence_start
            and word.lower() not in vocab
            and word.lower() != "i"
        ):
            return "<name>"
        return word

    out = _WORD.sub(name_like, out)
    out = re.sub(r"<name>(?:\s*<name>)+", "<name>", out)
    out = re.sub(r"<date>(?:\s*<date>)+", "<date>", out)
    return re.sub(r"\s+([,.?!])", r"\1", out).strip()
