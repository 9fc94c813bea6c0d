"""The deterministic red-flag detector.

Why rules and not the model: a missed emergency is the worst thing this assistant can do, and a
classifier trained on a few hundred examples cannot promise anything about a phrasing it has never
seen. Rules can be read by a clinician, tested phrase by phrase, and they behave the same on every
run. The rules themselves are data (safety/red_flags.yml); this module is only the machinery:

1. normalise the text (lower case, accents and curly quotes removed, letters repeated 3+ times cut to
   2, common misspellings and texting forms fixed);
2. split it into sentences (. ! ? ; and new lines) and clauses (sentences split again at commas and
   "but"): negation is judged per clause, because a negation only governs its own clause: "no
   fever but i suddenly can't move my left arm" must fire, and "no fever" alone must not;
3. find every feature (fever, stiff neck, face drooping...) and decide whether it is affirmed: a
   negation word ("no", "not", "don't"...) within the three words before it, or inside the match
   ("neck is not stiff"), makes that mention negated, unless the clause is a pseudo-negation
   (`not_negations`: "never had numbness like this", "not like my usual"). Self-harm is stricter:
   only an explicit "I'm not suicidal" cancels it, never a stray "not" nearby. A negation also
   carries through a list that ends in "or" ("i haven't fainted, had a seizure, or hit my head"),
   and a bare "no" answering a sentence negates it ("stiff neck? no.");
4. a flag fires when its features are affirmed (all of them for `all`, one for `any`), and, for the
   aura-like symptoms the assistant cannot tell from a stroke, when the message also says they are
   new, sudden, a first, unlike the usual, lasting over an hour or not going away, in any sentence ("my arm went numb. it started suddenly" fires: a missed emergency is worse than a
   false alarm). If that sentence says the symptom is the patient's usual ("i always get..."),
   only a duration or persistence modifier (over an hour, since yesterday, won't go away) counts;
5. a general question ("is neck stiffness a warning sign?") with no sign that it is happening to
   someone (I, my, he, she, "is this", "right now"...) does not fire emergency flags: it is "clear",
   and the answer gets the flag's one-line note. A question in a known general frame ("can ketamine
   give me chest pain?", `general_frames`) is general even with "me", unless it says "now", "since",
   "today"... Self-harm statements always get crisis guidance.

Typing: letters repeated 3+ times are cut to 2, or to 1 when only that gives a word the rules use
("stiiiff" -> "stiff", "feverrr" -> "fever"; "sooo" -> "so").

A hypothetical about the patient ("what if my aura lasts more than an hour?") fires: the emergency
guidance is the right answer to it.

Levels: "crisis" (self-harm; wins over emergency: its reply has both numbers), "emergency",
"clear" (a red-flag feature was mentioned but ruled out: notes say when it would be an emergency),
"none" (nothing safety-related).
"""
from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Pattern, Sequence, Set, Tuple, Union

import yaml

RULES_PATH = Path(__file__).resolve().parent / "red_flags.yml"
KINDS = ("emergency", "crisis")
NOTE_PLACEHOLDERS = frozenset({"emergency_number", "crisis_line"})
NEGATION_WINDOW_WORDS = 3
MAX_CHARS = 20_000  # longer input is cut (the channel caps messages far below this)

_SENTENCE_SPLIT = re.compile(r"[.!?;\n]+")
_CLAUSE_SPLIT = re.compile(r",|\bbut\b|\bhowever\b|\balthough\b|\bthough\b")
_REPEATS = re.compile(r"([a-z])\1{2,}")
_QUESTION_START = re.compile(
    r"^\s*(is|are|can|could|does|do|did|what|whats|what's|how|why|when|should|would|will|which|who|"
    r"any|anyone|isn't|aren't|tell me|explain)(?=\s)")
_PERSONAL = re.compile(
    r"\b(i|i'm|i've|i'd|i'll|me|my|mine|myself|we|we're|our|us|he|she|he's|she's|his|her|him|they're|"
    r"their|son|daughter|husband|wife|mom|mum|dad|mother|father|friend|partner|boyfriend|girlfriend|"
    r"bf|gf|kid|child|baby|brother|sister|is this|right now|currently|at the moment)\b")
