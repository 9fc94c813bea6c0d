"""The widget against the real assistant: the greeting, a plain question, a quick reply, a follow-up,
links. Every answer here comes from the running Rasa server and action server (ops/launcher.py)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.widget.helpers import CLINIC_TEL, SCREENSHOTS, Chat, record_metric, timed


def test_opening_greets_silently_with_the_disclaimer(chat: Chat, page_errors) -> None:
    greet_s = timed(lambda: chat.open())
    record_metric("open_to_disclaimer_seconds", greet_s)
    texts = " ".join(chat.bot_texts())
    assert "not medical advice" in texts and "911" in texts
    # The greeting payload is sent silently: no patient bubble, and "/greet" is nowhere on screen.
    expect(chat.patient).to_have_count(0)
    expect(chat.log).not_to_contain_text("/greet")
    # Focus moved into the dialog, on the input.
    expect(chat.input).to_be_focused()
    assert chat.storage()["greeted"] is True
    assert not page_errors


def test_a_plain_question_gets_the_right_answer(chat: Chat, page_errors) -> None:
    chat.open()
    answer = []
    seconds = timed(lambda: answer.extend(chat.ask("what is an aura?")))
    record_metric("question_to_answer_seconds", seconds)
    joined = " ".join(answer).lower()
    assert "aura" in joined and "visual" in joined and "flashes" in joined, answer
    # The answer is announced by the live region.
    expect(chat.status).to_contain_text("Auras are mostly visual")
    chat.page.screenshot(path=str(SCREENSHOTS / "desktop-answer.png"))
    assert not page_errors


def test_a_quick_reply_sends_its_payload_and_shows_its_title(chat: Chat) -> None:
    chat.open()
    # The greeting offers the topics as buttons (from the assistant).
    expect(chat.chip("Auras")).to_be_visible()
    before = chat.bot.count()
    chat.chip("Auras").click()
    expect(chat.patient.last).to_have_text("You said: Auras")
    expect(chat.bot).not_to_have_count(before)
    chat.wait_idle()
    answer = " ".join(chat.bot_texts()[before:]).lower()
    assert "visual" in answer and "flashes" in answer, answer
    expect(chat.log).not_to_contain_text("/ask_aura")  # the payload is never shown
    # the answer's only button is "Tell me more" (issue 11: at most 3 bubbles, the rest on request)
    expect(chat.quick_replies).to_have_count(1)


def test_a_follow_up_keeps_the_context(chat: Chat) -> None:
    chat.open()
    chat.ask("what is an aura?")
    follow_up = " ".join(chat.ask("how long does it last?")).lower()
    assert (
        "5 to 60 minutes" in follow_up
    ), follow_up  # ICHD-3 (issue 11), not the page's "20 minutes to an hour"


def test_links_in_bot_text_are_safe_links(chat: Chat) -> None:
    """The clinician reply has a booking URL in its text and a call link in custom.call."""
    chat.open()
    chat.ask("can I book an appointment?")
    last = chat.log.locator("[data-kind=clinician]").last
    url_link = chat.log.locator("[data-kind=clinician] .text a[href^='https://']").first
    expect(url_link).to_be_visible()
    expect(url_link).to_have_attribute("target", "_blank")
    expect(url_link).to_have_attribute("rel", "noopener noreferrer")
    # A URL at the end of a sentence does not swallow the full stop.
    assert not url_link.get_attribute("href").endswith(".")
    call = last.locator("a.call")
    expect(call).to_have_attribute("href", f"tel:{CLINIC_TEL}")
    # The clinic's phone number in the text is tap-to-call too.
    expect(
        chat.log.locator(f"[data-kind=clinician] .text a[href='tel:{CLINIC_TEL}']").first
    ).to_be_visible()
    # One call button per reply, not one per message.
    expect(chat.log.locator("[data-kind=clinician] a.call")).to_have_count(1)


def test_start_over_clears_the_conversation_and_the_sender(chat: Chat) -> None:
    chat.open()
    chat.ask("what is an aura?")
    old_sender = chat.storage()["sender"]
    chat.page.get_by_role("button", name=re.compile("Start over")).click()
    expect(chat.patient).to_have_count(0)
    expect(chat.log.locator("[data-kind=disclaimer]").first).to_be_visible()  # greeted again
    chat.wait_idle()
    state = chat.storage()
    assert state["sender"] != old_sender
    assert [e for e in state["entries"] if e["who"] == "patient"] == []
    expect(chat.input).to_be_focused()
