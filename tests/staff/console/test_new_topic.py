"""The New topic form in Chromium, with the staff guide's worked example (tests/staff/worked_example.py):
one form writes the six files, `make check`'s checks pass on the result, and a form that would break the
project is refused before any file changes. (Training the new topic and asking it through the widget is
what tests/staff/test_live.py does for the same worked example.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict

from playwright.sync_api import Page, expect

from staff import check as staff_check
from staff.yaml_lines import examples_in, heldout_path, training_examples
from tests.staff import worked_example as wx
from tests.staff.console.conftest import STAFF, Console

# The checks of `make check` run before saving: seconds on an idle machine, up to a minute on a busy one.
CHECK_TIMEOUT = 180_000

FILES = (
    "domain.yml",
    "data/nlu/ketamine.yml",
    "content/answers.yml",
    "data/rules/content.yml",
    "tests/conversations/test_topics.yml",
    "tests/nlu/heldout.yml",
)


def snapshot(root: Path) -> Dict[str, str]:
    return {f: (root / f).read_text() for f in FILES}


def lines_of(snippet: str) -> str:
    return "\n".join(
        line.strip()[2:]
        for line in snippet.splitlines()
        if line.startswith("    - ")  # the examples, not the "- intent:" line
    )


def fill(page: Page, console: Console, examples: str) -> None:
    content = wx.CONTENT.snippet
    bubbles = re.findall(r'^      - "(.*)"$', content, re.M)
    page.goto(f"{console.url}/topics/new")
    page.get_by_label("Topic name").fill(wx.TOPIC)
    page.get_by_label("Button label (title)").fill("Other uses of ketamine")
    page.get_by_label("Subject (where the examples go)").select_option("ketamine")
    for i, text in enumerate(bubbles, 1):
        page.get_by_label(f"Bubble {i}", exact=True).fill(text)
    page.get_by_label("Source (page section or named reference)").fill(
        "Ketamine Infusions for Migraine Treatment (opening sentence)"
    )
    page.get_by_label("Reviewed by (a role, not a name)").fill("clinic nurse")
    page.get_by_label("Last reviewed (YYYY-MM-DD)").fill("2026-11-25")
    page.get_by_label("Ways patients ask it").fill(examples)
    page.get_by_label("Test phrases").fill(lines_of(wx.HELDOUT.snippet))


def test_a_new_topic_in_one_form(console: Console, signed_in: Page) -> None:
    page = signed_in
    before = snapshot(console.root)
    fill(page, console, lines_of(wx.NLU.snippet))
    page.get_by_role("button", name="Check and create the topic").click(timeout=CHECK_TIMEOUT)
    expect(
        page.get_by_text("Topic 'Other uses of ketamine' added to the six files.")
    ).to_be_visible(timeout=CHECK_TIMEOUT)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Other uses of ketamine")
    expect(page.locator(".preview .bubble").first).to_contain_text(wx.ANSWER_START)

    after = snapshot(console.root)
    assert all(after[f] != before[f] for f in FILES), [f for f in FILES if after[f] == before[f]]
    assert f"  - {wx.INTENT}\n" in after["domain.yml"]
    trained = [ex.text for ex in training_examples(console.root) if ex.intent == wx.INTENT]
    assert len(trained) == 12
    heldout = [ex for ex in examples_in(heldout_path(console.root), console.root)]
    assert sum(1 for ex in heldout if ex.intent == wx.INTENT) == 6
    report = staff_check.run(console.root)
    assert not report.errors, report.errors
    entry = console.audit()[-1]
    assert (entry["who"], entry["action"], entry["target"]) == (
        STAFF,
        "new topic",
        f"topic {wx.TOPIC}",
    )


def test_a_new_topic_that_fails_the_checks_changes_no_file(
    console: Console, signed_in: Page
) -> None:
    page = signed_in
    before = snapshot(console.root)
    # Twelve examples, one of which is already a training example of another intent.
    taken = next(ex.text for ex in training_examples(console.root) if ex.intent == "ask_aura")
    examples = lines_of(wx.NLU.snippet).split("\n")[:11] + [taken]
    fill(page, console, "\n".join(examples))
    page.get_by_role("button", name="Check and create the topic").click(timeout=CHECK_TIMEOUT)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Not saved", timeout=CHECK_TIMEOUT)
    expect(alert).to_contain_text("ask_aura")
    assert snapshot(console.root) == before
    assert not any(e["action"] == "new topic" for e in console.audit())