_NOW = re.compile(r"\b(now|right now|currently|at the moment|today|tonight|since|ago|still)\b")
_WORDS = re.compile(r"[a-z]+")


class SafetyRulesError(ValueError):
    """safety/red_flags.yml is missing, malformed or refers to something that does not exist."""


@dataclass(frozen=True)
class Assessment:
    level: str  # "emergency" | "crisis" | "clear" | "none"
    flags: Tuple[str, ...] = ()
    notes: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Flag:
    id: str
    kind: str
    all: Tuple[str, ...]
    any: Tuple[str, ...]
    with_modifier: bool
    note: str

    @property
    def features(self) -> Tuple[str, ...]:
        return self.all + self.any


@dataclass(frozen=True)
class Rules:
    typos: Tuple[Tuple[Pattern[str], str], ...]
    features: Dict[str, Tuple[Pattern[str], ...]]
    modifiers: Tuple[Pattern[str], ...]
    usual: Tuple[Pattern[str], ...]
    long_durations: Tuple[Pattern[str], ...]
    negations: Tuple[Pattern[str], ...]
    crisis_negations: Tuple[Pattern[str], ...]
    flags: Tuple[Flag, ...]
    quiet_features: frozenset
    not_negations: Tuple[Pattern[str], ...] = ()
    general_frames: Tuple[Pattern[str], ...] = ()
    vocabulary: frozenset = frozenset()


# ---------------------------------------------------------------- loading


def _compile(pattern: Any, where: str) -> Pattern[str]:
    if not isinstance(pattern, str) or not pattern:
        raise SafetyRulesError(f"{where}: a pattern must be a non-empty text in quotes.")
    try:
        return re.compile(pattern)
    except re.error as e:
        raise SafetyRulesError(f"{where}: the pattern {pattern!r} is not a valid regular expression ({e}).") from e


def _patterns(value: Any, where: str) -> Tuple[Pattern[str], ...]:
    if not isinstance(value, list) or not value:
        raise SafetyRulesError(f"{where}: must be a list of one or more patterns.")
    return tuple(_compile(p, f"{where}[{i}]") for i, p in enumerate(value))


def _flag(raw: Any, features: Dict[str, Any], where: str) -> Flag:
    if not isinstance(raw, dict) or not raw.get("id"):
        raise SafetyRulesError(f"{where}: every flag needs an id.")
    where = f"{where} ({raw['id']})"
    kind = raw.get("kind")
    if kind not in KINDS:
        raise SafetyRulesError(f"{where}: kind must be one of {', '.join(KINDS)}, not {kind!r}.")
    all_, any_ = tuple(raw.get("all") or ()), tuple(raw.get("any") or ())
    if not all_ and not any_:
        raise SafetyRulesError(f"{where}: needs 'all' or 'any' features.")
    for name in all_ + any_:
        if name not in features:
            raise SafetyRulesError(f"{where}: the feature {name!r} is not defined under 'features'.")
    note = raw.get("note")
    if not isinstance(note, str) or not note.strip() or "\n" in note.strip():
        raise SafetyRulesError(f"{where}: needs a one-line 'note'.")
    try:
        fields = {f for _, f, _, _ in string.Formatter().parse(note) if f is not None}
    except ValueError as e:
        raise SafetyRulesError(f"{where}: the note has unbalanced braces ({e}).") from e
    if fields - NOTE_PLACEHOLDERS:
        raise SafetyRulesError(f"{where}: the note uses unknown placeholder(s) {sorted(fields - NOTE_PLACEHOLDERS)}; "
                               "only {emergency_number} and {crisis_line} are filled in.")
    if re.search(r"\b(911|988|999|112)\b", note):
        raise SafetyRulesError(f"{where}: the note must not hard-code a phone number: write {{emergency_number}} "
                               "or {crisis_line}.")
    examples = raw.get("examples") or []
    if not isinstance(examples, list) or not all(isinstance(e, str) and e.strip() for e in examples):
        raise SafetyRulesError(f"{where}: 'examples' must be a list of patient phrases in quotes.")
    return Flag(id=str(raw["id"]), kind=kind, all=all_, any=any_, with_modifier=bool(raw.get("with_modifier")),
                note=note.strip())


