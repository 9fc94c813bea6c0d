"""Which literal text a regular expression cannot match without: a cheap test that lets the detector
skip, on a long message, the many rule patterns whose words are not in it at all.

`required(pattern)` returns a small set of strings such that every match of the pattern contains at
least one of them, or None when no such set is known (then the pattern is always run). The strings
are cut to a few letters, so inflections and phrase variants ("droop", "drooped", "drooping") share
one entry. Exactness is not needed, only safety: a wrong "required" set would skip a real match, so
anything not understood gives None.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, List, Optional, Pattern, Tuple

try:  # Python 3.11 moved the parser
    from re import _constants as sre_constants  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

_CUT = 4  # letters kept of each required literal
_MAX_SET = 40  # a larger set costs more to test than the pattern saves

_LITERAL = sre_constants.LITERAL
_SUBPATTERN = sre_constants.SUBPATTERN
_BRANCH = sre_constants.BRANCH
_MAX_REPEAT = sre_constants.MAX_REPEAT
_MIN_REPEAT = sre_constants.MIN_REPEAT
_IN = sre_constants.IN
_ZERO_WIDTH = (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT)


def _reduce(strings: FrozenSet[str]) -> FrozenSet[str]:
    """Cut each string, then drop any that contains another (the shorter one is implied)."""
    cut = sorted({s[:_CUT] for s in strings}, key=len)
    kept: List[str] = []
    for s in cut:
        if not any(k in s for k in kept):
            kept.append(s)
    return frozenset(kept)


def _sequence(items) -> Optional[FrozenSet[str]]:
    """Required set of a sequence: its literal runs, or the most selective element's set."""
    best: Optional[FrozenSet[str]] = None
    run = ""

    def consider(candidate: Optional[FrozenSet[str]]) -> None:
        nonlocal best
        if candidate and all(candidate) and (best is None or _score(candidate) > _score(best)):
            best = candidate

    for op, av in items:
        if op == _LITERAL:
            run += chr(av)
            continue
        consider(frozenset({run}) if run.strip() else None)
        run = ""
        if op in _ZERO_WIDTH:
            continue
        consider(_node(op, av))
    consider(frozenset({run}) if run.strip() else None)
    return best


# Short strings that nearly every message holds: as a requirement they skip nothing.
# Cut to the same few letters as the requirements; the second line is what nearly every message to a
# headache clinic holds.
_COMMON = frozenset(
    {
        "the",
        "to",
        "in",
        "and",
        "my",
        "i",
        "a",
        "an",
        "of",
        "it",
        "is",
        "on",
        "at",
        "for",
        "me",
        "he",
        "she",
        "his",
        "her",
        "be",
        "so",
        "or",
        "all",
        "was",
        "not",
        "no",
        "do",
        "you",
        "head",
        "pain",
        "migr",
        "feel",
        "keep",
        "just",
        "been",
        "have",
        "with",
        "like",
        "time",
        "now",
        "this",
        "that",
        "afte",
        "sinc",
        "take",
        "took",
        "when",
        "what",
        "can'",
        "side",
        "back",
        "ligh",
        "had",
        "has",
        "got",
        "get",
        "very",
        "real",
        "so s",
        "out",
        "day",
        "then",
    }
)


def _chance(s: str) -> float:
    """A rough chance that a message holds the string: common words always, else by length."""
    letters = s.strip(" '")
    if len(letters) < 3 or letters in _COMMON or s.strip() in _COMMON:
        return 1.0
    return 27.0 ** -len(letters)


def _score(strings: FrozenSet[str]) -> float:
    # Higher is more selective: the chance that none of the strings is in a message.
    return -sum(_chance(s) for s in strings)


def _node(op, av) -> Optional[FrozenSet[str]]:
    if op == _SUBPATTERN:
        return _sequence(av[-1])
    if op == _BRANCH:
        out = set()
        for branch in av[1]:
            sub = _sequence(branch)
            if not sub:
                return None
            out |= sub
        reduced = _reduce(frozenset(out))
        return reduced if len(reduced) <= _MAX_SET else None
    if op in (_MAX_REPEAT, _MIN_REPEAT):
        low, _, body = av
        return _sequence(body) if low >= 1 else None
    if op == _IN:
        chars = [chr(v) for o, v in av if o == _LITERAL]
        if len(chars) == len(av) and chars:
            return frozenset(chars)
        return None
    return None


def required(pattern: Pattern[str]) -> Optional[FrozenSet[str]]:
    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - an unparsable pattern is simply always run
        return None
    found = _sequence(list(parsed))
    if not found:
        return None
    reduced = _reduce(found)
    return reduced if len(reduced) <= _MAX_SET and all(s.strip() for s in reduced) else None


# Cache, by the pattern object's id (a compiled pattern hashes its whole text, and the vocabulary
# patterns are long); the object is kept with the value so that a reused id is never mistaken.
_NEEDS: Dict[int, Tuple[Pattern[str], Optional[FrozenSet[str]]]] = {}


def register(pattern: Pattern[str], equivalent: Pattern[str]) -> None:
    """Reads the needed strings of `pattern` from an equivalent spelling of it (the vocabulary lists
    written out flat rather than as a letter tree, where the strings are easier to see)."""
    _NEEDS[id(pattern)] = (pattern, required(equivalent))


def needs_of(pattern: Pattern[str]) -> Optional[FrozenSet[str]]:
    entry = _NEEDS.get(id(pattern))
    if entry is None or entry[0] is not pattern:
        entry = _NEEDS[id(pattern)] = (pattern, required(pattern))
    return entry[1]
