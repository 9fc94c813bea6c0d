"""Delivers call-back requests from the outbox to the clinic's system (CALLBACK_WEBHOOK_URL): one signed
JSON POST per request with `requests`, retried with exponential backoff and jitter, failed and kept after
CALLBACK_MAX_ATTEMPTS.

Runs as a thread inside the action server (actions/worker_boot.py starts it) or as its own process:
    python -m actions.delivery
Several workers (two action servers, or extra processes) share the outbox safely: each request is
claimed by one worker at a time (actions/outbox.py). Delivery is at least once with a stable
Idempotency-Key (the request id), so a receiver that keeps the keys it has seen gets each request exactly
once even if a worker dies after the POST and before recording it. Nothing here logs a phone number or
name: only request ids, status codes and error types.
"""

from __future__ import annotations

import json
import logging
import random
import signal
import sys
import threading
import time
from datetime import datetime, timezone
from typing import Any, Dict, Optional

import requests

from actions import callback_buttons, outbox, signing
from actions.callback_config import CallbackSettings, load

logger = logging.getLogger(__name__)
PAYLOAD_VERSION = 1


def backoff(attempt: int, base: float, cap: float, rng: Optional[random.Random] = None) -> float:
    """Seconds to wait after failed attempt number `attempt` (1, 2, ...): "equal jitter", half of the
    exponential step fixed and half random, so workers retrying together spread out but never retry
    at once."""
    step = min(cap, base * (2 ** max(0, attempt - 1)))
    return step / 2 + (rng or random).uniform(0, step / 2)


def iso(ts: float) -> str:
    return (
        datetime.fromtimestamp(ts, timezone.utc)
        .isoformat(timespec="seconds")
        .replace("+00:00", "Z")
    )


def payload(req: outbox.Request) -> Dict[str, Any]:
    """The webhook body (docs/production.md): contact details and the patient's choices, no medical content."""
    return {
        "version": PAYLOAD_VERSION,
        "id": req.id,
        "created_at": iso(req.created_at),
        "first_name": req.first_name,
        "phone": req.phone,
        "best_time": req.best_time,
        "best_time_label": callback_buttons.BEST_TIMES.get(req.best_time, req.best_time),
        "reason": req.reason,
        "reason_label": callback_buttons.REASONS.get(req.reason, req.reason),
        "consent": True,
        "source": "website-chat",
    }


def body_of(req: outbox.Request) -> bytes:
    return json.dumps(payload(req), separators=(",", ":"), sort_keys=True).encode()


def post(req: outbox.Request, cfg: CallbackSettings, session: requests.Session) -> Optional[str]:
    """POSTs one request. Returns None on success (2xx), else a short error without content."""
    body = body_of(req)
    ts = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        signing.TIMESTAMP_HEADER: ts,
        signing.SIGNATURE_HEADER: signing.signature(cfg.webhook_secret, ts, body),
        signing.IDEMPOTENCY_HEADER: req.id,
    }
    try:
        r = session.post(cfg.webhook_url, data=body, headers=headers, timeout=cfg.webhook_timeout)
    except requests.RequestException as e:
        return type(e).__name__
    return None if 200 <= r.status_code < 300 else f"HTTP {r.status_code}"


def deliver_one(cfg: CallbackSettings, session: requests.Session, eng: Any = None) -> bool:
    """Claims and delivers one due request. Returns False when none was due."""
    req = outbox.claim(cfg.lease, eng)
    if req is None:
        return False
    error = post(req, cfg, session)
    if error is None:
        outbox.mark_delivered(req, eng)
        logger.info("call-back request %s delivered (attempt %d)", req.id[:8], req.attempts)
        return True
    if req.attempts >= cfg.max_attempts:
        outbox.mark_attempt_failed(req, error, None, eng)
        logger.error(
            "call-back request %s FAILED after %d attempts (%s); kept for staff: make callbacks",
            req.id[:8],
            req.attempts,
            error,
        )
    else:
        delay = backoff(req.attempts, cfg.retry_base, cfg.retry_max)
        outbox.mark_attempt_failed(req, error, time.time() + delay, eng)
        logger.warning(
            "call-back request %s attempt %d failed (%s); retry in %.1f s",
            req.id[:8],
            req.attempts,
            error,
            delay,
        )
    return True


class Worker:
    """Polls the outbox every CALLBACK_POLL_SECONDS, and at once when woken (a request was just stored)."""

    def __init__(self, cfg: CallbackSettings, eng: Any = None) -> None:
        self.cfg = cfg
        self.eng = eng  # None: the tracker store's database (ops/settings.py)
        self.wake_event = threading.Event()
        self.stop_event = threading.Event()
        self.session = requests.Session()

    def run(self) -> None:
        logger.info("call-back delivery worker started")
        while not self.stop_event.is_set():
            try:
                while not self.stop_event.is_set() and deliver_one(
                    self.cfg, self.session, self.eng
                ):
                    pass
            except (
                Exception
            ) as e:  # the database is down, say: keep polling, the requests are safe in it
                logger.error("call-back delivery: %s; retrying", type(e).__name__)
            self.wake_event.wait(self.cfg.poll)
            self.wake_event.clear()

    def stop(self) -> None:
        self.stop_event.set()
        self.wake_event.set()


_worker: Optional[Worker] = None


def start_in_background() -> Optional[Worker]:
    """Starts the worker thread once per process; none without a webhook (requests stay for staff)."""
    global _worker
    if _worker is None:
        cfg = load()
        if not cfg.webhook_url:
            logger.info(
                "CALLBACK_WEBHOOK_URL not set: call-back requests stay in the outbox (make callbacks)"
            )
            return None
        _worker = Worker(cfg)
        threading.Thread(target=_worker.run, name="callback-delivery", daemon=True).start()
    return _worker


def wake() -> None:
    """Delivers a just-stored request now instead of at the next poll."""
    if _worker is not None:
        _worker.wake_event.set()


def main() -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    cfg = load()
    if not cfg.webhook_url:
        print("delivery: CALLBACK_WEBHOOK_URL is not set; nothing to deliver to.", file=sys.stderr)
        return 2
    worker = Worker(cfg)
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    try:
        worker.run()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
