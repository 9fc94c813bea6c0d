"""`make review`: what patients asked that the assistant could not answer well, for staff to turn into
new training examples (docs/staff-guide.md, "Review what patients asked").

    python -m staff.review [--days 30 | --since 2026-11-01 | --all] [--threshold 0.6]
                           [--db-url URL] [--out review/out]

Reads the conversations from the tracker store the assistant writes to: the same `tracker_store` of
endpoints.yml, with the same TRACKER_* variables (deploy/defaults.env, overridden by the environment),
so a SQLite file on one machine and PostgreSQL in production both work. `--db-url` reads another one.

Writes review/out/review-<date>.md (to read) and review/out/review-<date>.yml (to mark up for
`make add-examples`), listing, grouped by the intent the assistant guessed and by similar wording, and
counted:
- not understood: the assistant said "sorry, I didn't get that" (nlu_fallback, or no confident action);
- out of scope: questions the assistant does not cover;
- low confidence: answered, but the model was less sure than --threshold;
- sent to a clinician: personal questions, cost, booking, "talk to a person".
Emergency and crisis replies are counted, never quoted.

It also lists, in the .md report:
- marked not helpful: the questions whose answers patients marked "Not helpful" in the widget
  (`unhelpful()`: the feedback table of plugins/feedback.py joined to the conversation on its id and the
  question's time), with the intent and confidence; those answered confidently (at or above
  --threshold) are listed apart, and go to the .yml as well (in no other list, they would never be
  marked): a confident answer that patients found unhelpful is likely a wrong one;
- asked most: the intents patients asked about most, counted, with a few example wordings
  (`most_asked()`).

No patient identifiers: no sender ids, no times finer than the day; phone numbers, e-mail addresses,
links, dates (of birth or any other), long numbers, addresses and name-like words are replaced by
<phone>, <email>, <link>, <date>, <number>, <address>, <name> in every text.
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import json
import os
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

import yaml

from ops import settings
from safety.intents import SAFETY_INTENTS
from staff.scrub import _COMMON, printable, scrub, vocabulary  # noqa: F401  (review.scrub etc.)
from staff.yaml_lines import ROOT, domain_intents, load_yaml, normalise

DEFAULT_THRESHOLD = 0.6
OUT_DIR = ROOT / "review" / "out"

NOT_UNDERSTOOD, OUT_OF_SCOPE, LOW_CONFIDENCE, CLINICIAN = (
    "not understood",
    "out of scope",
    "low confidence",
    "sent to a clinician",
)
REASONS = (NOT_UNDERSTOOD, OUT_OF_SCOPE, LOW_CONFIDENCE, CLINICIAN)
REASON_NOTE = {
    NOT_UNDERSTOOD: "the assistant said it did not understand (fallback)",
    OUT_OF_SCOPE: "the assistant said it cannot help with that (out of scope)",
    LOW_CONFIDENCE: "answered, but the assistant was unsure",
    CLINICIAN: "the assistant asked the patient to contact a clinician",
}
SAFETY_ACTIONS = {"action_emergency", "action_crisis"}


# ---------------------------------------------------------------- the tracker store


def tracker_db_url(
    endpoints: Path = settings.ENDPOINTS, environ: Optional[Mapping[str, str]] = None
) -> str:
    """The database URL the assistant's tracker store uses: endpoints.yml `tracker_store` with ${VARS}
    filled from the environment, else deploy/defaults.env (ops/settings.py, as the preflight reads it)."""
    try:
        ts = settings.tracker_store(settings.read_endpoints(endpoints, environ))
    except settings.ConfigError as e:
        raise SystemExit(f"review: {e} Or use --db-url.") from None
    if ts.type.lower() != "sql" and not ts.type.endswith(
        "SQLTrackerStore"
    ):  # e.g. plugins.tracker_store.StrictSQLTrackerStore
        raise SystemExit(
            f"review: the tracker store in {endpoints.name} is '{ts.type}'; only SQL "
            "(SQLite or PostgreSQL) can be read. Use --db-url."
        )
    return ts.url


@dataclass
class Turn:
    """One patient message and what the assistant did with it."""

    day: str
    text: str
    intent: str
    confidence: float
    guess: str  # the model's best real intent (for nlu_fallback: its top candidate)
    actions: List[str] = field(default_factory=list)
    kinds: List[str] = field(default_factory=list)


def read_turns(db_url: str, since: Optional[dt.date] = None) -> Tuple[List[Turn], int]:
    """Patient turns from the tracker store (oldest first) and the number of conversations."""
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    query = "SELECT sender_id, type_name, timestamp, data FROM events WHERE type_name IN ('user', 'action', 'bot')"
    params: Dict[str, Any] = {}
    if since is not None:
        query += " AND timestamp >= :since"
        params["since"] = dt.datetime.combine(since, dt.time()).timestamp()
    query += " ORDER BY sender_id, id"
    turns: List[Turn] = []
    conversations: Set[str] = set()
    current: Dict[str, Turn] = {}
    with engine.connect() as conn:
        for sender, type_name, ts, data in conn.execute(sa.text(query), params):
            try:
                event = json.loads(data) if data else {}
            except ValueError:
                continue
            if type_name == "user":
                text = event.get("text") or ""
                parse = event.get("parse_data") or {}
                intent = (parse.get("intent") or {}).get("name") or ""
                conf = float((parse.get("intent") or {}).get("confidence") or 0.0)
                ranking = [
                    r
                    for r in parse.get("intent_ranking") or []
                    if r.get("name") not in ("nlu_fallback",)
                ]
                guess = ranking[0]["name"] if ranking and intent == "nlu_fallback" else intent
                day = dt.datetime.fromtimestamp(ts or 0, dt.timezone.utc).date().isoformat()
                turn = Turn(day, text, intent, conf, guess)
                current[sender] = turn
                turns.append(turn)
                if text and not text.startswith("/"):
                    conversations.add(sender)  # a conversation in which the patient typed something
            elif sender in current:
                if type_name == "action":
                    name = event.get("name") or ""
                    if name == "action_listen":
                        del current[sender]
                    elif name:
                        current[sender].actions.append(name)
                elif type_name == "bot":
                    kind = ((event.get("data") or {}).get("custom") or {}).get("kind")
                    if kind:
                        current[sender].kinds.append(kind)
    engine.dispose()
    return turns, len(conversations)


def classify(turn: Turn, threshold: float) -> Optional[str]:
    """Why this turn is worth a look, or None (answered confidently, a button press, a safety reply)."""
    if not turn.text.strip() or turn.text.startswith("/"):
        return None  # a button: the patient typed nothing
    if (
        turn.intent in SAFETY_INTENTS
        or SAFETY_ACTIONS & set(turn.actions)
        or {"emergency", "crisis"} & set(turn.kinds)
    ):
        return "safety"
    if (
        turn.intent == "nlu_fallback"
        or "action_fallback" in turn.actions
        or "action_default_fallback" in turn.actions
    ):
        return NOT_UNDERSTOOD
    if turn.intent == "out_of_scope" or "action_out_of_scope" in turn.actions:
        return OUT_OF_SCOPE
    if "action_contact_clinician" in turn.actions or "clinician" in turn.kinds:
        return CLINICIAN
    if turn.confidence < threshold:
        return LOW_CONFIDENCE
    return None


# ---------------------------------------------------------------- patients' feedback, what is asked most

FEEDBACK_TABLE = "clinic_feedback"  # plugins/feedback.py
# A float read back from two columns (the tracker's and the feedback's) may differ in its last bits.
TIME_TOLERANCE = 0.001
EXAMPLES = 3
BUTTON = "(pressed a button)"
# A group's reason in the .yml for a confident answer marked not helpful (not one of REASONS: the
# report lists these under their own heading).
UNHELPFUL = "marked not helpful"
# Answers already listed under one of REASONS whatever their confidence (classify()).
LISTED_ACTIONS = {
    "action_fallback",
    "action_default_fallback",
    "action_out_of_scope",
    "action_contact_clinician",
}


@dataclass
class Rated:
    """A patient message whose answer the patient rated: scrubbed text, never an id or a time."""

    day: str
    text: str
    intent: str
    confidence: float
    action: str
    topic: Optional[str]


@dataclass
class Asked:
    """How often patients asked about one intent, with a few scrubbed wordings (none for safety)."""

    intent: str
    count: int
    buttons: int = 0
    examples: List[str] = field(default_factory=list)


def _since_ts(since: Optional[dt.date]) -> Optional[float]:
    return None if since is None else dt.datetime.combine(since, dt.time()).timestamp()


def unhelpful(
    db_url: Optional[str] = None,
    since: Optional[dt.date] = None,
    vocab: Optional[Set[str]] = None,
) -> List[Rated]:
    """The questions whose answers patients marked "Not helpful" (oldest first), scrubbed. `db_url`:
    the assistant's database (the tracker store's, which holds the feedback too)."""
    import sqlalchemy as sa

    engine = sa.create_engine(db_url or tracker_db_url())
    query = (
        "SELECT f.created_at, f.intent, f.confidence, f.action, f.topic, e.data "
        f"FROM {FEEDBACK_TABLE} f JOIN events e ON e.sender_id = f.conversation_id "
        "AND e.type_name = 'user' AND e.timestamp BETWEEN f.asked_at - :tol AND f.asked_at + :tol "
        "WHERE f.helpful = :helpful"
    )
    params: Dict[str, Any] = {"tol": TIME_TOLERANCE, "helpful": False}
    if since is not None:
        query += " AND f.created_at >= :since"
        params["since"] = _since_ts(since)
    query += " ORDER BY f.created_at"
    vocab = vocab if vocab is not None else vocabulary()
    out: List[Rated] = []
    try:
        with engine.connect() as conn:
            if not (
                sa.inspect(conn).has_table(FEEDBACK_TABLE) and sa.inspect(conn).has_table("events")
            ):
                return []  # no feedback given yet
            for created, intent, conf, action, topic, data in conn.execute(sa.text(query), params):
                try:
                    text = str((json.loads(data) if data else {}).get("text") or "")
                except ValueError:
                    continue
                out.append(
                    Rated(
                        day=dt.datetime.fromtimestamp(created or 0, dt.timezone.utc)
                        .date()
                        .isoformat(),
                        text=BUTTON if text.startswith("/") else scrub(text, vocab),
                        intent=intent or "",
                        confidence=float(conf or 0.0),
                        action=action or "",
                        topic=topic,
                    )
                )
    finally:
        engine.dispose()
    return out


def confidently_unhelpful(items: Sequence[Rated], threshold: float) -> List[Rated]:
    """Answered confidently, yet marked not helpful: the likely wrong answers."""
    return [
        r
        for r in items
        if r.confidence >= threshold and r.intent not in ("nlu_fallback", "out_of_scope", "")
    ]


def _safety_turn(turn: Turn) -> bool:
    return bool(
        turn.intent in SAFETY_INTENTS
        or SAFETY_ACTIONS & set(turn.actions)
        or {"emergency", "crisis"} & set(turn.kinds)
    )


def asked_counts(turns: Iterable[Turn], vocab: Set[str], examples: int = EXAMPLES) -> List[Asked]:
    """Counts per intent (typed questions, and button presses apart), most asked first; the most
    frequent scrubbed wordings as examples. Safety messages are counted, never quoted."""
    typed: Counter = Counter()
    pressed: Counter = Counter()
    wordings: Dict[str, Counter] = defaultdict(Counter)
    first: Dict[Tuple[str, str], str] = {}
    for t in turns:
        if not t.text.strip():
            continue
        intent = t.intent or "none"
        if t.text.startswith("/"):
            pressed[intent] += 1
            continue
        typed[intent] += 1
        if _safety_turn(t):
            continue
        text = scrub(t.text, vocab)
        key = normalise(text)
        wordings[intent][key] += 1
        first.setdefault((intent, key), text)
    out = [
        Asked(
            intent,
            typed[intent],
            pressed[intent],
            [first[(intent, k)] for k, _ in wordings[intent].most_common(examples)],
        )
        for intent in set(typed) | set(pressed)
    ]
    return sorted(out, key=lambda a: (-a.count, -a.buttons, a.intent))


def most_asked(
    db_url: Optional[str] = None,
    since: Optional[dt.date] = None,
    examples: int = EXAMPLES,
    root: Path = ROOT,
) -> List[Asked]:
    """What patients asked most in the period, per intent, with a few scrubbed examples."""
    turns, _ = read_turns(db_url or tracker_db_url(), since)
    return asked_counts(turns, vocabulary(root), examples)


# ---------------------------------------------------------------- grouping


def _similar(a: str, b: str) -> bool:
    if a == b:
        return True
    ta, tb = set(a.split()) - _COMMON, set(b.split()) - _COMMON
    if ta and tb and len(ta & tb) / len(ta | tb) >= 0.6:
        return True
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.8


@dataclass
class Line:
    text: str
    count: int = 0
    reasons: Counter = field(default_factory=Counter)


@dataclass
class Group:
    guess: str
    lines: List[Line]
    days: Set[str] = field(default_factory=set)

    @property
    def count(self) -> int:
        return sum(line.count for line in self.lines)

    @property
    def reasons(self) -> Counter:
        total: Counter = Counter()
        for line in self.lines:
            total.update(line.reasons)
        return total


def group(items: Iterable[Tuple[str, str, str, str]]) -> List[Group]:
    """items: (reason, guessed intent, scrubbed text, day). Groups by guessed intent, then by similar
    wording; identical wordings (ignoring case and punctuation) become one counted line."""
    by_intent: Dict[str, List[Group]] = defaultdict(list)
    for reason, guess, text, day in items:
        norm = normalise(text)
        groups = by_intent[guess]
        target = next(
            (g for g in groups if any(_similar(norm, normalise(l.text)) for l in g.lines)), None
        )
        if target is None:
            target = Group(guess, [])
            groups.append(target)
        line = next((l for l in target.lines if normalise(l.text) == norm), None)
        if line is None:
            line = Line(text)
            target.lines.append(line)
        line.count += 1
        line.reasons[reason] += 1
        target.days.add(day)
    out = [g for gs in by_intent.values() for g in gs]
    for g in out:
        g.lines.sort(key=lambda l: (-l.count, l.text))
    return sorted(out, key=lambda g: (-g.count, g.guess, g.lines[0].text))


# ---------------------------------------------------------------- writing


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _wrapped(lead: str, words: Sequence[str], width: int = 100) -> List[str]:
    lines, line = [], lead
    for w in words:
        if len(line) + len(w) + 2 > width and line != lead:
            lines.append(line.rstrip(", ").rstrip())
            line = "#   "
        line += w + ", "
    lines.append(line.rstrip(", "))
    return lines


def write_yaml(
    path: Path, groups: List[Group], meta: Dict[str, Any], intents: Sequence[str]
) -> None:
    rel_path = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    lines = [
        f"# What patients asked that the assistant could not answer well ({meta['from']} to {meta['to']}).",
        "# No patient identifiers: no sender ids, days only, and phone numbers, e-mails, names and dates replaced.",
        "#",
        "# To teach the assistant a line: write the intent it belongs to after `add_to:` (e.g. add_to: ask_aura),",
        "# save this file, then run:",
        f"#     make add-examples FILE={rel_path}",
        "# `add_to:` on a group applies to all its lines that have none of their own. Leave it empty to skip.",
        "# Lines with <name>, <phone>, <date>... must be reworded first (they are refused as they are).",
        *_wrapped("# Intents: ", [i for i in intents if i not in SAFETY_INTENTS]),
        f"period: {{from: {meta['from']}, to: {meta['to']}}}",
        f"threshold: {meta['threshold']}",
        f"conversations: {meta['conversations']}",
        f"patient_messages: {meta['messages']}",
        "counts:",
        *[f"  {r.replace(' ', '_')}: {meta['counts'].get(r, 0)}" for r in REASONS],
        f"  safety_replies: {meta['counts'].get('safety', 0)}   # emergency and crisis replies, never quoted",
        "groups:",
    ]
    for n, g in enumerate(groups, 1):
        lines += [
            f"  - group: {n}",
            f"    best_guess: {g.guess or 'none'}",
            f"    why: {_q(', '.join(f'{r} ({c})' for r, c in g.reasons.most_common()))}",
            f"    count: {g.count}",
            f"    days: [{', '.join(sorted(g.days))}]",
            "    add_to:",
            "    lines:",
        ]
        for line in g.lines:
            lines += [
                f"      - text: {_q(line.text)}",
                f"        count: {line.count}",
                "        add_to:",
            ]
    if not groups:
        lines[-1] = "groups: []"
    write_private(path, "\n".join(lines) + "\n")
    yaml.safe_load(path.read_text(encoding="utf-8"))  # never hand staff a file that cannot be read


def write_markdown(
    path: Path,
    groups: List[Group],
    meta: Dict[str, Any],
    rated: Sequence[Rated] = (),
    asked: Sequence[Asked] = (),
) -> None:
    out = [
        "# What patients asked that the assistant could not answer well",
        "",
        f"Period: {meta['from']} to {meta['to']} (days only). Conversations: {meta['conversations']}. "
        f"Patient messages: {meta['messages']}. Low confidence means below {meta['threshold']}.",
        "",
        "No patient identifiers: no sender ids, no times; phone numbers, e-mails, names, dates and long numbers "
        "are replaced by <phone>, <email>, <name>, <date>, <number>.",
        "",
        "| what happened | messages |",
        "| --- | --- |",
        *[f"| {r}: {REASON_NOTE[r]} | {meta['counts'].get(r, 0)} |" for r in REASONS],
        f"| emergency or crisis reply (not quoted) | {meta['counts'].get('safety', 0)} |",
        "",
        f"To turn these into training examples: mark the lines in `{meta['yml_name']}` with the intent they belong "
        f"to (`add_to: ask_aura`) and run `make add-examples FILE=review/out/{meta['yml_name']}` "
        "(docs/staff-guide.md).",
    ]
    by_reason: Dict[str, List[Group]] = defaultdict(list)
    for g in groups:
        by_reason[g.reasons.most_common(1)[0][0]].append(g)
    for reason in REASONS:  # UNHELPFUL groups: in their own section below
        gs = by_reason.get(reason)
        if not gs:
            continue
        out += ["", f"## {reason[0].upper() + reason[1:]} ({sum(g.count for g in gs)})", ""]
        by_guess: Dict[str, List[Group]] = defaultdict(list)
        for g in gs:
            by_guess[g.guess].append(g)
        for guess, ggs in sorted(by_guess.items(), key=lambda kv: -sum(g.count for g in kv[1])):
            label = "the assistant's best guess" if reason != CLINICIAN else "recognised as"
            out += [f"### {label}: {guess or 'none'} ({sum(g.count for g in ggs)})", ""]
            for g in ggs:
                first, *rest = g.lines
                also = (
                    f" — similar: {'; '.join(_md(l.text) + (f' ({l.count}×)' if l.count > 1 else '') for l in rest)}"
                    if rest
                    else ""
                )
                out.append(
                    f"- **{g.count}×** {_md(first.text)}{f' ({first.count}×)' if rest and first.count > 1 else ''}{also}"
                )
            out.append("")
    if not any(reason in by_reason for reason in REASONS):
        out += [
            "",
            "Nothing to review in this period: every patient message was answered confidently.",
        ]
    out += _feedback_section(rated, meta["threshold"]) + _asked_section(asked)
    write_private(path, "\n".join(out).rstrip() + "\n")


def _rated_line(r: Rated) -> str:
    topic = f", topic {r.topic}" if r.topic else ""
    return (
        f"- {_md(r.text)} — recognised as {r.intent or 'none'} ({r.confidence:.2f}{topic}), {r.day}"
    )


def _feedback_section(rated: Sequence[Rated], threshold: float) -> List[str]:
    confident = confidently_unhelpful(rated, threshold)
    out = [
        "",
        f"## Marked not helpful by patients ({len(rated)})",
        "",
        'Questions whose answer the patient marked "Not helpful" in the chat.',
        "",
        f"### Confidently answered but marked not helpful ({len(confident)})",
        "",
        f"Recognised at {threshold} or above, so the assistant did not doubt its answer: check that the "
        "answer fits the question; if not, add the question to the right topic.",
        "",
    ]
    out += [_rated_line(r) for r in confident] or ["None in this period."]
    rest = [r for r in rated if r not in confident]
    out += ["", f"### Other answers marked not helpful ({len(rest)})", ""]
    out += [_rated_line(r) for r in rest] or ["None in this period."]
    return out


def _asked_section(asked: Sequence[Asked]) -> List[str]:
    out = [
        "",
        "## What patients asked most",
        "",
        "Typed questions per topic the assistant recognised (button presses counted apart); "
        "emergency and crisis messages are counted, never quoted.",
        "",
        "| recognised as | typed | buttons | for example |",
        "| --- | ---: | ---: | --- |",
    ]
    if not asked:
        return out[:-2] + ["No patient messages in this period."]
    for a in asked:
        quoted = "; ".join(_md(e) for e in a.examples)
        out.append(f"| {a.intent} | {a.count} | {a.buttons} | {quoted} |")
    return out


def write_private(path: Path, text: str) -> None:
    """The export is health data: readable by its owner only (0600) from the first byte, whatever the
    umask; `make purge` deletes old ones (ops/purge.py)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def _md(text: str) -> str:
    return "“" + text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_") + "”"


