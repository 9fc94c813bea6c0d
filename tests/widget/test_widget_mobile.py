"""Mobile: below 480 px the widget is full screen, tap targets are large, and the input stays
visible above the on-screen keyboard. Screenshots (desktop and mobile) are saved as artefacts."""

from __future__ import annotations

from typing import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.widget.helpers import SCREENSHOTS, Chat, Site

W, H = 375, 667

# Headless Chromium has no on-screen keyboard. This stands in for one: it replaces
# window.visualViewport with an object whose height shrinks the way a keyboard shrinks it, and fires
# the same `resize` event, so the widget's own visualViewport handling is exercised.
FAKE_KEYBOARD = """(() => {
  const real = window.visualViewport;
  const fake = new EventTarget();
  let keyboard = 0;
  Object.defineProperty(fake, 'height', { get: () => real.height - keyboard });
  Object.defineProperty(fake, 'width', { get: () => real.width });
  Object.defineProperty(fake, 'offsetTop', { get: () => 0 });
  Object.defineProperty(fake, 'offsetLeft', { get: () => 0 });
  Object.defineProperty(fake, 'scale', { get: () => 1 });
  Object.defineProperty(window, 'visualViewport', { configurable: true, get: () => fake });
  window.__keyboard = px => { keyboard = px; fake.dispatchEvent(new Event('resize')); };
})();"""


@pytest.fixture
def mobile(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(
        viewport={"width": W, "height": H}, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    yield context
    context.close()


def in_viewport(box, height: float = H) -> bool:
    return (
        box is not None
        and box["x"] >= -1
        and box["y"] >= -1
        and box["x"] + box["width"] <= W + 1
        and box["y"] + box["height"] <= height + 1
    )


def test_mobile_full_screen_with_the_input_visible(site: Site, mobile: BrowserContext) -> None:
    page = mobile.new_page()
    chat = Chat(page).goto(site.page_url("/"))
    launcher = chat.launcher.bounding_box()
    assert launcher["height"] >= 44 and launcher["width"] >= 44
    chat.launcher.tap()
    chat.open()
    box = chat.panel.bounding_box()
    assert box == pytest.approx({"x": 0, "y": 0, "width": W, "height": H}, abs=1), box
    expect(chat.input).to_be_visible()
    assert in_viewport(chat.input.bounding_box())
    assert in_viewport(chat.send_button.bounding_box())
    expect(chat.launcher).to_be_hidden()  # the chat covers the page
    expect(chat.panel).to_have_attribute("aria-modal", "true")
    page.screenshot(path=str(SCREENSHOTS / "mobile-open.png"))

    chat.ask("what is an aura?")
    assert in_viewport(chat.input.bounding_box())
    page.screenshot(path=str(SCREENSHOTS / "mobile-answer.png"))

    # Tap targets: every control in the chat is at least 44 x 44 CSS px.
    chat.ask("what can you do?")
    controls = page.locator(".panel button, .panel a.call, .panel input")
    for i in range(controls.count()):
        c = controls.nth(i)
        if c.is_visible():
            b = c.bounding_box()
            assert b["height"] >= 44 and b["width"] >= 44, (
                c.evaluate("e => e.outerHTML.slice(0, 80)"),
                b,
            )

    page.keyboard.press("Escape")
    expect(chat.panel).to_be_hidden()
    expect(chat.launcher).to_be_visible()


def test_mobile_emergency_screenshot(site: Site, mobile: BrowserContext) -> None:
    page = mobile.new_page()
    chat = Chat(page).goto(site.page_url("/"))
    chat.launcher.tap()
    chat.open()
    chat.ask("worst headache of my life came on suddenly")
    call = chat.log.locator("[data-kind=emergency] a[href='tel:911']")
    expect(call).to_be_in_viewport()
    page.screenshot(path=str(SCREENSHOTS / "mobile-emergency.png"))


def test_the_input_stays_above_the_on_screen_keyboard(site: Site, mobile: BrowserContext) -> None:
    page = mobile.new_page()
    page.add_init_script(FAKE_KEYBOARD)
    chat = Chat(page).goto(site.page_url("/"))
    chat.launcher.tap()
    chat.open()
    chat.input.tap()
    keyboard = 290  # a typical phone keyboard, in CSS px
    page.evaluate(f"window.__keyboard({keyboard})")
    visible = H - keyboard
    expect(chat.panel).to_have_css("height", f"{visible}px")
    assert in_viewport(chat.input.bounding_box(), visible), chat.input.bounding_box()
    assert in_viewport(chat.send_button.bounding_box(), visible)
    page.screenshot(path=str(SCREENSHOTS / "mobile-keyboard.png"))
    page.evaluate("window.__keyboard(0)")
    expect(chat.panel).to_have_css("height", f"{H}px")


def test_desktop_is_a_floating_panel(chat: Chat) -> None:
    chat.open()
    box = chat.panel.bounding_box()
    assert box["width"] <= 400 and box["x"] > 600, box  # bottom right, the page stays usable
    expect(chat.launcher).to_be_visible()
    expect(chat.panel).to_have_attribute("aria-modal", "false")
    chat.page.screenshot(path=str(SCREENSHOTS / "desktop-open.png"))
