"""Call-back requests end to end (issue 13): the real Rasa server and action server over the REST
channel, the delivery worker inside the action server, and a real local HTTP receiver that checks each
request's signature (ops/callback_receiver.py). Conversations go to a fresh SQLite file, which also
holds the outbox (the tracker store's database, as under `make run`)."""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

from actions import callback_buttons as cb
from actions.content import load
from ops.callback_receiver import Receiver
from ops.launcher import LOG_DIR, ROOT, Stack, start_stack
from tests.conftest import kinds, texts

CONTENT = load()
SECRET = "e2e-callback-secret-0123456789"
METRICS = ROOT / "artifacts" / "callback-metrics.json"
# Every number typed in these tests: none may appear in the tracker store or any log.
NUMBERS: List[str] = []


def number(last4: str) -> str:
    """A valid US number (201 555 01xx, a fictional range phonenumbers accepts), typed as a patient would."""
    NUMBERS.append(last4)
    return f"(201) 555-{last4}"


@pytest.fixture(scope="module")
def rx() -> Iterator[Receiver]:
    r = Receiver(SECRET).start()
    yield r
    r.stop()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("callback") / "tracker.db"


@pytest.fixture(scope="module")
def stack(rx: Receiver, db: Path) -> Iterator[Stack]:
    s = start_stack(
        tracker_db=db,
        env={
            "CALLBACK_WEBHOOK_URL": rx.url,
            "CALLBACK_WEBHOOK_SECRET": SECRET,
            # short waits so the retry tests take seconds (the defaults are in deploy/defaults.env)
            "CALLBACK_RETRY_BASE_SECONDS": "0.5",
            "CALLBACK_RETRY_MAX_SECONDS": "2",
            "CALLBACK_POLL_SECONDS": "0.5",
            "CALLBACK_WEBHOOK_TIMEOUT": "3",
        },
    )
    yield s
    s.stop()


def sender() -> str:
    return str(uuid.uuid4())


def field(reply: List[Dict[str, Any]]) -> Optional[str]:
    asks = [
        (m.get("custom") or {}).get("field")
        for m in reply
        if (m.get("custom") or {}).get("kind") == "callback"
    ]
    return asks[-1] if asks else None


def rows(db: Path, phone: str) -> List[Dict[str, Any]]:
    with sqlite3.connect(db) as c:
        c.row_factory = sqlite3.Row
        try:
            return [
                dict(r)
                for r in c.execute("SELECT * FROM callback_outbox WHERE phone = ?", (phone,))
            ]
        except sqlite3.OperationalError:
            return []


def e164(last4: str) -> str:
    return f"+1201555{last4}"


def fill_form(
    stack: Stack, who: str, phone: str, name: str = "Sam", consent: str = "yes"
) -> List[Dict[str, Any]]:
    reply = stack.say(who, cb.REQUEST)
    assert field(reply) == "name", reply
    reply = stack.say(who, name)
    assert field(reply) == "phone", reply
    phone_q = [m for m in reply if (m.get("custom") or {}).get("field") == "phone"][0]["custom"]
    assert phone_q["input"] == "tel" and phone_q["label"] == "Your phone number"
    assert field(stack.say(who, phone)) == "time"
    assert field(stack.say(who, cb.choice("morning"))) == "reason"
    assert field(stack.say(who, cb.choice("cost"))) == "consent"
    return stack.say(who, cb.choice(consent))


def accepted(rx: Receiver, rid: str) -> List[Dict[str, Any]]:
    return [b for b in rx.delivered() if b["id"] == rid]


