"""Deletes conversations older than N days from the tracker store (PostgreSQL or SQLite).

A conversation is deleted WHOLE when its most recent event is older than the cutoff: an active
conversation is never cut in half (Rasa rebuilds a conversation from its events, counting them; a
conversation missing its first events would be rebuilt wrong).

    python -m ops.purge                 # CLINIC_RETENTION_DAYS, default 30
    python -m ops.purge --days 7
    python -m ops.purge --dry-run       # count only

It reads the same settings as Rasa (endpoints.yml with the environment, deploy/defaults.env for the rest)
and prints counts only, never sender ids or text. Schedule it daily (cron, a Kubernetes CronJob:
docs/production.md).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

import sqlalchemy as sa

from ops import settings

DEFAULT_DAYS = 30


@dataclass
class PurgeResult:
    conversations: int
    events: int
    cutoff: float
    dry_run: bool


def engine_for(url: str) -> "sa.engine.Engine":
    if url.startswith("sqlite:///"):
        path = settings.TrackerStoreSettings("", url).sqlite_path
        url = f"sqlite:///{path}"
    kwargs = {"connect_args": {"connect_timeout": 10}} if url.startswith("postgres") else {}
    return sa.create_engine(url, **kwargs)


def purge(url: str, days: float, dry_run: bool = False, now: Optional[float] = None) -> PurgeResult:
    if days < 0:
        raise ValueError("days must be >= 0")
    cutoff = (now if now is not None else time.time()) - days * 86400
    engine = engine_for(url)
    old = sa.text("SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff")
    try:
        with engine.begin() as conn:
            if not sa.inspect(conn).has_table("events"):
                return PurgeResult(0, 0, cutoff, dry_run)
            senders = [row[0] for row in conn.execute(old, {"cutoff": cutoff})]
            events = 0
            for i in range(0, len(senders), 500):
                chunk = senders[i : i + 500]
                if dry_run:
                    events += (
                        conn.execute(
                            sa.text(
                                "SELECT COUNT(*) FROM events WHERE sender_id IN :ids"
                            ).bindparams(sa.bindparam("ids", expanding=True)),
                            {"ids": chunk},
                        ).scalar()
                        or 0
                    )
                else:
                    # Re-checked per conversation inside the DELETE: a patient who came back since the
                    # SELECT above keeps the whole conversation.
                    events += (
                        conn.execute(
                            sa.text(
                                "DELETE FROM events WHERE sender_id IN :ids AND sender_id NOT IN "
                                "(SELECT sender_id FROM events WHERE sender_id IN :ids AND timestamp >= :cutoff)"
                            ).bindparams(sa.bindparam("ids", expanding=True)),
                            {"ids": chunk, "cutoff": cutoff},
                        ).rowcount
                        or 0
                    )
            return PurgeResult(len(senders), events, cutoff, dry_run)
    finally:
        engine.dispose()


REVIEW_OUT = settings.ROOT / "review" / "out"


def purge_review_files(
    days: float, dry_run: bool = False, folder: Path = REVIEW_OUT, now: Optional[float] = None
) -> int:
    """Deletes review exports (staff/review.py: scrubbed, but still health data) older than the
    retention period. Returns how many."""
    cutoff = (now if now is not None else time.time()) - days * 86400
    old = (
        [f for f in folder.glob("review-*") if f.is_file() and f.stat().st_mtime < cutoff]
        if folder.is_dir()
        else []
    )
    if not dry_run:
        for f in old:
            f.unlink()
    return len(old)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description="Delete conversations older than N days from the tracker store."
    )
    parser.add_argument(
        "--days",
        type=float,
        default=float(os.environ.get("CLINIC_RETENTION_DAYS", DEFAULT_DAYS)),
        help=f"delete conversations whose last message is older than this (default "
        f"CLINIC_RETENTION_DAYS or {DEFAULT_DAYS})",
    )
    parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    parser.add_argument(
        "--env-file",
        type=Path,
        help="settings that override the environment (e.g. deploy/local-cluster.env)",
    )
    args = parser.parse_args(argv)
    env = {**os.environ, **settings.read_env_file(args.env_file)} if args.env_file else None
    try:
        ts = settings.tracker_store(settings.read_endpoints(env=env))
    except settings.ConfigError as e:
        print(f"purge: {e}", file=sys.stderr)
        return 2
    try:
        result = purge(ts.url, args.days, args.dry_run)
    except (sa.exc.SQLAlchemyError, ValueError) as e:
        print(
            f"purge FAILED on {ts.redacted()}: {type(e).__name__}: {str(e).splitlines()[0]}",
            file=sys.stderr,
        )
        return 1
    verb = "would delete" if args.dry_run else "deleted"
    files = purge_review_files(args.days, args.dry_run)
    print(f"purge: {verb} {files} review export(s) older than {args.days:g} days from {REVIEW_OUT}")
    print(
        f"purge: {verb} {result.conversations} conversation(s), {result.events} event(s) with no activity "
        f"for {args.days:g} days, from {ts.redacted()}"
    )
    feedback_failed = purge_feedback(args.days, args.dry_run, env)
    return purge_callbacks(args.dry_run) or feedback_failed


def purge_callbacks(dry_run: bool) -> int:
    """Call-back requests (issue 13): their own retention, CALLBACK_RETENTION_DAYS (actions/outbox.py)."""
    from actions import (  # imported here: the purge of conversations needs neither
        callback_config,
        outbox,
    )

    cfg = callback_config.load()
    try:
        n = outbox.purge(
            cfg.retention_days, cfg.held_hours, dry_run, outbox.engine(outbox.database_url())
        )
    except sa.exc.SQLAlchemyError as e:
        print(f"purge of call-back requests FAILED: {type(e).__name__}", file=sys.stderr)
        return 1
    verb = "would delete" if dry_run else "deleted"
    print(
        f"purge: {verb} {n.requests} call-back request(s) delivered or handled over "
        f"{cfg.retention_days:g} days ago, {n.held} unsent number(s)/name(s) over {cfg.held_hours:g} hours old"
    )
    return 0


def feedback_retention_days(conversation_days: float, env: Optional[dict] = None) -> float:
    """FEEDBACK_RETENTION_DAYS, else the conversations' own: a rating outliving its conversation could
    no longer be joined to the question it rates (staff/review.py)."""
    raw = str(settings.effective_env(env).get("FEEDBACK_RETENTION_DAYS") or "").strip()
    if not raw:
        return conversation_days
    try:
        days = float(raw)
    except ValueError:
        days = -1.0
    if days < 0:
        raise settings.ConfigError(
            f"FEEDBACK_RETENTION_DAYS must be a number of days (0 or more), not {raw!r}."
        )
    return days


def purge_feedback(conversation_days: float, dry_run: bool, env: Optional[dict] = None) -> int:
    """Patients' "Helpful" / "Not helpful" ratings (plugins/feedback.py), in the assistant's own
    database like the call-back outbox."""
    from actions import outbox  # imported here: the purge of conversations needs neither
    from plugins import feedback

    try:
        days = feedback_retention_days(conversation_days, env)
    except settings.ConfigError as e:
        print(f"purge: {e}", file=sys.stderr)
        return 2
    try:
        n = feedback.purge(days, dry_run, feedback.engine(outbox.database_url()))
    except sa.exc.SQLAlchemyError as e:
        print(f"purge of patient feedback FAILED: {type(e).__name__}", file=sys.stderr)
        return 1
    verb = "would delete" if dry_run else "deleted"
    print(f"purge: {verb} {n} patient feedback rating(s) given over {days:g} days ago")
    return 0


if __name__ == "__main__":
    sys.exit(main())
