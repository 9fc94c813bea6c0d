"""The Answers pages in Chromium against the real console and real files: edit with a preview as the
patient will see it, save a draft (only the edited lines of content/answers.yml change), a refused
placeholder shown next to its box, approve and publish, roll back."""

from __future__ import annotations

import difflib

from playwright.sync_api import Page, expect

from actions.content import load
from tests.staff.console.conftest import STAFF, Console

TOPIC = "prodrome_timing"
TITLE = "When warning signs start"


def open_topic(page: Page, console: Console) -> None:
    page.goto(f"{console.url}/answers")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)


def changed_lines(before: str, after: str) -> list:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def save_and_publish(page: Page, console: Console, bubble: str, note: str) -> None:
    open_topic(page, console)
    page.get_by_label("Bubble 2", exact=True).fill(bubble)
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    page.get_by_label("What changed (for the history)").fill(note)
    page.get_by_label("I have checked this text against its source").check()
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_text("Published: version")).to_be_visible()


def test_edit_with_preview_then_save_a_draft(console: Console, signed_in: Page) -> None:
    page = signed_in
    phone = load(console.root / "content").clinic.phone
    before = console.answers.read_text()
    open_topic(page, console)
    preview = page.locator(".preview")
    expect(preview.locator(".bubble")).to_have_count(2)
    expect(preview.locator(".bubble").nth(0)).to_contain_text("as early as a day or two")

    new = "They don't happen every time. Questions? Call us on {phone}."
    page.get_by_label("Bubble 2", exact=True).fill(new)
    page.get_by_role("button", name="Preview").click()
    # As the patient will see it: the clinic's phone filled in, nothing saved yet.
    expect(page.get_by_text("This preview is not saved yet")).to_be_visible()
    expect(preview.locator(".bubble").nth(1)).to_have_text(
        f"They don't happen every time. Questions? Call us on {phone}."
    )
    assert console.answers.read_text() == before

    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    after = console.answers.read_text()
    assert changed_lines(before, after) == [
        '-      - "They don\'t happen every time, or for everyone."',
        '+      - "They don\'t happen every time. Questions? Call us on {phone}."',
    ]
    assert load(console.root / "content").topics[TOPIC].messages[1] == new
    entry = console.audit()[-1]
    assert (entry["who"], entry["action"], entry["target"]) == (
        STAFF,
        "save draft",
        f"answer {TOPIC}",
    )


def test_a_placeholder_is_shown_next_to_its_bubble_and_publishing_is_refused(
    console: Console, signed_in: Page
) -> None:
    page = signed_in
    open_topic(page, console)
    box = page.get_by_label("Bubble 1", exact=True)
    box.fill("TODO [insert when the signs start] REPLACE-ME")
    page.get_by_role("button", name="Preview").click()
    problem = page.locator("#problem-messages-1")
    expect(problem).to_be_visible()
    expect(problem.locator("li").first).not_to_be_empty()
    box = page.get_by_label("Bubble 1", exact=True)
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(box).to_have_attribute("aria-describedby", "problem-messages-1")
    expect(page.get_by_role("alert")).to_contain_text("in this answer")

    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    expect(page.locator("#problem-messages-1")).to_be_visible()  # still shown after saving
    page.get_by_label("I have checked this text against its source").check()
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_role("heading", name="Not published: fix these first")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("answers.yml")
    assert [e["action"] for e in console.audit()][-1] == "publish refused"
    assert not any(e["action"] == "publish" for e in console.audit())


def test_approve_and_publish(console: Console, signed_in: Page) -> None:
    page = signed_in
    save_and_publish(page, console, "They do not come every time.", "shorter second bubble")
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)  # back on the topic
    page.get_by_role("link", name="Publish and history").click()
    live = page.locator("tr.live")
    expect(live).to_contain_text(STAFF)
    expect(live).to_contain_text("shorter second bubble")
    expect(page.get_by_role("heading", name="The draft passes every check")).to_be_visible()
    entry = [e for e in console.audit() if e["action"] == "publish"][-1]
    assert entry["who"] == STAFF and entry["detail"] == "shorter second bubble"


def test_roll_back_to_the_previous_version(console: Console, signed_in: Page) -> None:
    page = signed_in
    save_and_publish(page, console, "First published wording.", "first")
    save_and_publish(page, console, "Second published wording.", "second")
    page.get_by_role("link", name="Publish and history").click()
    expect(page.locator("tr.live")).to_contain_text("second")
    first_version = page.locator("tbody tr").filter(has_text="first").locator("td").first
    version = first_version.inner_text().split()[0]

    page.get_by_role("button", name="Roll back to the previous version").click()
    expect(page.get_by_text(f"Rolled back: version {version}")).to_be_visible()
    live = page.locator("tr.live")
    expect(live).to_have_count(1)
    expect(live.locator("td").first).to_have_text(f"{version} (live)")
    entry = console.audit()[-1]
    assert (entry["who"], entry["action"]) == (STAFF, "rollback")
