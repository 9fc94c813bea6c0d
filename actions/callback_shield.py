"""Keeps phone numbers out of the conversation transcript: called by the REST channel on every message
BEFORE Rasa sees it (and after the red-flag detector has read the original). Each phone-like run of
digits is held in the database (actions/outbox.py, callback_held) and replaced by a token that the
call-back form resolves; the tracker store and Rasa's logs only ever see the token.

Applied to every message, not only inside the call-back form: the channel cannot know the form's
state without a database read on every message, and a number typed anywhere else is an identifier the
transcript should not keep either (a number typed outside the form is simply never used, and removed by
`make purge` after CALLBACK_HELD_HOURS).
"""
from __future__ import annotations

import logging
import re
from typing import Optional

from actions import outbox, phone

logger = logging.getLogger(__name__)

TOKEN = re.compile(r"\[number:([a-z]{20})\]")
WITHHELD = "[number withheld]"


def shield(text: str) -> str:
    spans = phone.candidates(text)
    if not spans:
        return text
    out, last = [], 0
    for start, end in spans:
        out.append(text[last:start])
        out.append(_hold(text[start:end]))
        last = end
    out.append(text[last:])
    return "".join(out)


def _hold(number: str) -> str:
    try:
        return f"[number:{outbox.hold(number)}]"
    except Exception as e:  # the database is down: the number is dropped, never kept in the transcript
        logger.error("could not hold a phone number (%s); it was removed from the message", type(e).__name__)
        return WITHHELD


def token_in(text: str) -> Optional[str]:
    m = TOKEN.search(text or "")
    return m.group(1) if m else None
