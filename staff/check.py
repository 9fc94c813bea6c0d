"""`make check`: finds, in a few seconds and before any training, what a staff edit can break.

    python -m staff.check [--root DIR] [--quick]

In order:
1. every YAML file of the project can be read (file and line of the mistake);
2. the answers and clinic details pass the content loader's own validation (actions/content.py);
3. the project's consistency rules: every topic has content, a question (intent) leading to it, enough
   examples, a rule or story, and a conversation test; no training example under two intents; no
   held-out test phrase copied into the training data; every button leads to a real topic; the
   red-flag phrases still trigger the emergency and crisis replies; REPLACE-ME placeholders (warnings);
4. Rasa's own check, `rasa data validate --fail-on-warnings` (about 20 s; skipped with --quick, and
   skipped while there are errors above, which it would only repeat).

Every message names the file and line and says what to change, in plain words. Exit code 1 when there
is any error; warnings alone do not fail.
"""

from __future__ import annotations

import argparse
import difflib
import logging
import os
import re
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from actions import topics
from actions.content import PLACEHOLDER_MARK as PLACEHOLDER
from safety.intents import INTENT_LEVEL
from staff.yaml_lines import (
    ROOT,
    BadLine,
    Example,
    Flow,
    LineDict,
    YamlProblem,
    domain_actions,
    domain_entities,
    domain_intents,
    examples_in,
    flows_in,
    heldout_path,
    load_yaml,
    parse_payload,
    plain,
    project_yaml_files,
    rel,
    training_examples,
    where,
    yml_under,
)

MIN_EXAMPLES = 10
MIN_HELDOUT = 6  # the held-out set's minimum per intent (tests/nlu/test_heldout.py uses it too)
TOPIC_ACTION = "action_answer_topic"
# The safety intents and the reply level of each (safety/intents.py); the review never quotes them and
# add-examples never adds to them.
SAFETY_LEVEL = INTENT_LEVEL
GUIDE = "docs/staff-guide.md"


@dataclass
class Problem:
    level: str  # "error" | "warning"
    text: str


