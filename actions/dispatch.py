"""Sends messages built by actions/messages.py through rasa-sdk's dispatcher."""

from __future__ import annotations

from typing import Iterable

from rasa_sdk.executor import CollectingDispatcher

from actions.messages import Message


def send(dispatcher: CollectingDispatcher, messages: Iterable[Message]) -> None:
    for m in messages:
        dispatcher.utter_message(
            text=m["text"], buttons=m.get("buttons") or [], json_message=m["custom"]
        )