def build(
    db_url: str,
    since: Optional[dt.date],
    threshold: float,
    out_dir: Path,
    today: Optional[dt.date] = None,
    root: Path = ROOT,
) -> Tuple[Path, Path, Dict[str, Any]]:
    turns, conversations = read_turns(db_url, since)
    vocab = vocabulary(root)
    counts: Counter = Counter()
    items = []
    for t in turns:
        reason = classify(t, threshold)
        if reason is None:
            continue
        counts[reason] += 1
        if reason == "safety":
            continue
        items.append(
            (reason, t.guess if reason != OUT_OF_SCOPE else t.guess, scrub(t.text, vocab), t.day)
        )
    rated = unhelpful(db_url, since, vocab)
    # The confidently answered ones are in no other list: they go to the .yml too, to be marked.
    items += [
        (UNHELPFUL, r.intent, r.text, r.day)
        for r in confidently_unhelpful(rated, threshold)
        if r.text != BUTTON and r.action not in LISTED_ACTIONS
    ]
    groups = group(items)
    today = today or dt.date.today()
    days = sorted({t.day for t in turns})
    out_dir.mkdir(parents=True, exist_ok=True)
    out_dir.chmod(0o700)
    ignore = out_dir / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Review files hold (scrubbed) patient texts: never commit them.\n*\n")
    yml = out_dir / f"review-{today.isoformat()}.yml"
    md = out_dir / f"review-{today.isoformat()}.md"
    meta = {
        "from": (since.isoformat() if since else (days[0] if days else today.isoformat())),
        "to": days[-1] if days else today.isoformat(),
        "threshold": threshold,
        "conversations": conversations,
        "messages": sum(1 for t in turns if not t.text.startswith("/")),
        "counts": dict(counts),
        "yml_name": yml.name,
        "groups": len(groups),
    }
    asked = asked_counts(turns, vocab)
    meta["unhelpful"] = len(rated)
    meta["confidently_unhelpful"] = len(confidently_unhelpful(rated, threshold))
    meta["most_asked"] = [(a.intent, a.count) for a in asked[:5]]
    intents = domain_intents(load_yaml(root / "domain.yml", root))
    write_yaml(yml, groups, meta, intents)
    write_markdown(md, groups, meta, rated, asked)
    return md, yml, meta


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(
        description="Write what patients asked that the assistant could not answer well."
    )
    when = ap.add_mutually_exclusive_group()
    when.add_argument("--days", type=int, default=30, help="the last N days (default 30)")
    when.add_argument("--since", type=dt.date.fromisoformat, help="from this day (YYYY-MM-DD)")
    when.add_argument("--all", action="store_true", help="every conversation in the store")
    ap.add_argument(
        "--threshold",
        type=float,
        default=float(os.environ.get("REVIEW_THRESHOLD", DEFAULT_THRESHOLD)),
        help=f"answers below this confidence count as low confidence (default {DEFAULT_THRESHOLD})",
    )
    ap.add_argument("--db-url", help="read this database instead of the assistant's tracker store")
    ap.add_argument("--out", type=Path, default=OUT_DIR, help="output folder (default review/out)")
    args = ap.parse_args(argv)
    since = None if args.all else (args.since or dt.date.today() - dt.timedelta(days=args.days))
    db_url = args.db_url or tracker_db_url()
    try:
        md, yml, meta = build(db_url, since, args.threshold, args.out)
    except Exception as e:  # noqa: BLE001 - one plain line for staff
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(e, SQLAlchemyError):
            safe = re.sub(r"//[^@/]*@", "//***@", db_url)
            print(
                f"review: could not read the conversations from {safe}: {e.__class__.__name__}: "
                f"{str(e).splitlines()[0]}",
                file=sys.stderr,
            )
            return 1
        raise
    c = meta["counts"]
    print(
        f"review: {meta['messages']} patient messages in {meta['conversations']} conversations "
        f"({meta['from']} to {meta['to']}): {c.get(NOT_UNDERSTOOD, 0)} not understood, {c.get(OUT_OF_SCOPE, 0)} out "
        f"of scope, {c.get(LOW_CONFIDENCE, 0)} low confidence, {c.get(CLINICIAN, 0)} sent to a clinician, in "
        f"{meta['groups']} groups."
    )
    top = ", ".join(f"{intent} ({n})" for intent, n in meta["most_asked"][:3]) or "nothing yet"
    print(
        f"review: {meta['unhelpful']} answer(s) marked not helpful, {meta['confidently_unhelpful']} of "
        f"them answered confidently; asked most: {top}."
    )
    for p in (md, yml):
        print(f"  {p.relative_to(ROOT) if p.is_relative_to(ROOT) else p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
