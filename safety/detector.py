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
4. History: a sentence about the past or family history ("as a toddler", "years ago", "my uncle had
   a stroke") and with nothing that says now ("since lunch", "20 minutes ago", "still") does not
   affirm a sign; a past self-harm statement still gets crisis guidance.
5. Flags fire when their features are affirmed. Neurological signs (`with_modifier`) are an
   emergency when anything says new, sudden, a first, unlike the usual, or lasting over an hour; a
   sign happening now that the message does not call the patient's usual gets the flag's
   `otherwise` level (urgent_check: "call now if it is new"); the patient's usual, familiar aura
   gets neither, only the note.
6. A general question ("is neck stiffness a warning sign?") with no sign that it is happening to
   someone does not fire emergency flags ("clear": the answer carries the flag's note). "is that a
   stroke?", "should we go to the ER??" and anything personal with a time ("since", "now") are not
   general. Self-harm statements always get crisis guidance.

Levels, strongest first: crisis (its reply has both numbers), emergency, urgent_check, clear (a
red-flag feature mentioned but ruled out: notes say when it would be an emergency), none.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Pattern, Sequence, Set, Tuple

from safety.rules import KINDS, RULES_PATH, Flag, Rules, SafetyRulesError, load_rules, rules
from safety.text import MAX_CHARS
from safety.text import normalise as _normalise

__all__ = ["Assessment", "assess", "normalise", "is_general_question", "load_rules", "rules", "RULES_PATH",
           "SafetyRulesError", "KINDS", "LEVELS", "MAX_CHARS"]

LEVELS = ("crisis", "emergency", "urgent_check", "clear", "none")
NEGATION_WINDOW_WORDS = 5

_SENTENCE_SPLIT = re.compile(r"[.!?;\n]+|\s-\s|\.\.+")
_CLAUSE_SPLIT = re.compile(r",|\bbut\b|\bhowever\b|\balthough\b|\bthough\b|\bexcept\b")
# Words that start a new statement inside a clause: a negation before them does not reach past them.
_SCOPE_BREAK = re.compile(r"\b(and|so|then|now|because|cause|cuz|since|when|while|after|suddenly|it's|its|"
                          r"which|who|that's|plus|also)\b")
# "no, i can't move my arm" / "no i can't...": a leading answer word is not a negation of what follows.
_ANSWER_WORD = re.compile(r"^(no|nope|nah|yes|yeah|yep|ok|okay|well|um|uh)\b\W*(?=(i|i'm|he|she|it|my|his|her|"
                          r"we|they|this|that|our|mum|mom|dad)\b)")
_QUESTION_START = re.compile(
    r"^\s*(is|are|can|could|does|do|did|what|whats|what's|how|why|when|should|would|will|which|who|"
    r"any|anyone|isn't|aren't|tell me|explain)(?=\s)")
_PERSONAL = re.compile(
    r"\b(i|i'm|i've|i'd|i'll|me|my|mine|myself|we|we're|our|us|he|she|he's|she's|his|her|him|they're|"
    r"their|them|son|daughter|husband|wife|mom|mum|dad|mother|father|friend|partner|boyfriend|girlfriend|"
    r"bf|gf|kid|child|baby|brother|sister|grandma|grandpa|granny|nan|is this|is that|was that|was this|"
    r"right now|currently|at the moment)\b")
_NOW = re.compile(r"\b(now|right now|currently|at the moment|today|tonight|this morning|since|ago|still|"
                  r"just|started|keeps|woke|suddenly|happening|yesterday|last night)\b")
# "is that a stroke?", "go to the er??": asking what to do about something happening.
_ABOUT_THIS = re.compile(r"\b(is|was|could|might) (this|that|it) (\w+ ){0,2}(a |an )?(stroke|seizure|emergency|"
                         r"bleed|aneurysm|meningitis|heart attack|overdose)|\?\?|\b(go|going|take \w+) to "
                         r"(the )?(er|a&e|hospital|emergency)\b")
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
    before = clause[max(0, start - 160):start]
    breaks = list(_SCOPE_BREAK.finditer(before))
    if breaks:
        before = before[breaks[-1].end():]
    window = " ".join(before.split()[-NEGATION_WINDOW_WORDS:])
    return any(n.search(window) for n in negations)


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
    first = next((i for i, c in enumerate(clauses) if any(n.search(c) for n in negations)), None)
    if first is None:
        return inherited
    last_or = max((j for j in range(first + 1, len(clauses)) if _LIST_OR.match(clauses[j])), default=None)
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
    now = min((m.start() for c in r.current for m in [c.search(sentence)] if m), default=len(sentence))
    head = sentence[:now]
    return now if any(h.search(head) for h in r.history) else -1


def _find(text: str, r: Rules) -> Tuple[_Found, List[str]]:
    sentences = [s.strip() for s in _SENTENCE_SPLIT.split(text) if s.strip()]
    found = _Found(affirmed={}, mentioned=set(), history=set())
    for si, sentence in enumerate(sentences):
        # "stiff neck? no.": a bare "no" answering the sentence before negates it.
        answered_no = si + 1 < len(sentences) and bool(_BARE_NO.match(sentences[si + 1]))
        history_end = _history_end(sentence, r)
        bounds = [0] + [m.end() for m in _CLAUSE_SPLIT.finditer(sentence)]
        clauses = [_ANSWER_WORD.sub("", c.strip()) for c in _CLAUSE_SPLIT.split(sentence)]
        in_negated_list = _list_negated(clauses, r.negations)
        for ci, clause in enumerate(clauses):
            if not clause:
                continue
            # Clause-wide tests, computed once (a long run-on message must stay linear).
            crisis_negated = any(n.search(clause) for n in r.crisis_negations)
            pseudo = any(p.search(clause) for p in r.not_negations)
            listed = answered_no or ci in in_negated_list or any(f.search(clause) for f in r.figurative)
            history = history_end >= 0 and bounds[ci] < history_end
            crisis_clause = clause
            for n in r.not_crisis:  # "my cousin died by suicide": not the writer's own risk
                crisis_clause = n.sub(" ", crisis_clause)
            for name, patterns in r.features.items():
                status = _status_in(name, patterns, crisis_clause if name == "self_harm" else clause, r,
                                    crisis_negated, pseudo, listed)
                if status:
                    found.mentioned.add(name)
                if status != "affirmed":
                    continue
                if history and name != "self_harm" and name not in r.risk_factors:
                    found.history.add(name)
                else:
                    found.affirmed.setdefault(name, set()).add(si)
    return found, sentences


def _status_in(name: str, patterns: Sequence[Pattern[str]], clause: str, r: Rules, crisis_negated: bool,
               pseudo: bool, listed: bool) -> str:
    """"affirmed" if the feature is mentioned and not negated at least once in this clause,
    "negated" if it is only mentioned negated, "" if it is not mentioned."""
    status = ""
    for pattern in patterns:
        for m in pattern.finditer(clause):
            if name == "self_harm":
                negated = crisis_negated
            elif listed:
                negated = True
            else:
                negated = not pseudo and _negated(clause, m.start(), r.negations)
            if not negated:
                return "affirmed"
            status = "negated"
    return status


# ---------------------------------------------------------------- flags


def _modifier(sentence: str, r: Rules) -> str:
    """"new" if the sentence says new, sudden, a first, unlike the usual or lasting over an hour;
    "usual" if it says the symptom is the patient's usual and nothing overrides that; "older" if it
    only gives an age over sixty (a first aura in an older adult who does not call it one); else ""."""
    rest = sentence
    for m in r.modifiers:
        rest = m.sub(" ", rest)
    usual = any(u.search(rest) for u in r.usual)
    if rest != sentence:
        if not usual or any(d.search(sentence) for d in r.long_durations):
            return "new"
    if usual:
        return "usual"
    return "older" if any(a.search(sentence) for a in r.older_age) else ""


def _level(flag: Flag, found: _Found, states: Set[str]) -> str:
    """The level this flag fires at ("" if it does not)."""
    if flag.all and not all(f in found.affirmed for f in flag.all):
        return ""
    candidates = [f for f in (flag.any or flag.all) if f in found.affirmed]
    if not candidates:
        return ""
    if flag.unless_usual and "usual" in states and "new" not in states:
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
    asks = "?" in text or bool(_QUESTION_START.search(text))
    if not asks or _ABOUT_THIS.search(text):
        return False
    if not _PERSONAL.search(text):
        return True
    return any(f.search(text) for f in general_frames) and not _NOW.search(text)


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
    states = {_modifier(s, r) for s in sentences}
    for flag in r.flags:
        level = _level(flag, found, states)
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
