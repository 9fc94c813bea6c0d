"""The urgent_check safety net (issue 9): a high-contrast warning card with a tap-to-call link on its
first message and answer buttons on its last. The server side is built in parallel, so the real
request goes out and Playwright (page.route) answers the symptom message with a realistic
urgent_check reply; the greeting still comes from the real assistant."""

from __future__ import annotations

import json
from typing import Any, Dict, List

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Route, expect

from tests.widget.helpers import ARTIFACTS, EMERGENCY, SCREENSHOTS, Chat
from tests.widget.test_widget_safety import CONTRAST_JS

SYMPTOM = "my arm went numb 20 min ago"
BUTTONS = [
    {"title": "It's new or different", "payload": "/urgent_check_new"},
    {"title": "It's my usual aura", "payload": "/urgent_check_usual_aura"},
    {"title": "I'm asking in general", "payload": "/urgent_check_general"},
]
CALL = {"label": "Call 911", "tel": "911"}


def urgent_reply(sender: str) -> List[Dict[str, Any]]:
    return [
        {
            "recipient_id": sender,
            "custom": {"kind": "urgent_check", "call": CALL},
            "text": (
                "If this is new, sudden, different from your usual, or has lasted over an hour, "
                "call 911 now."
            ),
        },
        {
            "recipient_id": sender,
            "custom": {"kind": "urgent_check"},
            "buttons": BUTTONS,
            "text": "Is this new or different for you, or is it your usual aura?",
        },
    ]


def test_an_urgent_check_is_a_warning_card_with_call_and_answer_buttons(
    chat: Chat, page_errors
) -> None:
    sent: List[str] = []

    def answer(route: Route) -> None:
        body = json.loads(route.request.post_data or "{}")
        sent.append(body.get("message", ""))
        if body.get("message") == SYMPTOM:
            route.fulfill(json=urgent_reply(body["sender"]))
        elif body.get("message", "").startswith("/urgent_check_"):
            route.fulfill(
                json=[
                    {
                        "recipient_id": body["sender"],
                        "text": "Call 911 now.",
                        "custom": {"kind": "emergency", "call": CALL},
                    }
                ]
            )
        else:
            route.continue_()

    chat.page.route("**/webhooks/rest/webhook", answer)
    chat.open()
    chat.ask(SYMPTOM)
    card = chat.log.locator("[data-kind=urgent_check]")
    expect(card).to_have_count(2)
    expect(card.first.locator(".badge")).to_have_text("Urgent check")
    call = card.locator(f"a[href='tel:{EMERGENCY}']")
    expect(call).to_have_count(1)  # once, on the first message
    expect(card.first.locator(f"a[href='tel:{EMERGENCY}']")).to_contain_text("Call 911")
    box = call.bounding_box()
    assert box and box["height"] >= 44, box
    assert card.first.evaluate(CONTRAST_JS) >= 7
    assert call.evaluate(CONTRAST_JS) >= 7
    assert card.first.evaluate("el => getComputedStyle(el).borderTopWidth") == "3px"
    expect(chat.page.get_by_role("alert")).to_contain_text("call 911 now")
    expect(chat.page.get_by_role("alert")).to_contain_text("It's my usual aura")
    answers = chat.page.get_by_role("list", name="Your answer").get_by_role("button")
    expect(answers).to_have_text([b["title"] for b in BUTTONS])
    chat.page.screenshot(path=str(SCREENSHOTS / "desktop-urgent-check.png"))
    results = Axe().run(chat.page).response
    (ARTIFACTS / "axe-widget-urgent-check.json").write_text(
        json.dumps(results["violations"], indent=2)
    )
    serious = [v["id"] for v in results["violations"] if v.get("impact") in ("serious", "critical")]
    assert not serious, serious
    # Keyboard: focus the first answer and press Enter: its payload is sent, its title shown.
    answers.first.focus()
    chat.page.keyboard.press("Enter")
    expect(chat.patient.last).to_have_text("You said: It's new or different")
    expect(chat.log.locator("[data-kind=emergency]")).to_have_count(1)
    assert sent[-1] == "/urgent_check_new", sent
    # Distinct from the emergency card, as prominent (same border).
    em = chat.log.locator("[data-kind=emergency]").first
    bg = "el => getComputedStyle(el).backgroundColor"
    assert card.first.evaluate(bg) != em.evaluate(bg)
    assert em.evaluate("el => getComputedStyle(el).borderTopWidth") == "3px"
    assert not page_errors
