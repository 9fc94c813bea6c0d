"""An action server that accepts connections and never answers (issue 9 item 4): the real Rasa server
with the project's channel, its ACTION_SERVER_URL pointing at a real TCP listener that holds every
connection open. Emergency and crisis messages get their reply within 1 s; others get the error reply
with the clinic's phone within the turn bound (CLINIC_TURN_TIMEOUT); the server keeps answering."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from typing import Iterator, List

import pytest
import requests

from actions.content import load
from ops.launcher import Stack, free_port, start_stack
from tests.conftest import kinds, texts

TURN_TIMEOUT = 4.0
PHONE = load().clinic.phone


class HungServer:
    """Accepts TCP connections and never reads or answers them."""

    def __init__(self) -> None:
        self.port = free_port()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(64)
        self.held: List[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                self.held.append(self.sock.accept()[0])
            except OSError:
                return

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    hung = HungServer()
    s = start_stack(
        with_actions=False,
        env={
            "ACTION_SERVER_URL": f"http://127.0.0.1:{hung.port}/webhook",
            "CLINIC_TURN_TIMEOUT": str(TURN_TIMEOUT),
        },
    )
    yield s
    s.stop()
    hung.close()


def new_sender() -> str:
    return str(uuid.uuid4())


def timed(stack: Stack, text: str) -> "tuple[list, float]":
    started = time.monotonic()
    reply = stack.say(new_sender(), text, timeout=60)
    return reply, time.monotonic() - started


def test_an_ordinary_message_gets_the_error_reply_within_the_turn_bound(stack: Stack) -> None:
    # Before: the channel waited for Rasa, which waits 5 minutes for the action server (the client's
    # 60 s timeout fired first: silence).
    reply, elapsed = timed(stack, "what is an aura?")
    assert set(kinds(reply)) == {"error"} and PHONE in texts(reply)
    # a liveness guard against Rasa's own 5-minute wait, not a speed measurement (the machine may be busy)
    assert elapsed < TURN_TIMEOUT + 30


@pytest.mark.parametrize(
    "text, kind",
    [
        ("my face is drooping on one side", "emergency"),
        ("worst headache of my life came on suddenly", "emergency"),
        ("i want to end my life", "crisis"),
    ],
)
def test_red_flags_are_answered_within_one_second(stack: Stack, text: str, kind: str) -> None:
    reply, elapsed = timed(stack, text)
    assert set(kinds(reply)) == {kind}, reply
    assert elapsed < 1.0, f"{kind} reply took {elapsed:.2f} s"  # the bound issue 9 asks for


def test_the_server_still_answers_afterwards(stack: Stack) -> None:
    assert requests.get(f"{stack.rasa_url}/webhooks/rest/", timeout=10).status_code == 200
    reply, _ = timed(stack, "how long does a migraine last")
    assert set(kinds(reply)) == {"error"}
    reply, elapsed = timed(stack, "i have a fever and a stiff neck")
    assert "emergency" in kinds(reply) and elapsed < 1.0
