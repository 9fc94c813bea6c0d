"""The full round trip against the real assistant (Rasa + action server with the trained model): edit an
answer in the console, preview it, save the draft (patients still get the published text), approve and
publish, and the assistant answers with the new text; roll back, and it answers with the old one."""

from __future__ import annotations

import time
import uuid
from typing import Dict, Iterator

import pytest
from playwright.sync_api import Page, expect

import ops.launcher
from actions.topics import TOPIC_REQUESTS
from ops.launcher import Stack, start_stack
from tests.conftest import texts
from tests.staff.console.conftest import Console
from tests.staff.console.test_answers import open_topic

NEW = "Warning signs come and go. Edited in the staff console."
# Publishing switches every server within seconds; loading the pointer is polled, not timed.
SWITCH_LIMIT = 60.0


@pytest.fixture()
def assistant(console: Console, console_env: Dict[str, str]) -> Iterator[Stack]:
    """The real assistant, serving the console's release store (the copy's)."""
    ops.launcher.RASA_START_TIMEOUT = max(ops.launcher.RASA_START_TIMEOUT, 600.0)
    stack = start_stack(
        env={
            "CLINIC_CONTENT_RELEASES": console_env["CLINIC_CONTENT_RELEASES"],
            "CLINIC_ALLOW_PLACEHOLDERS": "1",
        }
    )
    try:
        yield stack
    finally:
        stack.stop()


def answer(stack: Stack) -> str:
    return texts(stack.say(str(uuid.uuid4()), TOPIC_REQUESTS["prodrome_timing"]))


def wait_for(stack: Stack, wanted: bool) -> str:
    deadline = time.monotonic() + SWITCH_LIMIT
    said = answer(stack)
    while (NEW in said) != wanted and time.monotonic() < deadline:
        time.sleep(0.5)
        said = answer(stack)
    return said


def test_edit_preview_approve_publish_and_roll_back(
    console: Console, assistant: Stack, signed_in: Page
) -> None:
    page = signed_in
    assert NEW not in answer(assistant)
    open_topic(page, console)
    page.get_by_label("Bubble 2", exact=True).fill(NEW)
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".preview .bubble").nth(1)).to_have_text(NEW)
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    assert NEW not in answer(assistant), "a saved draft reached patients"

    page.get_by_label("I have checked this text against its source").check()
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_text("Published: version")).to_be_visible()
    assert NEW in wait_for(assistant, True)

    page.goto(f"{console.url}/publish")
    page.get_by_role("button", name="Roll back to the previous version").click()
    expect(page.get_by_text("Rolled back: version")).to_be_visible()
    assert NEW not in wait_for(assistant, False)
