"""Settings of call-back requests (deploy/defaults.env documents each; the environment wins).

Read through ops/settings.py like every other setting, so the action server, the delivery worker and
`make callbacks` agree on the database and the webhook.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping, Optional
from urllib.parse import urlsplit

from ops import settings


@dataclass(frozen=True)
class CallbackSettings:
    webhook_url: str
    webhook_secret: str
    webhook_timeout: float
    max_attempts: int
    retry_base: float
    retry_max: float
    poll: float
    default_region: str
    retention_days: float
    held_hours: float

    @property
    def lease(self) -> float:
        """How long a claimed request stays claimed: longer than one delivery can take, so a live worker
        never loses its claim, short enough that a dead worker's request is retried soon."""
        return self.webhook_timeout * 2 + 5


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = str(env.get(name, "") or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise settings.ConfigError(f"{name} must be a whole number, not {raw!r}.") from None
    if value < 1:
        raise settings.ConfigError(f"{name} must be at least 1, not {raw!r}.")
    return value


def load(env: Optional[Mapping[str, str]] = None) -> CallbackSettings:
    env = settings.effective_env(os.environ if env is None else env)
    secret = str(env.get("CALLBACK_WEBHOOK_SECRET", "") or "")
    url = str(env.get("CALLBACK_WEBHOOK_URL", "") or "").strip()
    if url and len(secret) < 16:
        raise settings.ConfigError(
            "CALLBACK_WEBHOOK_URL is set but CALLBACK_WEBHOOK_SECRET is missing or "
            "shorter than 16 characters: the clinic's system could not verify requests."
        )
    return CallbackSettings(
        webhook_url=url,
        webhook_secret=secret,
        webhook_timeout=settings.seconds(env, "CALLBACK_WEBHOOK_TIMEOUT", 10.0),
        max_attempts=_int(env, "CALLBACK_MAX_ATTEMPTS", 8),
        retry_base=settings.seconds(env, "CALLBACK_RETRY_BASE_SECONDS", 2.0),
        retry_max=settings.seconds(env, "CALLBACK_RETRY_MAX_SECONDS", 600.0),
        poll=settings.seconds(env, "CALLBACK_POLL_SECONDS", 2.0),
        default_region=str(env.get("CALLBACK_DEFAULT_REGION", "") or "US").strip().upper(),
        retention_days=settings.seconds(env, "CALLBACK_RETENTION_DAYS", 30.0),
        held_hours=settings.seconds(env, "CALLBACK_HELD_HOURS", 24.0),
    )


def check(env: Mapping[str, str], report: Any) -> None:
    """The preflight's look at these settings (ops/preflight.py): refused values fail, a webhook that is
    not HTTPS outside this machine warns."""
    try:
        cfg = load(env)
    except settings.ConfigError as e:
        report.fail(str(e))
        return
    if not cfg.webhook_url:
        report.ok(
            "call-back requests: no CALLBACK_WEBHOOK_URL, they stay in the outbox for `make callbacks`"
        )
        return
    parts = urlsplit(cfg.webhook_url)
    if parts.scheme != "https" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        report.warn(
            "CALLBACK_WEBHOOK_URL is not https: phone numbers would cross the network unencrypted."
        )
    else:
        report.ok(f"call-back requests go to {parts.scheme}://{parts.hostname}")
