"""The webhook signature: HMAC-SHA256 over "<timestamp>.<body>" with CALLBACK_WEBHOOK_SECRET.

The timestamp is signed with the body so a captured request cannot be replayed later with a fresh
timestamp; the receiver checks the signature and that the timestamp is recent (docs/production.md).
"""

from __future__ import annotations

import hashlib
import hmac

TIMESTAMP_HEADER = "X-Clinic-Timestamp"
SIGNATURE_HEADER = "X-Clinic-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: str, timestamp: str, body: bytes, received: str, now: float, tolerance: float = 300
) -> bool:
    """What the clinic's receiver does: a matching signature on a recent timestamp."""
    try:
        fresh = abs(now - int(timestamp)) <= tolerance
    except ValueError:
        return False
    return fresh and hmac.compare_digest(signature(secret, timestamp, body), received)
