"""The console's doors on their own (staff/console/auth.py): off without a secret, constant-time secret
check, sessions that end, CSRF tokens, the wrong-password throttle."""

from __future__ import annotations

import pytest

from staff.console import auth


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_console_is_off_without_a_password_or_token() -> None:
    with pytest.raises(auth.ConsoleOff, match="CLINIC_STAFF_PASSWORD"):
        auth.secrets_from_env({})
    with pytest.raises(auth.ConsoleOff):
        auth.secrets_from_env({"CLINIC_STAFF_PASSWORD": "  ", "CLINIC_STAFF_TOKEN": ""})


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(auth.WeakSecret, match="12 characters"):
        auth.secrets_from_env({"CLINIC_STAFF_PASSWORD": "short"})


def test_either_the_password_or_the_token_signs_in() -> None:
    secrets = auth.secrets_from_env(
        {"CLINIC_STAFF_PASSWORD": "a long staff password", "CLINIC_STAFF_TOKEN": "t" * 40}
    )
    assert secrets.check("a long staff password")
    assert secrets.check("t" * 40)
    assert not secrets.check("a long staff passwor")
    assert not secrets.check("")
    only_token = auth.secrets_from_env({"CLINIC_STAFF_TOKEN": "t" * 40})
    assert not only_token.check("")


def test_csrf_tokens_must_match_exactly() -> None:
    token = auth.new_token()
    assert len(token) >= 40 and token != auth.new_token()
    assert auth.same_token(token, token)
    assert not auth.same_token(token, token[:-1])
    assert not auth.same_token(token, None)
    assert not auth.same_token(token, "")
    assert not auth.same_token("", "")


def test_a_session_ends_after_its_idle_time_and_on_sign_out() -> None:
    clock = Clock()
    sessions = auth.Sessions(idle_seconds=60, clock=clock)
    s = sessions.create("Nurse Ann")
    assert s.csrf and s.id != s.csrf
    clock.now += 59
    assert sessions.get(s.id) is s  # used: its idle time starts again
    clock.now += 59
    assert sessions.get(s.id) is s
    clock.now += 61
    assert sessions.get(s.id) is None
    s2 = sessions.create("Nurse Ann")
    sessions.end(s2.id)
    assert sessions.get(s2.id) is None
    assert sessions.get("made-up") is None and sessions.get(None) is None


def test_flashes_are_shown_once() -> None:
    s = auth.Sessions(60).create("x")
    s.flash("ok", "saved")
    assert s.take_flashes() == [("ok", "saved")]
    assert s.take_flashes() == []


def test_names_are_one_printable_line() -> None:
    assert auth.clean_name("  Nurse   Ann \n") == "Nurse Ann"
    assert auth.clean_name("Ann\x1b[31m") == "Ann[31m"
    assert auth.clean_name("   ") is None
    assert auth.clean_name("x" * 61) is None


def test_repeated_wrong_passwords_are_throttled_per_address() -> None:
    clock = Clock()
    throttle = auth.Throttle(limit=3, window=600, clock=clock)
    for _ in range(3):
        assert throttle.allowed("10.0.0.1")
        throttle.failed("10.0.0.1")
    assert not throttle.allowed("10.0.0.1")
    assert throttle.allowed("10.0.0.2")
    clock.now += 601
    assert throttle.allowed("10.0.0.1")
    throttle.failed("10.0.0.1")
    throttle.succeeded("10.0.0.1")
    assert throttle.allowed("10.0.0.1")