@dataclass
class Report:
    root: Path
    problems: List[Problem] = field(default_factory=list)

    def error(self, text: str) -> None:
        self.problems.append(Problem("error", self._clean(text)))

    def warning(self, text: str) -> None:
        self.problems.append(Problem("warning", self._clean(text)))

    def _clean(self, text: str) -> str:
        # Messages from other modules may carry absolute paths; show them relative to the project.
        return text.replace(str(self.root.resolve()) + os.sep, "").replace(
            str(self.root) + os.sep, ""
        )

    @property
    def errors(self) -> List[str]:
        return [p.text for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> List[str]:
        return [p.text for p in self.problems if p.level == "warning"]


# ---------------------------------------------------------------- 1. YAML syntax


def check_yaml(root: Path, report: Report) -> None:
    for path in project_yaml_files(root):
        try:
            load_yaml(path, root)
        except YamlProblem as e:
            report.error(e.message)


# ---------------------------------------------------------------- 2. content


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """' Did you mean ask_postdrome?' for a misspelt name, or '' when nothing is close."""
    close = difflib.get_close_matches(name, sorted(set(known)), n=1, cutoff=0.75)
    return f" Did you mean {close[0]}?" if close else ""


_CONTENT_FILE = re.compile(r"^(?:[^\s:]*/)?(content/[\w.-]+\.ya?ml):?\s*(.*)$", re.S)
_TRAIL = re.compile(
    r"topic '([^']+)'|reply '([^']+)'|details '([^']+)'|message (\d+)"
    r"|\b(clinic|emergency|session)\.(\w+)|'([\w-]+)'|\b(messages|more|warning|title|source_section|"
    r"reviewer_role|last_reviewed)\b"
)


def content_error_line(message: str, root: Path) -> str:
    """A ContentError message with the file's line added (actions/content.py names the topic and field,
    not the line): the deepest key of the message's trail that the line-numbered reader finds."""
    m = _CONTENT_FILE.match(message)
    if not m or re.match(r"line \d+", m.group(2).lstrip(":").strip()):
        return message
    name, rest = m.group(1), m.group(2)
    try:
        node: Any = load_yaml(root / name, root)
    except YamlProblem as e:
        return e.message
    line = 0
    for t in _TRAIL.finditer(rest.split(". ")[0]):
        topic, reply, detail, index, section, field_, quoted, key = t.groups()
        steps: List[Any]
        if topic:
            steps = ["topics", topic]
        elif reply:
            steps = ["replies", reply]
        elif detail:
            steps = ["details", detail]
        elif index:
            steps = [int(index) - 1]
        elif section:
            steps = [section, field_]
        else:
            steps = [quoted or key]
        for step in steps:
            if isinstance(node, LineDict) and step in node:
                line = node.key_lines[step]
                node = node[step]
            elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
                line = getattr(node, "item_lines", [line] * len(node))[step]
                node = node[step]
            elif isinstance(node, LineDict) and isinstance(step, str):
                found = _find_key(node, step)
                if found:
                    line, node = found
    if not line:
        return f"{name}: {rest}"
    return f"{name} line {line}: {rest}"


def _find_key(node: Any, key: str) -> Optional[Tuple[int, Any]]:
    """The first (line, value) of `key` anywhere under `node`."""
    if isinstance(node, LineDict):
        if key in node:
            return node.key_lines[key], node[key]
        for value in node.values():
            found = _find_key(value, key)
            if found:
                return found
    elif isinstance(node, list):
        for value in node:
            found = _find_key(value, key)
            if found:
                return found
    return None


def check_content(root: Path, report: Report) -> Optional[Any]:
    from actions.content import ContentError, load

    try:
        return load(root / "content")
    except ContentError as e:
        report.error(content_error_line(report._clean(str(e)), root))
        return None


def check_placeholders(root: Path, report: Report) -> None:
    path = root / "content" / "clinic.yml"
    try:
        data = load_yaml(path, root)
    except YamlProblem:
        return

    def walk(node: Any, trail: str) -> None:
        if isinstance(node, LineDict):
            for key, value in node.items():
                name = f"{trail}.{key}" if trail else str(key)
                if isinstance(value, str) and PLACEHOLDER.lower() in value.lower():
                    report.warning(
                        f"{where(path, root, node.key_lines[key])}: '{name}' still holds a {PLACEHOLDER} "
                        f"placeholder ({value!r}); put the clinic's real details in before the assistant "
                        "goes on the website."
                    )
                else:
                    walk(value, name)

    walk(data, "")


# ---------------------------------------------------------------- 3. consistency rules


@dataclass
class Project:
    """What the rules need, read once."""

    root: Path
    domain: LineDict
    intents: List[str]
    entities: List[str]
    actions: Set[str]
    examples: List[Example]
    bad_lines: List[BadLine]
    heldout: List[Example]
    training_flows: List[Flow]  # data/rules, data/stories
    test_flows: List[Flow]  # tests/conversations

    def intent_line(self, intent: str) -> Optional[int]:
        items = self.domain.get("intents") or []
        for i, item in enumerate(items):
            name = next(iter(item)) if isinstance(item, dict) else str(item)
            if name == intent:
                return items.item_lines[i] if hasattr(items, "item_lines") else None
        return None


def read_project(root: Path) -> Project:
    from rasa.shared.core.constants import DEFAULT_ACTION_NAMES

    dom = load_yaml(root / "domain.yml", root) or LineDict()
    bad: List[BadLine] = []
    examples = training_examples(root, bad)
    heldout = examples_in(heldout_path(root), root) if heldout_path(root).exists() else []
    training_flows = [
        f
        for p in yml_under(root, "data", "rules") + yml_under(root, "data", "stories")
        for f in flows_in(p, root)
    ]
    test_flows = [f for p in yml_under(root, "tests", "conversations") for f in flows_in(p, root)]
    return Project(
        root,
        dom,
        domain_intents(dom),
        domain_entities(dom),
        set(domain_actions(dom)) | set(DEFAULT_ACTION_NAMES),
        examples,
        bad,
        heldout,
        training_flows,
        test_flows,
    )


def check_examples(p: Project, report: Report) -> None:
    root = p.root
    for b in p.bad_lines:
        if b.indented:
            report.error(
                f"{where(b.path, root, b.line)}: this example is indented further than the ones above it, "
                f"so Rasa silently skips it: '{b.text}'. Line its '-' up with the other examples."
            )
            continue
        report.error(
            f"{where(b.path, root, b.line)}: every example must start with '- ' (a dash and a space); "
            f"this line is '{b.text}'. Add the dash, or if it is a note, start it with # in the file's "
            "header instead."
        )
    known = set(p.intents)
    reported_unknown: Set[Tuple[str, Path]] = set()
    for ex in p.examples:
        if ex.intent not in known and (ex.intent, ex.path) not in reported_unknown:
            reported_unknown.add((ex.intent, ex.path))
            report.error(
                f"{where(ex.path, root, ex.line)}: the intent '{ex.intent}' is not listed under 'intents:' in "
                f"domain.yml.{did_you_mean(ex.intent, p.intents)} Add it there (or correct the spelling so "
                "it matches)."
            )
    # The same example under two intents, or twice under one.
    # Compared as the model sees them (case, spacing, end punctuation and entity marks ignored) across
    # intents; written exactly the same within one intent.
    first: Dict[str, Example] = {}
    exact: Dict[Tuple[str, str], Example] = {}
    for ex in p.examples:
        norm = ex.norm
        if not norm:
            report.error(
                f"{where(ex.path, root, ex.line)}: this example is empty; remove the line."
            )
            continue
        seen = first.get(norm)
        if seen is None:
            first[norm] = ex
        if seen is not None and seen.intent != ex.intent:
            report.error(
                f"{where(ex.path, root, ex.line)}: the example '{ex.text}' is also under {seen.intent} in "
                f"{where(seen.path, root, seen.line)}; keep it under one intent (the one it really asks)."
            )
            continue
        key = (ex.intent, " ".join(ex.text.lower().split()))
        seen = exact.setdefault(key, ex)
        if seen is not ex:
            report.warning(
                f"{where(ex.path, root, ex.line)}: the example '{ex.text}' is written twice under "
                f"{ex.intent} (also {where(seen.path, root, seen.line)}); remove one of them."
            )
    # Enough examples per intent.
    counts: Dict[str, Set[str]] = defaultdict(set)
    for ex in p.examples:
        counts[ex.intent].add(ex.norm)
    for intent in p.intents:
        n = len(counts.get(intent, ()))
        if n < MIN_EXAMPLES:
            report.error(
                f"{where(root / 'domain.yml', root, p.intent_line(intent))}: the intent '{intent}' has only {n} "
                f"example{'s' if n != 1 else ''} in data/nlu; give it at least {MIN_EXAMPLES} different ways "
                "patients might ask, so the assistant can recognise it."
            )
    # Held-out test phrases must never be trained on, and every intent needs some (tests/nlu).
    hp = heldout_path(root)
    if hp.exists():
        held: Dict[str, Set[str]] = defaultdict(set)
        for ex in p.heldout:
            held[ex.intent].add(ex.norm)
        for intent in p.intents:
            n = len(held.get(intent, ()))
            if n < MIN_HELDOUT:
                report.error(
                    f"{where(hp, root)}: the intent '{intent}' has {n} test phrase{'s' if n != 1 else ''} in the "
                    f"held-out test; add at least {MIN_HELDOUT} (new wordings, not copies of the training "
                    "examples), or `make test` fails."
                )
    for ex in p.heldout:
        seen = first.get(ex.norm)
        if seen is not None:
            report.error(
                f"{where(hp, root, ex.line)}: the test phrase '{ex.text}' is also a training example in "
                f"{where(seen.path, root, seen.line)}. The held-out test must only contain phrases the "
                "assistant never learned from: remove it from the training data, or reword the test phrase."
            )
        if ex.intent not in known:
            report.error(
                f"{where(hp, root, ex.line)}: the intent '{ex.intent}' is not in domain.yml."
                + did_you_mean(ex.intent, p.intents)
            )


def check_flows(p: Project, report: Report, topic_intents: Set[str]) -> None:
    root = p.root
    known_intents = set(p.intents) | {"nlu_fallback"}
    for flow in p.training_flows + p.test_flows:
        kind = (
            "conversation test"
            if "tests" in flow.path.relative_to(root).parts
            else ("rule" if "rules" in flow.path.parts else "story")
        )
        for step in flow.steps:
            if step.kind == "intent" and step.name not in known_intents:
                report.error(
                    f"{where(step.path, root, step.line)}: the {kind} '{flow.name}' uses the intent "
                    f"'{step.name}', which is not in domain.yml.{did_you_mean(step.name, p.intents)} "
                    "Correct the spelling or add the intent."
                )
            if step.kind == "action" and step.name not in p.actions:
                report.error(
                    f"{where(step.path, root, step.line)}: the {kind} '{flow.name}' uses the action "
                    f"'{step.name}', which is not in domain.yml.{did_you_mean(step.name, p.actions)} "
                    "Correct the spelling."
                )
    # Every intent is handled by a rule or story; topic questions are answered by action_answer_topic.
    handled: Dict[str, Set[str]] = defaultdict(set)
    for flow in p.training_flows:
        for a, b in zip(flow.steps, flow.steps[1:] + (None,)):  # type: ignore[operator]
            if a.kind == "intent":
                handled[a.name].add(b.name if b is not None and b.kind == "action" else "")
    dom = root / "domain.yml"
    for intent in p.intents:
        if intent not in handled:
            hint = (
                (
                    f"add to data/rules (the file for its subject):\n"
                    f"      - rule: answer {intent}\n        steps:\n          - intent: {intent}\n"
                    f"          - action: {TOPIC_ACTION}"
                )
                if intent in topic_intents
                else "add a rule in data/rules saying which action answers it."
            )
            report.error(
                f"{where(dom, root, p.intent_line(intent))}: the intent '{intent}' has no rule or story, so "
                f"the assistant does not know what to do with it; {hint}"
            )
        elif intent in topic_intents and TOPIC_ACTION not in handled[intent]:
            report.error(
                f"{where(dom, root, p.intent_line(intent))}: the intent '{intent}' leads to a topic in "
                f"content/answers.yml, but no rule or story answers it with {TOPIC_ACTION}. Its rule's "
                f"action should be '- action: {TOPIC_ACTION}'."
            )
    # Every topic question has a conversation test.
    tested = {s.name for f in p.test_flows for s in f.steps if s.kind == "intent"}
    for intent in sorted(topic_intents & set(p.intents)):  # an unknown one is reported above
        if intent not in tested:
            report.error(
                f"{where(dom, root, p.intent_line(intent))}: the intent '{intent}' has no conversation test. "
                f"Add one to tests/conversations/test_topics.yml:\n"
                f"      - story: {intent}\n        steps:\n          - user: |\n"
                f"              <a question as a patient would type it>\n"
                f"            intent: {intent}\n          - action: {TOPIC_ACTION}"
            )


def load_topic_logic(content: Any) -> Any:
    """The assistant's own code for choosing a topic (actions/answers.py), with `content` in place of
    the content the action server would load, so nothing is read from elsewhere."""
    import actions.content as ac

    log = logging.getLogger("actions.content")
    level = log.level
    log.setLevel(logging.ERROR)
    # actions/answers.py loads the content when first imported; hand it this content instead (and put
    # things back afterwards), so checking a copy of the project never reads the live files.
    previous = ac._store
    try:
        if previous is None:
            store = ac.ContentStore.__new__(ac.ContentStore)
            store._content = content  # type: ignore[attr-defined]
            store._check_every = float("inf")  # type: ignore[attr-defined]
            store._checked_at = time.monotonic()  # type: ignore[attr-defined]
            ac._store = store
        import actions.answers as answers
    finally:
        ac._store = previous
        log.setLevel(level)
    return answers, topics


def topic_routes(
    content: Any, intents: Sequence[str], answers: Any
) -> Dict[str, Set[Tuple[str, Optional[str]]]]:
    """topic (or 'escalate:<reason>') -> {(intent, subject)} that lead to it, per the assistant's code."""
    subjects: Set[Optional[str]] = {None, *topics.SUBJECTS}
    for per_subject in topics.FOLLOW_UPS.values():
        subjects.update(per_subject)
    routes: Dict[str, Set[Tuple[str, Optional[str]]]] = defaultdict(set)
    for intent in intents:
        for subject in subjects:
            topic = answers.choose_topic(content, intent, [subject] if subject else [], [], None)
            if topic:
                routes[topic].add((intent, subject))
    return routes


def intents_answered_by(p: Project, action: str) -> Set[str]:
    """Intents that a rule or story of the training data answers with `action`."""
    return {
        a.name
        for flow in p.training_flows
        for a, b in zip(flow.steps, flow.steps[1:])
        if a.kind == "intent" and b.kind == "action" and b.name == action
    }


def check_topics(p: Project, report: Report, content: Any) -> Set[str]:
    """Every topic has a question leading to it and every question leads to a topic with content.
    Returns the topic intents."""
    root = p.root
    answers_path = root / "content" / "answers.yml"
    try:
        answers, table = load_topic_logic(content)
    except Exception as e:  # noqa: BLE001 - report, don't crash
        report.error(
            f"The assistant's code (actions/) could not be loaded to check the topics: {e}. Tell an engineer."
        )
        return set()
    routes = topic_routes(content, p.intents, answers)
    # A question the rules answer with the topic action, named ask_<topic>, whose topic is not written yet:
    # the assistant's code finds no topic for it (actions/answers.py topic_of_intent).
    routed = {i for via in routes.values() for i, _ in via}
    prefix = getattr(answers, "TOPIC_INTENT_PREFIX", "ask_")
    for intent in sorted(intents_answered_by(p, TOPIC_ACTION) - routed):
        if intent.startswith(prefix):
            routes[intent[len(prefix) :]].add((intent, None))
    raw = load_yaml(answers_path, root)
    topic_lines = raw["topics"].key_lines if isinstance(raw.get("topics"), LineDict) else {}
    topic_intents: Set[str] = set()
    for topic, via in sorted(routes.items()):
        names = sorted({i for i, _ in via})
        if topic.startswith("escalate:"):
            reason = topic.split(":", 1)[1]
            if reason not in content.escalation_reasons:
                report.error(
                    f"{rel(answers_path, root)}: the question(s) {', '.join(names)} are sent to a clinician with "
                    f"the reason '{reason}', which is missing under escalation_reasons."
                )
            continue
        topic_intents.update(names)
        if topic not in content.topics:
            report.error(
                f"{rel(answers_path, root)}: the question(s) {', '.join(names)} lead to the topic '{topic}', "
                f"which has no answer in content/answers.yml.{did_you_mean(topic, content.topics)} "
                "Add the topic there, or correct the spelling."
            )
    for topic in content.topics:
        if topic not in routes and f"ask_{topic}" in p.intents:
            report.error(
                f"{where(answers_path, root, topic_lines.get(topic))}: the topic '{topic}' and the intent "
                f"'ask_{topic}' are both there, but the assistant's code does not send that intent to this "
                "topic. Tell an engineer: they must connect the two in actions/answers.py."
            )
        elif topic not in routes:
            report.error(
                f"{where(answers_path, root, topic_lines.get(topic))}: the topic '{topic}' has no question "
                f"(intent) that leads to it, so patients can never get this answer. Add the intent "
                f"'ask_{topic}' to domain.yml, with examples in data/nlu, a rule in data/rules and a "
                f"conversation test ({GUIDE}, 'Add a new topic')."
            )
    check_buttons(p, report, content, answers, table)
    return topic_intents


def check_buttons(p: Project, report: Report, content: Any, answers: Any, table: Any) -> None:
    """`table`: the topic table (actions/topics.py), or a stand-in with TOPIC_REQUESTS and MENU."""
    root = p.root
    intents, entities = set(p.intents), set(p.entities)
    requests: Dict[str, str] = dict(table.TOPIC_REQUESTS)

    def check_payload(payload: str, source: str, expected_topic: Optional[str]) -> None:
        intent, ents = parse_payload(payload)
        if intent is None or "__invalid__" in ents:
            report.error(
                f"{source}: the button payload '{payload}' is not written like /intent or "
                '/intent{"entity": "value"}.'
            )
            return
        if intent not in intents:
            report.error(
                f"{source}: the button '{payload}' sends the intent '{intent}', which is not in domain.yml."
                + did_you_mean(intent, p.intents)
            )
            return
        for name in ents:
            if name not in entities:
                report.error(
                    f"{source}: the button '{payload}' sets the entity '{name}', which is not in domain.yml."
                )
        if expected_topic is not None:
            subjects = [str(v) for k, v in ents.items() if k == "subject"]
            symptoms = [str(v) for k, v in ents.items() if k == "symptom"]
            got = answers.choose_topic(content, intent, subjects, symptoms, None)
            if got != expected_topic:
                report.error(
                    f"{source}: the button for the topic '{expected_topic}' sends '{payload}', which "
                    f"leads to {repr(got) if got else 'no topic'} instead."
                )

    for topic, payload in requests.items():
        if topic not in content.topics:
            report.error(
                f"actions/topics.py: TOPIC_REQUESTS has a button for the topic '{topic}', which is not in "
                "content/answers.yml."
            )
            continue
        check_payload(payload, "actions/topics.py (TOPIC_REQUESTS)", topic)
    for topic in table.MENU:
        if topic not in content.topics:
            report.error(
                f"actions/topics.py: the menu shows the topic '{topic}', which is not in content/answers.yml."
            )
        elif topic not in requests:
            report.error(
                f"actions/topics.py: the menu shows the topic '{topic}', but it has no button request "
                "in TOPIC_REQUESTS."
            )
    responses = p.domain.get("responses") or {}
    for name, variants in responses.items():
        for variant in variants or []:
            for button in (variant or {}).get("buttons") or [] if isinstance(variant, dict) else []:
                payload = str((button or {}).get("payload", ""))
                if payload.startswith("/"):
                    line = variant.line if isinstance(variant, LineDict) else None
                    check_payload(
                        payload, f"{where(root / 'domain.yml', root, line)} (response {name})", None
                    )


def safety_canaries(root: Path) -> List[Tuple[str, str, str]]:
    """(text, expected level, where) for every phrase that must trigger the red-flag rules: the
    emergency and self-harm patient texts of the conversation tests, and `examples` in
    safety/red_flags.yml (under a rule whose level is emergency or crisis)."""
    out: List[Tuple[str, str, str]] = []
    for path in yml_under(root, "tests", "conversations"):
        for flow in flows_in(path, root):
            for step in flow.steps:
                if step.kind == "intent" and step.name in SAFETY_LEVEL and step.text:
                    out.append((step.text, SAFETY_LEVEL[step.name], where(path, root, step.line)))
    flags = root / "safety" / "red_flags.yml"
    if flags.exists():

        def walk(node: Any, level: Optional[str]) -> None:
            if isinstance(node, LineDict):
                own = node.get("level") or node.get("kind")
                lvl = own if isinstance(own, str) else level
                for key, value in node.items():
                    if (
                        key == "examples"
                        and isinstance(value, list)
                        and lvl in ("emergency", "crisis")
                    ):
                        lines = getattr(value, "item_lines", [node.key_lines[key]] * len(value))
                        for text, line in zip(value, lines):
                            if isinstance(text, str):
                                out.append((text, lvl, where(flags, root, line)))
                    else:
                        walk(value, lvl)
            elif isinstance(node, list):
                for item in node:
                    walk(item, level)

        try:
            walk(load_yaml(flags, root), None)
        except YamlProblem:
            pass
    return out


def check_red_flags(p: Project, report: Report) -> None:
    try:
        from safety.detector import assess
        from safety.rules import SafetyRulesError, rules
    except Exception as e:  # noqa: BLE001
        report.error(
            f"The red-flag rules (safety/detector.py) could not be loaded: {e}. Tell an engineer: the "
            "assistant must not go live without them."
        )
        return
    try:
        rules()  # loaded here, so a mistake in red_flags.yml is a message, not a stack trace
    except SafetyRulesError as e:
        report.error(f"{e} The assistant must not go live until the red-flag rules load.")
        return
    canaries = safety_canaries(p.root)
    if not canaries:
        report.error(
            "No red-flag test phrases found (emergency and self_harm conversation tests in "
            "tests/conversations): they must exist, so that a broken safety rule is noticed."
        )
    for text, level, source in canaries:
        got = assess(text).level
        if got != level:
            reply = "emergency reply" if level == "emergency" else "crisis reply"
            report.error(
                f"{source}: the red-flag phrase '{text}' no longer triggers the {reply}; the safety "
                f"check now says '{got}'. The safety rules (safety/red_flags.yml) must catch it again: "
                "ask the clinician who reviews them and an engineer. Do not publish until fixed."
            )
    # A training example the red-flag rules catch is never answered as its own intent: say so.
    for ex in p.examples:
        if ex.intent in SAFETY_LEVEL:
            continue
        got = assess(plain(ex.text)).level
        if got in ("emergency", "crisis"):
            report.warning(
                f"{where(ex.path, p.root, ex.line)}: the example '{ex.text}' (under {ex.intent}) is caught by "
                f"the red-flag rules ({got}), so patients writing this get the {got} reply, never the "
                f"{ex.intent} answer. Reword it, or move it if it really describes an emergency."
            )


# ---------------------------------------------------------------- 4. Rasa's own check


def run_rasa_validate(root: Path, report: Report) -> float:
    start = time.monotonic()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONWARNINGS": "ignore",
    }
    cmd = [
        str(ROOT / ".venv" / "bin" / "rasa"),
        "data",
        "validate",
        "--fail-on-warnings",
        "--domain",
        str(root / "domain.yml"),
        "--data",
        str(root / "data"),
        "--config",
        str(root / "config.yml"),
    ]
    proc = subprocess.run(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    if proc.returncode != 0:
        lines = [
            ln.strip()
            for ln in proc.stdout.splitlines()
            if re.search(r"UserWarning|WARNING|ERROR|Error|error:", ln)
            and "DeprecationWarning" not in ln
            and "declare_namespace" not in ln
        ]
        detail = "\n      ".join(lines[-15:]) or proc.stdout.strip()[-1500:]
        report.error(
            "Rasa's own check (rasa data validate) found problems in the training data:\n      "
            + detail
        )
    return time.monotonic() - start


# ---------------------------------------------------------------- main


def run(root: Path = ROOT, rasa_validate: bool = False) -> Report:
    """Runs every check on the project at `root` (a copy of the project works too)."""
    root = Path(root)
    report = Report(root)
    check_yaml(root, report)
    if report.errors:
        report.warning("The other checks run once every file above can be read.")
        return report
    content = check_content(root, report)
    if (
        content is not None
    ):  # issue 11: reading grade, review age, reviewer (logic in actions/readability.py)
        from actions.readability import content_notes

        for _, text in content_notes(content):
            report.warning(text)
    check_placeholders(root, report)
    project = read_project(root)
    check_examples(project, report)
    topic_intents = check_topics(project, report, content) if content is not None else set()
    check_flows(project, report, topic_intents)
    check_red_flags(project, report)
    if rasa_validate and not report.errors:
        run_rasa_validate(root, report)
    return report


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(
        description="Check staff edits before training (docs/staff-guide.md)."
    )
    ap.add_argument(
        "--root", type=Path, default=ROOT, help="project folder (default: this project)"
    )
    ap.add_argument("--quick", action="store_true", help="skip Rasa's own check (about 20 seconds)")
    args = ap.parse_args(argv)
    start = time.monotonic()
    report = run(args.root, rasa_validate=False)
    content = check_content(args.root, Report(args.root))
    if content is not None:  # issue 11: the reading grade of every answer
        from actions.readability import grade_table

        print(grade_table(content) + "\n")
    if not args.quick and not report.errors:
        print(
            "Project rules: OK. Now running Rasa's own check of the training data (about 20 seconds)...",
            flush=True,
        )
        run_rasa_validate(args.root, report)
    for p in report.problems:
        print(("ERROR    " if p.level == "error" else "WARNING  ") + p.text)
    n_err, n_warn = len(report.errors), len(report.warnings)
    total = time.monotonic() - start
    if n_err:
        print(
            f"\nmake check: {n_err} problem{'s' if n_err != 1 else ''} to fix"
            + (f", {n_warn} warning{'s' if n_warn != 1 else ''}" if n_warn else "")
            + f" ({total:.1f}s). Nothing was changed; fix the lines above and run `make check` again."
        )
        return 1
    skipped = " (Rasa's own check skipped: --quick)" if args.quick else ""
    print(
        "\nmake check: OK"
        + (f", {n_warn} warning{'s' if n_warn != 1 else ''} to look at" if n_warn else "")
        + f" ({total:.1f}s){skipped}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
