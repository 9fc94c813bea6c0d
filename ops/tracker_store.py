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
- at run time, turns any database error into `StoreUnavailable`, which reaches channels/rest.py, so the
  patient gets the clinic's phone number (or the emergency reply) instead of a context-free answer, and
  nothing is written to a side store: the conversation resumes from the database when it is back;
- checks pooled connections before use (pool_pre_ping), so a restarted PostgreSQL is picked up by
  itself;
- logs the error's class and first line only, never SQL parameters.

endpoints.yml: `tracker_store: type: ops.tracker_store.StrictSQLTrackerStore` (the other keys as for
`type: SQL`).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Dict, Generator, Optional, Text

import sqlalchemy as sa
import sqlalchemy.exc
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore, create_engine_kwargs, validate_port
from rasa.shared.core.domain import Domain

import ops.settings

logger = logging.getLogger(__name__)



class StoreUnavailable(asyncio.CancelledError):
    """The conversation store cannot be read or written right now.

    It derives from asyncio.CancelledError (a BaseException) on purpose: Rasa wraps every tracker store
    in FailSafeTrackerStore, whose `except Exception` would swallow an ordinary error and carry on with
    an empty in-memory tracker. A CancelledError passes through that wrapper and Rasa's processor
    unchanged (the conversation lock is still released by its `finally`) and reaches channels/rest.py,
    which answers with the clinic's phone number, or the emergency reply when the text is a red flag.
    """


class TrackerStoreStartupError(RuntimeError):
    """The tracker store cannot be used at start: Rasa must not start."""


def describe_error(error: BaseException) -> str:
    """Class and first line of a database error, without SQL or parameters (they carry message text)."""
    orig = getattr(error, "orig", None) or error
    first_line = str(orig).strip().splitlines()[0] if str(orig).strip() else ""
    if isinstance(error, sqlalchemy.exc.StatementError) and not isinstance(error, sqlalchemy.exc.OperationalError):
        first_line = ""  # e.g. IntegrityError's first line may quote a value
    if "[SQL:" in first_line or "parameters" in first_line:
        first_line = ""
    return f"{type(orig).__name__}: {first_line[:200]}" if first_line else type(orig).__name__


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
        # SQLTrackerStore.__init__ is not called: it retries some errors forever and carries on after
        # others. `login_db` (create the database if missing) is ignored on purpose: a missing database
        # is a configuration error to fix, not something to paper over with a new empty one.
        if login_db:
            logger.warning("tracker_store.login_db is ignored: create the database explicitly "
                           "(docs/production.md).")
        port = validate_port(port)
        url = self.get_db_url(dialect, host, port, db, username, password, None, query)
        engine_kwargs = create_engine_kwargs(url)
        engine_kwargs["pool_pre_ping"] = True
        self.engine = sa.create_engine(url, **engine_kwargs)
        if self.engine.dialect.name == "postgresql":
            # Timeouts and keepalives against half-open connections (ops/settings.py).
            engine_kwargs.setdefault("connect_args", {}).update(ops.settings.postgresql_connect_args())
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
        except (sqlalchemy.exc.OperationalError, sqlalchemy.exc.ProgrammingError,
                sqlalchemy.exc.IntegrityError) as e:
            # Several instances starting at once may race to create the table: fine if one of them did.
            if not sa.inspect(self.engine).has_table(self.SQLEvent.__tablename__):
                raise TrackerStoreStartupError(
                    f"The tracker store {self.where} has no `events` table and it could not be created "
                    f"({describe_error(e)})."
                ) from None
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        TrackerStore.__init__(self, domain, event_broker, **kwargs)
        logger.info(f"Tracker store: {self.where} (strict: no in-memory fallback).")

    def _where(self) -> str:
        url = self.engine.url
        if url.get_backend_name() == "sqlite":
            return f"sqlite file '{url.database}'"
        return f"{url.get_backend_name()} database '{url.database}' at {url.host}:{url.port or 5432}"

    @contextlib.contextmanager
    def session_scope(self) -> Generator["sa.orm.Session", None, None]:
        try:
            with super().session_scope() as session:
                yield session
        except sqlalchemy.exc.SQLAlchemyError as e:
            logger.error(f"Tracker store unavailable: {self.where}: {describe_error(e)}. The patient gets "
                         f"the clinic's phone number; nothing is stored elsewhere.")
            raise StoreUnavailable(f"tracker store unavailable: {self.where}") from None
