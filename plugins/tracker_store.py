"""A SQL tracker store that fails loudly instead of losing conversations.

What Rasa 3.6.21's own `type: SQL` store does (observed here, docs/production.md "Faults"):
- database unreachable or missing at start: it logs "Could not create tables", starts anyway and
  answers every message from an in-memory tracker (FailSafeTrackerStore): the conversation is kept in
  one process only, never written, gone at the next restart and invisible to the other instances
  (RasaHQ/rasa#3243, #8267);
- database down later: the same, per message: the patient gets an answer that ignores everything said
  before, and what is said during the outage is never stored. The error it logs contains the SQL
  parameters, i.e. the patient's message text.

This store (same table, same events, same queries: it IS Rasa's SQLTrackerStore):
- at start, connects once (5 s timeout) and raises a clear error if the server is unreachable, the
  database does not exist or the `events` table cannot be created: the Rasa process exits;
- at run time, turns any database error into `StoreUnavailable`, which reaches plugins/channel/rest.py, so the
  patient gets the clinic's phone number (or the emergency reply) instead of a context-free answer, and
  nothing is written to a side store: the conversation resumes from the database when it is back;
- checks pooled connections before use (pool_pre_ping), so a restarted PostgreSQL is picked up by
  itself;
- logs the error's class and first line only, never SQL parameters.

Rasa's own `session_scope` turns ANY ValueError inside a database session into `sys.exit(1)` (it means
"the PostgreSQL schema is missing" there): a sender id with a lone surrogate (SQLite) or a NUL
(PostgreSQL) raised one and took the whole server down. This store has its own session handling, and
every exception inside retrieve/save becomes `StoreUnavailable`; a failure at start (a missing driver
included, which Rasa's loader would answer with an in-memory store) stops Rasa. A save that fails after
the reply was built is logged with a running count (the patient got the reply; the turn is lost).

endpoints.yml: `tracker_store: type: plugins.tracker_store.StrictSQLTrackerStore` (the other keys as for
`type: SQL`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
from typing import Any, Awaitable, Callable, Dict, Generator, Optional, Text, TypeVar

import sqlalchemy as sa
import sqlalchemy.exc
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import (
    SQLTrackerStore,
    TrackerStore,
    create_engine_kwargs,
    ensure_schema_exists,
    validate_port,
)
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from plugins import env

logger = logging.getLogger(__name__)

# Turns whose reply was sent but whose save failed, since this process started (logged with each one).
_unsaved_turns = itertools.count(1)
T = TypeVar("T")


class StoreUnavailable(asyncio.CancelledError):
    """The conversation store cannot be read or written right now.

    It derives from asyncio.CancelledError (a BaseException) on purpose: Rasa wraps every tracker store
    in FailSafeTrackerStore, whose `except Exception` would swallow an ordinary error and carry on with
    an empty in-memory tracker. A CancelledError passes through that wrapper and Rasa's processor
    unchanged (the conversation lock is still released by its `finally`) and reaches plugins/channel/rest.py,
    which answers with the clinic's phone number, or the emergency reply when the text is a red flag.
    """


class TrackerStoreStartupError(RuntimeError):
    """The tracker store cannot be used at start: Rasa must not start."""


def describe_error(error: BaseException) -> str:
    """Class and first line of a database error, without SQL or parameters (they carry message text).
    Any other error gets its class only: its text may quote a sender id or message (UnicodeEncodeError
    quotes the offending character)."""
    if not isinstance(error, sqlalchemy.exc.SQLAlchemyError):
        return type(error).__name__
    orig = getattr(error, "orig", None) or error
    first_line = str(orig).strip().splitlines()[0] if str(orig).strip() else ""
    if isinstance(error, sqlalchemy.exc.StatementError) and not isinstance(
        error, sqlalchemy.exc.OperationalError
    ):
        first_line = ""  # e.g. IntegrityError's first line may quote a value
    if "[SQL:" in first_line or "parameters" in first_line:
        first_line = ""
    return f"{type(orig).__name__}: {first_line[:200]}" if first_line else type(orig).__name__


def guarded(method: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    """Any exception of a store method (outside a session too, e.g. rebuilding a tracker from a stored
    event) becomes StoreUnavailable: Rasa's FailSafeTrackerStore would answer it from memory."""

    @functools.wraps(method)
    async def wrapper(self: "StrictSQLTrackerStore", *args: Any, **kwargs: Any) -> T:
        try:
            return await method(self, *args, **kwargs)
        except Exception as e:  # StoreUnavailable is a BaseException: it passes unchanged
            raise self.unavailable(e) from None

    return wrapper


class StrictSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQLTrackerStore without the silent fallbacks (see the module docstring)."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        dialect: Text = "sqlite",
        host: Optional[Text] = None,
        port: Optional[int] = None,
        db: Text = "rasa.db",
        username: Text = None,
        password: Text = None,
        event_broker: Optional[EventBroker] = None,
        login_db: Optional[Text] = None,
        query: Optional[Dict] = None,
        **kwargs: Dict[Text, Any],
    ) -> None:
        try:
            self._open(dialect, host, port, db, username, password, login_db, query)
        except TrackerStoreStartupError:
            raise
        except Exception as e:
            # e.g. a missing driver: Rasa's loader catches ImportError and AttributeError and carries on
            # with an in-memory store. A driver's name is worth showing; other texts may quote the URL.
            reason = f"{type(e).__name__}: {e}" if isinstance(e, ImportError) else describe_error(e)
            raise TrackerStoreStartupError(
                f"The tracker store cannot be set up ({reason}). Rasa will not start with an in-memory "
                f"store instead: that would lose conversations. Check TRACKER_STORE_URL and the driver."
            ) from None
        TrackerStore.__init__(self, domain, event_broker, **kwargs)
        logger.info(f"Tracker store: {self.where} (strict: no in-memory fallback).")

    def _open(
        self,
        dialect: Text,
        host: Optional[Text],
        port: Optional[int],
        db: Text,
        username: Optional[Text],
        password: Optional[Text],
        login_db: Optional[Text],
        query: Optional[Dict],
    ) -> None:
        # SQLTrackerStore.__init__ is not called: it retries some errors forever and carries on after
        # others. `login_db` (create the database if missing) is ignored on purpose: a missing database
        # is a configuration error to fix, not something to paper over with a new empty one.
        if login_db:
            logger.warning(
                "tracker_store.login_db is ignored: create the database explicitly "
                "(docs/production.md)."
            )
        port = validate_port(port)
        url = self.get_db_url(dialect, host, port, db, username, password, None, query)
        engine_kwargs = create_engine_kwargs(url)
        engine_kwargs["pool_pre_ping"] = True
        self.engine = sa.create_engine(url, **engine_kwargs)
        if self.engine.dialect.name == "postgresql":
            # Timeouts and keepalives against half-open connections (plugins/env.py).
            engine_kwargs.setdefault("connect_args", {}).update(env.postgresql_connect_args())
            self.engine.dispose()
            self.engine = sa.create_engine(url, **engine_kwargs)
        self.where = self._where()

        try:
            with self.engine.connect():
                pass
        except sqlalchemy.exc.SQLAlchemyError as e:
            raise TrackerStoreStartupError(
                f"The tracker store {self.where} cannot be opened ({describe_error(e)}). Rasa will not start "
                f"with an in-memory store instead: that would lose conversations. Check TRACKER_STORE_URL, "
                f"that the server is running and that the database exists (python -m ops.preflight)."
            ) from None
        try:
            self.Base.metadata.create_all(self.engine)
        except (
            sqlalchemy.exc.OperationalError,
            sqlalchemy.exc.ProgrammingError,
            sqlalchemy.exc.IntegrityError,
        ) as e:
            # Several instances starting at once may race to create the table: fine if one of them did.
            if not sa.inspect(self.engine).has_table(self.SQLEvent.__tablename__):
                raise TrackerStoreStartupError(
                    f"The tracker store {self.where} has no `events` table and it could not be created "
                    f"({describe_error(e)})."
                ) from None
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    def _where(self) -> str:
        url = self.engine.url
        if url.get_backend_name() == "sqlite":
            return f"sqlite file '{url.database}'"
        return (
            f"{url.get_backend_name()} database '{url.database}' at {url.host}:{url.port or 5432}"
        )

    def unavailable(self, error: BaseException) -> StoreUnavailable:
        logger.error(
            f"Tracker store unavailable: {self.where}: {describe_error(error)}. The patient gets "
            f"the clinic's phone number; nothing is stored elsewhere."
        )
        return StoreUnavailable(f"tracker store unavailable: {self.where}")

    @contextlib.contextmanager
    def session_scope(self) -> Generator["sa.orm.Session", None, None]:
        """Rasa's session scope without its `except ValueError: sys.exit(1)`."""
        try:
            session = self.sessionmaker()
        except Exception as e:
            raise self.unavailable(e) from None
        try:
            ensure_schema_exists(session)  # POSTGRESQL_SCHEMA, as Rasa's own store honours it
            yield session
        except Exception as e:
            raise self.unavailable(e) from None
        finally:
            with contextlib.suppress(Exception):
                session.close()

    @guarded
    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await super().retrieve(sender_id)

    @guarded
    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        return await super().retrieve_full_tracker(conversation_id)

    @guarded
    async def keys(self) -> Any:
        return await super().keys()

    async def save(self, tracker: DialogueStateTracker) -> None:
        try:
            await self._save(tracker)
        except StoreUnavailable:
            # The reply may already be on its way to the patient: this turn is lost, say so.
            logger.error(
                f"Tracker store: a turn could not be saved (unsaved turns since start: "
                f"{next(_unsaved_turns)})."
            )
            raise

    @guarded
    async def _save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
