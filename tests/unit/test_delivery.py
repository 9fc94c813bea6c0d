"""actions/delivery.py: backoff with jitter, the signed POST to a real local HTTP receiver, retries and
failure after the last attempt (SQLite outbox)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from actions import delivery, outbox, signing
from actions.callback_config import CallbackSettings, load
from ops.callback_receiver import Receiver

SECRET = "unit-test-secret-0123456789"


def settings(url: str, attempts: int = 3) -> CallbackSettings:
    return CallbackSettings(
        webhook_url=url,
        webhook_secret=SECRET,
        webhook_timeout=3,
        max_attempts=attempts,
        retry_base=2,
        retry_max=60,
        poll=0.2,
        default_region="US",
        retention_days=30,
        held_hours=24,
    )


@pytest.fixture
def eng(tmp_path: Path) -> sa.engine.Engine:
    return outbox.engine(f"sqlite:///{tmp_path / 'outbox.db'}")


@pytest.fixture
def rx():
    r = Receiver(SECRET).start()
    yield r
    r.stop()


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    rng = random.Random(7)
    for attempt, step in [(1, 2), (2, 4), (3, 8), (4, 16)]:
        waits = [delivery.backoff(attempt, 2, 60, rng) for _ in range(200)]
        assert all(step / 2 <= w <= step for w in waits)
        assert max(waits) - min(waits) > step / 4, "jittered"
    assert all(30 <= delivery.backoff(20, 2, 60, rng) <= 60 for _ in range(50))


def test_a_request_is_delivered_signed_with_its_idempotency_key(eng, rx) -> None:
    rid = outbox.store(outbox.hold("+12015550123", eng), None, "afternoon", "booking", eng)
    assert delivery.deliver_one(settings(rx.url), requests.Session(), eng)
    [post] = rx.posts
    assert post["valid"] and post["headers"][signing.IDEMPOTENCY_HEADER] == rid
    body = rx.delivered()[0]
    assert body == {
        "version": 1,
        "id": rid,
        "created_at": body["created_at"],
        "first_name": None,
        "phone": "+12015550123",
        "best_time": "afternoon",
        "best_time_label": "Afternoon (12-5pm)",
        "reason": "booking",
        "reason_label": "Booking an appointment",
        "consent": True,
        "source": "website-chat",
    }
    assert outbox.list_requests(eng=eng)[0].status == outbox.DELIVERED
    assert not delivery.deliver_one(settings(rx.url), requests.Session(), eng)  # nothing left
    assert len(rx.posts) == 1


def test_a_failed_post_is_retried_later_then_failed_and_kept(eng, rx) -> None:
    outbox.store(outbox.hold("+12015550123", eng), None, "any", "other", eng)
    rx.fail_with = 503
    cfg = settings(rx.url, attempts=2)
    assert delivery.deliver_one(cfg, requests.Session(), eng)
    [req] = outbox.list_requests(eng=eng)
    assert (
        req.status == outbox.PENDING
        and req.last_error == "HTTP 503"
        and req.next_attempt_at > req.created_at
    )
    assert not delivery.deliver_one(cfg, requests.Session(), eng)  # not due yet
    with eng.begin() as c:
        c.execute(outbox.outbox.update().values(next_attempt_at=0))
    assert delivery.deliver_one(cfg, requests.Session(), eng)
    assert outbox.list_requests(eng=eng)[0].status == outbox.FAILED
    assert len(rx.posts) == 2


def test_a_receiver_that_is_down_is_a_retry_not_a_crash(eng) -> None:
    outbox.store(outbox.hold("+12015550123", eng), None, "any", "other", eng)
    down = Receiver(SECRET)  # never started: connection refused
    assert delivery.deliver_one(settings(down.url), requests.Session(), eng)
    assert outbox.list_requests(eng=eng)[0].last_error == "ConnectionError"


def test_settings_refuse_a_webhook_without_a_real_secret() -> None:
    from ops.settings import ConfigError

    with pytest.raises(ConfigError, match="CALLBACK_WEBHOOK_SECRET"):
        load({"CALLBACK_WEBHOOK_URL": "http://x", "CALLBACK_WEBHOOK_SECRET": "short"})
    assert load({"CALLBACK_WEBHOOK_URL": ""}).webhook_url == ""


class Report:
    def __init__(self) -> None:
        self.lines: list = []

    def ok(self, what: str) -> None:
        self.lines.append(("ok", what))

    def warn(self, what: str) -> None:
        self.lines.append(("warn", what))

    def fail(self, what: str) -> None:
        self.lines.append(("fail", what))


def test_the_preflight_fails_a_webhook_without_secret_and_warns_on_plain_http() -> None:
    from actions.callback_config import check

    for env, level in [
        ({"CALLBACK_WEBHOOK_URL": "https://crm.example/x", "CALLBACK_WEBHOOK_SECRET": ""}, "fail"),
        (
            {"CALLBACK_WEBHOOK_URL": "http://crm.example/x", "CALLBACK_WEBHOOK_SECRET": SECRET},
            "warn",
        ),
        (
            {"CALLBACK_WEBHOOK_URL": "https://crm.example/x", "CALLBACK_WEBHOOK_SECRET": SECRET},
            "ok",
        ),
        ({"CALLBACK_WEBHOOK_URL": ""}, "ok"),
        ({"CALLBACK_MAX_ATTEMPTS": "zero"}, "fail"),
    ]:
        report = Report()
        check(env, report)
        assert [lvl for lvl, _ in report.lines] == [level], (env, report.lines)
