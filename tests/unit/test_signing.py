"""actions/signing.py: the webhook signature the clinic's system verifies."""

from __future__ import annotations

import hashlib
import hmac

from actions.signing import signature, verify

SECRET = "a-test-secret-of-enough-length"
BODY = b'{"id":"x","phone":"+12015550123"}'


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert signature(SECRET, "1700000000", BODY) == "sha256=" + expected


def test_verify_accepts_a_fresh_matching_signature() -> None:
    assert verify(SECRET, "1700000000", BODY, signature(SECRET, "1700000000", BODY), now=1700000100)


def test_verify_refuses_tampering_old_timestamps_and_other_secrets() -> None:
    good = signature(SECRET, "1700000000", BODY)
    assert not verify(SECRET, "1700000000", BODY + b" ", good, now=1700000000)
    assert not verify(SECRET, "1700000001", BODY, good, now=1700000000)
    assert not verify(SECRET, "1700000000", BODY, good, now=1700000000 + 301)
    assert not verify("another-secret-of-enough-length", "1700000000", BODY, good, now=1700000000)
    assert not verify(SECRET, "not-a-number", BODY, good, now=1700000000)
