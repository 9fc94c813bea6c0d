"""Fixtures for the staff console's tests: the REAL console (`python -m staff.console.app`, as
`make console` starts it) on a free port of its own, editing a throw-away copy of the project
(tests/conftest.py), and Debian's Chromium driven by Playwright (as tests/widget/conftest.py launches
it: Playwright's own browser download is not used)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
import requests
from playwright.sync_api import Page, expect

from ops.launcher import LOG_DIR, stop_process
from ops.settings import ROOT
from tests.conftest import copy_project
from tests.widget.conftest import CHROMIUM_ARGS

PASSWORD = "correct horse battery staple"
STAFF = "Nurse Educator"
# The console's own test ports (never the documented 8090 of a running console).
PORTS = range(17300, 17400)
START_TIMEOUT = 120.0

expect.set_options(timeout=30_000)


def console_port() -> int:
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 17300-17399 for the console")


def start(
    root: Path, env: Dict[str, str], port: Optional[int] = None
) -> "tuple[subprocess.Popen, int, Path]":
    port = port or console_port()
    log = LOG_DIR / f"console-{port}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    full = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "CLINIC_CONSOLE_ROOT": str(root),
        "CLINIC_CONSOLE_PORT": str(port),
        "CLINIC_CONSOLE_BIND": "127.0.0.1",
        "CLINIC_STAFF_TOKEN": "",
        **env,
    }
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "staff.console.app"],
            cwd=root,
            env=full,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return proc, port, log


@dataclass
class Console:
    url: str
    root: Path
    proc: subprocess.Popen
    log: Path

    @property
    def answers(self) -> Path:
        return self.root / "content" / "answers.yml"

    def audit(self) -> List[Dict[str, Any]]:
        path = self.root / ".console" / "audit.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines()]

    def session(self) -> requests.Session:
        """A signed-in HTTP session (for checks below the browser); its CSRF token is `.csrf`."""
        s = requests.Session()
        page = s.get(f"{self.url}/login", timeout=10).text
        token = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        r = s.post(
            f"{self.url}/login",
            data={"csrf": token, "name": STAFF, "password": PASSWORD},
            timeout=10,
        )
        assert r.status_code == 200 and "Signed in as" in r.text, r.text[:500]
        home = s.get(f"{self.url}/", timeout=10).text
        s.csrf = home.split('name="csrf" value="', 1)[1].split('"', 1)[0]  # type: ignore[attr-defined]
        return s

    def sign_in(self, page: Page, name: str = STAFF, password: str = PASSWORD) -> None:
        page.goto(f"{self.url}/login")
        page.get_by_label("Your name").fill(name)
        page.get_by_label("Staff password").fill(password)
        page.get_by_role("button", name="Sign in").click()


def wait_up(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the console exited ({proc.returncode}): {log.read_text()[-2000:]}")
        try:
            if requests.get(f"{url}/login", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"the console did not start; see {log}")


@pytest.fixture()
def project_copy(tmp_path: Path) -> Path:
    root = copy_project(tmp_path / "project")
    (root / ".rasa").mkdir(exist_ok=True)
    return root


@pytest.fixture()
def console_env(project_copy: Path) -> Dict[str, str]:
    """The console's environment: the staff password, and the copy's own conversation store."""
    db = project_copy / ".rasa" / "tracker.db"
    return {
        "CLINIC_STAFF_PASSWORD": PASSWORD,
        # The copy's own release store: what the console publishes never reaches this machine's
        # `make run`, nor the other tests' store.
        "CLINIC_CONTENT_RELEASES": str(project_copy / ".releases" / "content"),
        # The demo clinic details are placeholders; the publish checks allow them here, as in the
        # production tests (never in production).
        "CLINIC_ALLOW_PLACEHOLDERS": "1",
        "TRACKER_STORE_URL": f"sqlite:///{db}",
        "TRACKER_DB": str(db),
    }


@pytest.fixture()
def console(project_copy: Path, console_env: Dict[str, str]) -> Iterator[Console]:
    proc, port, log = start(project_copy, console_env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_up(url, proc, log)
        yield Console(url, project_copy, proc, log)
    finally:
        stop_process(proc)


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
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "locale": "en-US"}


@pytest.fixture()
def signed_in(console: Console, page: Page) -> Page:
    """A browser tab signed in to the console."""
    console.sign_in(page)
    expect(page.get_by_text(f"Signed in as {STAFF}")).to_be_visible()
    return page
