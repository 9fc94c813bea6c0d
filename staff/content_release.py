"""Content drafts and releases: the files under content/ are drafts; patients only ever read a
published version.

    python -m staff.content_release check               # what would stop the drafts being published
    python -m staff.content_release publish [--who NAME] [--note TEXT]   # make release
    python -m staff.content_release rollback [--who NAME]                # make rollback
    python -m staff.content_release history             # who published what, when; newest first

Publishing checks the drafts (everything the loader refuses, plus REPLACE-ME placeholders, TODO and
[bracketed] notes, unbalanced quote marks or brackets, missing review fields, reading grade) and refuses
with plain-words problems, each with its file and line. A draft that passes is copied to a new numbered
version in the release store, then the store's CURRENT pointer is switched by an atomic rename; every
process serving patients follows that pointer (actions/content.py ContentStore) and switches within a
couple of seconds. Versions are never changed once written, so a rollback is one pointer switch.

The store (CLINIC_CONTENT_RELEASES, default .releases/content/ in the project):

    v1/ v2/ ...      answers.yml, clinic.yml, callback.yml (read-only) and release.json
    history.jsonl    one line per publish or rollback, oldest first
    CURRENT          the version patients read
    .lock            held while publishing or rolling back, so two staff cannot interleave

Exit codes: 0 done (or nothing to do), 1 refused (the problems are printed), 2 a usage mistake.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import fcntl
import getpass
import json
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, List, Optional, Sequence, Tuple

from actions.content import (
    ALLOW_PLACEHOLDERS_ENV,
    CONTENT_DIR,
    POINTER,
    RELEASE_FILES,
    Content,
    ContentError,
    content_version,
    current_version,
    load,
    releases_dir,
)
from actions.content import _is_placeholder as is_placeholder
from actions.readability import MAX_GRADE, grade_rows
from staff.check import content_error_line
from staff.yaml_lines import LineDict, YamlProblem, load_yaml

HISTORY = "history.jsonl"
INFO = "release.json"
LOCK = ".lock"
_VERSION = re.compile(r"^v(\d+)$")
# A note for the writer left in a text: patients would read it.
_TODO = re.compile(r"\b(TODO|TBD|TBC|FIXME|XXX)\b")
_BRACKETED = re.compile(r"\[[^\[\]]*\]|<[^<>]*>")
_PAIRS = {"(": ")", "[": "]", "“": "”"}
REVIEW_FIELDS = ("source_section", "reviewer_role", "last_reviewed")


@dataclass(frozen=True)
class Problem:
    """Something that stops the drafts being published. `file` is relative to the project
    (content/answers.yml); `line` is 1-based, None when no single line is to blame."""

    file: str
    line: Optional[int]
    message: str

    def __str__(self) -> str:
        return (
            f"{self.file} line {self.line}: {self.message}"
            if self.line
            else f"{self.file}: {self.message}"
        )


@dataclass(frozen=True)
class Release:
    """One entry of the history: a version made current by a publish, or again by a rollback."""

    version: str  # "v3": the folder in the release store
    who: str
    when: str  # ISO 8601, UTC
    fingerprint: str  # hash of the version's files (actions/content.py content_version)
    note: str = ""


class PublishRefused(Exception):
    """The drafts were not published (or there is no earlier version to roll back to); `problems` says
    why, in plain words."""

    def __init__(self, problems: List[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class RollbackRefused(PublishRefused):
    """There is no earlier version to go back to."""


# ---------------------------------------------------------------- checking the drafts


def placeholders_allowed() -> bool:
    """CLINIC_ALLOW_PLACEHOLDERS=1 (demos and tests only, as for ops/preflight.py) lets the demo clinic
    details of content/clinic.yml through; a placeholder in a text staff wrote is refused regardless."""
    return os.environ.get(ALLOW_PLACEHOLDERS_ENV) == "1"


def _from_message(message: str, name: str) -> Problem:
    """A message "<path>/content/<name> line N[, column C]: text" as a Problem."""
    m = re.match(
        rf"^\S*?{re.escape(name)}(?: line (\d+))?(?:, column \d+)?:?\s*(.*)$", message, re.S
    )
    if not m:
        return Problem(f"content/{name}", None, message)
    return Problem(f"content/{name}", int(m.group(1)) if m.group(1) else None, m.group(2))


def _loader_problem(error: ContentError, content_dir: Path) -> Problem:
    text = str(error)
    name = next((n for n in RELEASE_FILES if n in text.split(":")[0]), "answers.yml")
    # content_error_line (make check) finds the line from the topic and field the message names; a
    # missing field has no line, so its block's line is the one to show.
    trail = re.sub(r" has no '\w+'.*", "", text, flags=re.S)
    line = _from_message(content_error_line(trail, content_dir.parent), name).line
    return dataclasses.replace(_from_message(text, name), line=line)


def _strings(node: Any, line: int) -> Iterator[Tuple[int, str]]:
    """Every text in a YAML tree read by staff/yaml_lines.py, with the line it is on."""
    if isinstance(node, str):
        yield line, node
    elif isinstance(node, LineDict):
        for key, value in node.items():
            yield from _strings(value, node.key_lines.get(key, line))
    elif isinstance(node, list):
        lines = getattr(node, "item_lines", [line] * len(node))
        for item, item_line in zip(node, lines):
            yield from _strings(item, item_line)


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _unbalanced(text: str) -> Optional[str]:
    """What is unbalanced in one text (a quote mark or a bracket), in plain words, or None."""
    if text.count('"') % 2:
        return 'a quote mark (") that is never closed'
    stack: List[str] = []
    closing = {v: k for k, v in _PAIRS.items()}
    for ch in text:
        if ch in _PAIRS:
            stack.append(ch)
        elif ch in closing:
            if not stack or stack[-1] != closing[ch]:
                kind = "quote mark" if ch == "”" else "bracket"
                return f"a closing {kind} ({ch}) with no opening one before it"
            stack.pop()
    if stack:
        kind = "quote mark" if stack[-1] == "“" else "bracket"
        return f"an opening {kind} ({stack[-1]}) that is never closed"
    return None


def text_problems(name: str, tree: Any) -> List[Problem]:
    """Placeholders, notes for the writer and unbalanced marks in every text of one file."""
    file = f"content/{name}"
    allow = name == "clinic.yml" and placeholders_allowed()
    out: List[Problem] = []
    for line, text in _strings(tree, 0):
        quoted = f'"{_short(text)}"'
        if is_placeholder(text) and not allow:
            out.append(
                Problem(
                    file,
                    line or None,
                    f"this still holds a REPLACE-ME placeholder: {quoted}. Write the real text in its place "
                    "(the word REPLACE-ME included).",
                )
            )
        todo = _TODO.search(text)
        if todo:
            out.append(
                Problem(
                    file,
                    line or None,
                    f'this has a note for the writer ("{todo.group(1)}"): {quoted}. Patients would read it: '
                    "finish the text and take the note out.",
                )
            )
        note = _BRACKETED.search(text)
        if note:
            out.append(
                Problem(
                    file,
                    line or None,
                    f'this has a note in brackets ("{_short(note.group(0), 40)}"): {quoted}. Patients would '
                    "read it: replace it with the real words.",
                )
            )
        odd = _unbalanced(text)
        if odd:
            out.append(
                Problem(
                    file,
                    line or None,
                    f"this has {odd}: {quoted}. Add the missing one, or take the stray one out.",
                )
            )
    return out


def _label_line(tree: Any, label: str, block: bool = False) -> Optional[int]:
    """The line of a text named as Content.texts() names it ("topic aura (more)", "reply greet", ...):
    its messages, or with `block` the topic, reply or reason it belongs to."""
    m = re.match(r"^(topic|reply|reason) ([\w-]+)( \(more\))?(?:, detail ([\w-]+))?$", label)
    if not m or not isinstance(tree, LineDict):
        return None
    kind, key, more, detail = m.groups()
    section = {"topic": "topics", "reply": "replies", "reason": "escalation_reasons"}[kind]
    steps = [section, key]
    if not block:
        steps += ["more"] if more else ["details", detail] if detail else ["messages"]
    node, line = tree, None
    for step in steps:
        if not isinstance(node, LineDict) or step not in node:
            break
        line, node = node.key_lines.get(step, line), node[step]
    return line


def content_problems(content: Content, answers: Any) -> List[Problem]:
    """Reading grade over the limit (actions/readability.py) and texts nobody is named as reviewing."""
    file = "content/answers.yml"
    out = [
        Problem(
            file,
            _label_line(answers, row.label),
            f"{row.label} reads at school grade {row.grade:.1f}; the limit is {MAX_GRADE:.0f}. Use "
            f"shorter sentences (its longest has {row.longest_sentence} words) and everyday words.",
        )
        for row in grade_rows(content)
        if row.grade > MAX_GRADE
    ]
    seen = set()
    for label, _, provenance in content.texts():
        # A topic's extra bubbles and symptom lines share its review fields unless they have their own.
        key = label.split(",")[0].replace(" (more)", "")
        if not provenance.reviewer_role and key not in seen:
            seen.add(key)
            out.append(
                Problem(
                    file,
                    _label_line(answers, label, block=True),
                    f"{label} has no reviewer_role: add the role of the person who checked it against its "
                    'source (e.g. "neurologist", "clinic nurse").',
                )
            )
    return out


def review_field_problems(name: str, tree: Any) -> List[Problem]:
    """The call-back texts carry the same review fields as the answers, once for the whole file."""
    present = set(tree) if isinstance(tree, LineDict) else set()
    return [
        Problem(
            f"content/{name}",
            None,
            f"the file has no '{field}'. Every text needs its source, the role of who reviewed it and "
            "the date (source_section, reviewer_role, last_reviewed) at the top of the file.",
        )
        for field in REVIEW_FIELDS
        if field not in present
    ]


def check_draft(content_dir: Path = CONTENT_DIR) -> List[Problem]:
    """Everything that stops the drafts in `content_dir` being published; empty when they can be."""
    content_dir = Path(content_dir)
    problems: List[Problem] = []
    trees = {}
    for name in RELEASE_FILES:
        path = content_dir / name
        if not path.exists():
            problems.append(Problem(f"content/{name}", None, "the file is missing."))
            continue
        try:
            trees[name] = load_yaml(path, content_dir.parent)
        except YamlProblem as e:
            problems.append(_from_message(e.message, name))
    if problems:  # the checks below would only repeat them
        return problems
    content: Optional[Content] = None
    try:
        content = load(content_dir)
    except ContentError as e:
        problems.append(_loader_problem(e, content_dir))
    for name, tree in trees.items():
        problems += text_problems(name, tree)
    problems += review_field_problems("callback.yml", trees["callback.yml"])
    if content is not None:
        problems += content_problems(content, trees["answers.yml"])
    return problems


# ---------------------------------------------------------------- the release store


def _now() -> str:
    return (
        dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    )


@contextlib.contextmanager
def _locked(store: Path) -> Iterator[None]:
    """One publish or rollback at a time (staff at two consoles, or a console and the command line)."""
    store.mkdir(parents=True, exist_ok=True)
    with open(store / LOCK, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _entries(store: Path) -> List[Tuple[str, Release]]:
    """(action, release) of the history, oldest first. A line that cannot be read is skipped."""
    path = store / HISTORY
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            data = json.loads(line)
            action = data.pop("action")
            out.append((action, Release(**data)))
        except (ValueError, TypeError, KeyError):
            continue
    return out


def _append(store: Path, action: str, release: Release) -> None:
    with open(store / HISTORY, "a", encoding="utf-8") as f:
        f.write(
            json.dumps({"action": action, **dataclasses.asdict(release)}, sort_keys=True) + "\n"
        )
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _point(store: Path, version: str) -> None:
    """Switches CURRENT atomically: a reader sees the old version or the new one, never a half-written
    file (os.replace is an atomic rename on the same file system)."""
    tmp = store / f".{POINTER}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(version + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, store / POINTER)
    _fsync_dir(store)


def _next_version(store: Path) -> str:
    numbers = [int(m.group(1)) for p in store.iterdir() if (m := _VERSION.match(p.name))]
    return f"v{max(numbers, default=0) + 1}"


def _chain(entries: Sequence[Tuple[str, Release]]) -> List[Release]:
    """The versions that were current, in order, as a rollback undoes them: a publish adds one, a
    rollback takes the last one off. The last is the current version."""
    chain: List[Release] = []
    for action, release in entries:
        if action == "rollback" and chain:
            chain.pop()
        elif action == "publish":
            chain.append(release)
    return chain


def _who(who: str) -> str:
    who = " ".join(str(who).split())
    if not who:
        raise ValueError(
            "Say who is doing this (a name or staff login): it is kept in the history."
        )
    return who


def publish(who: str, content_dir: Path = CONTENT_DIR, note: str = "") -> Release:
    """Checks the drafts and makes them the version patients read. What is checked is a copy taken
    first, so an edit saved meanwhile is neither published unchecked nor lost (it stays a draft).
    Publishing drafts identical to the current version changes nothing and returns that version."""
    who = _who(who)
    store = releases_dir()
    with _locked(store):
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=store))
        try:
            draft = staging / "content"
            draft.mkdir()
            for name in RELEASE_FILES:
                if (Path(content_dir) / name).exists():
                    shutil.copy2(Path(content_dir) / name, draft / name)
            problems = check_draft(draft)
            if problems:
                raise PublishRefused(problems)
            fingerprint = content_version(draft, RELEASE_FILES)
            now = current()
            if now is not None and now.fingerprint == fingerprint:
                return now
            release = Release(_next_version(store), who, _now(), fingerprint, note.strip())
            (draft / INFO).write_text(
                json.dumps(dataclasses.asdict(release), indent=2, sort_keys=True) + "\n",
                encoding="utf-8",
            )
            for path in draft.iterdir():
                path.chmod(0o444)  # a version is never edited in place
            os.rename(draft, store / release.version)
            _append(store, "publish", release)
            _point(store, release.version)
            return release
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def rollback(who: str) -> Release:
    """Makes the version before the current one current again (one step; a second rollback goes one
    further back). Recorded in the history as a new entry."""
    who = _who(who)
    store = releases_dir()
    with _locked(store):
        chain = _chain(_entries(store))
        if len(chain) < 2:
            raise RollbackRefused(
                [Problem("content", None, "there is no earlier published version to go back to.")]
            )
        back = chain[-2]
        release = Release(
            back.version, who, _now(), back.fingerprint, f"rollback from {chain[-1].version}"
        )
        _append(store, "rollback", release)
        _point(store, release.version)
        return release


def current() -> Optional[Release]:
    """The version patients read now (the history entry that made it current), or None before the
    first release."""
    store = releases_dir()
    version = current_version(store)
    if version is None:
        return None
    for _, release in reversed(_entries(store)):
        if release.version == version:
            return release
    info = store / version / INFO
    return Release(**json.loads(info.read_text(encoding="utf-8"))) if info.exists() else None


def history() -> List[Release]:
    """Every publish and rollback, newest first."""
    return [release for _, release in reversed(_entries(releases_dir()))]


# ---------------------------------------------------------------- command line


def _print_problems(problems: Sequence[Problem], out: Any = sys.stdout) -> None:
    for p in problems:
        print(f"  - {p}", file=out)


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(
        description="Check, publish and roll back the answer texts (docs/staff-guide.md)."
    )
    ap.add_argument("command", choices=("check", "publish", "rollback", "history"))
    ap.add_argument("--who", default="", help="your name or staff login, kept in the history")
    ap.add_argument("--note", default="", help="publish: what changed, kept in the history")
    ap.add_argument(
        "--content-dir", type=Path, default=CONTENT_DIR, help="the drafts (default: content/)"
    )
    args = ap.parse_args(argv)
    who = args.who or os.environ.get("CLINIC_STAFF_NAME") or getpass.getuser()
    if args.command == "check":
        problems = check_draft(args.content_dir)
        if problems:
            print(f"The drafts cannot be published yet: {len(problems)} problem(s) to fix.")
            _print_problems(problems)
            return 1
        print("The drafts are ready to publish: no problems found.")
        return 0
    if args.command == "publish":
        before = current()
        try:
            release = publish(who, args.content_dir, args.note)
        except PublishRefused as e:
            print(
                f"Not published: {len(e.problems)} problem(s) to fix first. Patients still read the "
                f"version published before ({before.version if before else 'none yet'})."
            )
            _print_problems(e.problems)
            return 1
        if before is not None and release == before:
            print(f"Nothing new to publish: version {release.version} already has these texts.")
            return 0
        print(
            f"Published version {release.version} (by {release.who}, {release.when}). Patients get it "
            "within a few seconds."
        )
        return 0
    if args.command == "rollback":
        was = current()
        try:
            release = rollback(who)
        except RollbackRefused as e:
            print(f"Nothing rolled back: {e.problems[0].message}")
            return 1
        print(
            f"Version {release.version} is live again (was {was.version if was else '?'}), by {release.who}."
        )
        return 0
    entries = history()
    if not entries:
        print("Nothing has been published yet.")
        return 0
    live = current_version(releases_dir())
    print(f"Content versions in {releases_dir()} (newest first; * = what patients read now):")
    for i, r in enumerate(entries):
        mark = "*" if i == 0 and r.version == live else " "
        note = f"  ({r.note})" if r.note else ""
        print(f" {mark} {r.when}  {r.version:<5} {r.who}{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
