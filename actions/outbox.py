"""The call-back outbox: requests written durably before the patient is told the clinic will call, in the
assistant's own database (the tracker store's: SQLite under `make run`, PostgreSQL in production).

Two tables:
- callback_held: a phone number or name the patient typed, held apart from the conversation (the
  transcript only carries a token); consumed when the request is stored or dropped, and removed by
  `make purge` after CALLBACK_HELD_HOURS if a patient never finished;
- callback_outbox: one row per request; its id is the webhook's idempotency key. Status: pending ->
  delivered (or failed after CALLBACK_MAX_ATTEMPTS, kept) -> handled (staff).

Claiming a request for delivery: on PostgreSQL `SELECT ... FOR UPDATE SKIP LOCKED`, on SQLite one
UPDATE whose WHERE picks the row (a single statement holds SQLite's write lock). Either way the claim is
a lease (claimed_until): a worker that dies mid-delivery leaves the request to be retried, with the same
idempotency key, once the lease ends.
"""

from __future__ import annotations

import logging
import secrets
import string
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import sqlalchemy as sa

from ops import settings
from plugins.env import postgresql_connect_args

logger = logging.getLogger(__name__)

PENDING, DELIVERED, FAILED, HANDLED = "pending", "delivered", "failed", "handled"
STATUSES = (PENDING, DELIVERED, FAILED, HANDLED)
TOKEN_ALPHABET = string.ascii_lowercase  # letters only: a token never looks like part of a number