def load_rules(path: Union[str, Path, None] = None) -> Rules:
    """Reads and validates the rules file. Raises SafetyRulesError naming the file and the bad entry."""
    path = Path(path) if path else RULES_PATH
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise SafetyRulesError(f"{path}: the safety rules file is missing.") from e
    except yaml.YAMLError as e:
        raise SafetyRulesError(f"{path}: not valid YAML ({e}).") from e
    if not isinstance(data, dict):
        raise SafetyRulesError(f"{path}: must contain typos, features, modifiers, negations and flags.")
    for section in ("features", "modifiers", "negations", "flags"):
        if section not in data:
            raise SafetyRulesError(f"{path}: the section '{section}' is missing.")
    raw_features = data["features"]
    if not isinstance(raw_features, dict) or not raw_features:
        raise SafetyRulesError(f"{path}: 'features' must name one or more features.")
    features = {name: _patterns(p, f"{path}: features.{name}") for name, p in raw_features.items()}
    typos = tuple((re.compile(r"\b" + re.escape(str(k)) + r"\b"), str(v)) for k, v in (data.get("typos") or {}).items())
    flags = data["flags"]
    if not isinstance(flags, list) or not flags:
        raise SafetyRulesError(f"{path}: 'flags' must be a list of one or more flags.")
    return Rules(
        typos=typos,
        features=features,
        modifiers=_patterns(data["modifiers"], f"{path}: modifiers"),
        usual=_patterns(data.get("usual") or [r"(?!x)x"], f"{path}: usual"),
        long_durations=_patterns(data.get("long_durations") or [r"(?!x)x"], f"{path}: long_durations"),
        negations=_patterns(data["negations"], f"{path}: negations"),
        crisis_negations=_patterns(data.get("crisis_negations") or [r"(?!x)x"], f"{path}: crisis_negations"),
        flags=tuple(_flag(f, raw_features, f"{path}: flags[{i}]") for i, f in enumerate(flags)),
        quiet_features=frozenset(data.get("quiet_features") or ()),
        not_negations=_patterns(data.get("not_negations") or [r"(?!x)x"], f"{path}: not_negations"),
        general_frames=_patterns(data.get("general_frames") or [r"(?!x)x"], f"{path}: general_frames"),
        vocabulary=_vocabulary(data),
    )


def _vocabulary(data: Dict[str, Any]) -> frozenset:
    """Every word the rules spell out (patterns, typo fixes both ways): what a squeezed word may become."""
    words: Set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, str):
            words.update(_WORDS.findall(node.lower()))
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(str(key))
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk([data.get(k) for k in ("features", "modifiers", "typos", "usual", "long_durations")])
    return frozenset(w for w in words if len(w) >= 2)


@lru_cache(maxsize=1)
def rules() -> Rules:
    return load_rules()


# ---------------------------------------------------------------- matching


def _squeeze(word: str, vocabulary: frozenset) -> str:
    """Cut letters repeated 3+ times to 2 ("sooo" -> "soo"), or to 1 if only that is a known word."""
    two = _REPEATS.sub(r"\1\1", word)
    if two == word or two in vocabulary:
        return two
    one = _REPEATS.sub(r"\1", word)
    return one if one in vocabulary else two


def normalise(text: str, typos: Sequence[Tuple[Pattern[str], str]] = (), vocabulary: frozenset = frozenset()) -> str:
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS])
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = _WORDS.sub(lambda m: _squeeze(m.group(0), vocabulary), text)
    for pattern, fix in typos:
        text = pattern.sub(fix, text)
    return " ".join(text.split())


def _negated(clause: str, start: int, end: int, negations: Sequence[Pattern[str]]) -> bool:
    before = " ".join(clause[max(0, start - 120):start].split()[-NEGATION_WINDOW_WORDS:])
    inside = clause[start:end]
    return any(n.search(before) or n.search(inside) for n in negations)


@dataclass
class _Found:
    affirmed: Dict[str, Set[int]]  # feature -> sentence indexes where it is affirmed
    mentioned: Set[str]


