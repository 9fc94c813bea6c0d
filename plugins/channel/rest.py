"""The REST channel the website widget talks to: POST /webhooks/rest/webhook.

It replaces Rasa's built-in `rest` channel (same name, same URL, same request body) to add what a
patient-facing service needs:
- a body that is not a JSON object with a valid `sender` (plugins/channel/request.py) and a string `message`
  gets a 400 with a plain JSON error, never a 500; an oversized body gets a 413; characters no store
  can hold (NUL, lone surrogates) are dropped from the message;
- an empty message gets a friendly reply; an over-long one gets a friendly reply too, unless it
  describes an emergency, which gets the emergency reply: the red-flag detector reads it first;
- the red-flag detector reads every message BEFORE Rasa does: an emergency or crisis message gets
  Rasa's reply if it comes within SAFETY_REPLY_WAIT, else the same reply built in this process from the
  content and builders the action server uses (actions/messages.py), while Rasa's turn goes on in the
  background and is recorded if it finishes;
- the patient never gets silence: a turn is bounded (TURN_TIMEOUT); if the assistant produced no
  message (action server down or hung, store down, an exception), the channel answers with the
  clinic's phone number;
- one JSON object per bot message, with its text, buttons and `custom` payload together;
- message text is never logged (transcripts are health information).
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions import messages
from actions.callback_shield import (
    asks_for_name,
    expect_name,
    forget_name_question,
    shield_message,
    withhold,
)
from actions.content import ContentStore, store
from plugins.channel.limits import ConversationRateLimit
from plugins.channel.request import BadRequest, parse_body
from plugins.tracker_store import StoreUnavailable
from safety.detector import Assessment
from safety.second_opinion import screen, shared

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = int(os.environ.get("CLINIC_MAX_MESSAGE_CHARS", "1000"))
# Sanic's own body cap (deploy/defaults.env), which nginx applies too (ops/nginx.py): one setting.
MAX_BODY_BYTES = int(os.environ.get("SANIC_REQUEST_MAX_SIZE") or 65536)
MESSAGE_KEYS = ("text", "buttons", "image", "attachment", "custom")
# The longest a turn may take (NLU, action server, store, lock wait) before the patient gets the error
# reply with the clinic's phone: Rasa itself waits 5 minutes for an action server that never answers.
# Below the widget's own 15 s timeout and nginx's 60 s (deploy/defaults.env).
TURN_TIMEOUT = float(os.environ.get("CLINIC_TURN_TIMEOUT", "10"))
# How long an emergency or crisis message waits for Rasa's own (recorded) reply before the channel
# answers it in-process: the issue asks for the emergency reply within 1 s whatever the action server does.
SAFETY_REPLY_WAIT = float(os.environ.get("CLINIC_SAFETY_REPLY_WAIT", "0.5"))
SAFETY_KINDS = ("emergency", "crisis")
# Messages per conversation per minute (deploy/defaults.env); a red flag is still answered beyond it.
CONVERSATION_PER_MINUTE = int(os.environ.get("CLINIC_CONVERSATION_MAX_PER_MINUTE", "30"))
# Turns still running after the channel answered a red flag itself (a reference keeps each task alive).
BACKGROUND: Set["asyncio.Task[None]"] = set()


def kind(message: Dict[str, Any]) -> str:
    return str((message.get("custom") or {}).get("kind", ""))


def abandon(turn: "asyncio.Future[None]") -> None:
    """The watchdog: a turn over TURN_TIMEOUT is cancelled (Rasa releases the conversation lock; nothing
    of the turn is stored)."""
    if not turn.done():
        logger.error(
            "a turn took over %.0f s (action server or store too slow) and was abandoned",
            TURN_TIMEOUT,
        )
        turn.cancel()


def safety_reply(content_store: ContentStore, text: str) -> Optional[List[Dict[str, Any]]]:
    """The emergency or crisis reply if the detector flags the text, else None."""
    return _safety_reply(content_store, screen(text))


def _safety_reply(
    content_store: ContentStore, verdict: Assessment
) -> Optional[List[Dict[str, Any]]]:
    content = content_store.get()
    if verdict.level == "crisis":
        return messages.crisis(content)
    if verdict.level == "emergency":
        return messages.emergency(content, verdict.notes)
    return None


class MergingOutputChannel(CollectingOutputChannel):
    """Collects each bot response as ONE object (text, buttons and custom payload together), where
    Rasa's collector would split a text with a custom payload into two messages."""

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        out: Dict[str, Any] = {"recipient_id": recipient_id}
        for key in MESSAGE_KEYS:
            if message.get(key):
                out[key] = message[key]
        if "buttons" in out:
            out["buttons"] = [
                {"title": b.get("title"), "payload": b.get("payload")} for b in out["buttons"]
            ]
        if len(out) > 1:
            await self._persist_message(out)


class ClinicRestInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def __init__(self, content_store: Optional[ContentStore] = None) -> None:
        self._store = content_store
        shared()  # the learned second opinion loads at start-up: a missing encoder stops it here
        self.rate_limit = ConversationRateLimit(CONVERSATION_PER_MINUTE)

    @property
    def content(self) -> ContentStore:
        if self._store is None:
            self._store = store()
        return self._store

    def _reply(self, sender: str, msgs: List[Dict[str, Any]]) -> HTTPResponse:
        return response.json([{"recipient_id": sender, **m} for m in msgs])

    async def handle(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        raw = request.body or b""
        if len(raw) > MAX_BODY_BYTES:
            return response.json(
                {"error": f"The request is too large (limit {MAX_BODY_BYTES} bytes)."}, status=413
            )
        try:
            sender, text = parse_body(raw)
        except BadRequest as e:
            return response.json({"error": str(e)}, status=400)
        # before Rasa: a red flag never waits on it (the encoder's matrix products leave the loop free)
        verdict = await asyncio.get_running_loop().run_in_executor(None, screen, text)
        urgent = _safety_reply(self.content, verdict)
        if not self.rate_limit.allow(sender):
            if urgent is not None:  # built in-process, costs nothing: never refused
                return self._reply(sender, urgent)
            return response.json(
                {"error": "Too many messages in this conversation; please wait a minute."},
                status=429,
            )
        if not text.strip():
            return self._reply(sender, messages.fallback(self.content.get()))
        if len(text) > MAX_MESSAGE_CHARS:
            return self._reply(sender, urgent or messages.too_long(self.content.get()))

        # call-back requests (issue 13): phone numbers and the first name are held apart from the transcript
        if urgent is not None:  # a red flag never waits on the database
            text = withhold(text)
            asyncio.get_running_loop().run_in_executor(None, forget_name_question, sender)
        else:
            text = await asyncio.get_running_loop().run_in_executor(
                None, shield_message, sender, text
            )
        collector = MergingOutputChannel()
        turn = asyncio.ensure_future(
            self._run_turn(
                on_new_message, UserMessage(text, collector, sender, input_channel=self.name())
            )
        )
        watchdog = asyncio.get_running_loop().call_later(TURN_TIMEOUT, abandon, turn)
        turn.add_done_callback(lambda _: watchdog.cancel())
        if urgent is not None:
            await asyncio.wait({turn}, timeout=SAFETY_REPLY_WAIT)
            if turn.done() and any(kind(m) in SAFETY_KINDS for m in collector.messages):
                return response.json(collector.messages)  # Rasa's own reply, recorded
            if (
                not turn.done()
            ):  # the action server is slow or hung: answer now, record it if Rasa can
                logger.warning(
                    "red flag answered by the channel; the turn goes on in the background"
                )
                BACKGROUND.add(turn)
                turn.add_done_callback(BACKGROUND.discard)
            return self._reply(sender, urgent)
        await turn  # never longer than TURN_TIMEOUT: the watchdog cancels it
        if verdict.level == "urgent_check":  # the check comes first, then the assistant's answer
            check = [
                {"recipient_id": sender, **m} for m in messages.urgent_check(self.content.get())
            ]
            return response.json(check + collector.messages)
        if collector.messages:
            if asks_for_name(collector.messages):
                await asyncio.get_running_loop().run_in_executor(None, expect_name, sender)
            return response.json(collector.messages)
        logger.warning("no reply from the assistant; sending the channel's own reply")
        return self._reply(sender, messages.error(self.content.get()))

    @staticmethod
    async def _run_turn(
        on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage
    ) -> None:
        """Rasa's handling of one message; never raises (the patient gets an answer either way)."""
        try:
            await on_new_message(message)
        except StoreUnavailable as e:
            logger.error("conversation store unavailable: %s", e)
        except asyncio.CancelledError:
            logger.error("message handling was cancelled (timeout)")
        except Exception as e:
            logger.error("message handling failed: %s", type(e).__name__)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("clinic_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self.handle(request, on_new_message)

        add_feedback_route(webhook)
        return webhook


def add_feedback_route(webhook: Blueprint) -> None:
    """POST /webhooks/rest/feedback: the widget's "Helpful" / "Not helpful" (plugins/feedback.py), with
    its own per-conversation rate limit, so rating answers never uses up a patient's messages."""
    from plugins import feedback

    limit = ConversationRateLimit(feedback.PER_MINUTE)

    @webhook.route("/feedback", methods=["POST"])
    async def receive_feedback(request: Request) -> HTTPResponse:
        return await feedback.handle(request, limit)
