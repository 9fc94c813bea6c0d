"""A new topic in one form (the New topic page): its answer, the question's examples, held-out test
phrases and button label, written to the six files a topic needs (docs/staff-guide.md, section 4, as
tests/staff/worked_example.py applies them): domain.yml (the intent), data/nlu/<subject>.yml (examples),
content/answers.yml (the answer), data/rules/content.yml (the rule), tests/conversations/test_topics.yml
(a conversation test) and tests/nlu/heldout.yml (held-out phrases).

The checks run before anything is saved: the six edits are applied to a scratch copy of the project and
`make check`'s own checks (staff/check.py, without Rasa's) must find no error there; identifiers are
refused in every phrase. Only then are the real files changed. The topic is answered after the next
training; the topics menu button is still an engineer's edit (actions/topics.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Tuple

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from staff import check as staff_check
from staff.console.examples import identifiers
from staff.console.web import back, form_list, form_value, record, render
from staff.scrub import vocabulary
from staff.yaml_lines import nlu_files

bp = Blueprint("new_topic")
TOPIC_ID = re.compile(r"^[a-z][a-z0-9_]{2,40}$")
# The files a new topic's answer is a question about; not the safety, chit-chat or clinician ones.
NOT_TOPIC_FILES = {
    "safety",
    "synonyms",
    "callback",
    "chitchat",
    "out_of_scope",
    "clinician",
    "more",
}
RULES_FILE = "data/rules/content.yml"
TEST_FILE = "tests/conversations/test_topics.yml"
HELDOUT_FILE = "tests/nlu/heldout.yml"
# What `make check` reads (tests/conftest.py copies the same for its project copies).
PROJECT_FILES = (
    "data",
    "content",
    "domain.yml",
    "config.yml",
    "endpoints.yml",
    "credentials.yml",
    "tests/conversations",
    "tests/nlu/heldout.yml",
    "safety/red_flags.yml",
)


@dataclass
class NewTopic:
    topic: str = ""
    title: str = ""
    subject: str = ""
    messages: List[str] = field(default_factory=list)
    source_section: str = ""
    reviewer_role: str = ""
    last_reviewed: str = ""
    examples: List[str] = field(default_factory=list)
    heldout: List[str] = field(default_factory=list)

    @property
    def intent(self) -> str:
        return f"ask_{self.topic}"


def subjects(root: Path) -> List[str]:
    return [p.stem for p in nlu_files(root) if p.stem not in NOT_TOPIC_FILES]


def _lines(raw: str) -> List[str]:
    return [
        " ".join(line.split()) for line in raw.replace("\r\n", "\n").split("\n") if line.strip()
    ]


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _block(lines: List[str]) -> str:
    return "".join(f"    - {line}\n" for line in lines)


def edits(t: NewTopic) -> Dict[str, Tuple[str, str]]:
    """file -> (where, snippet), in tests/staff/worked_example.py's terms."""
    bubbles = "".join(f"      - {_q(m)}\n" for m in t.messages)
    role = f"    reviewer_role: {_q(t.reviewer_role)}\n" if t.reviewer_role else ""
    return {
        "domain.yml": ("intents", f"  - {t.intent}\n"),
        f"data/nlu/{t.subject}.yml": (
            "end",
            f"\n- intent: {t.intent}\n  examples: |\n{_block(t.examples)}",
        ),
        "content/answers.yml": (
            "before:replies",
            f"  {t.topic}:\n    title: {_q(t.title)}\n    source_section: {_q(t.source_section)}\n"
            f"{role}    last_reviewed: {t.last_reviewed}\n    messages:\n{bubbles}\n",
        ),
        RULES_FILE: (
            "end",
            f"\n  - rule: answer {t.intent}\n    steps:\n      - intent: {t.intent}\n"
            "      - action: action_answer_topic\n",
        ),
        TEST_FILE: (
            "end",
            f"\n  - story: {t.topic.replace('_', ' ')}\n    steps:\n      - user: |\n"
            f"          {t.examples[0]}\n        intent: {t.intent}\n"
            "      - action: action_answer_topic\n",
        ),
        HELDOUT_FILE: ("end", f"\n- intent: {t.intent}\n  examples: |\n{_block(t.heldout)}"),
    }


def apply_edit(path: Path, where: str, snippet: str) -> None:
    text = path.read_text(encoding="utf-8")
    if where == "end":
        text = text.rstrip("\n") + "\n" + snippet
    elif where == "intents":
        m = re.search(r"^intents:[^\n]*\n(?:[ \t]*#[^\n]*\n)*", text, re.M)
        if not m:
            raise ValueError(f"{path.name}: no 'intents:'")
        text = text[: m.end()] + snippet + text[m.end() :]
    else:
        key = where.split(":", 1)[1]
        m = re.search(rf"^{key}:", text, re.M)
        if not m:
            raise ValueError(f"{path.name}: no '{key}:'")
        lines = text[: m.start()].split("\n")
        # Before the comment lines that introduce the key.
        while len(lines) > 1 and lines[-2].startswith("#"):
            lines.pop(-2)
        start = len("\n".join(lines[:-1])) + 1 if len(lines) > 1 else 0
        text = text[:start] + snippet + text[start:]
    path.write_text(text, encoding="utf-8")


