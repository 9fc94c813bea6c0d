"""The review queue in Chromium, on conversations written to the copy's own tracker store as Rasa's
SQLTrackerStore writes them: not-understood, low-confidence and out-of-scope questions are listed,
scrubbed; "Approve into topic" adds one to the training data; a line holding an identifier is refused;
emergency messages never appear."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from playwright.sync_api import Page, expect

from staff.yaml_lines import training_examples
from tests.conftest import add_event
from tests.staff.console.conftest import Console


def write_conversations(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute(
        "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
        "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
        "action_name VARCHAR(255), data TEXT)"
    )
    now = dt.datetime.now().timestamp()

    def turn(sender: str, text: str, intent: str, conf: float, action: str, kind: str) -> None:
        parse = {
            "intent": {"name": intent, "confidence": conf},
            "intent_ranking": [{"name": "ask_aura", "confidence": conf}],
        }
        add_event(conn, sender, "user", now, {"event": "user", "text": text, "parse_data": parse})
        add_event(conn, sender, "action", now, {"event": "action", "name": action})
        add_event(
            conn,
            sender,
            "bot",
            now,
            {"event": "bot", "text": "…", "data": {"custom": {"kind": kind}}},
        )
        add_event(conn, sender, "action", now, {"event": "action", "name": "action_listen"})

    turn(
        "c1", "wat r the sparkly zigzag things", "nlu_fallback", 0.3, "action_fallback", "fallback"
    )
    turn(
        "c2",
        "is the shimmer thing an aura maybe",
        "ask_aura",
        0.41,
        "action_answer_topic",
        "answer",
    )
    turn(
        "c3",
        "can you recommend a pizza place",
        "out_of_scope",
        0.9,
        "action_out_of_scope",
        "answer",
    )
    turn(
        "c4",
        "my name is Jane Doe and the zigzags scare me",
        "nlu_fallback",
        0.2,
        "action_fallback",
        "fallback",
    )
    turn(
        "c5",
        "worst headache of my life right now",
        "emergency",
        1.0,
        "action_emergency",
        "emergency",
    )
    conn.commit()
    conn.close()


def test_review_queue_page_and_approve_into_topic(console: Console, signed_in: Page) -> None:
    write_conversations(console.root / ".rasa" / "tracker.db")
    page = signed_in
    page.goto(f"{console.url}/review")
    expect(page.get_by_role("heading", name="Not understood (2)")).to_be_visible()
    expect(page.get_by_role("heading", name="Low confidence (1)")).to_be_visible()
    expect(page.get_by_role("heading", name="Out of scope (1)")).to_be_visible()
    main = page.locator("main")
    expect(main).to_contain_text("wat r the sparkly zigzag things")
    expect(main).to_contain_text("my name is <name> and the zigzags scare me")
    expect(main).not_to_contain_text("Jane")
    expect(main).not_to_contain_text("worst headache")

    item = page.locator(".queue li").filter(has_text="wat r the sparkly zigzag things")
    expect(item.get_by_role("combobox", name="Approve into")).to_have_value(
        "ask_aura"
    )  # the best guess
    item.get_by_role("button", name="Approve into topic").click()
    expect(page.get_by_text("1 added to ask_aura.")).to_be_visible()
    texts = [ex.text for ex in training_examples(console.root) if ex.intent == "ask_aura"]
    assert "wat r the sparkly zigzag things" in texts

    item = page.locator(".queue li").filter(has_text="my name is <name>")
    item.get_by_role("button", name="Approve into topic").click()
    expect(page.get_by_text("Refused 'my name is <name> and the zigzags scare me'")).to_be_visible()
    texts = [ex.text for ex in training_examples(console.root)]
    assert not any("<name>" in t or "Jane" in t for t in texts)
    actions = [(e["action"], e["target"]) for e in console.audit()]
    assert actions.count(("add examples", "intent ask_aura")) == 1


def test_an_empty_store_says_so(console: Console, signed_in: Page) -> None:
    page = signed_in
    page.goto(f"{console.url}/review")
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    expect(page.locator("main")).to_contain_text("No conversations")