metadata = sa.MetaData()
held = sa.Table(
    "callback_held",
    metadata,
    sa.Column("token", sa.String(32), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)
outbox = sa.Table(
    "callback_outbox",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("first_name", sa.String(100)),
    sa.Column("phone", sa.String(32), nullable=False),
    sa.Column("best_time", sa.String(32), nullable=False),
    sa.Column("reason", sa.String(32), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", sa.Float, nullable=False),
    sa.Column("claim", sa.String(36)),
    sa.Column("claimed_until", sa.Float),
    sa.Column("last_error", sa.String(200)),
    sa.Column("delivered_at", sa.Float),
    sa.Column("handled_at", sa.Float),
)


@dataclass
class Request:
    id: str
    created_at: float
    status: str
    first_name: Optional[str]
    phone: str
    best_time: str
    reason: str
    attempts: int
    next_attempt_at: float
    last_error: Optional[str]
    delivered_at: Optional[float]
    handled_at: Optional[float]
    claim: Optional[str] = None

    @classmethod
    def from_row(cls, row: Any) -> "Request":
        m = row._mapping
        return cls(**{k: m[k] for k in cls.__dataclass_fields__})


_engines: Dict[str, sa.engine.Engine] = {}
_lock = threading.Lock()


_urls: Dict[tuple, str] = {}
URL_VARS = ("CLINIC_ENDPOINTS", "TRACKER_DIALECT", "TRACKER_STORE_URL", "TRACKER_DB")


def database_url() -> str:
    """The tracker store's database (read once per process and settings: the channel asks per message)."""
    env = settings.effective_env()
    key = tuple(env.get(v) for v in URL_VARS)
    if key not in _urls:
        ts = settings.tracker_store(settings.read_endpoints())
        _urls[key] = f"sqlite:///{ts.sqlite_path}" if ts.dialect == "sqlite" else ts.url
    return _urls[key]


def engine(url: Optional[str] = None) -> sa.engine.Engine:
    """One engine per database per process, its tables created on first use."""
    url = url or database_url()
    with _lock:
        if url not in _engines:
            if url.startswith("sqlite"):
                eng = sa.create_engine(url, connect_args={"timeout": 15})
            else:
                eng = sa.create_engine(
                    url, pool_pre_ping=True, connect_args=postgresql_connect_args()
                )
            try:
                metadata.create_all(eng, checkfirst=True)
            except sa.exc.SQLAlchemyError:
                metadata.create_all(
                    eng, checkfirst=True
                )  # another process created them at the same moment
            _engines[url] = eng
        return _engines[url]


def is_postgresql(eng: sa.engine.Engine) -> bool:
    return eng.dialect.name == "postgresql"


# ---- values held apart from the conversation


def new_token() -> str:
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(20))


def hold(value: str, eng: Optional[sa.engine.Engine] = None) -> str:
    token = new_token()
    with (eng or engine()).begin() as c:
        c.execute(held.insert().values(token=token, value=value, created_at=time.time()))
    return token


def held_value(token: str, eng: Optional[sa.engine.Engine] = None) -> Optional[str]:
    with (eng or engine()).begin() as c:
        return c.execute(sa.select(held.c.value).where(held.c.token == token)).scalar()


def replace_held(token: str, value: str, eng: Optional[sa.engine.Engine] = None) -> None:
    with (eng or engine()).begin() as c:
        c.execute(held.update().where(held.c.token == token).values(value=value))


def drop_held(tokens: List[str], eng: Optional[sa.engine.Engine] = None) -> None:
    tokens = [t for t in tokens if t]
    if tokens:
        with (eng or engine()).begin() as c:
            c.execute(held.delete().where(held.c.token.in_(tokens)))


# ---- requests


def store(
    phone_token: str,
    name_token: Optional[str],
    best_time: str,
    reason: str,
    eng: Optional[sa.engine.Engine] = None,
) -> Optional[str]:
    """Writes the request and drops the held values in ONE transaction. Returns its id, or None if the
    held phone number is gone (already stored, or purged)."""
    with (eng or engine()).begin() as c:
        phone = c.execute(sa.select(held.c.value).where(held.c.token == phone_token)).scalar()
        name = (
            c.execute(sa.select(held.c.value).where(held.c.token == name_token)).scalar()
            if name_token
            else None
        )
        # Deleting the held number first is what makes a request out of it: a second submit of the same
        # number (it cannot happen inside one conversation's lock, but cheap to rule out) deletes nothing.
        if (
            phone is None
            or not c.execute(held.delete().where(held.c.token == phone_token)).rowcount
        ):
            return None
        if name_token:
            c.execute(held.delete().where(held.c.token == name_token))
        now = time.time()
        rid = str(uuid.uuid4())
        c.execute(
            outbox.insert().values(
                id=rid,
                created_at=now,
                status=PENDING,
                first_name=name,
                phone=phone,
                best_time=best_time,
                reason=reason,
                attempts=0,
                next_attempt_at=now,
            )
        )
    return rid


def claim(
    lease: float, eng: Optional[sa.engine.Engine] = None, now: Optional[float] = None
) -> Optional[Request]:
    """Claims the oldest request due for delivery, or None. Counts the attempt at once, so a request
    that kills its worker still runs out of attempts."""
    eng = eng or engine()
    now = time.time() if now is None else now
    token = str(uuid.uuid4())
    due = sa.and_(
        outbox.c.status == PENDING,
        outbox.c.next_attempt_at <= now,
        sa.or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now),
    )
    values = dict(claim=token, claimed_until=now + lease, attempts=outbox.c.attempts + 1)
    with eng.begin() as c:
        if is_postgresql(eng):
            rid = c.execute(
                sa.select(outbox.c.id)
                .where(due)
                .order_by(outbox.c.created_at)
                .limit(1)
                .with_for_update(skip_locked=True)
            ).scalar()
            if rid is None:
                return None
            c.execute(outbox.update().where(outbox.c.id == rid).values(**values))
        else:
            pick = (
                sa.select(outbox.c.id)
                .where(due)
                .order_by(outbox.c.created_at)
                .limit(1)
                .scalar_subquery()
            )
            if not c.execute(outbox.update().where(outbox.c.id == pick).values(**values)).rowcount:
                return None
        row = c.execute(sa.select(outbox).where(outbox.c.claim == token)).first()
    return Request.from_row(row) if row else None


