"""The conversation lives in sessionStorage: a reload and the other pages of the site keep it (same
sender id, so the assistant keeps the context too); a new tab starts fresh; nothing goes to
localStorage or cookies."""

from __future__ import annotations

from playwright.sync_api import BrowserContext, Page, expect

from tests.widget.helpers import Chat, Site


def test_reload_and_another_page_keep_the_conversation(site: Site, chat: Chat) -> None:
    chat.open()
    chat.ask("what is an aura?")
    sender = chat.storage()["sender"]
    transcript = chat.bot_texts()

    chat.page.reload()
    expect(chat.panel).to_be_visible()  # it was open: it stays open
    assert chat.patient_texts() == ["what is an aura?"]
    assert chat.bot_texts() == transcript

    chat.page.get_by_role("navigation", name="Main").get_by_role("link", name="About us").click()
    chat.page.wait_for_url("**/about.html")
    expect(chat.panel).to_be_visible()
    assert chat.patient_texts() == ["what is an aura?"]
    assert chat.bot_texts() == transcript
    assert chat.storage()["sender"] == sender
    # The assistant still has the context on the new page: the follow-up is about auras.
    assert "5 to 60 minutes" in " ".join(chat.ask("how long does it last?"))  # ICHD-3 (issue 11)


def test_closed_chat_stays_closed_on_the_next_page_with_its_transcript(
    site: Site, chat: Chat
) -> None:
    chat.open()
    chat.ask("what is an aura?")
    chat.page.keyboard.press("Escape")
    chat.page.goto(site.page_url("/infusions.html"))
    expect(chat.launcher).to_be_visible()
    expect(chat.panel).to_be_hidden()
    chat.open(wait_for_greeting=False)
    assert chat.patient_texts() == ["what is an aura?"]
    # No second greeting for a conversation that already has one.
    assert chat.bot_texts().count(chat.bot_texts()[0]) == 1


def test_a_new_tab_starts_fresh(site: Site, chat: Chat, context: BrowserContext) -> None:
    chat.open()
    chat.ask("what is an aura?")
    first_sender = chat.storage()["sender"]

    other: Page = context.new_page()  # a new tab in the same browser window
    fresh = Chat(other).goto(site.page_url("/"))
    expect(fresh.panel).to_be_hidden()
    assert fresh.storage() == {}
    fresh.open()
    expect(fresh.patient).to_have_count(0)
    assert fresh.storage()["sender"] != first_sender
    other.close()


def test_only_session_storage_is_used(chat: Chat) -> None:
    chat.open()
    chat.ask("what is an aura?")
    assert chat.page.evaluate("() => localStorage.length") == 0
    assert chat.page.evaluate("() => document.cookie") == ""
    assert chat.storage()["entries"], "the transcript is in sessionStorage"
