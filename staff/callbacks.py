"""`make callbacks`: the call-back requests patients left in the chat (docs/staff-guide.md).

    python -m staff.callbacks                    # pending and failed requests (what needs a call)
    python -m staff.callbacks --all              # every status, delivered and handled too
    python -m staff.callbacks --handled 3f2a     # mark a request handled (first characters of its id)
    python -m staff.callbacks --requeue 3f2a     # send a failed request to the clinic's system again
    python -m staff.callbacks --requeue-failed   # ... every failed one

Shows contact details and the patient's choices only: the chat holds no medical content for a call-back.
Reads the same database settings as the assistant (ops/settings.py).
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import List, Optional

import sqlalchemy as sa

from actions import callback_buttons as cb
from actions import outbox
from ops import settings


def when(ts: Optional[float]) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M") if ts else "-"


def show(reqs: List[outbox.Request]) -> str:
    if not reqs:
        return "No call-back requests."
    rows = [
        ("ID", "RECEIVED", "STATUS", "NAME", "PHONE", "BEST TIME", "REASON", "ATTEMPTS", "NOTE")
    ]
    for r in reqs:
        note = r.last_error if r.status in (outbox.PENDING, outbox.FAILED) and r.last_error else ""
        if r.status == outbox.DELIVERED:
            note = f"sent {when(r.delivered_at)}"
        elif r.status == outbox.HANDLED:
            note = f"handled {when(r.handled_at)}"
        rows.append(
            (
                r.id[:8],
                when(r.created_at),
                r.status,
                r.first_name or "-",
                r.phone,
                cb.BEST_TIMES.get(r.best_time, r.best_time),
                cb.REASONS.get(r.reason, r.reason),
                str(r.attempts),
                note or "",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows)


def one(prefix: str) -> outbox.Request:
    found = outbox.find(prefix.strip())
    if len(found) != 1:
        raise SystemExit(
            f"callbacks: {'no' if not found else 'more than one'} request with an id starting "
            f"'{prefix}'. Type the ID column as `make callbacks` shows it."
        )
    return found[0]


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description="Call-back requests left in the chat.")
    p.add_argument("--all", action="store_true", help="every request, delivered and handled too")
    p.add_argument("--status", choices=outbox.STATUSES, help="only requests with this status")
    p.add_argument(
        "--handled", metavar="ID", help="mark this request handled (the clinic called back)"
    )
    p.add_argument(
        "--requeue", metavar="ID", help="send this failed request to the clinic's system again"
    )
    p.add_argument("--requeue-failed", action="store_true", help="send every failed request again")
    args = p.parse_args(argv)
    try:
        outbox.engine()
    except (settings.ConfigError, sa.exc.SQLAlchemyError) as e:
        print(
            f"callbacks: cannot open the database: {type(e).__name__}: {str(e).splitlines()[0]}",
            file=sys.stderr,
        )
        return 2
    if args.handled:
        r = one(args.handled)
        outbox.mark_handled(r.id)
        print(f"callbacks: {r.id[:8]} marked handled.")
        return 0
    if args.requeue or args.requeue_failed:
        targets = [one(args.requeue)] if args.requeue else outbox.list_requests(outbox.FAILED)
        done = [r.id[:8] for r in targets if outbox.requeue(r.id)]
        skipped = [r.id[:8] for r in targets if r.id[:8] not in done]
        print(
            f"callbacks: {len(done)} request(s) queued again{': ' + ', '.join(done) if done else ''}."
        )
        if skipped:
            print(f"callbacks: not failed, left as they are: {', '.join(skipped)}")
        return 0
    if args.status:
        reqs = outbox.list_requests(args.status)
    else:
        reqs = [
            r
            for r in outbox.list_requests()
            if args.all or r.status in (outbox.PENDING, outbox.FAILED)
        ]
    print(show(reqs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
