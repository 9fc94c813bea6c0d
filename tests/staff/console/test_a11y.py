"""Accessibility of the console in Chromium: the whole edit-and-preview path with the keyboard only, and
an axe-core scan of every page (no serious or critical violations), as the widget is held to
(tests/widget/test_widget_a11y.py)."""

from __future__ import annotations

import json
from typing import Any, Dict, List

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.staff.console.conftest import PASSWORD, STAFF, Console
from tests.staff.console.test_review_queue import write_conversations
from tests.widget.helpers import ARTIFACTS


def tab_to(page: Page, test: str, limit: int = 80) -> None:
    """Presses Tab until document.activeElement passes the JavaScript `test` (el => bool)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"({test})(document.activeElement)"):
            return
    raise AssertionError(f"no element matching {test} is reachable with Tab")


def test_keyboard_only_sign_in_edit_and_preview(console: Console, page: Page) -> None:
    page.goto(f"{console.url}/login")
    tab_to(page, "el => el.id === 'name'")
    page.keyboard.type(STAFF)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"Signed in as {STAFF}")).to_be_visible()

    # The skip link comes first and moves focus to the content.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to the content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    page.keyboard.press("Shift+Tab")  # back into the navigation
    tab_to(page, "el => el.textContent === 'Answers' && el.tagName === 'A'")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Answers")).to_be_visible()
    tab_to(page, "el => el.textContent === 'When warning signs start'")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("When warning signs start")

    tab_to(page, "el => el.id === 'messages-2'")
    page.keyboard.press("Control+A")
    page.keyboard.type("Typed with the keyboard only. Call {phone}.")
    tab_to(page, "el => el.tagName === 'BUTTON' && el.textContent === 'Preview'")
    page.keyboard.press("Enter")
    expect(page.locator(".preview .bubble").nth(1)).to_contain_text("Typed with the keyboard only.")
    expect(page.locator(".preview .bubble").nth(1)).not_to_contain_text("{phone}")
    tab_to(page, "el => el.tagName === 'BUTTON' && el.textContent === 'Save draft'")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    assert "Typed with the keyboard only." in console.answers.read_text()


def serious(results: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]


def summary(violations: List[Dict[str, Any]]) -> str:
    return "; ".join(
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in violations
    )


def test_axe_scan_of_every_page(console: Console, page: Page) -> None:
    write_conversations(console.root / ".rasa" / "tracker.db")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    axe = Axe()
    found: Dict[str, List[Dict[str, Any]]] = {}

    def scan(name: str) -> None:
        results = axe.run(page).response
        found[name] = serious(results)
        (ARTIFACTS / f"axe-console-{name}.json").write_text(
            json.dumps(results["violations"], indent=2)
        )

    page.goto(f"{console.url}/login")
    scan("login")
    console.sign_in(page)
    expect(page.get_by_text(f"Signed in as {STAFF}")).to_be_visible()
    scan("home")
    for path in ("/answers", "/answers/aura", "/examples", "/review", "/publish", "/train"):
        page.goto(console.url + path)
        scan(path.strip("/").replace("/", "-"))
    # The edit page with problems shown inline, and a flash message.
    page.goto(f"{console.url}/answers/prodrome_timing")
    page.get_by_label("Bubble 1", exact=True).fill("TODO [insert text] REPLACE-ME")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#problem-messages-1")).to_be_visible()
    scan("answers-problems")
    bad = {name: summary(v) for name, v in found.items() if v}
    assert not bad, bad