def refusals(root: Path, t: NewTopic) -> List[str]:
    """What is wrong with the form before any file is touched (empty: go on)."""
    out: List[str] = []
    if not TOPIC_ID.match(t.topic):
        out.append(
            "The topic's name must be 3 to 40 lower-case letters, digits or _ and start with a "
            "letter, e.g. ketamine_other_uses."
        )
    if not t.title:
        out.append("Write the button label (title).")
    if t.subject not in subjects(root):
        out.append("Choose the subject file for the examples.")
    if not t.messages:
        out.append("Write the answer: at least one chat bubble.")
    if not t.source_section:
        out.append("Write the source: the page section or named reference the answer follows.")
    if not re.match(r"^\d{4}-\d{2}-\d{2}$", t.last_reviewed):
        out.append("Write the review date as YYYY-MM-DD.")
    if len(t.examples) < staff_check.MIN_EXAMPLES:
        out.append(
            f"Write at least {staff_check.MIN_EXAMPLES} example questions (one per line); "
            f"there are {len(t.examples)}."
        )
    if len(t.heldout) < staff_check.MIN_HELDOUT:
        out.append(
            f"Write at least {staff_check.MIN_HELDOUT} test phrases (one per line, different from the "
            f"examples); there are {len(t.heldout)}."
        )
    vocab = vocabulary(root)
    for line in t.examples + t.heldout:
        found = identifiers(line, vocab)
        if found:
            out.append(f"'{line}' looks like it holds a {' or '.join(found)}: reword it without.")
    return out


def checked_in_copy(root: Path, t: NewTopic) -> List[str]:
    """`make check`'s errors (none: safe to write) with the topic added to a scratch copy."""
    scratch = Path(tempfile.mkdtemp(prefix="console-new-topic-"))
    try:
        for rel in PROJECT_FILES:
            src = root / rel
            if not src.exists():
                continue
            dest = scratch / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, dest)
            else:
                shutil.copy2(src, dest)
        for rel, (where, snippet) in edits(t).items():
            apply_edit(scratch / rel, where, snippet)
        report = staff_check.run(scratch, rasa_validate=False)
        return [e.replace(str(scratch) + "/", "") for e in report.errors]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def from_form(request: Request) -> NewTopic:
    return NewTopic(
        topic=form_value(request, "topic").strip().lower(),
        title=" ".join(form_value(request, "title").split()),
        subject=form_value(request, "subject"),
        messages=[
            m.replace("\r\n", "\n").strip() for m in form_list(request, "messages") if m.strip()
        ],
        source_section=" ".join(form_value(request, "source_section").split()),
        reviewer_role=" ".join(form_value(request, "reviewer_role").split()),
        last_reviewed=form_value(request, "last_reviewed").strip(),
        examples=_lines(form_value(request, "examples")),
        heldout=_lines(form_value(request, "heldout")),
    )


def page(request: Request, t: NewTopic, problems: List[str], status: int = 200) -> HTTPResponse:
    root = request.app.ctx.config.root
    return render(
        request,
        "new_topic.html",
        status=status,
        title="New topic",
        t=t,
        boxes=(t.messages + ["", "", ""])[:3],
        subjects=subjects(root),
        problems=problems,
    )


@bp.get("/topics/new")
async def new_topic_page(request: Request) -> HTTPResponse:
    return page(request, NewTopic(last_reviewed=dt.date.today().isoformat()), [])


@bp.post("/topics/new")
async def create(request: Request) -> HTTPResponse:
    root = request.app.ctx.config.root
    t = from_form(request)
    # The checks take seconds (more on a busy machine): off the event loop, so other pages still load.
    loop = asyncio.get_running_loop()
    problems = refusals(root, t) or await loop.run_in_executor(None, checked_in_copy, root, t)
    if problems:
        return page(request, t, problems, status=422)
    for rel, (where, snippet) in edits(t).items():
        apply_edit(root / rel, where, snippet)
    record(
        request,
        "new topic",
        f"topic {t.topic}",
        f"{len(t.examples)} examples, {len(t.heldout)} test phrases",
    )
    return back(
        request,
        f"/answers/{t.topic}",
        "ok",
        f"Topic '{t.title}' added to the six files. Train (the Train page) so the assistant "
        "recognises the question, then approve and publish the answer.",
    )