_BARE_NO = re.compile(r"^(no|nope|nah|none|negative|not really|no i don'?t|no i do not|no i haven'?t)$")
_LIST_OR = re.compile(r"^(or|nor)\b")
_SUBJECT = re.compile(r"\b(i|i'm|he|she|they|we|it's)\b")
_LIST_ITEM_MAX_WORDS = 5


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


def _find(text: str, r: Rules) -> Tuple[_Found, List[str]]:
    sentences = [s.strip() for s in _SENTENCE_SPLIT.split(text) if s.strip()]
    found = _Found(affirmed={}, mentioned=set())
    for si, sentence in enumerate(sentences):
        # "stiff neck? no.": a bare "no" answering the sentence before negates it.
        answered_no = si + 1 < len(sentences) and bool(_BARE_NO.match(sentences[si + 1]))
        clauses = [c.strip() for c in _CLAUSE_SPLIT.split(sentence)]
        in_negated_list = _list_negated(clauses, r.negations)
        for ci, clause in enumerate(clauses):
            if not clause:
                continue
            # Clause-wide tests, computed once (a long run-on message must stay linear).
            crisis_negated = any(n.search(clause) for n in r.crisis_negations)
            pseudo = any(p.search(clause) for p in r.not_negations)
            listed = answered_no or ci in in_negated_list
            for name, patterns in r.features.items():
                status = _status_in(name, patterns, clause, r, crisis_negated, pseudo, listed)
                if status:
                    found.mentioned.add(name)
                if status == "affirmed":
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
                negated = not pseudo and _negated(clause, m.start(), m.end(), r.negations)
            if not negated:
                return "affirmed"
            status = "negated"
    return status


def _has_modifier(sentence: str, r: Rules) -> bool:
    """New, sudden, a first, unlike the usual, over an hour, not going away. If the sentence says the
    symptom is the patient's usual ("i always get..."), only a duration over an hour still counts.
    The modifiers' own words are removed before looking for "usual", so "not like my usual" counts."""
    rest = sentence
    for m in r.modifiers:
        rest = m.sub(" ", rest)
    if rest == sentence:
        return False
    if any(u.search(rest) for u in r.usual):
        return any(d.search(sentence) for d in r.long_durations)
    return True


def _fires(flag: Flag, found: _Found, sentences: List[str], r: Rules) -> bool:
    if flag.all and not all(f in found.affirmed for f in flag.all):
        return False
    candidates = [f for f in (flag.any or flag.all) if f in found.affirmed]
    if not candidates:
        return False
    if not flag.with_modifier:
        return True
    # The modifier may be in any sentence: "my left arm went numb. it started suddenly".
    return any(_has_modifier(sentence, r) for sentence in sentences)


def is_general_question(text: str, general_frames: Sequence[Pattern[str]] = ()) -> bool:
    """A question about symptoms in general, with no sign it is happening to anyone; or a question in
    a general frame ("can ketamine give me chest pain?") that says nothing of now/today/since."""
    asks = text.rstrip().endswith("?") or bool(_QUESTION_START.search(text))
    if not asks:
        return False
    if not _PERSONAL.search(text):
        return True
    return any(f.search(text) for f in general_frames) and not _NOW.search(text)


def assess(text: str, r: Optional[Rules] = None) -> Assessment:
    """Classifies one patient message. Never raises on any string."""
    r = r or rules()
    if not isinstance(text, str) or not text.strip():
        return Assessment("none")
    norm = normalise(text, r.typos, r.vocabulary)
    found, sentences = _find(norm, r)
    if not found.mentioned:
        return Assessment("none")
    general = is_general_question(norm, r.general_frames)
    fired = [f for f in r.flags if _fires(f, found, sentences, r) and (f.kind == "crisis" or not general)]
    crisis = [f.id for f in fired if f.kind == "crisis"]
    emergency = [f.id for f in fired if f.kind == "emergency"]
    if crisis:
        return Assessment("crisis", tuple(crisis + emergency))
    if emergency:
        return Assessment("emergency", tuple(emergency))
    noted = found.mentioned - r.quiet_features
    notes = tuple(dict.fromkeys(f.note for f in r.flags if set(f.features) & noted))
    return Assessment("clear", (), notes)