def wait_delivered(rx: Receiver, phone: str, timeout: float = 60) -> List[Dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = [b for b in rx.delivered() if b["phone"] == phone]
        if got:
            return got
        time.sleep(0.05)
    return []


def record(name: str, value: Any) -> None:
    data = json.loads(METRICS.read_text()) if METRICS.exists() else {}
    data[name] = value
    METRICS.parent.mkdir(parents=True, exist_ok=True)
    METRICS.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def test_the_clinician_reply_offers_a_call_back_button(stack: Stack) -> None:
    reply = stack.say(sender(), "how much does an infusion cost")
    assert "clinician" in kinds(reply)
    assert {"title": "Request a call-back", "payload": cb.REQUEST} in reply[-1]["buttons"]


def test_a_completed_request_arrives_exactly_once_correctly_signed(
    stack: Stack, rx: Receiver, db: Path
) -> None:
    confirmed = fill_form(stack, sender(), number("0142"))
    at = time.time()
    assert set(kinds(confirmed)) == {"callback_confirmed"}, confirmed
    body = texts(confirmed)
    assert (
        "within one working day" in body and f"call {CONTENT.clinic.emergency_number} now" in body
    )
    got = wait_delivered(rx, e164("0142"))
    assert got, "not delivered"
    delay = max(
        0.0, max(p["at"] for p in rx.posts if json.loads(p["body"])["phone"] == e164("0142")) - at
    )
    time.sleep(2)  # the worker records the delivery; a second poll sends nothing twice
    [row] = rows(
        db, e164("0142")
    )  # stored durably: the row exists, and it was written before the reply
    assert row["created_at"] <= at and row["status"] == "delivered"
    posts = [p for p in rx.posts if json.loads(p["body"])["phone"] == e164("0142")]
    assert len(posts) == 1 and posts[0]["valid"]
    assert posts[0]["headers"]["Idempotency-Key"] == row["id"] == got[0]["id"]
    assert (
        got[0]["first_name"] == "Sam"
        and got[0]["reason"] == "cost"
        and got[0]["best_time"] == "morning"
    )
    record("confirmation_to_delivery_seconds", round(delay, 3))
    record("store_to_delivery_seconds", round(posts[0]["at"] - row["created_at"], 3))


def test_with_the_receiver_down_it_is_retried_and_arrives_once_when_it_is_back(
    stack: Stack, rx: Receiver, db: Path
) -> None:
    rx.stop()
    try:
        fill_form(stack, sender(), number("0143"), name="Ana")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (
            rows(db, e164("0143")) and rows(db, e164("0143"))[0]["attempts"] >= 2
        ):
            time.sleep(0.2)
        [row] = rows(db, e164("0143"))
        assert (
            row["status"] == "pending"
            and row["attempts"] >= 2
            and row["last_error"] == "ConnectionError"
        )
    finally:
        rx.start()
    got = wait_delivered(rx, e164("0143"))
    time.sleep(3)
    assert len(accepted(rx, got[0]["id"])) == 1
    assert rows(db, e164("0143"))[0]["status"] == "delivered"


def test_killing_the_action_server_between_store_and_delivery_loses_and_duplicates_nothing(
    stack: Stack, rx: Receiver, db: Path
) -> None:
    rx.stop()  # delivery cannot happen before the kill
    try:
        confirmed = fill_form(stack, sender(), number("0144"), name="Lee")
        assert "callback_confirmed" in kinds(confirmed)
        stack.stop_actions(kill=True)  # SIGKILL: no clean shutdown
        [row] = rows(db, e164("0144"))
        assert row["status"] == "pending"
    finally:
        rx.start()
    stack.start_actions()
    got = wait_delivered(rx, e164("0144"))
    assert got, "the stored request was lost"
    time.sleep(3)
    assert len(accepted(rx, got[0]["id"])) == 1
    assert [r["status"] for r in rows(db, e164("0144"))] == ["delivered"]


def test_a_bad_number_is_re_asked(stack: Stack) -> None:
    who = sender()
    stack.say(who, cb.REQUEST)
    stack.say(who, cb.SKIP)
    for bad in ["12345", "my number", "(000) 000-0000"]:
        reply = stack.say(who, bad)
        assert "doesn't look like a phone number" in texts(reply), (bad, reply)
        assert field(reply) == "phone"
    assert field(stack.say(who, number("0145"))) == "time"


def test_declined_consent_stores_nothing(stack: Stack, rx: Receiver, db: Path) -> None:
    reply = fill_form(stack, sender(), number("0146"), consent="no")
    assert "haven't kept your number" in texts(reply)
    assert rows(db, e164("0146")) == []
    with sqlite3.connect(db) as c:
        held = [v for (v,) in c.execute("SELECT value FROM callback_held")]
    assert e164("0146") not in held and "(201) 555-0146" not in held
    time.sleep(1)
    assert not [b for b in rx.delivered() if b["phone"] == e164("0146")]


@pytest.mark.parametrize("leave", ["cancel", "stop", cb.CANCEL])
def test_cancel_or_stop_leaves_the_form_cleanly(stack: Stack, leave: str) -> None:
    who = sender()
    stack.say(who, cb.REQUEST)
    stack.say(who, "Kim")
    reply = stack.say(who, leave)
    assert "stopped the call-back request" in texts(reply) and field(reply) is None
    assert "answer" in kinds(
        stack.say(who, "what is a migraine aura")
    )  # the assistant is itself again


def test_a_topic_question_leaves_the_form_and_is_answered(stack: Stack) -> None:
    who = sender()
    stack.say(who, cb.REQUEST)
    stack.say(who, cb.SKIP)
    stack.say(who, number("0147"))
    reply = stack.say(who, "what are the side effects of ketamine")
    assert "stopped the call-back request" in texts(reply)
    assert any(
        (m.get("custom") or {}).get("topic") == "ketamine_side_effects" for m in reply
    ), reply
    assert field(reply) is None


@pytest.mark.parametrize(
    "step, red_flag, kind",
    [
        (1, "worst headache of my life came on suddenly", "emergency"),
        (2, "my face is drooping on one side", "emergency"),
        (3, "i just want to end my life", "crisis"),
    ],
)
def test_a_red_flag_in_the_middle_of_the_form_gets_the_safety_reply_at_once(
    stack: Stack, step: int, red_flag: str, kind: str
) -> None:
    who = sender()
    stack.say(who, cb.REQUEST)
    answers = [cb.SKIP, number(f"01{50 + step}"), cb.choice("any")]
    for answer in answers[:step]:
        stack.say(who, answer)
    reply = stack.say(who, red_flag)
    assert set(kinds(reply)) == {kind}, reply
    assert reply[0]["custom"]["call"]["tel"] == CONTENT.clinic.emergency_number
    assert field(stack.say(who, "thanks")) is None  # the form is over


def test_the_tracker_store_and_the_logs_hold_no_phone_digits(stack: Stack, db: Path) -> None:
    """Runs last in this module: every number typed above."""
    assert NUMBERS
    with sqlite3.connect(db) as c:
        events = "\n".join(d for (d,) in c.execute("SELECT data FROM events"))
    assert "[number:" in events  # the numbers were there, as tokens
    logs = "\n".join(
        p.read_text(errors="replace")
        for p in LOG_DIR.glob("*.log")
        if p.name.endswith((f"-{stack.rasa_port}.log", f"-{stack.action_port}.log"))
    )
    assert logs
    for last4 in NUMBERS:
        for form in (f"555-{last4}", f"555{last4}", f"555 {last4}", "201) 555"):
            assert form not in events, form
            assert form not in logs, form
    for name in (
        "Sam",
        "Ana",
        "Lee",
        "Kim",
    ):  # the first names typed above: held apart, like the numbers
        assert f'"{name}"' not in events and f'"{name}"' not in logs, name
    slots = [
        json.loads(d)
        for d in events.splitlines()
        if '"event": "slot"' in d or '"event":"slot"' in d
    ]
    names = [e["value"] for e in slots if e.get("name") == "callback_name" and e.get("value")]
    assert names and all(v == "skipped" or v.startswith("[name:") for v in names), names
