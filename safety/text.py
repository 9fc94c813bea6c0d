"""Text normalisation for the red-flag rules: what a patient typed, in the one spelling the rules use.

Steps, in order (each one is why a phrasing nobody wrote down still matches):
1. Unicode folded (NFKC, accents and curly quotes removed), lower case, white space collapsed.
2. Negated verbs written one way: "cannot", "can not", "cant" all become "can't" (the rules spell
   each negated verb once, with its apostrophe); other contractions typed without an apostrophe
   ("hes", "theyd", "its getting") get one when the bare form is no English word.
3. Letters stretched for emphasis cut down ("stiiiff" -> "stiff", "sooo" -> "soo"); a dropped final
   g put back ("walkin" -> "walking").
4. Typo fixes listed in the rules (`typos`: texting forms and sound-alikes the fuzzy step cannot see
   because they are real words, e.g. "feinted").
5. Fuzzy repair: a word that is not English (not in spaCy's English lemma tables) and is one or two
   edits away from exactly one word the rules use becomes that word ("numbnes" -> "numbness",
   "seizsure" -> "seizure", "slured" -> "slurred"). Real words are never changed here, so "week"
   stays "week"; sound-alikes that are real words are fixed in context by `sound_alikes` in the rules.
   Misspellings common enough to be in the word-vector vocabulary ("heavey", "werid") but not in
   the lemma tables are repaired too, when one edit from exactly one word of the synonym lists.
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import (
    Callable,
    Dict,
    FrozenSet,
    Iterable,
    List,
    Optional,
    Pattern,
    Sequence,
    Tuple,
    Union,
)

from safety.prefilter import needs_of

MAX_CHARS = 20_000  # longer input is cut (the channel caps messages far below this)

# Combining marks (accents split off by NFKD): the blocks that Latin, Greek and Cyrillic text uses.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_REPEATS = re.compile(r"([a-z])\1{2,}")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})

# Negated verbs: every spelling patients use becomes the contracted form with an apostrophe.
_NEGATED_VERBS = (
    "can",
    "could",
    "do",
    "does",
    "did",
    "is",
    "are",
    "was",
    "were",
    "has",
    "have",
    "had",
    "would",
    "should",
    "must",
    "need",
)
_NEGATION_FORMS: Tuple[Tuple[Pattern[str], str], ...] = (
    (re.compile(r"\bcan ?not\b"), "can't"),
    (re.compile(r"\bwill not\b"), "won't"),
    (re.compile(r"\bwont\b"), "won't"),
    (re.compile(r"\bain'?t\b"), "isn't"),
    (re.compile(r"\b(" + "|".join(_NEGATED_VERBS) + r") not\b"), r"\1n't"),
    (re.compile(r"\b(" + "|".join(v for v in _NEGATED_VERBS if v != "can") + r")nt\b"), r"\1n't"),
    (re.compile(r"\bcant\b"), "can't"),
    (re.compile(r"\bim\b"), "i'm"),
    (re.compile(r"\bive\b"), "i've"),
    (re.compile(r"\bid\b(?= (rather|prefer|like|love|be|never|just))"), "i'd"),
    # Contractions typed without the apostrophe ("hes slurring", "its getting worse", "theyd be better
    # off"): the rules spell them once, with it. "its" only before a word that makes it "it is".
    (re.compile(r"\b(he|she|that|what|there|who|where)s\b"), r"\1's"),
    # Only the forms that are no English word: "here", "were", "well", "shed", "shell", "hell" stay.
    (
        re.compile(
            r"\b(they(?=d|ll|re|ve)|we(?=ve)|you(?=d|ll|re|ve)|he(?=ve)|she(?=ve))(d|ll|re|ve)\b"
        ),
        r"\1'\2",
    ),
    (
        re.compile(
            r"\bits (?=(going|gonna|been|not|like|so|really|very|too|just|getting|got|all|only|still|started|"
            r"happening|coming|a|an|the|my|ok|okay|fine|bad|worse|worst|never|always|over|hard|new|different|"
            r"in|on|from|since|almost|nearly|more|less)\b)"
        ),
        "it's ",
    ),
)
_MIN_FUZZY_LEN = 4
_MIN_SIGN_LEN = (
    5  # shorter non-standard words are too often real ("wifi", "hed" stays for the typo list)
)


def _lemma_tables() -> Optional[Path]:
    try:
        import spacy_lookups_data
    except ImportError:  # the detector still works; only typo repair is weaker
        return None
    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lemma_lookup.json.gz"
    return path if path.exists() else None


@lru_cache(maxsize=1)
def lemma_words() -> FrozenSet[str]:
    """Word forms of spaCy's lemma table only: standard English, without the slang forms ("walkin")
    that the word-vector vocabulary also holds."""
    path = _lemma_tables()
    if path is None:
        return frozenset()
    with gzip.open(path, "rt", encoding="utf-8") as f:
        table: Dict[str, str] = json.load(f)
    return frozenset(w for pair in table.items() for w in pair if w.isalpha())


@lru_cache(maxsize=1)
def english_words() -> FrozenSet[str]:
    """Every English word form in spaCy's lemma lookup (forms and their lemmas): words the fuzzy step
    must leave alone."""
    path = _lemma_tables()
    if path is None:
        return frozenset()
    with gzip.open(path, "rt", encoding="utf-8") as f:
        table: Dict[str, str] = json.load(f)
    words = {w for pair in table.items() for w in pair if w.isalpha()}
    # The lemma table lists only words that inflect; the word-vector vocabulary built by setup adds
    # the rest of everyday English ("true", "okay"), so they are never "repaired".
    vocab = (
        Path(__file__).resolve().parent.parent
        / ".build"
        / "spacy"
        / "en_clinic_vectors"
        / "vocab"
        / "strings.json"
    )
    if vocab.exists():
        with vocab.open(encoding="utf-8") as f:
            words.update(w for w in json.load(f) if w.isalpha() and w.islower() and len(w) < 20)
    return frozenset(words)


@lru_cache(maxsize=1)
def inflections() -> Dict[str, Tuple[str, ...]]:
    """lemma -> its inflected forms ("droop" -> droops, drooped, drooping), from the same table."""
    path = _lemma_tables()
    if path is None:
        return {}
    with gzip.open(path, "rt", encoding="utf-8") as f:
        table: Dict[str, str] = json.load(f)
    out: Dict[str, List[str]] = {}
    for form, lemma in table.items():
        if form.isalpha() and lemma.isalpha():
            out.setdefault(lemma, []).append(form)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def forms_of(word: str) -> Tuple[str, ...]:
    """A word and its inflections; regular endings added only when the lemma table does not know the
    word at all (a known form such as "had" or "took" is left as it is: "hads" is no word)."""
    known = inflections().get(word)
    if known:
        return (word,) + known
    if word in lemma_words():
        return (word,)
    stem = word[:-1] if word.endswith("e") else word
    return (word, word + "s", word + "es", stem + "ed", stem + "ing", word + "ed")


def _deletes(word: str, depth: int) -> Iterable[str]:
    """Every string made by deleting up to `depth` letters (SymSpell's index: two words within edit
    distance d share a deletion of at most d letters each)."""
    seen = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))} - seen
        seen |= frontier
    return seen


def _distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (a swap of two neighbouring letters counts as one edit)."""
    prev2: List[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


class Speller:
    """Repairs words that are not English towards the rules' own vocabulary."""

    def __init__(
        self,
        vocabulary: Iterable[str],
        english: FrozenSet[str],
        sign_words: Iterable[str] = (),
        standard: FrozenSet[str] = frozenset(),
    ) -> None:
        self.vocabulary = frozenset(w for w in vocabulary if len(w) >= _MIN_FUZZY_LEN)
        self.english = english | self.vocabulary
        # The word-vector vocabulary also holds common misspellings ("heavey", "werid", "swolen"):
        # such a word, when it is no standard English and one edit from exactly one word of the
        # clinicians' synonym lists, is repaired to it.
        self.sign_words = frozenset(w for w in sign_words if len(w) >= _MIN_SIGN_LEN)
        self.standard = standard | self.vocabulary
        self._index: Dict[str, set] = {}
        for word in self.vocabulary | self.sign_words:
            for d in _deletes(word, 2):
                self._index.setdefault(d, set()).add(word)

    @staticmethod
    def _budget(word: str) -> int:
        return 1 if len(word) < 7 else 2

    @lru_cache(maxsize=50_000)
    def fix(self, word: str) -> str:
        if len(word) < _MIN_FUZZY_LEN or "'" in word:
            return word
        if word in self.english:
            if len(word) < _MIN_SIGN_LEN or word in self.standard or not self.standard:
                return word
            close = {
                c
                for d in _deletes(word, 1)
                for c in self._index.get(d, ())
                if c in self.sign_words and _distance(word, c) == 1
            }
            return close.pop() if len(close) == 1 else word
        budget = self._budget(word)
        candidates = set()
        for d in _deletes(word, budget):
            candidates |= self._index.get(d, set())
        best: List[Tuple[int, str]] = []
        for cand in candidates:
            dist = _distance(word, cand)
            # Two edits only when the first letter agrees: "seizsure" -> "seizure", never a leap.
            if dist <= min(budget, self._budget(cand)) and (dist == 1 or cand[0] == word[0]):
                best.append((dist, cand))
        if not best:
            return word
        best.sort()
        # Ambiguous (two vocabulary words equally close): leave it; a guess could invent a symptom.
        if len(best) > 1 and best[0][0] == best[1][0]:
            return word
        return best[0][1]


def regain_g(word: str) -> str:
    """A dropped final g ("walkin", "slurrin", "talkin") put back when that makes a standard English
    word and the word as typed is not one ("aspirin", "begin" stay)."""
    if len(word) > 4 and word.endswith("in"):
        standard = lemma_words()
        if word not in standard and word + "g" in standard:
            return word + "g"
    return word


def squeeze(word: str, known: FrozenSet[str]) -> str:
    """Cut letters repeated 3+ times to 2 ("sooo" -> "soo"), or to 1 if only that is a known word."""
    two = _REPEATS.sub(r"\1\1", word)
    if two == word or two in known:
        return two
    one = _REPEATS.sub(r"\1", word)
    return one if one in known else two


def fold(text: str) -> str:
    """Unicode folded, lower case, one kind of apostrophe, single spaces."""
    text = text[:MAX_CHARS]
    if not text.isascii():  # plain ASCII has nothing to fold
        text = unicodedata.normalize("NFKC", text)
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return " ".join(text.lower().translate(_APOSTROPHES).split())


_STRETCHED = re.compile(r"\b[a-z]*([a-z])\1{2,}[a-z]*")
_DROPPED_G = re.compile(r"\b[a-z]{3,}in\b")


def _fix_typos(text: str, typos: Sequence[Tuple[Pattern[str], str]]) -> str:
    """The listed typo fixes in one pass over the text (longest first, like a list read in order
    for these whole-word entries)."""
    if not typos:
        return text
    table = {p.pattern: fix for p, fix in typos}
    combined = _combined(tuple(table))
    return combined.sub(lambda m: table[_key(m.group(0))], text)


@lru_cache(maxsize=4)
def _combined(patterns: Tuple[str, ...]) -> Pattern[str]:
    # Each typo pattern is \b<escaped words>\b: one alternation, longest first.
    words = sorted((p[2:-2] for p in patterns), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(words) + r")\b")


def _key(written: str) -> str:
    return r"\b" + re.escape(written) + r"\b"


def _respell(text: str, speller: Speller) -> str:
    """Fuzzy repair, decided once per distinct word: a long message repeats its words."""
    fixes = {w: f for w in set(_WORD.findall(text)) for f in [speller.fix(w)] if f != w}
    if not fixes:
        return text
    return _WORD.sub(lambda m: fixes.get(m.group(0), m.group(0)), text)


def sub_where_needed(
    pattern: Pattern[str], fix: Union[str, Callable[["re.Match[str]"], str]], text: str
) -> str:
    """pattern.sub, skipped when the text lacks every string the pattern needs (a cheap test)."""
    needs = needs_of(pattern)
    if needs is not None and not any(s in text for s in needs):
        return text
    return pattern.sub(fix, text)


def normalise(
    text: str,
    typos: Sequence[Tuple[Pattern[str], str]] = (),
    speller: Optional[Speller] = None,
    sound_alikes: Sequence[Tuple[Pattern[str], str]] = (),
) -> str:
    known = speller.english if speller else frozenset()
    text = fold(text)
    for pattern, fix in _NEGATION_FORMS:
        text = sub_where_needed(pattern, fix, text)
    text = _STRETCHED.sub(lambda m: squeeze(m.group(0), known), text)
    text = _DROPPED_G.sub(lambda m: regain_g(m.group(0)), text)
    text = _fix_typos(text, typos)
    if speller is not None:
        text = _respell(text, speller)
    for pattern, fix in _NEGATION_FORMS:  # typo fixes may have produced "dont", "cant"...
        text = sub_where_needed(pattern, fix, text)
    for pattern, fix in sound_alikes:
        text = sub_where_needed(pattern, fix, text)
    return text
