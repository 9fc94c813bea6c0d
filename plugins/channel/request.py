"""What the REST channel accepts, as pure functions (tests/unit/test_channel.py).

A request body is a JSON object `{"sender": "<uuid4>", "message": "<text>"}` (other keys, such as
`metadata`, are ignored). Anything else is a BadRequest, whose text goes back to the client as a 400.
"""

from __future__ import annotations

import json
import re
from typing import Any, Tuple

from actions.messages import BUTTON_PAYLOADS

# The conversation id is the only key to a conversation, so the public channel accepts only an
# unguessable one: a random (version 4) UUID in canonical lower-case form, as the widget makes it
# (issue 10 item 4). Lower case only, so that one conversation cannot go by two ids. Control characters,
# NUL and lone surrogates (which took Rasa down) can never match.
SENDER_FORMAT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
SENDER_RULE = (
    "'sender' must be a random UUID (version 4) in canonical lower-case form, "
    "e.g. 1b4e28ba-2fa1-4d2e-883f-0016d3cca427: "
    "make one per conversation with crypto.randomUUID() or Python's str(uuid.uuid4())."
)
# NUL (PostgreSQL text cannot hold it) and lone UTF-16 surrogates (not encodable in UTF-8). A valid
# surrogate pair in the JSON is already one code point once decoded, so what is left here is lone.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Payloads Rasa may read as an intent: the buttons' own, and the greeting the widget requests when it
# opens (widget/clinic-chat.js, greetPayload).
ACCEPTED_PAYLOADS = BUTTON_PAYLOADS | {"/greet"}
PAYLOAD_PREFIX = "/"
BODY_SHAPE = '{"sender": "<random UUID v4>", "message": "<text>"}'


class BadRequest(ValueError):
    """The request body is not what the channel accepts. The message goes back to the client."""


def decode(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError):
        raise BadRequest(f"The body must be JSON: {BODY_SHAPE}.") from None
    except RecursionError:  # 64 KB of '[' nests deeper than the parser recurses: was a 500
        raise BadRequest(f"The body is nested too deeply; expected {BODY_SHAPE}.") from None


def valid_sender(sender: Any) -> str:
    if not isinstance(sender, str) or not SENDER_FORMAT.fullmatch(sender):
        raise BadRequest(SENDER_RULE)
    return sender


def clean_message(text: str) -> str:
    """The text without the characters no store can hold (they carry no meaning for the assistant)."""
    return UNSTORABLE.sub("", text)


def as_patient_text(text: str) -> str:
    """Rasa reads a text starting with '/' as an intent (skipping NLU and the safety detector) and logs
    the text when it is not a known one. Only the assistant's own payloads go through as payloads;
    anything else loses its leading slashes (Rasa strips whitespace first) and is read as text."""
    stripped = text.strip()
    if stripped.startswith(PAYLOAD_PREFIX) and stripped not in ACCEPTED_PAYLOADS:
        return stripped.lstrip(PAYLOAD_PREFIX).strip()
    return text


def parse_body(raw: bytes) -> Tuple[str, str]:
    """Returns (sender, message) or raises BadRequest."""
    body = decode(raw)
    if not isinstance(body, dict):
        raise BadRequest(f"The body must be a JSON object: {BODY_SHAPE}.")
    sender = valid_sender(body.get("sender"))
    text = body.get("message")
    if not isinstance(text, str):
        raise BadRequest("'message' must be a string.")
    return sender, as_patient_text(clean_message(text))
