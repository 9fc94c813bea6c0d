"""The deterministic red-flag detector: what a patient's message must get before any model speaks.

Why rules and not a model: a missed emergency is the worst thing this assistant can do. Rules can be
read by a clinician, tested phrase by phrase, and behave the same on every run. The rules are data
(safety/red_flags.yml, loaded by safety/rules.py); this module is the machinery. Sensitivity first:
where the message is unclear, the answer leans towards the safety net, not away from it.

1. Normalise (safety/text.py): one spelling for negated verbs, stretched letters, typo fixes, fuzzy
   repair of misspelt words towards the rules' vocabulary, sound-alikes in context.
2. Split into sentences (. ! ? ; new lines) and clauses (commas, "but", "however"...): a negation
   governs its own clause only ("no fever but i suddenly can't move my left arm" fires).
3. Find each feature and decide whether it is affirmed. Negated: a negation word among the few words
   before it, within its clause and not past a linking word ("and", "so", "now"...), unless the
   clause is a pseudo-negation ("never had numbness like this", "not my usual"). A sign written with
   its own negation ("can't move", "words won't come") is not negated by it. A negation also carries
   through a list that ends in "or", and a bare "no" answering a sentence negates it. Self-harm is
   stricter: only an explicit "i'm not suicidal" cancels it.
4. History: in a sentence with a past or family-history marker ("as a toddler", "years ago", "my uncle
   had a stroke", "it was treated"), the signs before its first word that says now ("and now",
   "since lunch", "today") are history, not current; a past self-harm statement still gets crisis
   guidance, and risk factors (cancer, age) count even in the past.
5. Flags fire when their features are affirmed. Neurological signs (`with_modifier`) are an
   emergency when anything says new, sudden, a first, unlike the usual, lasting over an hour or
   still there (or, with no word of the usual, an age over sixty); a sign happening now that the
   message does not call the patient's usual gets the flag's `otherwise` level (urgent_check: "call
   now if it is new"); the patient's usual, familiar aura gets neither, only the note. Hyperbole
   flags (`unless_usual`: "worst ever", "my head will explode") are cancelled when the sentences
   that affirm them call it the patient's usual attack with no turn after ("but now...").
6. A general question ("is neck stiffness a warning sign?") with no sign that it is happening to
   someone does not fire emergency flags ("clear": the answer carries the flag's note). "is that a
   stroke?", "should we go to the ER??" and anything personal with a time ("since", "now") are not
   general. Self-harm statements always get crisis guidance.

Cost: a pattern is tried only on the clauses that hold a string it cannot match without
(safety/prefilter.py), so a long message costs little more than its relevant clauses.

Levels, strongest first: crisis (its reply has both numbers), emergency, urgent_check, clear (a
red-flag feature mentioned but ruled out: notes say when it would be an emergency), none.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterator, List, Optional, Pattern, Sequence, Set, Tuple

from safety.prefilter import needs_of
from safety.rules import KINDS, RULES_PATH, Flag, Rules, SafetyRulesError, load_rules, rules
from safety.text import MAX_CHARS, sub_where_needed
from safety.text import normalise as _normalise

__all__ = [
    "Assessment",
    "assess",
    "normalise",
    "is_general_question",
    "load_rules",
    "rules",
    "RULES_PATH",
    "SafetyRulesError",
    "KINDS",
    "LEVELS",
    "MAX_CHARS",
]

LEVELS = ("crisis", "emergency", "urgent_check", "clear", "none")
NEGATION_WINDOW_WORDS = 5

_SENTENCE_SPLIT = re.compile(r"[.!?;\n]+|\s-\s|\.\.+")
_CLAUSE_SPLIT = re.compile(r",|\bbut\b|\bhowever\b|\balthough\b|\bthough\b|\bexcept\b")
# Words that start a new statement inside a clause: a negation before them does not reach past them.
_SCOPE_BREAK = re.compile(
    r"\b(and|so|then|now|because|cause|cuz|since|when|while|after|suddenly|it's|its|"
    r"which|who|that's|plus|also)\b"
)
# "no, i can't move my arm" / "no i can't...": a leading answer word is not a negation of what follows.
_ANSWER_WORD = re.compile(
    r"^(no|nope|nah|yes|yeah|yep|ok|okay|well|um|uh)\b\W*(?=(i|i'm|he|she|it|my|his|her|"
    r"we|they|this|that|our|mum|mom|dad)\b)"
)
_QUESTION_START = re.compile(
    r"^\s*(is|are|can|could|does|do|did|what|whats|what's|how|why|when|should|would|will|which|who|"
    r"any|anyone|isn't|aren't|tell me|explain)(?=\s)"
)
_PERSONAL = re.compile(
    r"\b(i|i'm|i've|i'd|i'll|me|my|mine|myself|we|we're|our|us|he|she|he's|she's|his|her|him|they're|"
    r"their|them|son|daughter|husband|wife|mom|mum|dad|mother|father|friend|partner|boyfriend|girlfriend|"
    r"bf|gf|kid|child|baby|brother|sister|grandma|grandpa|granny|nan|is this|is that|was that|was this|"
    r"right now|currently|at the moment)\b"
)
_NOW = re.compile(
    r"\b(now|right now|currently|at the moment|today|tonight|this morning|since|ago|still|"
    r"just|started|keeps|woke|suddenly|happening|yesterday|last night)\b"
)
# "is that a stroke?", "go to the er??": asking what to do about something happening.
_ABOUT_THIS = re.compile(
    r"\b(is|was|could|might) (this|that|it) (\w+ ){0,2}(a |an )?(stroke|seizure|emergency|"
    r"bleed|aneurysm|meningitis|heart attack|overdose)|\?\?|\b(go|going|take \w+) to "
    r"(the )?(er|a&e|hospital|emergency)\b"
)
_BARE_NO = re.compile(r"^(no|nope|nah|none|negative|not really|no i don't|no i haven't)$")
_LIST_OR = re.compile(r"^(or|nor)\b")
_SUBJECT = re.compile(r"\b(i|i'm|he|she|they|we|it's)\b")
_LIST_ITEM_MAX_WORDS = 5


@dataclass(frozen=True)
class Assessment:
    level: str  # one of LEVELS
    flags: Tuple[str, ...] = ()
    notes: Tuple[str, ...] = ()


def normalise(text: str, r: Optional[Rules] = None) -> str:
    r = r or rules()
    return _normalise(text, r.typos, r.speller, r.sound_alikes)


# ---------------------------------------------------------------- features


def _negated(clause: str, start: int, negations: Sequence[Pattern[str]]) -> bool:
    before = clause[max(0, start - 160) : start]
    breaks = list(_SCOPE_BREAK.finditer(before))
    if breaks:
        before = before[breaks[-1].end() :]
    window = " ".join(before.split()[-NEGATION_WINDOW_WORDS:])
    return _search_any(negations, window)


@dataclass
class _Found:
    affirmed: Dict[str, Set[int]]  # feature -> sentence indexes where it is affirmed and current
    mentioned: Set[str]
    history: Set[str]  # affirmed, but only in sentences about the past or family history


def _list_negated(clauses: Sequence[str], negations: Sequence[Pattern[str]]) -> Set[int]:
    """Clauses that continue a negated list: "i haven't fainted, had a seizure, or hit my head".

    Only when a later clause starts with "or"/"nor" (the shape of a list), and only short items with
    no new subject ("..., i have chest pain, or" is a new statement, not a list item)."""
    inherited: Set[int] = set()
    first = next((i for i, c in enumerate(clauses) if _search_any(negations, c)), None)
    if first is None:
        return inherited
    last_or = max(
        (j for j in range(first + 1, len(clauses)) if _LIST_OR.match(clauses[j])), default=None
    )
    if last_or is None:
        return inherited
    for j in range(first + 1, last_or + 1):
        item = _LIST_OR.sub("", clauses[j])
        if len(item.split()) > _LIST_ITEM_MAX_WORDS or _SUBJECT.search(item):
            break
        inherited.add(j)
    return inherited


def _history_end(sentence: str, r: Rules) -> int:
    """Where the part of the sentence about the past or family history ends: a sentence with a
    history marker ("as a toddler", "years ago", "my uncle had") is about the past up to its first
    word that says now ("and now my face droops", "since lunch", "is that ok now?"); -1 if no part is.
    Signs after that word are current: "i had a stroke years ago and now my arm is weak" fires."""
    if not _search_any(r.history, sentence):  # most sentences: nothing more to do
        return -1
    first_now = _any_of(r.current).search(sentence)
    now = first_now.start() if first_now else len(sentence)
    return now if _search_any(r.history, sentence[:now]) else -1


class _Clause:
    """One clause of the message, with the clause-wide tests computed only when a pattern matched
    in it (a long run-on message must stay linear: most clauses never need them)."""

    __slots__ = ("si", "ci", "text", "start", "bound", "_sentence", "_cache")

    def __init__(
        self, si: int, ci: int, text: str, start: int, bound: int, sentence: "_Sentence"
    ) -> None:
        self.si, self.ci, self.text, self.start, self.bound = si, ci, text, start, bound
        self._sentence = sentence
        self._cache: Dict[str, bool] = {}

    def history(self, r: Rules, at: int) -> bool:
        """Whether position `at` of the clause is in the part of its sentence about the past or family
        history. (Positions are close, not exact: the clause may have lost a leading answer word.)"""
        end = self._sentence.history_end(r)
        return end >= 0 and self.bound + at < end

    def test(self, key: str, r: Rules) -> bool:
        if key not in self._cache:
            if key == "crisis_negated":
                value = _search_any(r.crisis_negations, self.text)
            elif key == "pseudo":
                value = _search_any(r.not_negations, self.text)
            else:  # "listed": a negated list, an answering "no", a figure of speech
                value = (
                    self._sentence.answered_no
                    or self.ci in self._sentence.negated_list(r)
                    or _search_any(r.figurative, self.text)
                )
            self._cache[key] = value
        return self._cache[key]


class _Sentence:
    __slots__ = ("text", "clauses", "answered_no", "_negated_list", "_history_end", "_marked")

    def __init__(self, text: str, clauses: List[str], answered_no: bool, marked: "_Marked") -> None:
        self.text, self.clauses, self.answered_no = text, clauses, answered_no
        self._negated_list: Optional[Set[int]] = None
        self._history_end: Optional[int] = None
        self._marked = marked

    def history_end(self, r: Rules) -> int:
        if self._history_end is None:
            self._history_end = (
                _history_end(self.text, r) if self in self._marked.sentences(r) else -1
            )
        return self._history_end

    def negated_list(self, r: Rules) -> Set[int]:
        if self._negated_list is None:
            self._negated_list = _list_negated(self.clauses, r.negations)
        return self._negated_list


class _Marked:
    """The sentences of a message that hold a history marker, found for all sentences at once."""

    def __init__(self) -> None:
        self.all: List["_Sentence"] = []
        self._found: Optional[Set["_Sentence"]] = None

    def sentences(self, r: Rules) -> Set["_Sentence"]:
        if self._found is None:
            texts = [s.text for s in self.all]
            starts, offset = [], 0
            for t in texts:
                starts.append(offset)
                offset += len(t) + len(_SEP)
            index = _Index(_SEP.join(texts), starts)
            found: Set[int] = set()
            for pattern in r.history:
                parts = index.candidates(pattern)
                for i in range(len(texts)) if parts is None else parts:
                    if i not in found and pattern.search(texts[i]):
                        found.add(i)
            self._found = {self.all[i] for i in found}
        return self._found


_HAS_WORD = re.compile(r"[a-z0-9]")
_SEP = "\n"  # between clauses in the text every pattern is run over once


_LONG_SENTENCE = 400  # characters: a run-on sentence longer than this is cut into pieces
_SOFT_BREAK = re.compile(
    r" (?=(and|so|then|because|cause|also|plus|anyway|and then|which|while|after that) )"
)


def _bounded(sentence: str) -> List[str]:
    """A run-on sentence (a long message typed without full stops) in pieces of a bounded length, cut
    before a linking word where possible (a negation does not reach past one anyway), else at a space:
    the text each sentence-wide test reads stays short, so cost grows linearly with the message."""
    if len(sentence) <= _LONG_SENTENCE:
        return [sentence]
    pieces: List[str] = []
    rest = sentence
    while len(rest) > _LONG_SENTENCE:
        window = rest[:_LONG_SENTENCE]
        soft = [m.start() for m in _SOFT_BREAK.finditer(window) if m.start() > _LONG_SENTENCE // 4]
        cut = soft[-1] if soft else window.rfind(" ")
        if cut <= 0:
            cut = _LONG_SENTENCE
        pieces.append(rest[:cut].strip())
        rest = rest[cut:]
    pieces.append(rest.strip())
    return [p for p in pieces if p]


def _split(text: str, r: Rules) -> Tuple[List[str], List[_Clause]]:
    sentences = [p for s in _SENTENCE_SPLIT.split(text) if s.strip() for p in _bounded(s.strip())]
    table: List[_Clause] = []
    offset = 0
    marked = _Marked()
    for si, sentence in enumerate(sentences):
        # "stiff neck? no.": a bare "no" answering the sentence before negates it.
        answered_no = si + 1 < len(sentences) and bool(_BARE_NO.match(sentences[si + 1]))
        bounds = [0] + [m.end() for m in _CLAUSE_SPLIT.finditer(sentence)]
        clauses = [_ANSWER_WORD.sub("", c.strip()) for c in _CLAUSE_SPLIT.split(sentence)]
        info = _Sentence(sentence, clauses, answered_no, marked)
        marked.all.append(info)
        for ci, clause in enumerate(clauses):
            if not _HAS_WORD.search(clause):  # ",,,,": nothing to read, and no cost for it
                continue
            table.append(_Clause(si, ci, clause, offset, bounds[ci], info))
            offset += len(clause) + len(_SEP)
    return sentences, table


class _Index:
    """Where each string a pattern needs occurs in a text made of parts (clauses or sentences):
    found once per string, however many patterns need it."""

    def __init__(self, text: str, starts: List[int]) -> None:
        self.text, self.starts = text, starts
        self._parts: Dict[str, Set[int]] = {}
        self._union: Dict[FrozenSet[str], Optional[List[int]]] = {}

    def parts_with(self, s: str) -> Set[int]:
        if s not in self._parts:
            text, starts, parts = self.text, self.starts, set()
            at = text.find(s)
            while at >= 0:
                part = bisect_right(starts, at) - 1
                parts.add(part)
                # One hit is enough for a part: go on from the next one.
                at = text.find(s, starts[part + 1]) if part + 1 < len(starts) else -1
            self._parts[s] = parts
        return self._parts[s]

    def candidates(self, pattern: Pattern[str]) -> Optional[List[int]]:
        """Indexes of the parts that hold a string the pattern needs, in order; None when every part
        must be tried (the pattern has no such strings, or they are in most parts anyway)."""
        needs = _required(pattern)
        if needs is None:
            return None
        key = needs
        if key not in self._union:
            out: Set[int] = set()
            dense = _DENSE * len(self.starts)
            for s in needs:
                out |= self.parts_with(s)
                if len(out) > dense:
                    self._union[key] = None
                    break
            else:
                self._union[key] = sorted(out)
        return self._union[key]


# Caches keyed by the object's id (a compiled pattern hashes its whole text each time, and the
# vocabulary patterns are long); the object is kept with the value, so a reused id is not mistaken.
_ANY_OF: Dict[int, Tuple[Sequence[Pattern[str]], Pattern[str]]] = {}


def _any_of(patterns: Sequence[Pattern[str]]) -> Pattern[str]:
    """One pattern that is found wherever any of the given ones is: one pass instead of many."""
    entry = _ANY_OF.get(id(patterns))
    if entry is None or entry[0] is not patterns:
        combined = re.compile("|".join(f"(?:{p.pattern})" for p in patterns), re.MULTILINE)
        entry = _ANY_OF[id(patterns)] = (patterns, combined)
    return entry[1]


_JOINED: Dict[
    Tuple[int, int], Tuple[Sequence[Pattern[str]], Sequence[Pattern[str]], Tuple[Pattern[str], ...]]
] = {}


def _joined(a: Sequence[Pattern[str]], b: Sequence[Pattern[str]]) -> Tuple[Pattern[str], ...]:
    """a + b, the same tuple object every time (so that _any_of's cache finds it)."""
    entry = _JOINED.get((id(a), id(b)))
    if entry is None or entry[0] is not a or entry[1] is not b:
        entry = _JOINED[(id(a), id(b))] = (a, b, tuple(a) + tuple(b))
    return entry[2]


def _search_any(patterns: Sequence[Pattern[str]], text: str) -> bool:
    """Whether any of the patterns is found in the text."""
    return bool(patterns) and _any_of(patterns).search(text) is not None


_FEW_CLAUSES = 12  # up to this many, a pattern is tested on the whole text at once
_DENSE = 0.25  # share of clauses above which one pass over the whole text is cheaper


def _matches(
    pattern: Pattern[str], index: _Index, table: List["_Clause"]
) -> Iterator[Tuple["_Clause", int]]:
    """(clause, position in the clause) of every match of the pattern, as if run clause by clause.
    Only the clauses holding a string the pattern cannot match without are tried; when most clauses
    do, one pass over the whole text is made instead (a match running over a clause boundary, which
    only a pattern with \\W or \\s can make, sends it back to the clause-by-clause way)."""
    source, starts = index.text, index.starts
    if len(table) <= _FEW_CLAUSES:  # a short message: one cheap test, then one pass
        needs = _required(pattern)
        if needs is not None and not any(s in source for s in needs):
            return
        parts = None
    else:
        parts = index.candidates(pattern)
    if parts is None:
        found = []
        for m in pattern.finditer(source):
            if _SEP in m.group(0):
                break
            found.append(m.start())
        else:
            for at in found:
                clause = table[bisect_right(starts, at) - 1]
                yield clause, at - clause.start
            return
    for i in range(len(table)) if parts is None else parts:
        clause = table[i]
        for m in pattern.finditer(source, clause.start, clause.start + len(clause.text)):
            yield clause, m.start() - clause.start


def _required(pattern: Pattern[str]) -> Optional[FrozenSet[str]]:
    return needs_of(pattern)


def _find(text: str, r: Rules) -> Tuple[_Found, List[str]]:
    sentences, table = _split(text, r)
    found = _Found(affirmed={}, mentioned=set(), history=set())
    if not table:
        return found, sentences
    starts = [c.start for c in table]
    joined = _SEP.join(c.text for c in table)
    # "my cousin died by suicide": not the writer's own risk. Blanked with spaces of the same length,
    # so positions stay the same.
    crisis_text = joined
    for n in r.not_crisis:
        crisis_text = sub_where_needed(n, lambda m: " " * len(m.group(0)), crisis_text)
    plain, crisis = _Index(joined, starts), _Index(crisis_text, starts)
    for name, patterns in r.features.items():
        status: Dict[int, str] = {}  # clause index -> "affirmed" / "negated"
        index = crisis if name == "self_harm" else plain
        for pattern in patterns:
            for clause, at in _matches(pattern, index, table):
                key = id(clause)
                if status.get(key) == "affirmed":
                    continue
                if name == "self_harm":
                    negated = clause.test("crisis_negated", r)
                elif clause.test("listed", r):
                    negated = True
                else:
                    negated = not clause.test("pseudo", r) and _negated(
                        clause.text, at, r.negations
                    )
                status[key] = "negated" if negated else "affirmed"
                found.mentioned.add(name)
                if negated:
                    continue
                if clause.history(r, at) and name != "self_harm" and name not in r.risk_factors:
                    found.history.add(name)
                else:
                    found.affirmed.setdefault(name, set()).add(clause.si)
    return found, sentences


def _modifier(sentence: str, r: Rules, onset: bool = True) -> str:
    """ "new" if the sentence says new, sudden, a first, unlike the usual or lasting over an hour;
    "usual" if it says the symptom is the patient's usual and nothing overrides that; "older" if it
    only gives an age over sixty (a first aura in an older adult who does not call it one); else "".
    Without `onset`, words of sudden onset count for nothing (for the flags a usual attack cancels)."""
    modifiers = _joined(r.modifiers, r.onset_modifiers) if onset else r.modifiers
    overrides = _joined(r.long_durations, r.onset_modifiers) if onset else r.long_durations
    # The modifiers are taken out first: "not like my usual" is no claim that it is the usual.
    rest = _any_of(modifiers).sub(" ", sentence)
    usual = _search_any(r.usual, rest)
    if rest != sentence:
        if not usual or _search_any(overrides, sentence):
            return "new"
    if usual:
        return "usual"
    return "older" if _search_any(r.older_age, sentence) else ""


class _States:
    """The set of sentence states ("new", "usual", "older", "") of a message, computed once and only
    when a flag needs it; sentences with no modifier, usual or age word are "" without a closer look."""

    def __init__(self, sentences: List[str], r: Rules, onset: bool = True) -> None:
        self._sentences, self._r, self._onset = sentences, r, onset
        self._value: Optional[Set[str]] = None

    def __contains__(self, state: str) -> bool:
        if self._value is None:
            self._value = self._compute()
        return state in self._value

    def _compute(self) -> Set[str]:
        r, sentences = self._r, self._sentences
        joined = _SEP.join(sentences)
        starts, offset = [], 0
        for sentence in sentences:
            starts.append(offset)
            offset += len(sentence) + len(_SEP)
        worth_a_look: Set[int] = set()
        index = _Index(joined, starts)
        for pattern in r.modifiers + r.onset_modifiers + r.usual + r.older_age:
            parts = index.candidates(pattern)
            for i in range(len(sentences)) if parts is None else parts:
                if i not in worth_a_look and pattern.search(sentences[i]):
                    worth_a_look.add(i)
        states: Set[str] = set() if len(worth_a_look) == len(sentences) else {""}
        for i in sorted(worth_a_look):
            states.add(_modifier(sentences[i], r, self._onset))
            if (
                "new" in states
            ):  # decides every flag (_level asks for "new" first): no need to go on
                break
        return states


_CONTRAST = re.compile(
    r"\b(but|however|though|although|except|this time|now|today|tonight|suddenly|then)\b"
)


def _all_usual(features: List[str], found: _Found, sentences: List[str], r: Rules) -> bool:
    """Every sentence that affirms the sign calls it the patient's usual, with no turn after that
    ("my usual aura but now my speech is slurred" is not usual). Hyperbole about a usual attack
    ("felt like my head would split, usual migraine tho") is."""
    for si in sorted({si for f in features for si in found.affirmed[f]}):
        sentence = sentences[si]
        if _modifier(sentence, r, onset=False) != "usual":
            return False
        usual = _any_of(r.usual).search(sentence)
        if usual and _CONTRAST.search(sentence, usual.end()):
            return False
    return True


def _level(
    flag: Flag, found: _Found, states: "_States", plain: "_States", sentences: List[str], r: Rules
) -> str:
    """The level this flag fires at ("" if it does not)."""
    if flag.all and not all(f in found.affirmed for f in flag.all):
        return ""
    candidates = [f for f in (flag.any or flag.all) if f in found.affirmed]
    if not candidates:
        return ""
    # "new" is always asked first: _States stops looking once it has found it.
    if flag.unless_usual and "new" not in plain and _all_usual(candidates, found, sentences, r):
        return ""
    if not flag.with_modifier:
        return flag.kind
    # The modifier may be in any sentence: "my left arm went numb. it started suddenly".
    if "new" in states:
        return flag.kind
    if "usual" in states:
        return ""
    if "older" in states:
        return flag.kind
    return flag.otherwise


def is_general_question(text: str, general_frames: Sequence[Pattern[str]] = ()) -> bool:
    """A question about symptoms in general, with no sign it is happening to anyone; or a question in
    a general frame ("can ketamine give me chest pain?") that says nothing of now/today/since."""
    framed = any(f.search(text) for f in general_frames)
    # A question mark inside the message ("...when should a new mom worry? asking before my due
    # date") counts only with a general frame: "stiff neck? yes. fever? yes" is an answer, not a question.
    asks = (
        text.rstrip().endswith("?")
        or bool(_QUESTION_START.search(text))
        or ("?" in text and framed)
    )
    if not asks or _ABOUT_THIS.search(text):
        return False
    if not _PERSONAL.search(text):
        return True
    return framed and not _NOW.search(text)


def assess(text: str, r: Optional[Rules] = None) -> Assessment:
    """Classifies one patient message. Never raises on any string."""
    r = r or rules()
    if not isinstance(text, str) or not text.strip():
        return Assessment("none")
    norm = normalise(text, r)
    found, sentences = _find(norm, r)
    if not found.mentioned:
        return Assessment("none")
    general = is_general_question(norm, r.general_frames)
    fired: Dict[str, List[str]] = {}
    states, plain = _States(sentences, r), _States(sentences, r, onset=False)
    for flag in r.flags:
        level = _level(flag, found, states, plain, sentences, r)
        if level and (flag.kind == "crisis" or not general):
            fired.setdefault(level, []).append(flag.id)
    for level in LEVELS[:3]:
        if level in fired:
            others = [f for lv in LEVELS[:3] if lv != level for f in fired.get(lv, [])]
            notes = _notes(r, found) if level == "urgent_check" else ()
            return Assessment(level, tuple(fired[level] + others), notes)
    return Assessment("clear", (), _notes(r, found))


def _notes(r: Rules, found: _Found) -> Tuple[str, ...]:
    noted = (found.mentioned | found.history) - r.quiet_features
    return tuple(dict.fromkeys(f.note for f in r.flags if set(f.features) & noted))
