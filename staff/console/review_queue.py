"""The review queue: what patients asked that the assistant did not understand, was unsure about or
could not cover, read from the assistant's conversations by staff/review.py (the same reading, scrubbing
and grouping as `make review`), each with "Approve into topic". When staff/review.py offers them, the
questions patients asked most (`most_asked`) and the answers patients marked unhelpful (`unhelpful`)
are shown too."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from staff import review
from staff.console import examples
from staff.console.web import form_value, render

bp = Blueprint("review_queue")
SHOWN = (review.NOT_UNDERSTOOD, review.LOW_CONFIDENCE, review.OUT_OF_SCOPE)
DAY_CHOICES = (7, 30, 90, 365)


@dataclass
class Queue:
    sections: List[Tuple[str, str, List[review.Group]]] = field(default_factory=list)
    counts: Dict[str, int] = field(default_factory=dict)
    messages: int = 0
    most_asked: Optional[List[Any]] = None
    unhelpful: Optional[List[Any]] = None
    error: str = ""


def db_url(root: Path) -> str:
    return review.tracker_db_url(root / "endpoints.yml")


def read(root: Path, days: int, threshold: float = review.DEFAULT_THRESHOLD) -> Queue:
    queue = Queue()
    since = dt.date.today() - dt.timedelta(days=days)
    try:
        url = db_url(root)
        turns, _ = review.read_turns(url, since)
    except SystemExit as e:  # review's plain message for a store it cannot read
        queue.error = str(e)
        return queue
    except Exception as e:  # noqa: BLE001 - no conversations yet, or the database is down
        queue.error = f"No conversations could be read ({e.__class__.__name__})."
        return queue
    vocab = review.vocabulary(root)
    items = []
    for t in turns:
        reason = review.classify(t, threshold)
        if reason is None:
            continue
        queue.counts[reason] = queue.counts.get(reason, 0) + 1
        if reason in SHOWN:
            items.append((reason, t.guess, review.scrub(t.text, vocab), t.day))
    queue.messages = sum(1 for t in turns if t.text and not t.text.startswith("/"))
    groups = review.group(items)
    for reason in SHOWN:
        mine = [g for g in groups if g.reasons.most_common(1)[0][0] == reason]
        queue.sections.append((reason, review.REASON_NOTE[reason], mine))
    # Offered by staff/review.py in newer versions: shown when present.
    if hasattr(review, "most_asked"):
        try:
            queue.most_asked = list(review.most_asked(db_url=url, since=since))
        except Exception:  # noqa: BLE001 - an optional panel never takes the page down
            queue.most_asked = None
    if hasattr(review, "unhelpful"):
        try:
            queue.unhelpful = list(review.unhelpful(db_url=url, since=since))
        except Exception:  # noqa: BLE001
            queue.unhelpful = None
    return queue


@bp.get("/review")
async def page(request: Request) -> HTTPResponse:
    cfg = request.app.ctx.config
    try:
        days = int(request.args.get("days", "30"))
    except ValueError:
        days = 30
    days = days if days in DAY_CHOICES else 30
    queue = read(cfg.root, days)
    return render(
        request,
        "review.html",
        title="Review queue",
        queue=queue,
        days=days,
        day_choices=DAY_CHOICES,
        choices=examples.choices(cfg.root),
    )


@bp.post("/review/approve")
async def approve(request: Request) -> HTTPResponse:
    intent = form_value(request, "intent")
    text = form_value(request, "text")
    days = form_value(request, "days", "30")
    return examples.run(
        request, intent, [text], f"/review?days={int(days) if days.isdigit() else 30}"
    )
