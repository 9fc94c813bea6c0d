"""Helpers for the widget tests: the patient's view of the widget, metrics, constants."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Dict, List

from playwright.sync_api import Locator, Page, expect

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
METRICS = ARTIFACTS / "widget-metrics.json"
WIDGET_JS = ROOT / "widget" / "clinic-chat.js"

# What the demo site's config says (widget/site/chat-config.js).
CLINIC_PHONE = "(555) 010-0000"
CLINIC_TEL = "+15550100000"
EMERGENCY = "911"


class Site:
    """The demo site (widget/serve.py) and the assistant behind it (ops/launcher.py)."""

    def __init__(self, port: int, stack: Any) -> None:
        self.port = port
        self.stack = stack
        self.url = f"http://localhost:{port}"

    def page_url(self, path: str = "/") -> str:
        return self.url + path


def record_metric(name: str, value: Any) -> None:
    data = json.loads(METRICS.read_text()) if METRICS.exists() else {}
    data[name] = value
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    METRICS.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


# ---------------------------------------------------------------- helpers used by the tests


class Chat:
    """The widget on one page, seen as a patient sees it."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.launcher = page.locator(".launcher")
        self.panel = page.get_by_role("dialog")
        self.log = page.locator(".log")
        self.input = page.get_by_label("Your question")
        self.send_button = page.get_by_role("button", name="Send message")
        self.quick_replies = page.locator(".chip")
        self.bot = page.locator(".log [data-who=bot]")
        self.patient = page.locator(".log [data-who=patient]")
        self.error = page.locator(".local-error")
        self.status = page.get_by_role("status")

    def goto(self, url: str) -> "Chat":
        self.page.goto(url)
        expect(self.launcher).to_be_visible()
        return self

    def open(self, wait_for_greeting: bool = True) -> "Chat":
        if self.panel.is_hidden():
            self.launcher.click()
        expect(self.panel).to_be_visible()
        if wait_for_greeting:
            expect(self.log.locator("[data-kind=disclaimer]").first).to_be_visible()
            self.wait_idle()
        return self

    def wait_idle(self) -> None:
        expect(self.page.locator(".typing")).to_be_hidden()

    def ask(self, text: str) -> List[str]:
        """Types and sends `text`; returns the texts of the bot messages that answer it."""
        before = self.bot.count()
        self.input.fill(text)
        self.input.press("Enter")
        expect(self.patient.last).to_have_text(f"You said: {text}")
        expect(self.bot).not_to_have_count(before)
        self.wait_idle()
        return self.bot_texts()[before:]

    def bot_texts(self) -> List[str]:
        return [t.strip() for t in self.log.locator("[data-who=bot] .text").all_inner_texts()]

    def patient_texts(self) -> List[str]:
        return [t.replace("You said:", "", 1).strip() for t in self.patient.all_inner_texts()]

    def storage(self) -> Dict[str, Any]:
        raw = self.page.evaluate(
            "() => { const k = Object.keys(sessionStorage).find(k => k.startsWith('clinicChat:'));"
            " return k ? sessionStorage.getItem(k) : null; }"
        )
        return json.loads(raw) if raw else {}

    def chip(self, title: str) -> Locator:
        return self.page.locator(".chip", has_text=title)


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return round(time.perf_counter() - t, 3)