def mark_delivered(req: Request, eng: Optional[sa.engine.Engine] = None) -> bool:
    with (eng or engine()).begin() as c:
        return bool(
            c.execute(
                outbox.update()
                .where(sa.and_(outbox.c.id == req.id, outbox.c.claim == req.claim))
                .values(
                    status=DELIVERED,
                    delivered_at=time.time(),
                    claim=None,
                    claimed_until=None,
                    last_error=None,
                )
            ).rowcount
        )


def mark_attempt_failed(
    req: Request, error: str, retry_at: Optional[float], eng: Optional[sa.engine.Engine] = None
) -> None:
    """retry_at None: out of attempts, the request is failed and kept for staff."""
    values: Dict[str, Any] = dict(claim=None, claimed_until=None, last_error=error[:200])
    if retry_at is None:
        values["status"] = FAILED
    else:
        values["next_attempt_at"] = retry_at
    with (eng or engine()).begin() as c:
        c.execute(
            outbox.update()
            .where(sa.and_(outbox.c.id == req.id, outbox.c.claim == req.claim))
            .values(**values)
        )


def list_requests(
    status: Optional[str] = None, eng: Optional[sa.engine.Engine] = None
) -> List[Request]:
    q = sa.select(outbox).order_by(outbox.c.created_at)
    if status:
        q = q.where(outbox.c.status == status)
    with (eng or engine()).begin() as c:
        return [Request.from_row(r) for r in c.execute(q)]


def find(prefix: str, eng: Optional[sa.engine.Engine] = None) -> List[Request]:
    """Requests whose id starts with `prefix` (staff type the first characters)."""
    with (eng or engine()).begin() as c:
        return [
            Request.from_row(r)
            for r in c.execute(sa.select(outbox).where(outbox.c.id.like(prefix + "%")))
        ]


def mark_handled(rid: str, eng: Optional[sa.engine.Engine] = None) -> bool:
    with (eng or engine()).begin() as c:
        return bool(
            c.execute(
                outbox.update()
                .where(outbox.c.id == rid)
                .values(status=HANDLED, handled_at=time.time(), claim=None, claimed_until=None)
            ).rowcount
        )


def requeue(rid: str, eng: Optional[sa.engine.Engine] = None) -> bool:
    """A failed request back to pending with fresh attempts."""
    with (eng or engine()).begin() as c:
        return bool(
            c.execute(
                outbox.update()
                .where(sa.and_(outbox.c.id == rid, outbox.c.status == FAILED))
                .values(
                    status=PENDING,
                    attempts=0,
                    next_attempt_at=time.time(),
                    claim=None,
                    claimed_until=None,
                )
            ).rowcount
        )


@dataclass
class PurgeCounts:
    requests: int
    held: int


def purge(
    retention_days: float,
    held_hours: float,
    dry_run: bool = False,
    eng: Optional[sa.engine.Engine] = None,
    now: Optional[float] = None,
) -> PurgeCounts:
    """Removes delivered and handled requests older than the retention period (pending and failed ones
    wait for staff), and held values a patient never finished with."""
    now = time.time() if now is None else now
    eng = eng or engine()
    done = sa.and_(
        outbox.c.status.in_([DELIVERED, HANDLED]),
        sa.func.coalesce(outbox.c.handled_at, outbox.c.delivered_at, outbox.c.created_at)
        < now - retention_days * 86400,
    )
    stale = held.c.created_at < now - held_hours * 3600
    with eng.begin() as c:
        if dry_run:
            return PurgeCounts(
                c.execute(sa.select(sa.func.count()).select_from(outbox).where(done)).scalar() or 0,
                c.execute(sa.select(sa.func.count()).select_from(held).where(stale)).scalar() or 0,
            )
        return PurgeCounts(
            c.execute(outbox.delete().where(done)).rowcount or 0,
            c.execute(held.delete().where(stale)).rowcount or 0,
        )
