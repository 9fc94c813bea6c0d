"""Loads and validates safety/red_flags.yml: the red-flag rules as data a clinician can read.

A pattern is a regular expression over the normalised message (safety/text.py). Two shorthands keep
the patterns readable and general:
- `{name}` stands for every word or phrase of the vocabulary list `name` (a synonym list a clinician
  extends, e.g. {limb}: arm, leg, hand...), each single word with all its inflections ("droop" also
  matches droops, drooped, drooping);
- `(\\w+ ){0,N}` (up to N words in between) never steps over a negation word, so "neck is not stiff"
  is not "neck ... stiff", while a negation written inside a sign ("can't move", "won't come") is
  part of the sign, not a negation of it.
Every error names the file and the entry, in plain words, so `make check` can show it to staff.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Pattern, Set, Tuple, Union

import yaml

from safety.prefilter import register
from safety.text import Speller, english_words, forms_of, lemma_words

RULES_PATH = Path(__file__).resolve().parent / "red_flags.yml"
KINDS = ("emergency", "crisis", "urgent_check")
NOTE_PLACEHOLDERS = frozenset({"emergency_number", "crisis_line"})
NEGATION_WORDS = r"(?:no|not|never|nor|without|neither|hardly|barely|[a-z]+n't)"
_GAP = re.compile(r"\(\\w\+ \)\{(\d+),(\d+)\}")
_REF = re.compile(r"\{([a-z_]+)\}")
_WORDS = re.compile(r"[a-z]+")


class SafetyRulesError(ValueError):
    """safety/red_flags.yml is missing, malformed or refers to something that does not exist."""


@dataclass(frozen=True)
class Flag:
    id: str
    kind: str
    all: Tuple[str, ...]
    any: Tuple[str, ...]
    with_modifier: bool
    otherwise: (
        str  # with_modifier flags: the level when the sign is current but no modifier says new
    )
    note: str
    # The message calling it the patient's usual attack (and nothing saying new or sudden) cancels the
    # flag: "felt like my head would split open, my usual migraine" is hyperbole about a known pattern.
    unless_usual: bool = False
    # Provenance of the note, as content/answers.yml records it for every text: the named reference it
    # follows, the role of whoever checked it against that reference, and when.
    source: str = ""
    reviewer_role: str = ""
    last_reviewed: Optional[dt.date] = None

    @property
    def features(self) -> Tuple[str, ...]:
        return self.all + self.any


@dataclass(frozen=True)
class Rules:
    typos: Tuple[Tuple[Pattern[str], str], ...]
    sound_alikes: Tuple[Tuple[Pattern[str], str], ...]
    features: Dict[str, Tuple[Pattern[str], ...]]
    modifiers: Tuple[Pattern[str], ...]
    usual: Tuple[Pattern[str], ...]
    long_durations: Tuple[Pattern[str], ...]
    negations: Tuple[Pattern[str], ...]
    crisis_negations: Tuple[Pattern[str], ...]
    flags: Tuple[Flag, ...]
    quiet_features: FrozenSet[str]
    not_negations: Tuple[Pattern[str], ...]
    general_frames: Tuple[Pattern[str], ...]
    history: Tuple[Pattern[str], ...]
    current: Tuple[Pattern[str], ...]
    figurative: Tuple[Pattern[str], ...]
    older_age: Tuple[Pattern[str], ...]
    not_crisis: Tuple[Pattern[str], ...]
    onset_modifiers: Tuple[Pattern[str], ...]
    risk_factors: FrozenSet[str]
    speller: Speller


def _expand(pattern: str, vocabulary: Dict[str, str], where: str) -> str:
    def ref(m: "re.Match[str]") -> str:
        name = m.group(1)
        if name not in vocabulary:
            raise SafetyRulesError(
                f"{where}: the pattern {pattern!r} uses {{{name}}}, which is not a list "
                "under 'vocabulary'."
            )
        return vocabulary[name]

    def gap(m: "re.Match[str]") -> str:
        return f"(?:(?!{NEGATION_WORDS}\\b)[\\w']+ ){{{m.group(1)},{m.group(2)}}}"

    return _GAP.sub(gap, _REF.sub(ref, pattern))


class Vocabulary(Dict[str, str]):
    """Each list as a letter-tree regex (fast to match), with `flat`: the same lists as plain
    alternatives (what the prefilter reads its needed strings from)."""

    def __init__(self) -> None:
        super().__init__()
        self.flat: Dict[str, str] = {}


def _compile(pattern: Any, where: str, vocabulary: Dict[str, str]) -> Pattern[str]:
    if not isinstance(pattern, str) or not pattern:
        raise SafetyRulesError(f"{where}: a pattern must be a non-empty text in quotes.")
    try:
        # Multi-line: the detector runs a pattern over one clause of a longer text at a time, and "^"
        # or "$" mean the clause's start and end (clauses are separated by new lines there).
        compiled = re.compile(_expand(pattern, vocabulary, where), re.MULTILINE)
        flat = getattr(vocabulary, "flat", None)
        if flat and _REF.search(pattern):
            register(compiled, re.compile(_expand(pattern, flat, where), re.MULTILINE))
        return compiled
    except re.error as e:
        raise SafetyRulesError(
            f"{where}: the pattern {pattern!r} is not a valid regular expression ({e})."
        ) from e


def _patterns(value: Any, where: str, vocabulary: Dict[str, str]) -> Tuple[Pattern[str], ...]:
    if not isinstance(value, list) or not value:
        raise SafetyRulesError(f"{where}: must be a list of one or more patterns.")
    return tuple(_compile(p, f"{where}[{i}]", vocabulary) for i, p in enumerate(value))


def _optional(
    data: Dict[str, Any], key: str, where: str, vocabulary: Dict[str, str]
) -> Tuple[Pattern[str], ...]:
    return _patterns(data.get(key) or [r"(?!x)x"], f"{where}: {key}", vocabulary)


def _phrase_forms(phrase: str) -> List[str]:
    """A vocabulary entry's spellings: a single word with its inflections, a phrase with its first
    word inflected ("pass out" -> passed out, passing out). Plain text, not yet escaped."""
    words = phrase.split()
    if not words:
        return []
    head, rest = words[0], " ".join(words[1:])
    heads = forms_of(head) if head.isalpha() else (head,)
    return [h + (" " + rest if rest else "") for h in heads]


def _trie(alternatives: Set[str]) -> str:
    """The alternatives as one regex with shared beginnings factored out ("arm|arms|ankle" ->
    "a(?:nkle|rm(?:s)?)"): the regex engine then reads each letter once at a position instead of
    trying hundreds of alternatives one by one. Longer spellings are tried first, as before."""
    tree: Dict[str, Any] = {}
    for word in alternatives:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: Dict[str, Any]) -> str:
        ends = "" in node
        branches = [re.escape(c) + emit(child) for c, child in sorted(node.items()) if c]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return emit(tree)


def _vocabulary(raw: Any, where: str) -> Tuple[Dict[str, str], Set[str]]:
    if raw is None:
        return Vocabulary(), set()
    if not isinstance(raw, dict):
        raise SafetyRulesError(
            f"{where}: 'vocabulary' must name lists of words (name: [word, ...])."
        )
    out = Vocabulary()
    words: Set[str] = set()
    for name, entries in raw.items():
        if (
            not isinstance(entries, list)
            or not entries
            or not all(isinstance(e, str) and e.strip() for e in entries)
        ):
            raise SafetyRulesError(
                f"{where}: vocabulary.{name} must be a list of words or phrases in quotes."
            )
        alts = {a for e in entries for a in _phrase_forms(e.strip().lower())}
        out[str(name)] = r"\b(?:" + _trie(alts) + r")\b"
        out.flat[str(name)] = (
            r"\b(?:" + "|".join(re.escape(a) for a in sorted(alts, key=len, reverse=True)) + r")\b"
        )
        words.update(w for e in entries for w in _WORDS.findall(e.lower()))
    return out, words


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
            raise SafetyRulesError(
                f"{where}: the feature {name!r} is not defined under 'features'."
            )
    otherwise = raw.get("otherwise") or ""
    if otherwise not in ("", "urgent_check"):
        raise SafetyRulesError(f"{where}: 'otherwise' can only be urgent_check, not {otherwise!r}.")
    note = raw.get("note")
    if not isinstance(note, str) or not note.strip() or "\n" in note.strip():
        raise SafetyRulesError(f"{where}: needs a one-line 'note'.")
    try:
        fields = {f for _, f, _, _ in string.Formatter().parse(note) if f is not None}
    except ValueError as e:
        raise SafetyRulesError(f"{where}: the note has unbalanced braces ({e}).") from e
    if fields - NOTE_PLACEHOLDERS:
        raise SafetyRulesError(
            f"{where}: the note uses unknown placeholder(s) {sorted(fields - NOTE_PLACEHOLDERS)}; "
            "only {emergency_number} and {crisis_line} are filled in."
        )
    if re.search(r"\b(911|988|999|112)\b", note):
        raise SafetyRulesError(
            f"{where}: the note must not hard-code a phone number: write {{emergency_number}} "
            "or {crisis_line}."
        )
    source, reviewer_role, last_reviewed = _note_provenance(raw, where)
    examples = raw.get("examples") or []
    if not isinstance(examples, list) or not all(
        isinstance(e, str) and e.strip() for e in examples
    ):
        raise SafetyRulesError(f"{where}: 'examples' must be a list of patient phrases in quotes.")
    return Flag(
        id=str(raw["id"]),
        kind=kind,
        all=all_,
        any=any_,
        with_modifier=bool(raw.get("with_modifier")),
        otherwise=otherwise,
        note=note.strip(),
        unless_usual=bool(raw.get("unless_usual")),
        source=source,
        reviewer_role=reviewer_role,
        last_reviewed=last_reviewed,
    )


def _note_provenance(raw: Dict[str, Any], where: str) -> Tuple[str, str, Optional[dt.date]]:
    """The note's source (required: a patient-facing text without one is refused, as in content/),
    reviewer_role and last_reviewed (a date when given)."""
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip():
        raise SafetyRulesError(
            f"{where}: the note has no 'source'. Add the named reference it follows, e.g. "
            'source: "NHS: when to call 999 (stroke, FAST)", with reviewer_role and last_reviewed.'
        )
    role = raw.get("reviewer_role") or ""
    if not isinstance(role, str):
        raise SafetyRulesError(f"{where}: 'reviewer_role' must be a text in quotes.")
    reviewed = raw.get("last_reviewed")
    if reviewed is not None and (
        not isinstance(reviewed, dt.date) or isinstance(reviewed, dt.datetime)
    ):
        raise SafetyRulesError(f"{where}: 'last_reviewed' must be a date, YYYY-MM-DD.")
    return source.strip(), role.strip(), reviewed


def _replacements(raw: Any, where: str, literal: bool) -> Tuple[Tuple[Pattern[str], str], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise SafetyRulesError(f"{where}: must be a list of 'written: meant' pairs.")
    out = []
    for k, v in raw.items():
        source = r"\b" + re.escape(str(k)) + r"\b" if literal else str(k)
        try:
            out.append((re.compile(source), str(v)))
        except re.error as e:
            raise SafetyRulesError(
                f"{where}: {k!r} is not a valid regular expression ({e})."
            ) from e
    return tuple(out)


def _rule_words(data: Dict[str, Any], vocabulary_words: Set[str]) -> Set[str]:
    """Every plain word the rules spell out: what a misspelt word may be repaired to."""
    words: Set[str] = set(vocabulary_words)

    def walk(node: Any) -> None:
        if isinstance(node, str):
            # Words in a pattern, without regex escapes such as \w or \b.
            words.update(_WORDS.findall(re.sub(r"\\[a-zA-Z]", " ", node.lower())))
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(str(key))
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk([data.get(k) for k in ("features", "typos")])
    return {w for w in words if len(w) >= 4}


def _list_words(raw: Any) -> Set[str]:
    """The whole words (no apostrophe fragments) of the clinicians' synonym lists."""
    if not isinstance(raw, dict):
        return set()
    return {
        w
        for entries in raw.values()
        if isinstance(entries, list)
        for e in entries
        if isinstance(e, str)
        for w in re.findall(r"[a-z]+(?:'[a-z]+)?", e.lower())
        if "'" not in w
    }


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
        raise SafetyRulesError(
            f"{path}: must contain typos, features, modifiers, negations and flags."
        )
    for section in ("features", "modifiers", "negations", "flags"):
        if section not in data:
            raise SafetyRulesError(f"{path}: the section '{section}' is missing.")
    vocabulary, vocabulary_words = _vocabulary(data.get("vocabulary"), str(path))
    raw_features = data["features"]
    if not isinstance(raw_features, dict) or not raw_features:
        raise SafetyRulesError(f"{path}: 'features' must name one or more features.")
    features = {
        name: _patterns(p, f"{path}: features.{name}", vocabulary)
        for name, p in raw_features.items()
    }
    flags = data["flags"]
    if not isinstance(flags, list) or not flags:
        raise SafetyRulesError(f"{path}: 'flags' must be a list of one or more flags.")
    where = str(path)
    return Rules(
        typos=_replacements(data.get("typos"), f"{path}: typos", literal=True),
        sound_alikes=_replacements(
            data.get("sound_alikes"), f"{path}: sound_alikes", literal=False
        ),
        features=features,
        modifiers=_patterns(data["modifiers"], f"{path}: modifiers", vocabulary),
        usual=_optional(data, "usual", where, vocabulary),
        long_durations=_optional(data, "long_durations", where, vocabulary),
        negations=_patterns(data["negations"], f"{path}: negations", vocabulary),
        crisis_negations=_optional(data, "crisis_negations", where, vocabulary),
        flags=tuple(_flag(f, raw_features, f"{path}: flags[{i}]") for i, f in enumerate(flags)),
        quiet_features=frozenset(data.get("quiet_features") or ()),
        not_negations=_optional(data, "not_negations", where, vocabulary),
        general_frames=_optional(data, "general_frames", where, vocabulary),
        history=_optional(data, "history", where, vocabulary),
        current=_optional(data, "current", where, vocabulary),
        figurative=_optional(data, "figurative", where, vocabulary),
        older_age=_optional(data, "older_age", where, vocabulary),
        not_crisis=_optional(data, "not_crisis", where, vocabulary),
        risk_factors=frozenset(data.get("risk_factors") or ()),
        onset_modifiers=tuple(
            p
            for p in _optional(data, "onset_modifiers", where, vocabulary)
            if p.pattern != "(?!x)x"
        ),
        speller=Speller(
            _rule_words(data, vocabulary_words),
            english_words(),
            sign_words=_list_words(data.get("vocabulary")),
            standard=lemma_words(),
        ),
    )


@lru_cache(maxsize=1)
def rules() -> Rules:
    return load_rules()
