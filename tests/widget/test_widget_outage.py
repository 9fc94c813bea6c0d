"""The assistant cannot be reached (the real Rasa server stopped) or does not answer in time (the
real server paused): the patient sees the clinic's phone number and a retry, their text is kept,
and once the server is back the retry works. Each test leaves the server running."""

from __future__ import annotations

import os
import signal

from playwright.sync_api import expect

from ops.launcher import Stack
from tests.widget.helpers import (
    CLINIC_PHONE,
    CLINIC_TEL,
    EMERGENCY,
    SCREENSHOTS,
    Chat,
    record_metric,
    timed,
)


def _rasa_running(stack: Stack) -> bool:
    proc = stack.procs.get("rasa")
    return proc is not None and proc.poll() is None


def test_server_stopped_shows_the_phone_keeps_the_text_and_retry_works(
    stack: Stack, chat: Chat
) -> None:
    stack.stop_rasa()
    try:
        # Opening: the built-in disclaimer and the error, since the greeting could not be fetched.
        chat.open(wait_for_greeting=False)
        expect(chat.log.locator(".local-disclaimer")).to_contain_text("not medical advice")
        expect(chat.log.locator(".local-disclaimer a[href='tel:%s']" % EMERGENCY)).to_be_visible()
        expect(chat.error).to_contain_text(CLINIC_PHONE)

        chat.input.fill("what is an aura?")
        chat.input.press("Enter")
        expect(chat.error).to_contain_text("Your message was not sent")
        expect(chat.error).to_contain_text(CLINIC_PHONE)
        expect(chat.error.locator(f"a[href='tel:{CLINIC_TEL}']")).to_be_visible()
        expect(chat.error.get_by_role("button", name="Try again")).to_be_visible()
        expect(chat.input).to_have_value("what is an aura?")  # the typed text is kept
        expect(chat.patient).to_have_count(0)  # not shown as sent
        expect(chat.page.get_by_role("alert")).to_contain_text(CLINIC_PHONE)
        chat.page.screenshot(path=str(SCREENSHOTS / "desktop-server-down.png"))
    finally:
        if not _rasa_running(stack):
            stack.start_rasa()

    chat.error.get_by_role("button", name="Try again").click()
    expect(chat.patient.last).to_have_text("You said: what is an aura?")
    expect(chat.log).to_contain_text("flashes of light")
    expect(chat.error).to_have_count(0)
    expect(chat.input).to_have_value("")
    # The built-in disclaimer stays in the transcript (the patient has read it); no second greeting.
    expect(chat.log.locator(".local-disclaimer")).to_have_count(1)


def test_a_server_that_does_not_answer_times_out_with_a_retry(stack: Stack, chat: Chat) -> None:
    """The real Rasa process is paused (SIGSTOP): connections are accepted but never answered, so
    the widget's own 15 s timeout has to fire. Never a silent hang."""
    chat.open()
    pgid = stack.procs["rasa"].pid
    os.killpg(pgid, signal.SIGSTOP)
    try:
        chat.input.fill("what is an aura?")
        chat.input.press("Enter")
        expect(chat.page.locator(".typing")).to_be_visible()
        waited = timed(
            lambda: expect(chat.error).to_contain_text("taking too long", timeout=25_000)
        )
        record_metric("timeout_error_after_seconds", waited)
        assert 10 <= waited <= 20, waited
        expect(chat.error).to_contain_text(CLINIC_PHONE)
        expect(chat.input).to_have_value("what is an aura?")
    finally:
        os.killpg(pgid, signal.SIGCONT)
    chat.error.get_by_role("button", name="Try again").click()
    expect(chat.log).to_contain_text("flashes of light")
    expect(chat.error).to_have_count(0)
