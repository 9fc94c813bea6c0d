"""Safety in the widget: a red flag gets the emergency style and a tap-to-call link (from the
assistant's custom payload), and no text, the patient's or the bot's, is ever rendered as markup."""

from __future__ import annotations

import json
import re

from playwright.sync_api import Route, expect

from tests.widget.helpers import EMERGENCY, SCREENSHOTS, WIDGET_JS, Chat, record_metric

CONTRAST_JS = """el => {
  const rgb = s => s.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
  const lum = c => { const v = c.map(x => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
                     return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const cs = getComputedStyle(el);
  const a = lum(rgb(cs.color)), b = lum(rgb(cs.backgroundColor));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""

XSS_MARKUP = '<img src=x onerror="window.__xss=(window.__xss||0)+1"><script>window.__xss=99</script><b>bold</b>'


def test_a_red_flag_gets_the_emergency_style_and_a_tap_to_call_link(chat: Chat) -> None:
    chat.open()
    answer = chat.ask("worst headache of my life came on suddenly")
    assert any(EMERGENCY in t for t in answer), answer
    emergency = chat.log.locator("[data-kind=emergency]")
    expect(emergency.first).to_be_visible()
    expect(emergency.first.locator(".badge")).to_have_text("Emergency")
    call = emergency.locator(f"a[href='tel:{EMERGENCY}']")
    expect(call).to_have_count(1)
    expect(call).to_be_visible()
    expect(call).to_contain_text(f"Call {EMERGENCY}")
    # Distinct and high contrast: not the ordinary answer's colours, and at least 7:1 (WCAG AAA).
    ratio = emergency.first.evaluate(CONTRAST_JS)
    record_metric("emergency_text_contrast", round(ratio, 2))
    assert ratio >= 7, ratio
    answer_bg = chat.log.locator("[data-kind=disclaimer]").first.evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert emergency.first.evaluate("el => getComputedStyle(el).backgroundColor") != answer_bg
    box = call.bounding_box()
    assert box and box["height"] >= 44, box  # a large tap target
    # Announced at once (assertive live region), not only politely.
    expect(chat.page.get_by_role("alert")).to_contain_text("medical emergency")
    call.scroll_into_view_if_needed()
    chat.page.screenshot(path=str(SCREENSHOTS / "desktop-emergency.png"))


def test_a_crisis_message_gets_its_own_style_and_both_numbers(chat: Chat) -> None:
    chat.open()
    chat.ask("I want to kill myself")
    crisis = chat.log.locator("[data-kind=crisis]")
    expect(crisis.first).to_be_visible()
    expect(crisis.locator("a[href='tel:988']")).to_have_count(1)
    expect(crisis.locator(f"a[href='tel:{EMERGENCY}']")).to_have_count(1)
    assert crisis.first.evaluate(CONTRAST_JS) >= 7


def test_patient_markup_is_shown_as_literal_text(chat: Chat, page_errors) -> None:
    chat.open()
    chat.ask(XSS_MARKUP)  # the real assistant answers whatever it makes of it
    expect(chat.patient.last).to_have_text("You said: " + XSS_MARKUP)
    assert chat.page.evaluate("() => window.__xss") is None
    expect(chat.page.locator("img")).to_have_count(0)  # pierces the widget's shadow root
    expect(chat.log.locator("b, script")).to_have_count(0)
    # Restored from sessionStorage on reload: still text.
    chat.page.reload()
    expect(chat.patient.last).to_have_text("You said: " + XSS_MARKUP)
    assert chat.page.evaluate("() => window.__xss") is None
    expect(chat.page.locator("img")).to_have_count(0)
    assert not page_errors


def test_bot_markup_is_shown_as_literal_text(chat: Chat, page_errors) -> None:
    """A malicious or broken bot message must render as text.

    The real assistant never sends markup, so this test makes the real widget receive one: Playwright
    intercepts the real assistant's response (page.route + route.fetch, the request still goes to the
    running Rasa server) and appends a malicious message to it before the widget sees it. This
    interception is the sanctioned way to feed the widget a bad answer; every other widget test talks
    to the assistant untouched."""
    evil = {
        "text": "Answer "
        + XSS_MARKUP
        + " javascript:alert(1) see https://example.org/x?a=<b>1</b>.",
        "buttons": [{"title": '<img src=x onerror="window.__xss=7">', "payload": "/greet"}],
        "custom": {
            "kind": "<b>answer</b>",
            "call": {
                "label": '<img src=x onerror="window.__xss=8">',
                "tel": "javascript:alert(1)//911",
            },
            "crisis_call": {"label": "x", "tel": "javascript:alert(1)"},
            "booking_url": "javascript:alert(1)",
        },
    }

    def inject(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        response = route.fetch()
        messages = response.json()
        sender = json.loads(route.request.post_data or "{}").get("sender", "")
        messages.append({"recipient_id": sender, **evil})
        route.fulfill(response=response, json=messages)

    chat.page.route("**/webhooks/rest/webhook", inject)
    chat.open()
    evil_msg = chat.log.locator("[data-who=bot]", has_text="Answer <img").last
    expect(evil_msg).to_be_visible()
    expect(evil_msg.locator(".text")).to_contain_text(
        'Answer <img src=x onerror="window.__xss=(window.__xss||0)+1">'
        "<script>window.__xss=99</script><b>bold</b>"
    )
    expect(chat.page.locator("img")).to_have_count(0)
    expect(chat.log.locator("b, script")).to_have_count(0)
    # An unknown kind falls back to an ordinary answer; a bad tel: keeps its digits only.
    expect(evil_msg).to_have_attribute("data-kind", "answer")
    hrefs = chat.log.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert not [h for h in hrefs if not re.match(r"^(https?:|tel:\+?[0-9]+$)", h)], hrefs
    assert "tel:1911" in hrefs or "tel:1" in hrefs
    # The quick reply's title is text too.
    expect(chat.chip('<img src=x onerror="window.__xss=7">')).to_be_visible()
    assert chat.page.evaluate("() => window.__xss") is None
    assert not page_errors


def test_the_widget_source_never_parses_html() -> None:
    source = WIDGET_JS.read_text()
    code = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    code = re.sub(r"^\s*//.*$", "", code, flags=re.M)
    for api in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
        "createContextualFragment",
        "DOMParser",
    ):
        assert api not in code, api
    record_metric("widget_js_bytes", len(source.encode()))
