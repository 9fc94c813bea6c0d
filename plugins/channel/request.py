"""What the REST channel accepts, as pure functions (tests/unit/test_channel.py).

A request body is a JSON object `{"sender": "<id>", "message": "<text>"}` (other keys, such as
`metadata`, are ignored). Anything else is a BadRequest, whose text goes back to the client as a 400.
"""

from __future__ import annotations

import json
import re
from typing import Any, Tuple

from actions.messages import BUTTON_PAYLOADS

# The conversation id: short, printable ASCII only. Control characters, NUL and lone surrogates in an id
# reached the database driver and took Rasa down (issue 10); nothing else is needed by any client.
SENDER_FORMAT = re.compile(r"[A-Za-z0-9_.:-]{1,128}")
SENDER_RULE = "'sender' must be 1 to 128 characters: letters, digits, '_', '.', ':' or '-'."
# NUL (PostgreSQL text cannot hold it) and lone UTF-16 surrogates (not encodable in UTF-8). A valid
# surrogate pair in the JSON is already one code point once decoded, so what is left here is lone.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Payloads Rasa may read as an intent: the buttons' own, and the greeting the widget requests when it
# opens (widget/clinic-chat.js, greetPayload).
ACCEPTED_PAYLOADS = BUTTON_PAYLOADS | {"/greet"}
PAYLOAD_PREFIX = "/"
BODY_SHAPE = '{"sender": "<id>", "message": "<text>"}'


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
