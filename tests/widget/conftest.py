"""Fixtures for the widget tests: the REAL assistant (ops/launcher.py: action server + Rasa with the
trained model), the demo clinic site (widget/serve.py) on a free port, and Debian's Chromium driven
by Playwright (pytest-playwright's `page`/`context` fixtures, launched with Debian's executable,
since Playwright's own browser download is not available).

The assistant and the site start once per test session. The browser talks to the assistant directly
(cross-origin, like production): Rasa's --cors admits exactly the demo site's origin.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import threading
from typing import Any, Dict, Iterator, List

import pytest
from playwright.sync_api import Page, expect

import ops.launcher
from ops.launcher import Stack, free_port, start_stack
from tests.widget.helpers import ROOT, SCREENSHOTS, Chat, Site

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Answers can take a few seconds on a loaded machine; the widget's own timeout is 15 s.
expect.set_options(timeout=30_000)


def _load_serve():
    spec = importlib.util.spec_from_file_location(
        "clinic_widget_serve", ROOT / "widget" / "serve.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: Dict[str, Any]) -> Dict[str, Any]:
    exe = shutil.which("chromium")
    if not exe:
        pytest.fail(
            "Debian's chromium is not installed: run `make widget-deps` (apt-get install chromium)."
        )
    return {**browser_type_launch_args, "executable_path": exe, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: Dict[str, Any]) -> Dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}, "locale": "en-US"}


@pytest.fixture(scope="session")
def site() -> Iterator[Site]:
    """The real assistant (started once per session) and the demo site pointing at it."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # Loading the model can take minutes on a busy 2-core machine (this session only).
    ops.launcher.RASA_START_TIMEOUT = max(
        ops.launcher.RASA_START_TIMEOUT, float(os.environ.get("WIDGET_RASA_START_TIMEOUT", "600"))
    )
    port = free_port()
    stack = start_stack(cors_origins=[f"http://localhost:{port}"])
    try:
        httpd = _load_serve().make_server(port, "127.0.0.1", server_url=stack.rasa_url)
    except Exception:
        stack.stop()
        raise
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(port, stack)
    finally:
        httpd.shutdown()
        httpd.server_close()
        stack.stop()


@pytest.fixture(scope="session")
def stack(site: Site) -> Stack:
    return site.stack


@pytest.fixture
def page_errors(page: Page) -> List[str]:
    """JavaScript errors on the page (tests assert there are none)."""
    errors: List[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


@pytest.fixture
def chat(site: Site, page: Page) -> Chat:
    """A fresh tab on the demo homepage (a new browser context: empty sessionStorage)."""
    return Chat(page).goto(site.page_url("/"))
