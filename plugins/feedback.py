"""Patients' feedback on answers: the widget's "Helpful" / "Not helpful" buttons (issue 14).

    POST /webhooks/rest/feedback
    {"sender": "<the conversation's uuid4>", "helpful": true | false, "turns_back": 0, "topic": "aura"}

`turns_back` says which answer: 0 is the reply to the patient's latest message (the greeting and button
presses count as messages), 1 the one before, and so on. Counting from the end keeps the common case,
feedback on the answer just given, right whatever happened earlier in the conversation (a transcript
cut short in the browser, a message the channel answered without Rasa). `topic` (optional, the answer's
`custom.topic`) must match the located answer when given, so a miscounted click is refused rather than
pinned on another answer.

The channel (plugins/channel/rest.py) calls `handle`, which reads the conversation from Rasa's own
tracker store, finds the patient message answered and what the assistant did with it, and stores ONE
row per answer in the assistant's own database (the tracker store's, as the call-back outbox:
SQLite under `make run`, PostgreSQL in production): the conversation id, the tracker time of the
question (to join it back to the conversation: staff/review.py), when the feedback was given, the
helpful flag, and the intent, its confidence, the action and the topic of the answer. Never any text:
the question stays in the conversation, which `make purge` deletes on its own schedule, and so is the
feedback (ops/purge.py). A second click on the same answer replaces the first (a patient may change
their mind). Emergency, crisis and urgent-check replies take no feedback.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

import sqlalchemy as sa

from plugins.channel import request as webhook_request
from plugins.channel.limits import ConversationRateLimit
from plugins.channel.request import BadRequest, decode, valid_sender

logger = logging.getLogger(__name__)

# A feedback body is a few short fields: anything larger is not the widget's.
MAX_BODY_BYTES = 1024
# Clicks per conversation per minute; a patient rating every answer never gets near it.
PER_MINUTE = int(os.environ.get("CLINIC_FEEDBACK_MAX_PER_MINUTE", "30"))
# A conversation's answers are counted back at most this far: a longer one is not a real transcript.
MAX_TURNS_BACK = 1000
BODY_SHAPE = '{"sender": "<random UUID v4>", "helpful": true | false, "turns_back": 0}'
KEYS = {"sender", "helpful", "turns_back", "topic"}
# Replies that are never rated: the safety replies must stay above any opinion of them.
SAFETY_KINDS = {"emergency", "crisis", "urgent_check"}
SAFETY_ACTIONS = {"action_emergency", "action_crisis"}
# The greeting ends with the topics menu (an "answer"), but it answers no question.
GREETING_KIND = "disclaimer"
RATED_KINDS = {"answer", "clinician"}  # as the widget (widget/clinic-chat.js)
NAME_CHARS = 100

metadata = sa.MetaData()
feedback = sa.Table(
    "clinic_feedback",
    metadata,
    sa.Column("conversation_id", sa.String(36), primary_key=True),
    # The tracker's timestamp of the patient message answered: with the conversation id, the join key.
    sa.Column("asked_at", sa.Float, primary_key=True),
    sa.Column("created_at", sa.Float, nullable=False, index=True),
    sa.Column("helpful", sa.Boolean, nullable=False),
    sa.Column("intent", sa.String(NAME_CHARS), nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("action", sa.String(NAME_CHARS), nullable=False),
    sa.Column("topic", sa.String(NAME_CHARS)),
)


class NoSuchAnswer(LookupError):
    """The feedback names no answer of this conversation that takes feedback. Goes back as a 404."""


@dataclass(frozen=True)
class Feedback:
    sender: str
    helpful: bool
    turns_back: int
    topic: Optional[str] = None


@dataclass(frozen=True)
class Answer:
    """What the assistant did with one patient message: no text."""

    asked_at: float
    intent: str
    confidence: float
    action: str
    topic: Optional[str]


# ---------------------------------------------------------------- the request


def parse(raw: bytes) -> Feedback:
    """The feedback in a request body, or BadRequest (strict: unknown keys are refused too, so a
    client can never send text along with it)."""
    try:
        body = decode(raw)
    except BadRequest as e:  # the webhook's wording, with this route's body
        raise BadRequest(str(e).replace(webhook_request.BODY_SHAPE, BODY_SHAPE)) from None
    if not isinstance(body, dict):
        raise BadRequest(f"The body must be a JSON object: {BODY_SHAPE}.")
    extra = sorted(set(body) - KEYS)
    if extra:
        raise BadRequest(
            f"Unknown key(s) {', '.join(map(repr, extra))[:200]}; expected {BODY_SHAPE}."
        )
    sender = valid_sender(body.get("sender"))
    helpful = body.get("helpful")
    if not isinstance(helpful, bool):
        raise BadRequest("'helpful' must be true or false.")
    back = body.get("turns_back", 0)
    # bool is an int in Python: true must not pass for 1
    if isinstance(back, bool) or not isinstance(back, int) or not 0 <= back <= MAX_TURNS_BACK:
        raise BadRequest(
            f"'turns_back' must be a whole number from 0 (the latest answer) to {MAX_TURNS_BACK}."
        )
    topic = body.get("topic")
    if topic is not None and (
        not isinstance(topic, str)
        or not topic
        or len(topic) > NAME_CHARS
        or not topic.isidentifier()
    ):
        raise BadRequest("'topic' must be the answer's topic id (custom.topic), e.g. \"aura\".")
    return Feedback(sender, helpful, back, topic)


# ---------------------------------------------------------------- the answer in the conversation


def turns(events: Sequence[Dict[str, Any]]) -> List[List[Dict[str, Any]]]:
    """The conversation's events (Rasa's event dicts) cut into turns: each a user event and what
    followed it up to the next user event."""
    out: List[List[Dict[str, Any]]] = []
    for event in events:
        if event.get("event") == "user":
            out.append([event])
        elif out:
            out[-1].append(event)
    return out


def locate(events: Sequence[Dict[str, Any]], fb: Feedback) -> Answer:
    """The answer the feedback is about, or NoSuchAnswer."""
    found = turns(events)
    if fb.turns_back >= len(found):
        raise NoSuchAnswer("This conversation has no answer that far back.")
    user, *after = found[len(found) - 1 - fb.turns_back]
    bot_kinds = [
        str(((e.get("data") or {}).get("custom") or {}).get("kind") or "")
        for e in after
        if e.get("event") == "bot"
    ]
    actions = [
        str(e.get("name") or "")
        for e in after
        if e.get("event") == "action" and e.get("name") not in (None, "action_listen")
    ]
    if SAFETY_KINDS & set(bot_kinds) or SAFETY_ACTIONS & set(actions):
        raise NoSuchAnswer("Emergency and crisis replies take no feedback.")
    if GREETING_KIND in bot_kinds:
        raise NoSuchAnswer("The greeting takes no feedback.")
    if not RATED_KINDS & set(bot_kinds):
        raise NoSuchAnswer("That message got no answer that takes feedback.")
    topics = [
        str(((e.get("data") or {}).get("custom") or {}).get("topic") or "")
        for e in after
        if e.get("event") == "bot"
    ]
    topic = next((t for t in topics if t), None)
    if fb.topic is not None and fb.topic != topic:
        raise NoSuchAnswer("That answer is not about the topic given.")
    intent = (user.get("parse_data") or {}).get("intent") or {}
    # The answering action: the last one before the assistant listened again (a turn may run a few;
    # the last is the one whose bubbles end the reply the patient rated).
    answering = actions[-1] if actions else ""
    return Answer(
        asked_at=float(user.get("timestamp") or 0.0),
        intent=str(intent.get("name") or "")[:NAME_CHARS],
        confidence=float(intent.get("confidence") or 0.0),
        action=answering[:NAME_CHARS],
        topic=topic[:NAME_CHARS] if topic else None,
    )


# ---------------------------------------------------------------- storage


_ready: Dict[str, sa.engine.Engine] = {}
_lock = threading.Lock()


def engine(url: Optional[str] = None) -> sa.engine.Engine:
    """The assistant's own database (the call-back outbox's engine: same settings, same pool), with
    the feedback table created on first use."""
    # The outbox owns the settings of the assistant's own tables (imported here: parsing needs none).
    from actions import outbox

    url = url or outbox.database_url()
    eng = outbox.engine(url)
    with _lock:
        if url not in _ready:
            try:
                metadata.create_all(eng, checkfirst=True)
            except sa.exc.SQLAlchemyError:
                metadata.create_all(eng, checkfirst=True)  # another process created it meanwhile
            _ready[url] = eng
    return eng


def record(
    fb: Feedback,
    answer: Answer,
    eng: Optional[sa.engine.Engine] = None,
    now: Optional[float] = None,
) -> None:
    """Stores the feedback, replacing an earlier click on the same answer (one transaction)."""
    key = sa.and_(feedback.c.conversation_id == fb.sender, feedback.c.asked_at == answer.asked_at)
    with (eng or engine()).begin() as c:
        c.execute(feedback.delete().where(key))
        c.execute(
            feedback.insert().values(
                conversation_id=fb.sender,
                asked_at=answer.asked_at,
                created_at=time.time() if now is None else now,
                helpful=fb.helpful,
                intent=answer.intent,
                confidence=answer.confidence,
                action=answer.action,
                topic=answer.topic,
            )
        )


def rows(eng: Optional[sa.engine.Engine] = None) -> List[Dict[str, Any]]:
    with (eng or engine()).begin() as c:
        return [
            dict(r._mapping) for r in c.execute(sa.select(feedback).order_by(feedback.c.created_at))
        ]


def purge(
    retention_days: float,
    dry_run: bool = False,
    eng: Optional[sa.engine.Engine] = None,
    now: Optional[float] = None,
) -> int:
    """Removes feedback given over `retention_days` ago. Returns how many rows (would) go."""
    now = time.time() if now is None else now
    old = feedback.c.created_at < now - retention_days * 86400
    with (eng or engine()).begin() as c:
        if dry_run:
            return (
                c.execute(sa.select(sa.func.count()).select_from(feedback).where(old)).scalar() or 0
            )
        return c.execute(feedback.delete().where(old)).rowcount or 0


# ---------------------------------------------------------------- the route


def _error(message: str, status: int) -> Any:
    from sanic import response

    return response.json({"error": message}, status=status)


async def handle(request: Any, limit: ConversationRateLimit) -> Any:
    """POST /webhooks/rest/feedback (plugins/channel/rest.py). Logs no text, and no sender id."""
    from sanic import response

    from plugins.tracker_store import StoreUnavailable

    raw = request.body or b""
    if len(raw) > MAX_BODY_BYTES:
        return _error(f"The request is too large (limit {MAX_BODY_BYTES} bytes).", 413)
    try:
        fb = parse(raw)
    except BadRequest as e:
        return _error(str(e), 400)
    if not limit.allow(fb.sender):
        return _error("Too much feedback in this conversation; please wait a minute.", 429)
    agent = getattr(request.app.ctx, "agent", None)
    if agent is None or getattr(agent, "tracker_store", None) is None:
        return _error("The assistant is starting; please try again shortly.", 503)
    try:
        tracker = await agent.tracker_store.retrieve_full_tracker(fb.sender)
    except (StoreUnavailable, sa.exc.SQLAlchemyError) as e:
        logger.error("feedback not stored: conversation store unavailable (%s)", type(e).__name__)
        return _error("Feedback cannot be stored right now.", 503)
    if tracker is None:
        return _error("No such conversation.", 404)
    try:
        answer = locate([e.as_dict() for e in tracker.events], fb)
    except NoSuchAnswer as e:
        return _error(str(e), 404)
    try:
        await asyncio.get_running_loop().run_in_executor(None, record, fb, answer)
    except sa.exc.SQLAlchemyError as e:
        logger.error("feedback not stored: %s", type(e).__name__)
        return _error("Feedback cannot be stored right now.", 503)
    logger.info("feedback stored: helpful=%s intent=%s", fb.helpful, answer.intent)
    return response.json({"status": "stored", "helpful": fb.helpful, "intent": answer.intent})
