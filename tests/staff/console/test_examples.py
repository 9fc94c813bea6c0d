"""The Examples page in Chromium: new wordings are written to the intent's block in data/nlu by
staff/add_examples.py's writer; identifiers, held-out test phrases and duplicates are refused or
skipped, and the audit records the count, never the words."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from staff.yaml_lines import examples_in, heldout_path, training_examples
from tests.staff.console.conftest import STAFF, Console


def add(page: Page, console: Console, intent_label: str, lines: str) -> None:
    page.goto(f"{console.url}/examples")
    page.get_by_label("Question (intent)").select_option(label=intent_label)
    page.get_by_label("Example questions, one per line").fill(lines)
    page.get_by_role("button", name="Add examples").click()


def test_add_examples_to_a_topic(console: Console, signed_in: Page) -> None:
    page = signed_in
    heldout = examples_in(heldout_path(console.root), console.root)
    held_out_aura = next(
        ex.text for ex in heldout if ex.intent == "ask_aura" and "[" not in ex.text
    )
    existing = next(ex.text for ex in training_examples(console.root) if ex.intent == "ask_aura")
    lines = "\n".join(
        [
            "does the zigzag light thing before my headache have a name",
            "my name is Jane Doe, what is an aura",
            "call me on 555 123 4567 about auras",
            held_out_aura,
            existing,
        ]
    )
    add(page, console, "ask_aura (Auras)", lines)
    expect(page.get_by_text("1 added to ask_aura; 1 already there; 3 refused.")).to_be_visible()
    expect(page.get_by_text("Refused 'my name is Jane Doe, what is an aura'")).to_contain_text(
        "name"
    )
    expect(page.get_by_text("Refused 'call me on 555 123 4567 about auras'")).to_contain_text(
        "phone"
    )
    expect(page.get_by_text(f"Refused '{held_out_aura}'")).to_contain_text("held-out test")

    added = [ex for ex in training_examples(console.root) if ex.intent == "ask_aura"]
    texts = [ex.text for ex in added]
    assert "does the zigzag light thing before my headache have a name" in texts
    assert not any("Jane" in t or "4567" in t for t in texts)
    assert held_out_aura not in texts
    entry = console.audit()[-1]
    assert (entry["who"], entry["action"], entry["target"], entry["detail"]) == (
        STAFF,
        "add examples",
        "intent ask_aura",
        "1 example(s)",
    )
    assert "zigzag" not in (console.root / ".console" / "audit.jsonl").read_text()


def test_safety_intents_are_not_offered(console: Console, signed_in: Page) -> None:
    page = signed_in
    page.goto(f"{console.url}/examples")
    options = page.get_by_label("Question (intent)").locator("option").all_inner_texts()
    assert any(o.startswith("ask_aura") for o in options)
    assert not any(o.split()[0] in ("emergency", "self_harm") for o in options)
