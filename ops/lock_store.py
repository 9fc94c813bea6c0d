"""Rasa's Redis lock store, with atomic ticket handling.

Rasa 3.6.21's RedisLockStore issues a ticket with GET lock -> add ticket -> SET lock: three separate
Redis commands. Two Rasa instances receiving messages from the same patient at the same instant both
read "no lock", both issue ticket 0, both think they are being served, and both run the conversation at
once: one of the two messages disappears from the stored conversation although both patients' requests
got an answer (observed in tests/production/test_2_cluster.py; Rasa's fix, a "concurrent" Redis lock
store, went into the commercial edition only: RasaHQ/rasa#11256).

This store does the same thing in Redis transactions (WATCH / MULTI / EXEC, retried when another
instance changed the lock in between): ticket numbers are unique and served in order across all
instances. It also gives every lock key an expiry (the ticket lifetime plus a margin), so a lock left
by a killed instance cannot outlive its tickets.

endpoints.yml: `lock_store: type: ${LOCK_STORE_TYPE}` with LOCK_STORE_TYPE=ops.lock_store.AtomicRedisLockStore
(the other keys as for `type: redis`: url, port, db, password, key_prefix).
"""
from __future__ import annotations

import json
import logging
from typing import Any, Callable, Optional, Text, Tuple, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

T = TypeVar("T")
EXPIRY_MARGIN_SECONDS = 30


class AtomicRedisLockStore(RedisLockStore):
    """RedisLockStore whose read-modify-write steps are Redis transactions."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        # Rasa builds a lock store named by module path with `cls(endpoint_config=...)`.
        if endpoint_config is not None:
            settings = dict(endpoint_config.kwargs)
            settings.pop("type", None)
            kwargs = {"host": endpoint_config.url or "localhost", **settings, **kwargs}
        for key in ("port", "db"):
            if key in kwargs and kwargs[key] not in (None, ""):
                kwargs[key] = int(kwargs[key])
        super().__init__(**kwargs)

    def _transact(self, conversation_id: Text,
                  change: Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], T]],
                  lifetime: float = LOCK_LIFETIME) -> T:
        """Reads the lock, applies `change` (which returns the new lock, or None to delete it, and a
        result) and writes it back, atomically: retried if another instance wrote the lock meanwhile."""
        key = self.key_prefix + conversation_id
        while True:
            with self.red.pipeline() as pipe:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    new, result = change(lock)
                    pipe.multi()
                    if new is None:
                        if raw is not None:
                            pipe.delete(key)
                    else:
                        pipe.set(key, new.dumps(), ex=int(lifetime) + EXPIRY_MARGIN_SECONDS)
                    pipe.execute()
                    return result
                except redis.WatchError:
                    logger.debug("lock for a conversation changed concurrently; retrying")
                    continue

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def change(lock: Optional[TicketLock]) -> Tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._transact(conversation_id, change, lock_lifetime)
        except redis.RedisError as e:
            raise LockError(f"Error while acquiring lock: {type(e).__name__}") from e

    def update_lock(self, conversation_id: Text) -> None:
        def change(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._transact(conversation_id, change)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        def change(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._transact(conversation_id, change)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Removes the ticket, and the lock when nobody else waits: one transaction (Rasa does it in
        four commands, and can delete a lock another instance has just taken a ticket on)."""
        def change(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._transact(conversation_id, change)
