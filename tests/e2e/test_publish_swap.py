"""Publishing never freezes replies (issue 14 item 1): the real Rasa server with its plugins
(plugins/model_swap.py installed by plugins/__init__.py) and the real action server.

- while a PUT /model is loading, a patient's message is answered (ordering: the load is seen in flight
  before the message is sent and still in flight after its reply came), a second publish is refused
  with 409, and once the PUT returns GET /status reports the new model id;
- a corrupt model file (an interrupted copy) is refused with a JSON error and the old model answers.

The new model is the test model with a new model id (bench.publish_traffic.reidentified_copy): the
same trained content, so the swap shows in GET /status only.
"""

from __future__ import annotations

import concurrent.futures
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest
import requests

from bench.publish_traffic import reidentified_copy
from ops.launcher import Stack, start_stack
from staff import publish
from tests.conftest import kinds

TOKEN = "publish-swap-test-token"
NOWHERE = "/nonexistent/model.tar.gz"  # a probe: 409 while a load runs, else 400 and no effect


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    s = start_stack(rasa_args=("--enable-api", "--auth-token", TOKEN))
    yield s
    s.stop()


def status(stack: Stack) -> Dict[str, Any]:
    r = requests.get(f"{stack.rasa_url}/status", params={"token": TOKEN}, timeout=30)
    r.raise_for_status()
    return r.json()


def put_model(stack: Stack, path: str, timeout: float = 900) -> requests.Response:
    return requests.put(
        f"{stack.rasa_url}/model",
        params={"token": TOKEN},
        json={"model_file": path},
        timeout=timeout,
    )


def answered(stack: Stack) -> bool:
    reply = stack.say(str(uuid.uuid4()), "what is an aura?", timeout=60)
    return "answer" in kinds(reply)


def test_messages_are_answered_while_a_model_loads_then_the_new_one_is_live(
    stack: Stack, tmp_path: Path
) -> None:
    new = reidentified_copy(stack.model, tmp_path / "new.tar.gz")
    before = status(stack)["model_id"]
    assert publish.model_id(new) != before
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        loading = pool.submit(put_model, stack, str(new))
        # Wait until the server reports the load in flight (the probe is refused with 409).
        while True:
            assert not loading.done(), f"the publish returned first: {loading.result().text}"
            probe = put_model(stack, NOWHERE, timeout=30)
            if probe.status_code == 409:
                break
            assert probe.status_code == 400, probe.text
        assert probe.json()["reason"] == "Conflict"
        # A second real publish meanwhile is refused; the first carries on.
        second = put_model(stack, str(new), timeout=30)
        assert second.status_code == 409, second.text
        assert answered(stack), "a patient's message during the load got no answer"
        # Still loading after that reply: the reply came while the publish was in flight.
        assert put_model(stack, NOWHERE, timeout=30).status_code == 409
        assert not loading.done()
        done = loading.result()
    assert done.status_code == 204, done.text
    assert status(stack)["model_id"] == publish.model_id(new) != before
    assert answered(stack)


def test_a_corrupt_model_leaves_the_running_one(stack: Stack, tmp_path: Path) -> None:
    running = status(stack)["model_id"]
    whole = stack.model.read_bytes()
    corrupt = tmp_path / "interrupted-copy.tar.gz"
    corrupt.write_bytes(whole[: len(whole) // 2])
    r = put_model(stack, str(corrupt))
    assert 400 <= r.status_code < 600, r.text
    body = r.json()
    assert body["status"] == "failure" and "running model stays" in body["message"], body
    assert status(stack)["model_id"] == running
    assert answered(stack)
    # And the server takes a good model again afterwards (the failed load released its guard).
    assert put_model(stack, NOWHERE, timeout=30).status_code == 400


def test_publish_refuses_a_broken_file_before_asking_any_server(tmp_path: Path) -> None:
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"not a model")
    with pytest.raises(publish.PublishError, match="not a readable Rasa model"):
        publish.publish_all(broken, ["http://127.0.0.1:9"], TOKEN)
