"""The conversation id is a canonical random UUID v4, also when crypto.randomUUID is missing (an
http page that is not a secure context): then it comes from crypto.getRandomValues, never Math.random."""

from __future__ import annotations

import json
import re
from typing import List

from playwright.sync_api import Browser, Request

from tests.widget.helpers import Chat, Site

UUID_V4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
# No randomUUID; a constant Math.random (an id made from it would repeat); getRandomValues counted.
NO_RANDOM_UUID = """delete Crypto.prototype.randomUUID;
Math.random = () => 0.5;
const grv = Crypto.prototype.getRandomValues;
window.__grv = 0;
Crypto.prototype.getRandomValues = function (a) { window.__grv++; return grv.call(this, a); };"""


def _sender_without_random_uuid(site: Site, browser: Browser) -> str:
    context = browser.new_context()
    try:
        context.add_init_script(NO_RANDOM_UUID)
        page = context.new_page()
        senders: List[str] = []

        def on_request(r: Request) -> None:
            if r.method == "POST" and "webhook" in r.url:
                senders.append(json.loads(r.post_data or "{}").get("sender", ""))

        page.on("request", on_request)
        chat = Chat(page).goto(site.page_url("/"))
        assert page.evaluate("() => typeof crypto.randomUUID") == "undefined"
        chat.open()  # the real assistant answers it
        assert page.evaluate("() => window.__grv") >= 1
        sender = chat.storage()["sender"]
        assert senders and set(senders) == {sender}
        return sender
    finally:
        context.close()


def test_the_fallback_sender_is_a_random_uuid_v4(site: Site, browser: Browser) -> None:
    first, second = (
        _sender_without_random_uuid(site, browser),
        _sender_without_random_uuid(site, browser),
    )
    assert UUID_V4.match(first) and UUID_V4.match(second), (first, second)
    assert first != second


def test_the_default_sender_is_a_uuid_v4(chat: Chat) -> None:
    chat.open()
    assert UUID_V4.match(chat.storage()["sender"])
