"""The worked example of docs/staff-guide.md ("Add a new topic"), as code: each step is the exact text
the guide tells staff to add, and where. The staff tests apply it to a copy of the project, check it,
train it, publish it and ask the new question, so the guide is proven to work; a test also checks the
guide still shows these exact snippets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

INTENT = "ask_ketamine_other_uses"
TOPIC = "ketamine_other_uses"
QUESTION = "is ketamine used for other things than migraine"  # the conversation test's question
ANSWER_START = "Ketamine drips are also used for some mood and pain problems"


@dataclass(frozen=True)
class Step:
    file: str
    where: str  # "intents" (under intents: in domain.yml), "end", or "before:<top-level key>"
    snippet: str


DOMAIN = Step("domain.yml", "intents", f"  - {INTENT}\n")

NLU = Step(
    "data/nlu/ketamine.yml",
    "end",
    f"""
- intent: {INTENT}
  examples: |
    - what else is ketamine used for
    - is ketamine only used for migraines
    - is ketamine used for depression
    - can ketamine help with other kinds of pain
    - what other conditions are treated with ketamine infusions
    - do people get ketamine infusions for mood problems
    - is ketamine a treatment for anxiety too
    - why is ketamine so popular these days
    - is ketamine used for chronic pain
    - do you use ketamine for anything besides migraine
    - ketamine for depression?
    - can ketamine infusions treat mood disorders
""",
)

CONTENT = Step(
    "content/answers.yml",
    "before:replies",
    f"""  {TOPIC}:
    title: Other uses of ketamine
    source_section: "Ketamine Infusions for Migraine Treatment (opening sentence)"
    reviewer_role: "clinic nurse"
    last_reviewed: 2026-11-25
    messages:
      - "{ANSWER_START}, not only migraine."
      - "I can only share the clinic's facts about ketamine for migraine. Ask a clinician if it could help with something else."

""",
)

RULE = Step(
    "data/rules/ketamine.yml",
    "end",
    f"""
  - rule: answer {INTENT}
    steps:
      - intent: {INTENT}
      - action: action_answer_topic
""",
)

TEST = Step(
    "tests/conversations/test_topics.yml",
    "end",
    f"""
  - story: ketamine other uses
    steps:
      - user: |
          {QUESTION}
        intent: {INTENT}
      - action: action_answer_topic
""",
)

HELDOUT = Step(
    "tests/nlu/heldout.yml",
    "end",
    f"""
- intent: {INTENT}
  examples: |
    - is ketamine just for migraine or other stuff too
    - heard ketamine is used for depression, is that true
    - ketamine for nerve pain?
    - what conditions besides headaches does ketamine treat
    - is it true ketamine helps with mood issues
    - other uses of ketamine infusions
""",
)

STEPS: List[Step] = [DOMAIN, NLU, CONTENT, RULE, TEST, HELDOUT]


def apply_step(root: Path, step: Step, snippet: Optional[str] = None) -> None:
    path = root / step.file
    text = path.read_text(encoding="utf-8")
    snippet = step.snippet if snippet is None else snippet
    if step.where == "end":
        text = text.rstrip("\n") + "\n" + snippet
    elif step.where == "intents":
        m = re.search(r"^intents:[^\n]*\n", text, re.M)
        assert m, f"{step.file}: no 'intents:'"
        text = text[: m.end()] + snippet + text[m.end() :]
    elif step.where.startswith("before:"):
        key = step.where.split(":", 1)[1]
        m = re.search(rf"^{key}:", text, re.M)
        assert m, f"{step.file}: no '{key}:'"
        # Before the comment lines that introduce the key, if any.
        start = m.start()
        lines_before = text[:start].split("\n")
        while len(lines_before) > 1 and lines_before[-2].startswith("#"):
            lines_before.pop(-2)
        start = len("\n".join(lines_before[:-1])) + 1 if len(lines_before) > 1 else 0
        text = text[:start] + snippet + text[start:]
    path.write_text(text, encoding="utf-8")


def apply(root: Path, skip: tuple = ()) -> None:
    """Applies the guide's steps to the project at `root` (a copy), except the files in `skip`."""
    for step in STEPS:
        if step.file not in skip:
            apply_step(root, step)
