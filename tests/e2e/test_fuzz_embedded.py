"""Property test against the embedded stack of `make run` (one Rasa server, SQLite tracker store, the
real action server): whatever arrives at the REST channel, the answer is 200, 400, 413 or 429 with a
JSON body, never a 5xx or a dropped connection, and afterwards both processes are still alive and a
patient still gets an answer. The same bodies go to the cluster in tests/production/test_fuzz.py."""

from __future__ import annotations

import uuid

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ops.launcher import Stack, start_stack
from tests.conftest import kinds
from tests.fuzz_bodies import bodies, check


@pytest.fixture(scope="module")
def stack():
    s = start_stack()
    yield s
    s.stop()


def test_rest_channel_never_fails_on_junk(stack: Stack) -> None:
    session = requests.Session()

    @settings(
        max_examples=120,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )
    @given(
        body=bodies(),
        content_type=st.sampled_from(["application/json", "text/plain", ""]),
    )
    def post(body: bytes, content_type: str) -> None:
        headers = {"Content-Type": content_type} if content_type else {}
        # a dropped connection raises here and fails the test
        check(session.post(stack.webhook, data=body, headers=headers, timeout=120))

    post()
    for name, proc in stack.procs.items():
        assert proc.poll() is None, f"{name} exited with {proc.returncode} during the fuzzing"
    reply = stack.say(str(uuid.uuid4()), "what is an aura?")
    assert "answer" in kinds(reply)
