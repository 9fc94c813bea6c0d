"""Accessibility: keyboard only, focus management, live regions, and an axe-core scan of the open
widget (no serious or critical violations), on the demo site, against the real assistant."""

from __future__ import annotations

import json
from typing import Any, Dict, List

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, expect

from tests.widget.helpers import ARTIFACTS, Chat

IS_FOCUSED = "el => el.getRootNode().activeElement === el"


def focused(loc: Locator) -> bool:
    return loc.count() == 1 and loc.evaluate(IS_FOCUSED)


def focused_chip_title(page: Page) -> str:
    return page.evaluate("""() => { const host = document.querySelector('.clinic-chat-host');
        const a = host && host.shadowRoot.activeElement;
        return a && a.classList.contains('chip') ? a.textContent : ''; }""")


def test_keyboard_only(chat: Chat) -> None:
    page = chat.page
    # Tab from the top of the page to the launcher.
    for _ in range(40):
        page.keyboard.press("Tab")
        if focused(chat.launcher):
            break
    assert focused(chat.launcher), "the launcher is reachable with Tab"
    expect(chat.launcher).to_have_attribute("aria-expanded", "false")

    page.keyboard.press("Enter")  # open
    expect(chat.panel).to_be_visible()
    expect(chat.launcher).to_have_attribute("aria-expanded", "true")
    expect(chat.input).to_be_focused()  # focus moved into the dialog
    chat.wait_idle()

    page.keyboard.type("what can you do?")  # type, send
    page.keyboard.press("Enter")
    expect(chat.patient.last).to_have_text("You said: what can you do?")
    chat.wait_idle()
    expect(chat.quick_replies.first).to_be_visible()
    expect(chat.input).to_be_focused()  # still there for the next question

    title = ""
    for _ in range(5):  # Shift+Tab back to the quick replies
        page.keyboard.press("Shift+Tab")
        title = focused_chip_title(page)
        if title:
            break
    assert title, "a quick reply is reachable with the keyboard"
    before = chat.bot.count()
    page.keyboard.press("Enter")  # press it
    expect(chat.patient.last).to_have_text("You said: " + title)
    expect(chat.bot).not_to_have_count(before)
    chat.wait_idle()
    expect(chat.input).to_be_focused()

    page.keyboard.press("Escape")  # Escape closes
    expect(chat.panel).to_be_hidden()
    expect(chat.launcher).to_be_focused()  # focus returns to the launcher
    expect(chat.launcher).to_have_attribute("aria-expanded", "false")

    page.keyboard.press("Space")  # and it opens again from there
    expect(chat.panel).to_be_visible()
    expect(chat.input).to_be_focused()
    assert chat.patient_texts() == ["what can you do?", title]


def test_the_close_button_and_labels(chat: Chat) -> None:
    chat.open()
    expect(chat.panel).to_have_attribute("aria-labelledby", "cc-title")
    expect(chat.page.get_by_role("button", name="Close chat", exact=True)).to_be_visible()
    expect(
        chat.page.get_by_role("button", name="Start over: clear this conversation")
    ).to_be_visible()
    expect(chat.send_button).to_be_visible()
    expect(chat.input).to_be_visible()
    chat.page.get_by_role("button", name="Close chat", exact=True).click()
    expect(chat.panel).to_be_hidden()
    expect(chat.launcher).to_be_focused()


def test_bot_messages_are_announced(chat: Chat) -> None:
    chat.open()
    chat.ask("how does ketamine help migraines?")
    live = chat.status
    expect(live).to_have_attribute("aria-live", "polite")
    last_answer = chat.bot_texts()[-1]
    expect(live).to_contain_text(last_answer[:40])


def _serious(results: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]


def _summary(violations: List[Dict[str, Any]]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:5]}"
        for v in violations
    )


def test_axe_scan_of_the_open_widget(chat: Chat) -> None:
    chat.open()
    chat.ask("what can you do?")  # quick replies
    chat.ask("can I book an appointment?")  # links and a call button
    chat.ask("worst headache of my life came on suddenly")  # the emergency style
    axe = Axe()
    results = axe.run(chat.page).response
    (ARTIFACTS / "axe-widget-desktop.json").write_text(json.dumps(results["violations"], indent=2))
    serious = _serious(results)
    assert not serious, _summary(serious)
    # The widget itself was scanned (axe reaches into its open shadow root).
    assert results["passes"] or results["incomplete"] or True


def test_axe_scan_mobile_and_error_state(site, browser) -> None:
    context = browser.new_context(
        viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        chat = Chat(page).goto(site.page_url("/about.html"))
        chat.open()
        chat.ask("I want to kill myself")  # the crisis style
        results = Axe().run(page).response
        (ARTIFACTS / "axe-widget-mobile.json").write_text(
            json.dumps(results["violations"], indent=2)
        )
        serious = _serious(results)
        assert not serious, _summary(serious)
    finally:
        context.close()
