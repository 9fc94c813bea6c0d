"""The "Helpful" / "Not helpful" buttons under an answer (issue 14), in Chromium against the real assistant:
present under an answer, absent under the greeting and an emergency reply, usable with the keyboard,
sent without any text, stored, and listed by the staff review; axe-clean."""

from __future__ import annotations

import json
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from staff import review
from tests.widget.helpers import ARTIFACTS, SCREENSHOTS, Chat, Site

QUESTION = "what is an aura?"


def is_feedback(request) -> bool:
    """The POST itself (the cross-origin preflight goes to the same URL first)."""
    return request.method == "POST" and request.url.endswith("/webhooks/rest/feedback")


def feedback_of(chat: Chat, kind: str = "answer"):
    return chat.log.locator(
        f"[data-kind={kind}] [role=group][aria-label='Was this answer helpful?']"
    )


def test_buttons_under_an_answer_not_under_the_greeting_or_an_emergency(
    chat: Chat, page_errors
) -> None:
    chat.open()
    # the greeting (the disclaimer and the topics menu) answers no question
    expect(chat.log.locator("[data-kind=disclaimer]").first).to_be_visible()
    expect(chat.log.locator(".feedback")).to_have_count(0)
    chat.ask(QUESTION)
    group = feedback_of(chat)
    expect(group).to_have_count(1)  # one pair per reply, under its last bubble
    last_bubble = chat.log.locator("[data-who=bot]").last
    expect(last_bubble.get_by_role("button", name="Helpful", exact=True)).to_be_visible()
    expect(last_bubble.get_by_role("button", name="Not helpful", exact=True)).to_be_visible()
    for name in ("Helpful", "Not helpful"):
        expect(group.get_by_role("button", name=name, exact=True)).to_have_attribute(
            "aria-pressed", "false"
        )

    chat.ask("worst headache of my life came on suddenly")
    expect(chat.log.locator("[data-kind=emergency]").first).to_be_visible()
    expect(chat.log.locator("[data-kind=emergency] .feedback")).to_have_count(0)
    expect(chat.log.locator(".feedback")).to_have_count(1)  # still only the aura answer's
    assert not page_errors


def test_keyboard_not_helpful_is_stored_and_reaches_the_review(
    chat: Chat, site: Site, tmp_path: Path
) -> None:
    page = chat.page
    chat.open()
    chat.ask(QUESTION)
    group = feedback_of(chat).last
    helpful = group.get_by_role("button", name="Helpful", exact=True)
    not_helpful = group.get_by_role("button", name="Not helpful", exact=True)

    helpful.focus()
    page.keyboard.press("Tab")  # the next stop after "Helpful"
    expect(not_helpful).to_be_focused()
    with page.expect_request(is_feedback) as sent:
        page.keyboard.press("Enter")
    body = json.loads(sent.value.post_data or "{}")
    sender = chat.storage()["sender"]
    assert body == {"sender": sender, "helpful": False, "turns_back": 0, "topic": "aura"}

    expect(not_helpful).to_have_attribute("aria-pressed", "true")
    expect(helpful).to_have_attribute("aria-pressed", "false")
    expect(group).to_contain_text("Thanks for your feedback.")
    expect(chat.status).to_contain_text("Thanks for your feedback.")
    expect(not_helpful).to_be_focused()  # focus stays where the patient is
    page.screenshot(path=str(SCREENSHOTS / "desktop-feedback.png"))

    db = site.stack.env["TRACKER_DB"]
    listed = [(x.text, x.intent) for x in review.unhelpful(f"sqlite:///{db}")]
    assert (QUESTION, "ask_aura") in listed

    # the choice survives a reload (the transcript lives in sessionStorage)
    page.reload()
    chat.open(wait_for_greeting=False)
    expect(
        feedback_of(chat).last.get_by_role("button", name="Not helpful", exact=True)
    ).to_have_attribute("aria-pressed", "true")


def test_an_older_answer_is_rated_by_counting_back(chat: Chat, site: Site) -> None:
    page = chat.page
    chat.open()
    chat.ask(QUESTION)
    chat.ask("what are the side effects of ketamine")
    older = feedback_of(chat).first
    with page.expect_response(lambda r: is_feedback(r.request)) as answered:
        older.get_by_role("button", name="Helpful", exact=True).click()
    assert answered.value.status == 200
    assert json.loads(answered.value.request.post_data or "{}")["turns_back"] == 1
    assert answered.value.json()["intent"] == "ask_aura"


def test_axe_scan_with_the_feedback_buttons(chat: Chat) -> None:
    chat.open()
    chat.ask(QUESTION)
    feedback_of(chat).last.get_by_role("button", name="Not helpful", exact=True).click()
    expect(feedback_of(chat).last).to_contain_text("Thanks for your feedback.")
    chat.ask("can I book an appointment?")  # a clinician reply takes the buttons too
    expect(feedback_of(chat, "clinician")).to_have_count(1)
    results = Axe().run(chat.page).response
    (ARTIFACTS / "axe-widget-feedback.json").write_text(json.dumps(results["violations"], indent=2))
    serious = [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]
    assert not serious, [(v["id"], [n["target"] for n in v["nodes"]][:5]) for v in serious]
