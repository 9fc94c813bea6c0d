"""A full call-back request in Chromium (issue 13), by keyboard, against the real assistant: the
"Request a call-back" button on the clinician reply, the form's questions, the phone field (type and
inputmode tel, its label announced), the confirmation (when to expect the call, what to do in an
emergency), and the request stored in the outbox. No webhook is set in the widget tests' assistant, so
the request stays in the outbox as it would for staff (`make callbacks`)."""

from __future__ import annotations

import sqlite3

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, expect

from tests.widget.helpers import EMERGENCY, Chat

FOCUSED = "el => el.getRootNode().activeElement === el"


def press_chip(page: Page, chip: Locator) -> None:
    """A quick reply chosen with the keyboard: focus it, press Enter."""
    expect(chip).to_be_enabled()
    chip.focus()
    assert chip.evaluate(FOCUSED)
    page.keyboard.press("Enter")


def last_bot_kind(chat: Chat) -> str:
    return chat.bot.last.get_attribute("data-kind") or ""


def test_a_full_call_back_request_by_keyboard(chat: Chat, site, page_errors) -> None:
    page = chat.page
    chat.open()
    chat.ask("how much does an infusion cost?")
    press_chip(page, chat.chip("Request a call-back"))
    chat.wait_idle()

    name = page.get_by_label("Your first name (optional)")
    expect(name).to_be_focused()
    expect(chat.status).to_contain_text("Your first name (optional)")
    expect(chat.chip("Skip")).to_be_visible()
    page.keyboard.type("Sam")
    page.keyboard.press("Enter")
    chat.wait_idle()

    phone = page.get_by_label("Your phone number")
    expect(phone).to_have_attribute("type", "tel")
    expect(phone).to_have_attribute("inputmode", "tel")
    expect(phone).to_have_attribute("autocomplete", "tel")
    expect(phone).to_be_focused()
    expect(chat.status).to_contain_text("Type it in the message box, labelled: Your phone number")
    page.keyboard.type("12345")  # a bad number is asked again
    page.keyboard.press("Enter")
    chat.wait_idle()
    expect(chat.log).to_contain_text("doesn't look like a phone number")
    expect(page.get_by_label("Your phone number")).to_have_attribute("type", "tel")
    page.keyboard.type("(201) 555-0177")
    page.keyboard.press("Enter")
    chat.wait_idle()

    expect(page.get_by_label("Your question")).to_have_attribute("type", "text")  # back to normal
    expect(chat.page.locator(".quick")).to_have_attribute("aria-label", "Your answer")
    expect(chat.status).to_contain_text("Answer with a button")
    press_chip(page, chat.chip("Morning (9am-12pm)"))
    chat.wait_idle()
    press_chip(page, chat.chip("Cost or insurance"))
    chat.wait_idle()
    expect(chat.log).to_contain_text("delete them 30 days after")
    press_chip(page, chat.chip("Yes, please call me"))
    chat.wait_idle()

    confirmed = chat.log.locator("[data-kind=callback_confirmed]")
    expect(confirmed).to_have_count(2)
    expect(confirmed.first.locator(".badge")).to_have_text("Call-back requested")
    expect(confirmed.first).to_contain_text("within one working day")
    expect(confirmed.last).to_contain_text(f"call {EMERGENCY} now")
    expect(confirmed.locator(f"a[href='tel:{EMERGENCY}']")).to_have_count(
        1
    )  # once, with the emergency line
    expect(confirmed.last.locator(f"a[href='tel:{EMERGENCY}']")).to_be_visible()
    expect(chat.status).to_contain_text("within one working day")
    assert last_bot_kind(chat) == "callback_confirmed"

    with sqlite3.connect(site.stack.env["TRACKER_DB"]) as c:
        stored = c.execute(
            "SELECT first_name, best_time, reason, status FROM callback_outbox "
            "WHERE phone = '+12015550177'"
        ).fetchall()
    assert stored == [("Sam", "morning", "cost", "pending")]

    serious = [
        v
        for v in Axe().run(page).response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
    assert not serious, [(v["id"], v["help"]) for v in serious]
    assert not page_errors
