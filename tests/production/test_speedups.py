"""plugins.speedups validates action server responses exactly as Rasa does, only without re-checking the
constant schema on every call (the largest cost of a message: docs/production.md, Speed)."""

from __future__ import annotations

import copy

import pytest
from jsonschema import ValidationError, validate

RESPONSES = [
    {"events": [], "responses": []},
    {
        "events": [{"event": "slot", "name": "topic", "value": "aura", "timestamp": None}],
        "responses": [
            {
                "text": "An aura is…",
                "buttons": [{"title": "More", "payload": "/ask_aura"}],
                "custom": {"kind": "answer", "topic": "aura"},
            }
        ],
    },
    {
        "events": [{"event": "slot", "name": "topic", "value": None}],
        "responses": [{"custom": {"kind": "error"}}],
    },
]
INVALID = [
    {"events": [{"event": 5}]},
    {"events": "not a list"},
    {"events": [{"event": "slot"}]},
    {"responses": "not a list"},
]


def rasa_original(result):
    from rasa.core.actions.action import RemoteAction

    validate(result, RemoteAction.action_response_format_spec())


@pytest.fixture(scope="module")
def patched():
    from rasa.core.actions.action import RemoteAction

    import plugins.speedups

    was_installed = plugins.speedups._installed
    assert plugins.speedups.install() and plugins.speedups.install()  # idempotent
    yield RemoteAction("action_answer_topic", None)
    if not was_installed:
        plugins.speedups.uninstall()


@pytest.mark.parametrize("result", RESPONSES)
def test_valid_responses_pass_both(patched, result) -> None:
    rasa_original(copy.deepcopy(result))
    assert patched._validate_action_result(copy.deepcopy(result)) is True


@pytest.mark.parametrize("result", INVALID)
def test_invalid_responses_fail_both_with_the_same_error(patched, result) -> None:
    with pytest.raises(ValidationError) as original:
        rasa_original(copy.deepcopy(result))
    with pytest.raises(ValidationError) as ours:
        patched._validate_action_result(copy.deepcopy(result))
    assert ours.value.message.startswith(original.value.message + ". Failed to validate")
    assert "Failed to validate Action server response" in ours.value.message
