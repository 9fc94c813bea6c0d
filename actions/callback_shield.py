"""Keeps phone numbers out of the conversation transcript: called by the REST channel on every message
BEFORE Rasa sees it (and after the red-flag detector has read the original). Each phone-like run of
digits is held in the database (actions/outbox.py, callback_held) and replaced by a token that the
call-back form resolves; the tracker store and Rasa's logs only ever see the token.

The first name the form asks for is held the same way: when the assistant's reply asks for it
(custom.field "name"), the channel notes that in the database (`expect_name`), and the conversation's
next short answer is held and replaced by a "[name:...]" token (`shield_name`). A database note rather
than memory, so it works whichever assistant instance (cluster) gets the next message.

Numbers are shielded in every message, not only inside the call-back form: the channel cannot know the form's
state without a database read on every message, and a number typed anywhere else is an identifier the
transcript should not keep either (a number typed outside the form is simply never used, and removed by
`make purge` after CALLBACK_HELD_HOURS).
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from typing import Any, Dict, List, Optional

import sqlalchemy as sa

from actions import outbox, phone

logger = logging.getLogger(__name__)

TOKEN = re.compile(r"\[number:([a-z]{20})\]")
NAME_TOKEN = re.compile(r"^\[name:([a-z]{20})\]$")
# Answers that are never a name: they must reach the form as typed (it leaves, or skips the name).
NOT_A_NAME = {
    "cancel",
    "stop",
    "quit",
    "exit",
    "skip",
    "never mind",
    "nevermind",
    "no",
    "no thanks",
    "pass",
    "forget it",
    "none",
    "no name",
}
MAX_NAME_CHARS = 40
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
    except (
        Exception
    ) as e:  # the database is down: the number is dropped, never kept in the transcript
        logger.error(
            "could not hold a phone number (%s); it was removed from the message", type(e).__name__
        )
        return WITHHELD


def withhold(text: str) -> str:
    """Numbers removed without the database: for a red-flag message, whose reply must never wait on it."""
    spans = phone.candidates(text)
    for start, end in reversed(spans):
        text = text[:start] + WITHHELD + text[end:]
    return text


def token_in(text: str) -> Optional[str]:
    m = TOKEN.search(text or "")
    return m.group(1) if m else None


def _expect_key(sender: str) -> str:
    return "x" + hashlib.sha256(sender.encode()).hexdigest()[:24]


def asks_for_name(messages: List[Dict[str, Any]]) -> bool:
    return bool(messages) and (messages[-1].get("custom") or {}).get("field") == "name"


def expect_name(sender: str) -> None:
    """The assistant just asked this conversation for a first name."""
    key = _expect_key(sender)
    try:
        with outbox.engine().begin() as c:
            c.execute(outbox.held.delete().where(outbox.held.c.token == key))
            c.execute(outbox.held.insert().values(token=key, value="", created_at=time.time()))
    except Exception as e:  # the name then reaches the form as typed (held by the action server)
        logger.error("could not note a name question (%s)", type(e).__name__)


def could_be_name(text: str) -> bool:
    t = text.strip()
    return (
        0 < len(t) <= MAX_NAME_CHARS
        and not t.startswith("/")
        and "?" not in t
        and "[" not in t
        and len(t.split()) <= 3
        and re.sub(r"[^\w' ]+", " ", t.lower()).strip() not in NOT_A_NAME
    )


def shield_name(sender: str, text: str) -> str:
    """If the assistant's last question in this conversation was the first name, hold the answer. The
    note is consumed by the next message whatever it is (a button, "cancel"), so only the answer to
    that question is ever taken for a name."""
    try:
        with outbox.engine().begin() as c:
            asked = c.execute(
                outbox.held.delete().where(outbox.held.c.token == _expect_key(sender))
            ).rowcount
            if not asked or not could_be_name(text):
                return text
            token = outbox.new_token()
            c.execute(
                outbox.held.insert().values(token=token, value=text.strip(), created_at=time.time())
            )
        return f"[name:{token}]"
    except sa.exc.SQLAlchemyError as e:
        logger.error("could not hold a name (%s)", type(e).__name__)
        return text


def forget_name_question(sender: str) -> None:
    """A red flag answered the name question: the next message is not a name."""
    try:
        with outbox.engine().begin() as c:
            c.execute(outbox.held.delete().where(outbox.held.c.token == _expect_key(sender)))
    except sa.exc.SQLAlchemyError as e:
        logger.error("could not clear a name question (%s)", type(e).__name__)


def name_token_in(text: str) -> Optional[str]:
    m = NAME_TOKEN.match((text or "").strip())
    return m.group(1) if m else None


def shield_message(sender: str, text: str) -> str:
    """What the channel calls for every message (in a thread: it may touch the database)."""
    if any(ch.isdigit() for ch in text):
        text = shield(text)
    return shield_name(sender, text)
