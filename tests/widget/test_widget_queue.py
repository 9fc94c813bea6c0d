"""A message sent while a reply is pending is queued, shown as "sending", and sent in order as soon
as the previous reply arrives (issue 10 item 10). Against the real assistant."""

from __future__ import annotations

import json
from typing import List

from playwright.sync_api import Route, expect

from tests.widget.helpers import Chat


def _who_sequence(chat: Chat) -> List[str]:
    return [("P:" + e["text"]) if e["who"] == "patient" else "B" for e in chat.storage()["entries"]]


def test_open_and_send_at_once_is_answered(chat: Chat, page_errors) -> None:
    """Enter pressed while the greeting is still loading: the question is not dropped."""
    chat.open(wait_for_greeting=False)
    chat.input.fill("what is an aura?")
    chat.input.press("Enter")
    expect(chat.input).to_have_value("")  # taken, not left in the box
    expect(chat.patient).to_have_count(1)
    expect(chat.log).to_contain_text("flashes of light")
    chat.wait_idle()
    expect(chat.patient.last).to_have_text("You said: what is an aura?")
    seq = _who_sequence(chat)
    # The greeting's disclaimer first, then the question, then its answer.
    assert seq[0] == "B" and seq.index("P:what is an aura?") > 0 and seq[-1] == "B", seq
    assert not page_errors


def test_a_queued_message_shows_and_announces_its_sending_state(chat: Chat) -> None:
    """The greeting's response is held back (the real request, released later), so the queued state
    can be observed deterministically."""
    held: List[Route] = []

    def hold_greeting(route: Route) -> None:
        body = json.loads(route.request.post_data or "{}")
        if body.get("message") == "/greet" and not held:
            held.append(route)
        else:
            route.continue_()

    chat.page.route("**/webhooks/rest/webhook", hold_greeting)
    chat.open(wait_for_greeting=False)
    chat.input.fill("my face is drooping")
    chat.input.press("Enter")
    pending = chat.log.locator("[data-who=patient].pending")
    expect(pending).to_have_count(1)
    expect(pending).to_contain_text("Sending")
    expect(chat.status).to_contain_text("Sending your message")
    assert held, "the greeting was requested"
    held[0].continue_()
    expect(pending).to_have_count(0)
    expect(chat.log.locator("[data-kind=emergency]").first).to_be_visible()
    expect(chat.patient.last).to_have_text("You said: my face is drooping")


def test_two_fast_sends_are_both_answered_in_order(chat: Chat, page_errors) -> None:
    chat.open()
    greeting = len(chat.storage()["entries"])
    chat.input.fill("what is an aura?")
    chat.input.press("Enter")
    chat.input.fill("how long does it last?")
    chat.input.press("Enter")
    expect(chat.input).to_have_value("")
    expect(chat.log).to_contain_text("within an hour after it")  # the duration answer (issue 11)
    chat.wait_idle()
    expect(chat.patient).to_have_count(2)
    seq = _who_sequence(chat)[greeting:]
    first, second = seq.index("P:what is an aura?"), seq.index("P:how long does it last?")
    assert first == 0 and first < second and seq[-1] == "B", seq
    assert "B" in seq[first:second], seq  # the first answer before the second question
    texts = " ".join(chat.page.locator(".log [data-who]").all_inner_texts())
    assert texts.index("flashes of light") < texts.index("how long does it last?")
    assert not page_errors
