"""The console's doors on the real server (staff/console/app.py): it does not start without a staff
secret, refuses a wrong password, sets a HttpOnly SameSite=Strict session cookie, and refuses every form
POST without the session's CSRF token, recording the refusal."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Dict

import requests

from ops.launcher import stop_process
from tests.staff.console.conftest import PASSWORD, STAFF, Console, start


def test_without_a_staff_password_the_console_does_not_start(
    project_copy: Path, console_env: Dict[str, str]
) -> None:
    proc, port, log = start(project_copy, {**console_env, "CLINIC_STAFF_PASSWORD": ""})
    try:
        code = proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        stop_process(proc)
        raise AssertionError("the console started without a staff password")
    assert code == 1
    assert "The staff console is off: set CLINIC_STAFF_PASSWORD" in log.read_text()
    try:
        requests.get(f"http://127.0.0.1:{port}/login", timeout=2)
        raise AssertionError("something answers on the console's port")
    except requests.ConnectionError:
        pass


def test_pages_need_a_session(console: Console) -> None:
    r = requests.get(f"{console.url}/answers", allow_redirects=False, timeout=10)
    assert r.status_code == 303 and r.headers["Location"] == "/login"
    r = requests.post(f"{console.url}/publish", data={"approve": "yes"}, timeout=10)
    assert r.status_code == 401


def test_a_wrong_password_is_refused(console: Console) -> None:
    s = requests.Session()
    page = s.get(f"{console.url}/login", timeout=10).text
    token = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    r = s.post(
        f"{console.url}/login",
        data={"csrf": token, "name": STAFF, "password": PASSWORD + "x"},
        allow_redirects=False,
        timeout=10,
    )
    assert r.status_code == 401 and "Wrong password." in r.text
    assert "clinic_console" not in s.cookies
    assert s.get(f"{console.url}/answers", allow_redirects=False, timeout=10).status_code == 303


def test_the_session_cookie_is_httponly_and_samesite_strict(console: Console) -> None:
    s = requests.Session()
    page = s.get(f"{console.url}/login", timeout=10).text
    token = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    r = s.post(
        f"{console.url}/login",
        data={"csrf": token, "name": STAFF, "password": PASSWORD},
        allow_redirects=False,
        timeout=10,
    )
    assert r.status_code == 303
    cookies = r.raw.headers.getlist("Set-Cookie")
    cookie = next(c for c in cookies if c.startswith("clinic_console="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert r.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert {"who": STAFF, "action": "sign in"}.items() <= console.audit()[-1].items()


def test_the_login_form_needs_its_own_token(console: Console) -> None:
    r = requests.post(
        f"{console.url}/login",
        data={"csrf": "made-up", "name": STAFF, "password": PASSWORD},
        allow_redirects=False,
        timeout=10,
    )
    assert r.status_code == 403
    assert not any(c.startswith("clinic_console=") for c in r.raw.headers.getlist("Set-Cookie"))


def test_a_form_post_without_the_csrf_token_is_refused(console: Console) -> None:
    s = console.session()
    before = console.answers.read_text()
    form = {"do": "save", "title": "Hacked", "messages": ["Changed by another site."]}
    for data in (form, {**form, "csrf": "wrong"}):
        r = s.post(f"{console.url}/answers/aura", data=data, timeout=10)
        assert r.status_code == 403, r.text[:300]
        assert "security token is missing" in r.text
    r = s.post(f"{console.url}/rollback", data={}, timeout=10)
    assert r.status_code == 403
    assert console.answers.read_text() == before
    refusals = [e for e in console.audit() if e["action"] == "refused form"]
    assert [e["target"] for e in refusals] == ["/answers/aura", "/answers/aura", "/rollback"]
    assert all(e["who"] == STAFF for e in refusals)
    # The same form with the token is accepted.
    r = s.post(
        f"{console.url}/answers/aura",
        data={"do": "preview", "csrf": s.csrf, "title": "Auras", "messages": ["Hello"]},  # type: ignore[attr-defined]
        timeout=10,
    )
    assert r.status_code == 200 and "What the patient sees" in r.text
